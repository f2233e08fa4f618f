"""The service's shared objects, kept in `app.extensions["coopgraph"]`: settings and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from coopgraph.core.store import Store
from coopgraph.web.executor import Answer, QueryRequest, execute

EXTENSION = "coopgraph"


@dataclass
class Coopgraph:
    """What views share: the resolved settings and the store."""

    settings: dict[str, Any]
    store: Store
    owns_store: bool = True
    """False when the caller gave the store to `create_app`: then the caller closes it."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Derived views of the store, a fixed set of keys (the service description, the stored queries, the
    partner-matching index, the explorer's actor kinds); the writes issue must clear it on commit."""

    def run(self, query: QueryRequest) -> Answer:
        """Run one query and serialise its answer.

        It runs in the calling thread, to its end: the time limit belongs to the
        served layout (`coopgraph serve` stops a request past it by ending the
        worker process that runs it; coopgraph/web/front.py), since pyoxigraph
        cannot cancel a query.
        """
        return execute(self.store, query)

    def close(self) -> None:
        """Release the store (if the app opened it)."""
        if self.owns_store:
            self.store.close()


def coopgraph() -> Coopgraph:
    """The current app's shared objects."""
    state: Coopgraph = current_app.extensions[EXTENSION]
    return state
