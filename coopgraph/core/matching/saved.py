"""The matching index saved beside the store it was read from, so that a restart loads it instead of building it.

Building the index reads the whole graph (about 15 s at 100,000 actors);
loading a saved one takes about 2 s. The file (`INDEX_FILE`, in the store's
folder) is one JSON header line, then the pickled index. The header holds
the key the index is valid for (`StoreKey`: the journal's version, the hash
of the shipped graphs, the number of quads), the format, a hash of the code
that builds the index (so an index built by other code is never used) and
the SHA-256 of the pickle. A file whose header does not match, whose pickle
does not hash to what the header says, or that cannot be read is ignored:
the caller builds the index again, it never fails nor answers from it.

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

INDEX_FILE = DERIVED_FILES[0]
FORMAT = 1
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


def write(index: MatchIndex, key: StoreKey, out: BinaryIO) -> None:
    """Write the file's content (the header, then the pickled index) for the store as `key` describes it."""
    payload = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    header = {"format": FORMAT, "code": code_hash(), "sha256": hashlib.sha256(payload).hexdigest(), **asdict(key)}
    out.write(json.dumps(header).encode() + b"\n")
    out.write(payload)


def install(source: BinaryIO, folder: Path) -> Path:
    """Copy a file's content (`write`) into `folder` atomically: a temporary file, synced, renamed, the folder
    synced; a crash at any point leaves the previous file or the new one, whole. One process at a time (the one
    holding the store's lock)."""
    target = folder / INDEX_FILE
    for left in folder.glob(f".{INDEX_FILE}.*.tmp"):  # what a process killed while installing left
        left.unlink(missing_ok=True)
    temporary = folder / f".{INDEX_FILE}.{os.getpid()}.tmp"
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
    """Save the index of `store` (as it is now) into `folder`."""
    buffer = io.BytesIO()
    write(index, store_key(store), buffer)
    buffer.seek(0)
    return install(buffer, folder)


def read(folder: Path) -> tuple[StoreKey, MatchIndex] | None:
    """The index saved in `folder` and the key it was saved for; None when there is none we may trust (logged)."""
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
        key = StoreKey(int(header["version"]), header["shipped"], int(header["quads"]))
        index = _unpickled(payload)
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged or foreign file: never a failure, the index is built instead
        log.warning("cannot read the saved matching index in %s (%s): building it again", folder, error)
        return None
    if not isinstance(index, MatchIndex):
        log.warning("the saved matching index in %s holds no index: building it again", folder)
        return None
    return key, index


def loaded(saved: tuple[StoreKey, MatchIndex] | None, store: OxigraphStore) -> MatchIndex | None:
    """The saved index if it was saved for the store as it is now, made current for it; else None."""
    if saved is None:
        return None
    key, index = saved
    if key != store_key(store):
        log.info("the saved matching index is of another state of the store (%s): building it again", key)
        return None
    index.signature = fingerprint(store)
    return index


def _unpickled(payload: bytes) -> Any:
    """Unpickle without the cyclic collector running meanwhile (it would walk the millions of objects made)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()
