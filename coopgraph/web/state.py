"""The service's shared objects, kept in `app.extensions["coopgraph"]`: settings, the store, caches, the writer."""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import current_app

from coopgraph.core.loading import default_data_dir
from coopgraph.core.matching import MatchIndex, patched_index, updated_index
from coopgraph.core.store import OxigraphStore, SparqlStore, Store
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import Journal, apply
from coopgraph.core.writes.plan import Plan, prepare
from coopgraph.core.writes.remote import Seeds, gather, update_text
from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.description import DESCRIPTION_KEY, Summary
from coopgraph.web.description import patched as patched_summary
from coopgraph.web.executor import Answer, QueryRequest, execute

log = logging.getLogger(__name__)

EXTENSION = "coopgraph"
INDEX_KEY = "match_index"
"""The cache key of the partner-matching index (coopgraph/web/match.py builds it; a write updates it)."""
LOCK_KEY = "match_index_lock"
SERVED_KEY = "COOPGRAPH_SERVED"
"""Flask config key set by the data holder of `coopgraph serve`: writes are then committed by the front."""
KEPT_KEYS = (LOCK_KEY, "stored queries")
"""Cache keys a write leaves in place (a lock; the stored queries, read from files); the service description's
counts and the matching index are patched (`after_write`); every other derived view of the data is dropped, to
be rebuilt on first use."""


@dataclass
class Coopgraph:
    """What views share: the resolved settings, the store, derived views, and the write path."""

    settings: dict[str, Any]
    store: Store
    owns_store: bool = True
    """False when the caller gave the store to `create_app`: then the caller closes it."""
    served: bool = False
    """True in the workers of `coopgraph serve`: their store is a copy, and the front commits writes."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Derived views of the store, a fixed set of keys (the service description, the stored queries, the
    partner-matching index, the explorer's actor kinds); `after_write` brings them up to date."""
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    serial: threading.Lock = field(default_factory=threading.Lock)
    """Held by a write from its prepare to its commit in this process (coopgraph.web.writes.write), so that what the
    operation read is still true when it commits: two POSTs of one form fill cannot both save."""
    version: int = 0
    """On a SPARQL engine: the writes committed through the service that this process has seen (the front's
    count; the embedded store keeps its own in the journal graph)."""
    stale_index: bool = False
    """True in a worker of `coopgraph serve` after a write it could not patch its matching index for (`after_write`
    with `rebuild` False): it matches with its older index, rather than build one (seconds at 100k actors), until
    the front replaces it by a fork of the data holder, which builds the new tables once."""
    _journal: Journal | None = None
    _tokens: TokenBook | None = None

    def __post_init__(self) -> None:
        if not self.served and isinstance(self.store, OxigraphStore):
            sync = bool(self.settings.get("sync_writes", True))
            self._journal = Journal(self.store.oxigraph, self.store.path, sync=sync)  # replays what a crash left

    def run(self, query: QueryRequest) -> Answer:
        """Run one query and serialise its answer.

        It runs in the calling thread, to its end: the time limit belongs to the
        served layout (`coopgraph serve` stops a request past it by ending the
        worker process that runs it; coopgraph/web/front.py), since pyoxigraph
        cannot cancel a query.
        """
        return execute(self.store, query)

    @property
    def tokens(self) -> TokenBook:
        """The write tokens of the data folder (re-read when the file changes)."""
        if self._tokens is None:
            folder = self.settings.get("data_dir")
            self._tokens = TokenBook(Path(folder) if folder else default_data_dir())
        return self._tokens

    def prepare(self, operation: Callable[[ox.Store], Delta], *, seeds: Seeds | None = None, **how: Any) -> Plan:
        """Run a write's operation and the gate on the store, leaving the store as it was (see core.writes).

        On a SPARQL engine they run on a small local store holding what `seeds` name (core.writes.remote);
        Unsupported when the write cannot be sent to the engine as one update.
        """
        if isinstance(self.store, OxigraphStore):
            with self.write_lock:
                return prepare(self.store.oxigraph, operation, **how)
        if seeds is None:
            raise RuntimeError("a write to a SPARQL engine needs the seeds of what it reads")
        local = gather(self.store, seeds)
        with self.write_lock:
            plan = prepare(local, operation, **how)
        update_text(plan.delta)  # Unsupported now, before the gate's verdict is sent anywhere
        plan.base = self.version
        return plan

    def commit(self, plan: Plan) -> int:
        """Commit a prepared write here (not in `coopgraph serve`, whose front commits); its version."""
        if isinstance(self.store, SparqlStore):
            with self.write_lock:
                self.store.update(update_text(plan.delta))  # one request: the engine's one transaction
                self.version += 1
                version = self.version
            self.after_write(plan.delta)
            return version
        if self._journal is None:
            raise RuntimeError("this app does not commit writes (the front of coopgraph serve does)")
        with self.write_lock:
            version = self._journal.commit(plan.delta)
            made = self._journal.applied
        self.after_write(plan.delta, made=made)
        return version

    def apply(self, delta: Delta, version: int, *, rebuild: bool = True) -> bool:
        """Apply a change the front committed (the data holder and the workers of `coopgraph serve`); on an
        engine, which holds it already, only note it. Whether the matching index was patched in place (see
        `after_write`)."""
        made = None
        with self.write_lock:
            if isinstance(self.store, OxigraphStore):
                made = apply(self.store.oxigraph, delta, version)
            else:
                self.version = version
        return self.after_write(delta, rebuild=rebuild, made=made)

    def after_write(self, delta: Delta, *, rebuild: bool = True, made: Delta | None = None) -> bool:
        """Bring the derived views up to date after `delta` was applied to the store: the matching index
        incrementally (when it was current before the write), the others dropped until next used. `made`: what
        the store's quads changed by, if more than `delta` (the journal's version number: the service description
        counts it).

        True when the matching index was patched in place (or kept); False when its tables were built again, or
        are still to be built: with `rebuild` False a write that needs them built again (seconds at 100k actors)
        leaves the index out of date (a worker of `coopgraph serve` is then replaced by a fork of the data holder,
        which builds it once), and so does a patch that failed (the index, maybe half patched, is dropped: the
        data holder builds it again at once, a worker is replaced)."""
        index: MatchIndex | None = self.cache.get(INDEX_KEY)
        current = index is not None and index.is_current(self.store)
        if isinstance(self.store, OxigraphStore | SparqlStore):
            self.store.changed()
        counted: Summary | None = self.cache.get(DESCRIPTION_KEY)
        for key in list(self.cache):
            if key not in KEPT_KEYS:
                del self.cache[key]
        if counted is not None and isinstance(self.store, OxigraphStore):  # (an engine's is counted again)
            self.cache[DESCRIPTION_KEY] = patched_summary(counted, self.store, made if made is not None else delta)
        if index is None or not current:
            self.stale_index = self.stale_index and not rebuild
            return False  # nothing to patch: the index is built on first use, as before the write (or kept stale)
        added, removed = list(delta.added), list(delta.removed)
        with self.cache.setdefault(LOCK_KEY, threading.Lock()):
            try:
                updated, patched = self._updated(index, added, removed, rebuild=rebuild)
            except Exception:
                log.exception("the partner-matching index could not be patched: dropped, to be built again")
                self.stale_index = False
                return False
            if updated is not None:
                self.cache[INDEX_KEY] = updated
            self.stale_index = updated is None
        return patched

    def _updated(
        self, index: MatchIndex, added: list[ox.Quad], removed: list[ox.Quad], *, rebuild: bool
    ) -> tuple[MatchIndex | None, bool]:
        """The matching index after a write (`index` patched in place, a new one built when `rebuild`, or None) and
        whether it was patched.

        The patch changes the index in place, so it must be this process's alone: so it is in the data holder
        (which serves no request) and in the workers of `coopgraph serve` (which patch between requests); in an
        app serving requests in threads, another request may be reading it, so a copy is patched (pickled and
        loaded: in proportion to the index, not to the write)."""
        if not self.served:
            index = pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        updated = patched_index(index, self.store, added, removed)
        if updated is not None:
            return updated, True
        return (updated_index(index, self.store, added, removed) if rebuild else None), False

    def close(self) -> None:
        """Release the store (if the app opened it)."""
        if self._journal is not None:
            self._journal.close()
        if self.owns_store:
            self.store.close()


def coopgraph() -> Coopgraph:
    """The current app's shared objects."""
    state: Coopgraph = current_app.extensions[EXTENSION]
    return state
