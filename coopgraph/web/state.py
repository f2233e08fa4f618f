"""The service's shared objects, kept in `app.extensions["coopgraph"]`: settings and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request

from coopgraph.core.store import Store
from coopgraph.web.executor import Answer, QueryRequest
from coopgraph.web.time_limit import TimeLimit

EXTENSION = "coopgraph"


@dataclass
class Coopgraph:
    """What views share: the resolved settings, the store and the time limit on queries."""

    settings: dict[str, Any]
    store: Store
    limit: TimeLimit
    owns_store: bool = True
    """False when the caller gave the store to `create_app`: then the caller closes it."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Derived views of the store (the service description, the explorer's actor kinds); the writes issue must clear
    it on commit."""

    def run(self, query: QueryRequest, environ: dict[str, Any] | None = None) -> Answer:
        """Run one query of the current HTTP request (`environ`: its WSGI environ, if at hand) within the time limit."""
        return self.limit.run(self.store, query, request.environ if environ is None else environ)

    def close(self) -> None:
        """Release the store (if the app opened it)."""
        if self.owns_store:
            self.store.close()


def coopgraph() -> Coopgraph:
    """The current app's shared objects."""
    state: Coopgraph = current_app.extensions[EXTENSION]
    return state
