"""The Flask app factory: settings, the store, error handling, headers, one blueprint per feature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from coopgraph.core.resources import resource_dir
from coopgraph.core.store import Store
from coopgraph.web import (
    errors,
    explore,
    export,
    headers,
    health,
    match,
    pages,
    queries_api,
    register,
    sparql,
    writes,
)
from coopgraph.web.settings import open_store, resolve
from coopgraph.web.state import EXTENSION, SERVED_KEY, Coopgraph


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    store: Store | None = None,
) -> Flask:
    """Build the app; `config` overrides the settings (see coopgraph.web.settings), `store` replaces opening one.

    Without `store`, the on-disk store in `data_dir` is opened (or a fresh
    in-memory one with `memory`), and the shipped graphs are loaded on first start.
    Requests run to their end here: the time limit and the memory limit are
    kept by `coopgraph serve` (coopgraph/web/front.py), which runs this app in
    worker processes it can stop.
    """
    settings = resolve(config)
    front = resource_dir("service")  # the pages' templates and static files
    app = Flask(__name__, template_folder=front / "templates", static_folder=front / "static")
    app.config["MAX_CONTENT_LENGTH"] = int(settings["max_body_bytes"])
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update({key: value for key, value in (config or {}).items() if key.isupper()})
    owns_store = store is None
    if store is None:
        store = open_store(settings)
    app.extensions[EXTENSION] = Coopgraph(
        settings=settings, store=store, owns_store=owns_store, served=bool(app.config.get(SERVED_KEY))
    )
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries_api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(match.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(writes.bp)
    app.register_blueprint(register.bp)
    return app
