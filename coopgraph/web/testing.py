"""Serve an app with waitress on an ephemeral loopback port in a thread: real HTTP for tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server


@contextmanager
def live_server(app: Flask, *, threads: int = 8) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) while waitress serves `app`; stop it afterwards."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="coopgraph")
    port = server.socket.getsockname()[1]  # type: ignore[union-attr]
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # closing the sockets under a running select(): expected when stopping
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="waitress-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()
        server.close()
        wasyncore.close_all(server._map)  # type: ignore[union-attr]  # open client connections too: no leaked sockets
        thread.join(timeout=5)
