"""The served layout of `coopgraph serve`: an HTTP front over worker processes forked from one data holder.

This process opens the on-disk store (its lock keeps other writers off the
data folder while it serves), binds the port, and runs the front
(coopgraph/web/front.py), which streams the store to the data holder and
hands each request to a worker (coopgraph/web/workers.py). The holder
keeps its copy in memory, and workers are forks of it; what the front writes
to the data folder is the journal and the holder's partner-matching index
(coopgraph/core/matching/saved.py), loaded at the next start instead of built.

With an engine (`--store sparql`: `EngineConfig`, coopgraph/web/engine.py)
there is no store on disk and nothing is streamed: this process checks that
the engine answers (loading the shipped graphs into it on a first start, as
`coopgraph load` would), and the holder and workers query the engine, through
the front's relay (coopgraph/web/relay.py).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable, Mapping
from typing import Any

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import EngineError, SparqlStore
from coopgraph.web.engine import EngineConfig
from coopgraph.web.front import StartError, serve
from coopgraph.web.settings import open_store

__all__ = ["StartError", "listen", "run"]
BACKLOG = 1024


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (StartError, naming --port, when the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise StartError(
                f"port {port} on {host} is in use (another coopgraph serve?): stop it, or choose another port "
                f"with --port (make serve PORT=8080)"
            ) from None
        raise StartError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(BACKLOG)
    listener.setblocking(False)
    return listener


def run(
    settings: Mapping[str, Any],
    *,
    host: str,
    port: int,
    announce: Callable[[socket.socket, list[str]], None] = lambda _listener, _layers: None,
    engine: EngineConfig | None = None,
) -> None:
    """Open the store the settings name (or the `engine`) and serve it until SIGTERM or Ctrl-C; `announce` once
    it answers."""
    listener = listen(host, port)
    try:
        store = open_store(settings) if engine is None else open_engine(engine)
        try:
            asyncio.run(serve(settings, store, listener, announce, engine=engine))
        finally:
            store.close()
    finally:
        listener.close()


def open_engine(engine: EngineConfig) -> SparqlStore:
    """The store on the engine, with the shipped graphs in it (StartError, naming the engine, if it fails)."""
    store = engine.open()
    try:
        ensure_loaded(store)
    except EngineError as error:
        store.close()
        raise StartError(f"cannot serve from the engine: {error}") from None
    return store
