"""What a start of `coopgraph serve` needs, saved beside the store it was read from: the matching index and a snapshot.

Building the index reads the whole graph (about 15 s at 100,000 actors);
loading a saved one takes about 2 s. The file (`INDEX_FILE`, in the store's
folder) is one JSON header line, then the pickled index (with the service
description's counts, when there are). The header holds the key the
index is valid for (`StoreKey`: the journal's version, the hash of the
shipped graphs, the number of quads), the format, a hash of the code that
builds the index (so an index built by other code is never used) and the
SHA-256 of the pickle. A file whose header does not match, whose pickle
does not hash to what the header says, or that cannot be read is ignored:
the caller builds the index again, it never fails nor answers from it.

The **snapshot** (`SNAPSHOT_FILE`, plain N-Quads of the whole store) saves
the other half of a start: copying an on-disk store into the data holder's
memory spends ~6 s of 9-11 s decoding RocksDB at 100,000 actors, while
parsing the same quads from a file takes ~3 s (in native code, beside the
reading of the index). The index file's header gives its size and SHA-256;
`usable_snapshot` checks both, and the key, against the store before a
start uses it; a snapshot that fails any check is ignored (the store is
copied as before).

Pickle runs code named in the file it loads, so it is only ever given this
file: written by `coopgraph serve` itself (mode 0600) in the data folder it
serves, behind the lock on that folder, checked against its hash first. Every
write to an on-disk store outside the journal (a load, an update: see
`OxigraphStore.forget_derived`) removes the file, since it would not change
the journal's version; writes through the journal change the version.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from coopgraph.core.matching.facts import fingerprint
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.store import OxigraphStore
from coopgraph.core.store.oxigraph import DERIVED_FILES

log = logging.getLogger(__name__)

INDEX_FILE, SNAPSHOT_FILE = DERIVED_FILES
FORMAT = 2
"""The layout of the file; bump it when the header or the pickled object changes shape."""
_PACKAGE = Path(__file__).parent


@dataclass(frozen=True)
class StoreKey:
    """What a saved index must agree with to be used: the store's content, as far as it can be told cheaply."""

    version: int
    """The journal's version (coopgraph.core.writes.journal.stored_version): bumped by every served write."""
    shipped: str | None
    """The hash of the shipped graphs last loaded (coopgraph.core.loading.stored_hash)."""
    quads: int


def store_key(store: OxigraphStore) -> StoreKey:
    """The key of a store as it is now (a fraction of a second at 100,000 actors: counting its quads)."""
    from coopgraph.core.loading import stored_hash
    from coopgraph.core.writes.journal import stored_version

    return StoreKey(stored_version(store.oxigraph), stored_hash(store), len(store.oxigraph))


@cache
def code_hash() -> str:
    """A hash of the code and data the index is built with (this package's files) and of what unpickles it."""
    digest = hashlib.sha256(f"{sys.version}|{pickle.HIGHEST_PROTOCOL}|networkx {nx.__version__}".encode())
    for path in sorted(_PACKAGE.iterdir()):
        if path.suffix in (".py", ".toml"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Saved:
    """What the index file holds: the key it was saved for, the index, what the service description counts (or
    None) and the snapshot's size and SHA-256 (None: no snapshot was saved with it)."""

    key: StoreKey
    index: MatchIndex
    description: object = None
    """What the service description counts (coopgraph/web/description.py's `Summary`), or None."""
    snapshot: tuple[int, str] | None = None


def write(
    index: MatchIndex, key: StoreKey, out: BinaryIO, *, description: object = None, snapshot: BinaryIO | None = None
) -> None:
    """Write the file's content (the header, then the pickled index) for the store as `key` describes it; with
    `snapshot`, the header names that file's size and hash (it holds the store's N-Quads, see `write_snapshot`)."""
    payload = pickle.dumps({"index": index, "description": description}, protocol=pickle.HIGHEST_PROTOCOL)
    header: dict[str, Any] = {
        "format": FORMAT,
        "code": code_hash(),
        "sha256": hashlib.sha256(payload).hexdigest(),
        **asdict(key),
    }
    if snapshot is not None:
        header["snapshot"] = list(_measure(snapshot))
    out.write(json.dumps(header).encode() + b"\n")
    out.write(payload)


def write_snapshot(store: OxigraphStore, out: BinaryIO) -> None:
    """Write the store's N-Quads (a snapshot of its content, for `usable_snapshot`)."""
    import pyoxigraph as ox

    store.oxigraph.dump(output=out, format=ox.RdfFormat.N_QUADS)


def _measure(data: BinaryIO) -> tuple[int, str]:
    """The size and SHA-256 of a file's content, read from its start (hashlib lets go of the GIL meanwhile)."""
    data.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := data.read(1 << 22):
        digest.update(chunk)
        size += len(chunk)
    data.seek(0)
    return size, digest.hexdigest()


def usable_snapshot(folder: Path, key: StoreKey) -> Path | None:
    """The snapshot in `folder` when the index file's header names it, with the key `key` (the store's now),
    and the file has the size and hash the header gives; else None (logged)."""
    found = snapshot_of(folder, key)
    return found[0] if found is not None and found[1] == key.version else None


def snapshot_of(folder: Path, key: StoreKey) -> tuple[Path, int] | None:
    """The snapshot in `folder` and the journal's version it was saved at, when the index file's header names
    it, the file has the size and hash the header gives, and it was saved of the store with the key `key` (the
    store's now) or of an earlier state of it: the same shipped graphs, an earlier version (what the journal's
    writes since then made of it; any other change removes the saved files: `OxigraphStore.forget_derived`);
    else None (logged)."""
    path = folder / SNAPSHOT_FILE
    try:
        with (folder / INDEX_FILE).open("rb") as data:
            header = json.loads(data.readline())
        named = header.get("snapshot")
        if header.get("format") != FORMAT or not named:
            return None
        saved = _key(header)
        if saved != key and not (saved.shipped == key.shipped and saved.version < key.version):
            return None
        with path.open("rb") as snapshot:
            if _measure(snapshot) != (int(named[0]), str(named[1])):
                log.warning("the store snapshot in %s is damaged: copying the store instead", folder)
                return None
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged or foreign file: the store is copied instead
        log.warning("cannot read the store snapshot in %s (%s): copying the store instead", folder, error)
        return None
    return path, saved.version


def saved_version(folder: Path) -> int | None:
    """The journal's version the index file in `folder` (and its snapshot) was saved at; None if unreadable."""
    try:
        with (folder / INDEX_FILE).open("rb") as data:
            return _key(json.loads(data.readline())).version
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _key(header: dict[str, Any]) -> StoreKey:
    return StoreKey(int(header["version"]), header["shipped"], int(header["quads"]))


def install(source: BinaryIO, folder: Path, name: str = INDEX_FILE) -> Path:
    """Copy a file's content (`write`, or `write_snapshot` with `SNAPSHOT_FILE`) into `folder` atomically: a
    temporary file, synced, renamed, the folder synced; a crash at any point leaves the previous file or the new
    one, whole. One process at a time (the one holding the store's lock). Install the snapshot first: the index
    file names it, so a crash between the two leaves a snapshot no header names (unused), never a wrong one."""
    target = folder / name
    for left in folder.glob(f".{name}.*.tmp"):  # what a process killed while installing left
        left.unlink(missing_ok=True)
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return target


def save(index: MatchIndex, store: OxigraphStore, folder: Path) -> Path:
    """Save the index of `store` (as it is now) and a snapshot of the store into `folder`, as `coopgraph serve`
    does (coopgraph/web/index_saver.py)."""
    snapshot, buffer = io.BytesIO(), io.BytesIO()
    write_snapshot(store, snapshot)
    write(index, store_key(store), buffer, snapshot=snapshot)
    install(snapshot, folder, SNAPSHOT_FILE)
    buffer.seek(0)
    return install(buffer, folder)


def read(folder: Path) -> Saved | None:
    """What `folder`'s index file holds; None when there is nothing we may trust (logged)."""
    path = folder / INDEX_FILE
    try:
        with path.open("rb") as data:
            header = json.loads(data.readline())
            if header.get("format") != FORMAT or header.get("code") != code_hash():
                log.info("the saved matching index in %s was written by other code: building it again", folder)
                return None
            payload = data.read()
        if hashlib.sha256(payload).hexdigest() != header["sha256"]:
            log.warning("the saved matching index in %s is damaged: building it again", folder)
            return None
        content = _unpickled(payload)
        index, description = content["index"], content["description"]
        named = header.get("snapshot")
        snapshot = (int(named[0]), str(named[1])) if named else None
        found = Saved(_key(header), index, description, snapshot)
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged or foreign file: never a failure, the index is built instead
        log.warning("cannot read the saved matching index in %s (%s): building it again", folder, error)
        return None
    if not isinstance(index, MatchIndex):
        log.warning("the saved matching index in %s holds no index: building it again", folder)
        return None
    return found


def loaded(saved: Saved | None, store: OxigraphStore) -> Saved | None:
    """What was saved, if it was saved for the store as it is now, its index made current for it; else None."""
    if saved is None:
        return None
    if saved.key != store_key(store):
        log.info("the saved matching index is of another state of the store (%s): building it again", saved.key)
        return None
    saved.index.signature = fingerprint(store)
    return saved


def _unpickled(payload: bytes) -> Any:
    """Unpickle without the cyclic collector running meanwhile (it would walk the millions of objects made)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()
