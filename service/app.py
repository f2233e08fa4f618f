"""The Flask app factory: settings, the store, error handling, headers, one blueprint per feature."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from graph.loading import default_data_dir, ensure_loaded
from graph.store import OxigraphStore, Store
from service import errors, explore, export, headers, health, match, pages, queries_api, sparql
from service.settings import resolve
from service.state import EXTENSION, Coopgraph
from service.workers import WorkerPool


def create_app(config: Mapping[str, Any] | None = None, *, store: Store | None = None) -> Flask:
    """Build the app; `config` overrides the settings (see service.settings), `store` replaces opening one.

    Without `store`, the on-disk store in `data_dir` is opened (or a fresh
    in-memory one with `memory`), and the shipped graphs are loaded on first start.
    """
    settings = resolve(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["max_body_bytes"])
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update({key: value for key, value in (config or {}).items() if key.isupper()})
    owns_store = store is None
    if store is None:
        store = _open_store(settings)
    workers = int(settings["workers"])
    pool = WorkerPool(store, size=workers, timeout_s=float(settings["query_timeout_s"])) if workers > 0 else None
    app.extensions[EXTENSION] = Coopgraph(settings=settings, store=store, pool=pool, owns_store=owns_store)
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries_api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(match.bp)
    app.register_blueprint(export.bp)
    return app


def _open_store(settings: Mapping[str, Any]) -> Store:
    if settings["memory"]:
        store: OxigraphStore = OxigraphStore.in_memory()
    else:
        store = OxigraphStore.open(Path(settings["data_dir"]) if settings["data_dir"] else default_data_dir())
    ensure_loaded(store)
    return store
