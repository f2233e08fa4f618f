"""The matching index and the snapshot saved with their store (coopgraph/core/matching/saved.py): used only for
the store they were saved for, and never when a file is not exactly what was written; a write outside the journal
removes them.
(`coopgraph serve` around it: tests/test_service_saved_index.py.)"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MatchIndex, match, similar
from coopgraph.core.matching.saved import INDEX_FILE, SNAPSHOT_FILE, loaded, read, save, store_key, usable_snapshot
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import Journal

NEEDS = ("riego", "agua potable y saneamiento", "hermanamiento con ciudades", "becas para estudiar en Japón")
EXTRA = ox.Quad(
    ox.NamedNode("http://example.org/saved/x"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    ox.Literal("x", language="es"),
    ox.NamedNode("http://example.org/saved/graph"),
)


@pytest.fixture
def disk(tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore.open(tmp_path / "store")
    ensure_loaded(store)
    return store


def _answers(index: MatchIndex) -> list[object]:
    found: list[object] = [match(index, need, requester="EC-L", lang="es").to_json() for need in NEEDS]
    found += [similar(index, actor, lang="en").to_json() for actor in sorted(index.kind_of)[:20]]
    return found


def test_a_saved_index_answers_as_the_one_built(disk: OxigraphStore) -> None:
    built = MatchIndex.build(disk)
    assert disk.path is not None
    save(built, disk, disk.path)
    found = loaded(read(disk.path), disk)
    assert found is not None and found.description is None
    index = found.index
    assert index is not built
    assert index.is_current(disk)
    assert _answers(index) == _answers(built)


def test_an_index_of_another_state_of_the_store_is_not_used(disk: OxigraphStore) -> None:
    assert disk.path is not None
    save(MatchIndex.build(disk), disk, disk.path)
    saved = read(disk.path)
    assert saved is not None
    journal = Journal(disk.oxigraph, disk.path, sync=False)
    journal.commit(Delta.from_nquads(str(EXTRA) + " .\n", ""))
    journal.close()
    assert loaded(saved, disk) is None  # one write through the journal: another version, another count


def test_a_write_outside_the_journal_removes_the_saved_index(disk: OxigraphStore) -> None:
    assert disk.path is not None
    save(MatchIndex.build(disk), disk, disk.path)
    disk.update(f"INSERT DATA {{ GRAPH {EXTRA.graph_name} {{ {EXTRA.subject} {EXTRA.predicate} {EXTRA.object} }} }}")
    assert not (disk.path / INDEX_FILE).exists()
    assert not (disk.path / SNAPSHOT_FILE).exists()


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01
    path.write_bytes(bytes(data))


def _other_code(path: Path) -> None:
    header, _, payload = path.read_bytes().partition(b"\n")
    path.write_bytes(json.dumps({**json.loads(header), "code": "other"}).encode() + b"\n" + payload)


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _not_an_index(path: Path) -> None:
    header, _, _payload = path.read_bytes().partition(b"\n")
    payload = pickle.dumps({"not": "an index"})
    fields = {**json.loads(header), "sha256": hashlib.sha256(payload).hexdigest()}
    path.write_bytes(json.dumps(fields).encode() + b"\n" + payload)


@pytest.mark.parametrize("spoil", [_flip, _other_code, _cut, _not_an_index, Path.unlink], ids=lambda f: f.__name__)
def test_a_file_that_is_not_what_was_written_is_not_used(disk: OxigraphStore, spoil: object) -> None:
    assert disk.path is not None and callable(spoil)
    save(MatchIndex.build(disk), disk, disk.path)
    spoil(disk.path / INDEX_FILE)
    assert read(disk.path) is None


def test_saving_removes_what_an_install_killed_midway_left(disk: OxigraphStore) -> None:
    assert disk.path is not None
    left = disk.path / f".{INDEX_FILE}.4242.tmp"
    left.write_bytes(b"half a file")
    save(MatchIndex.build(disk), disk, disk.path)
    assert not left.exists()
    assert read(disk.path) is not None


def test_the_snapshot_holds_the_store_and_serves_only_that_state_of_it(disk: OxigraphStore) -> None:
    assert disk.path is not None
    save(MatchIndex.build(disk), disk, disk.path)
    path = usable_snapshot(disk.path, store_key(disk))
    assert path == disk.path / SNAPSHOT_FILE
    copy = ox.Store()
    copy.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    assert len(copy) == len(disk.oxigraph) > 20_000  # (parsing names blank nodes anew, as a copy always did)
    assert {q for q in copy if _ground(q)} == {q for q in disk.oxigraph if _ground(q)}
    journal = Journal(disk.oxigraph, disk.path, sync=False)
    journal.commit(Delta.from_nquads(str(EXTRA) + " .\n", ""))
    journal.close()
    assert usable_snapshot(disk.path, store_key(disk)) is None  # another version of the store


def _ground(quad: ox.Quad) -> bool:
    return not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode)


def _same_size(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _unnamed(path: Path) -> None:
    """An index file whose header names no snapshot (as one saved by another version of this code would)."""
    index = path.parent / INDEX_FILE
    header, _, payload = index.read_bytes().partition(b"\n")
    fields = json.loads(header)
    del fields["snapshot"]
    index.write_bytes(json.dumps(fields).encode() + b"\n" + payload)


@pytest.mark.parametrize("spoil", [_same_size, _cut, _unnamed, Path.unlink], ids=lambda f: f.__name__)
def test_a_snapshot_that_is_not_what_was_written_is_not_used(disk: OxigraphStore, spoil: object) -> None:
    assert disk.path is not None and callable(spoil)
    save(MatchIndex.build(disk), disk, disk.path)
    spoil(disk.path / SNAPSHOT_FILE)
    assert usable_snapshot(disk.path, store_key(disk)) is None
