"""The store a service test runs on: the embedded Oxigraph store, or a SPARQL engine from tests/engines.py.

A module (or a test) marked `backends` runs once per entry of `engines.BACKENDS`
(tests/conftest.py parametrises `store_backend` with them, the id naming the
backend). Its `app` / `client` then run the app over that backend's store, and
`Backend.live` serves it over real HTTP: waitress over the embedded store, the
real `coopgraph serve --store sparql` over the engine (relay, sandbox, workers
and all). Each engine is started once per session and loaded with the shipped
graphs, shared read-only like `shipped_store`; `Backend.fresh` gives a test
that writes an engine of its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines import EMBEDDED, ENGINES, Engine
from served import Served, serving_config

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore, Store
from coopgraph.web.app import create_app
from coopgraph.web.testing import live_server


@dataclass
class Backend:
    """One backend: its name, a store of the shipped graphs, and the engine holding it (None when embedded)."""

    name: str
    store: Store
    engine: Engine | None
    folder: Path

    @property
    def embedded(self) -> bool:
        return self.engine is None

    def live(self, config: dict[str, Any] | None = None) -> AbstractContextManager[str]:
        """The service with these settings over real HTTP until the block ends: its base URL. Embedded: `create_app`
        in waitress over the store; on an engine: `coopgraph serve --store sparql` on it, its data folder (tokens)
        `config["data_dir"]` or a fresh empty one."""
        return self._live(dict(config or {}))

    @contextmanager
    def _live(self, config: dict[str, Any]) -> Iterator[str]:
        if self.engine is None:
            with live_server(create_app(config, store=self.store)) as base:
                yield base
            return
        with self.serve(config) as served:
            yield served.base

    @contextmanager
    def serve(self, config: dict[str, Any] | None = None) -> Iterator[Served]:
        """The real `coopgraph serve` (front, holder, workers) with these settings until the block ends. Embedded:
        on the store the settings name (`data_dir`, or `memory`), not this backend's; on an engine: `--store sparql`
        on this backend's engine, its data folder (tokens) `config["data_dir"]` or a fresh empty one."""
        config = dict(config or {})
        folder = config.setdefault("data_dir", tempfile.mkdtemp(dir=self.folder))
        if self.engine is not None:
            config["engine"] = self.engine.endpoints()
        with serving_config(config, env={"COOPGRAPH_DATA_DIR": str(folder)}) as served:
            yield served

    @contextmanager
    def fresh(self, *, shipped: bool = True) -> Iterator[Backend]:
        """The same backend on a store of its own that a test may write, with the shipped graphs (or empty): in
        memory, or on an engine started for it; ended with the block. (`live` on an engine loads the shipped graphs
        into it all the same, as `coopgraph serve --store sparql` does on a first start.)"""
        backend = start_backend(self.name, None, Path(tempfile.mkdtemp(dir=self.folder)), shipped=shipped)
        try:
            yield backend
        finally:
            backend.stop()

    def stop(self) -> None:
        """Close the store and end the engine (by its own handle)."""
        self.store.close()
        if self.engine is not None:
            self.engine.stop()


def start_backend(name: str, store: Store | None, folder: Path, *, shipped: bool = True) -> Backend:
    """`name`'s backend, with the shipped graphs unless `shipped` is False: over `store` (embedded; default a new
    one in memory), or on that engine started in `folder`."""
    engine = None if name == EMBEDDED else ENGINES[name](folder)
    store = store or (OxigraphStore.in_memory() if engine is None else engine.store())
    if shipped:
        ensure_loaded(store)
    return Backend(name, store, engine, folder)
