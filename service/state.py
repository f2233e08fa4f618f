"""The service's shared objects, kept in `app.extensions["coopgraph"]`: settings and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from graph.store import Store
from service.executor import Answer, QueryRequest, execute
from service.workers import WorkerPool

EXTENSION = "coopgraph"


@dataclass
class Coopgraph:
    """What views share: the resolved settings, the store (owned by this process) and the query workers."""

    settings: dict[str, Any]
    store: Store
    pool: WorkerPool | None = None
    owns_store: bool = True
    cache: dict[str, Any] = field(default_factory=dict)
    """Derived views of the store (the service description); the writes issue must clear it on commit."""
    """False when the caller gave the store to `create_app`: then the caller closes it."""

    def run(self, request: QueryRequest) -> Answer:
        """Run one query on a worker, within the time limit (with `workers=0`, in this thread, unlimited)."""
        if self.pool is None:
            return execute(self.store, request)
        return self.pool.run(request)

    def close(self) -> None:
        """Stop the workers and release the store (if the app opened it)."""
        if self.pool is not None:
            self.pool.close()
        if self.owns_store:
            self.store.close()


def coopgraph() -> Coopgraph:
    """The current app's shared objects."""
    state: Coopgraph = current_app.extensions[EXTENSION]
    return state
