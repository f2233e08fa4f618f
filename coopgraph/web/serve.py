"""The served layout: the service under waitress in pre-forked request processes (`coopgraph serve`).

This process (the supervisor) opens the store, writes an N-Quads snapshot of
it, and starts the request processes (coopgraph/web/prefork.py); each loads the
snapshot into an in-memory store and serves the app built by `request_app`.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coopgraph.core.store import OxigraphStore
from coopgraph.web import prefork
from coopgraph.web.app import create_app, open_store

SNAPSHOT_KEY = "snapshot"
"""The configuration entry naming the snapshot file a request process loads."""


def request_app(config: Mapping[str, Any], retire: Callable[[], None]) -> prefork.WSGIApp:
    """The app of one request process: the settings, over an in-memory copy of the snapshot.

    A query past the time limit retires the process, which frees its CPU.
    """
    settings = {key: value for key, value in config.items() if key != SNAPSHOT_KEY}
    memory = ox.Store()
    memory.bulk_load(path=config[SNAPSHOT_KEY], format=ox.RdfFormat.N_QUADS)
    return create_app(settings, store=OxigraphStore(memory), on_overrun=lambda _timeout: retire()).wsgi_app


def run(
    settings: Mapping[str, Any],
    *,
    host: str,
    port: int,
    announce: Callable[[socket.socket], None] = lambda _: None,
) -> None:
    """Open the store the settings name, snapshot it, and serve it from pre-forked request processes until stopped."""
    processes, threads = int(settings["processes"]), int(settings["threads"])
    store = open_store(settings)  # held while serving: its lock keeps other writers off the data folder
    folder = Path(tempfile.mkdtemp(prefix="coopgraph-snapshot-"))
    try:
        snapshot = folder / "snapshot.nq"
        snapshot.write_bytes(store.dump(format="nquads"))

        prefork.serve(
            "coopgraph.web.serve:request_app",
            {**settings, SNAPSHOT_KEY: str(snapshot)},
            host=host,
            port=port,
            processes=processes,
            threads=threads,
            on_ready=announce,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        store.close()
