"""Commit a change so that it is never lost nor half applied: a synced write-ahead log, then the store.

Oxigraph does not sync its own log on each commit, and a change that adds
and removes quads takes more than one of its transactions. So `commit`
first appends the change to `writes.log` in the data folder and fsyncs it
(the write is then durable, even against a power cut), then applies it to
the store: the removals, then the additions together with the journal's
version number (one transaction). Opening a journal replays the logged
changes the store's version number says are missing (applying a change
twice gives the same store), then empties the log.

A log line that is not a whole record (the process died while writing it)
was never acknowledged: recovery drops it.

`coopgraph serve` keeps the log instead (`keep=True`): the records since the
snapshot of the store last saved beside it (coopgraph/core/matching/saved.py)
are what a start after a crash replays into that snapshot
(`changes_since`), rather than copying the whole store and building the
matching index again (~30 s at 100k actors); it drops the older ones once
a newer snapshot is saved (`forget_through`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from coopgraph.core.vocab import GRAPH_BASE, XSD
from coopgraph.core.writes.delta import Delta

LOG_FILE = "writes.log"
JOURNAL_GRAPH = GRAPH_BASE + "journal"
"""Where the store keeps the journal's version number (a protected graph: coopgraph/core/writes/gate.py)."""
VERSION = ox.NamedNode("https://w3id.org/coopgraph/meta#writeVersion")
_GRAPH = ox.NamedNode(JOURNAL_GRAPH)


def _version_quad(version: int) -> ox.Quad:
    return ox.Quad(_GRAPH, VERSION, ox.Literal(str(version), datatype=ox.NamedNode(XSD + "integer")), _GRAPH)


def stored_version(store: ox.Store) -> int:
    """The number of the last change applied to `store` (0: none)."""
    for quad in store.quads_for_pattern(_GRAPH, VERSION, None, _GRAPH):
        if isinstance(quad.object, ox.Literal):
            return int(quad.object.value)
    return 0


def apply(store: ox.Store, delta: Delta, version: int | None = None) -> Delta:
    """Apply `delta` (removals, then additions in one transaction with the new version number, if any); the
    change made, the version number's included (what a count of the store's quads sees: the first write of a
    store adds the version's quad)."""
    made = Delta(set(delta.added), set(delta.removed))
    for quad in delta.removed:
        store.remove(quad)
    added: list[ox.Quad] = list(delta.added)
    if version is not None:
        for old in list(store.quads_for_pattern(_GRAPH, VERSION, None, _GRAPH)):
            store.remove(old)
            made.remove(old)
        added.append(_version_quad(version))
        made.add(added[-1])
    store.extend(added)
    return made


_CLOSED = ox.Store()
"""What a closed journal points to instead of its store (an empty store in memory)."""


class Journal:
    """The write-ahead log of one store; `folder` None keeps no log (an in-memory store: nothing to recover).

    `keep`: the log keeps its records after recovery and after `close` (see the module docstring); the owner
    drops them with `forget_through`."""

    def __init__(self, store: ox.Store, folder: Path | None, *, sync: bool = True, keep: bool = False) -> None:
        self.store = store
        self.sync = sync
        """fsync each record before applying it (off: a power cut may lose the last records; a kill never does)."""
        self.keep = keep
        self.path = Path(folder) / LOG_FILE if folder is not None else None
        self.version = stored_version(store)
        self._log = None
        self.applied = Delta()
        """What the last commit changed in the store, the version number's quad included (`apply`)."""
        self._lock = threading.Lock()
        """Serialises the log's appends and rewrites (commits and `forget_through` come from different threads)."""
        if self.path is not None:
            self.recover()
            self._log = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open for the journal's life

    def recover(self) -> int:
        """Apply the logged changes the store is missing, make the store durable, and empty the log (with `keep`,
        keep its whole records: a record cut short is dropped, so that the next one starts a line); how many."""
        assert self.path is not None
        replayed = 0
        kept: list[bytes] = []
        if self.path.exists():
            for version, added, removed in _records(self.path.read_bytes()):
                kept.append(_line(version, added, removed))
                if version > self.version:
                    apply(self.store, Delta.from_nquads(added, removed), version)
                    self.version = version
                    replayed += 1
        self.store.flush()
        _replace(self.path, b"".join(kept) if self.keep else b"")
        return replayed

    def changes_since(self, version: int) -> Delta | None:
        """The net change of the logged writes after `version` up to the journal's version (one `Delta`: applied
        to the store as it was at `version`, it gives the store as it is); None if the log lacks one of them."""
        assert self.path is not None
        with self._lock:
            records = [record for record in _records(self.path.read_bytes()) if record[0] > version]
        if [record[0] for record in records] != list(range(version + 1, self.version + 1)):
            return None
        net = Delta()  # each record holds what its write really added and removed: so does their sum
        for _, added, removed in records:
            change = Delta.from_nquads(added, removed)
            for quad in change.removed:
                net.remove(quad)
            for quad in change.added:
                net.add(quad)
        return net

    def forget_through(self, version: int) -> None:
        """Drop the logged writes up to `version` (included) from the log: a snapshot of the store as it was at
        `version` is saved, or the store is as it was then and nothing is to be replayed."""
        if self.path is None or self._log is None:
            return
        self.store.flush()  # the store holds those writes durably before the log lets go of them
        with self._lock:
            if self._log is None:  # closed meanwhile
                return
            kept = [_line(*record) for record in _records(self.path.read_bytes()) if record[0] > version]
            self._log.close()
            _replace(self.path, b"".join(kept))
            self._log = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open for the journal's life

    def commit(self, delta: Delta) -> int:
        """Log `delta` (synced), apply it; its version number."""
        if self.store is _CLOSED:
            raise RuntimeError("the journal is closed")
        version = self.version + 1
        if self._log is not None:
            with self._lock:
                # unbuffered: in the kernel now, safe from a killed process
                self._log.write(_line(version, *delta.to_nquads()))
                if self.sync:
                    os.fsync(self._log.fileno())
        self.applied = apply(self.store, delta, version)
        self.version = version
        return version

    def close(self) -> None:
        """Make the store durable, empty the log (a clean stop leaves nothing to replay; with `keep`, leave it as
        it is), and let go of the store (so that closing it releases its folder)."""
        if self._log is not None and self.path is not None:
            self.store.flush()
            with self._lock:
                self._log.close()
                self._log = None
            if not self.keep:
                _replace(self.path, b"")
        self.store = _CLOSED


def _line(version: int, added: str, removed: str) -> bytes:
    """One record of the log: a JSON line."""
    return (json.dumps({"v": version, "added": added, "removed": removed}, ensure_ascii=False) + "\n").encode("utf-8")


def _records(data: bytes) -> Iterable[tuple[int, str, str]]:
    """(version, added, removed) of each whole record of a log; stops at the first line that is not one (a
    write cut short)."""
    for line in data.split(b"\n")[:-1]:  # the part after the last newline was never finished
        try:
            record = json.loads(line)
            version, added, removed = record["v"], record["added"], record["removed"]
        except (ValueError, TypeError, KeyError):
            return
        if not (isinstance(version, int) and isinstance(added, str) and isinstance(removed, str)):
            return
        yield version, added, removed


def _replace(path: Path, content: bytes) -> None:
    """Write `path` whole (a temporary file, synced, renamed over it, and the folder synced)."""
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
