"""Loading the shipped graphs: first start, upgrade on changed files, rebuild, data folder, resources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coopgraph.core import loading
from coopgraph.core.loading import (
    CODELISTS_GRAPH,
    DATA_GRAPH,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    default_data_dir,
    ensure_loaded,
    rebuild,
    shipped_hash,
    shipped_sources,
    stored_hash,
)
from coopgraph.core.resources import RESOURCE_NAMES, resource_dir
from coopgraph.core.store import LoadError, OxigraphStore, StoreError


@pytest.fixture
def fake_shipped(tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Shipped folders of our own fixture files, so these tests do not depend on the project's data."""
    folders = {"ontology": tmp_path / "ontology", "graph": tmp_path / "graph"}
    (folders["graph"] / "codelists").mkdir(parents=True)
    folders["ontology"].mkdir()
    shutil.copy(fixtures_dir / "good.ttl", folders["ontology"] / "a.ttl")
    (folders["graph"] / "b.ttl").write_text('<http://example.org/b> <http://example.org/p> "b" .\n', encoding="utf-8")
    (folders["graph"] / "codelists" / "c.ttl").write_text(
        '<http://example.org/c> <http://example.org/p> "c" .\n', encoding="utf-8"
    )
    monkeypatch.setattr(loading, "resource_dir", lambda name: folders[name])
    return folders


def test_first_start_loads_then_is_current(memory_store: OxigraphStore, fake_shipped: dict[str, Path]) -> None:
    first = ensure_loaded(memory_store)
    assert first.status == "loaded"
    assert first.triples == {ONTOLOGY_GRAPH: 7, DATA_GRAPH: 1, CODELISTS_GRAPH: 1}
    assert stored_hash(memory_store) == shipped_hash()
    assert memory_store.graphs() == sorted([ONTOLOGY_GRAPH, DATA_GRAPH, CODELISTS_GRAPH, META_GRAPH])
    assert ensure_loaded(memory_store).status == "current"


def test_changed_shipped_files_are_reloaded(disk_store: OxigraphStore, fake_shipped: dict[str, Path]) -> None:
    ensure_loaded(disk_store)
    (fake_shipped["graph"] / "b.ttl").write_text(
        '<http://example.org/b2> <http://example.org/p> "b2" .\n'
        '<http://example.org/b3> <http://example.org/p> "b3" .\n',
        encoding="utf-8",
    )
    upgrade = ensure_loaded(disk_store)
    assert upgrade.status == "upgraded"
    subjects = [
        s["s"].value for s in disk_store.query("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", default_graph=[DATA_GRAPH])
    ]
    assert subjects == ["http://example.org/b2", "http://example.org/b3"]  # the old triple is gone
    assert disk_store.count(ONTOLOGY_GRAPH) == 7


def test_a_broken_shipped_file_leaves_the_store_as_it_was(
    memory_store: OxigraphStore, fake_shipped: dict[str, Path]
) -> None:
    ensure_loaded(memory_store)
    before = memory_store.dump(format="nquads")
    (fake_shipped["graph"] / "b.ttl").write_text("<http://example.org/b> <http://example.org/p> .\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"b\.ttl:1"):
        ensure_loaded(memory_store)
    assert memory_store.dump(format="nquads") == before


def test_rebuild_restores_a_damaged_graph(memory_store: OxigraphStore, fake_shipped: dict[str, Path]) -> None:
    ensure_loaded(memory_store)
    memory_store.update(f"DROP GRAPH <{DATA_GRAPH}>")
    assert ensure_loaded(memory_store).status == "current"  # the hash alone does not notice
    assert rebuild(memory_store).status == "rebuilt"
    assert memory_store.count(DATA_GRAPH) == 1


def test_user_graphs_survive_an_upgrade(
    memory_store: OxigraphStore, fake_shipped: dict[str, Path], fixtures_dir: Path
) -> None:
    ensure_loaded(memory_store)
    memory_store.load([fixtures_dir / "good2.nt"], graph=loading.LOCAL_GRAPH)
    (fake_shipped["ontology"] / "a.ttl").write_text("", encoding="utf-8")
    assert ensure_loaded(memory_store).status == "upgraded"
    assert memory_store.count(loading.LOCAL_GRAPH) == 2
    assert memory_store.count(ONTOLOGY_GRAPH) == 0


def test_the_real_shipped_graphs_load(shipped_store: OxigraphStore) -> None:
    sources = shipped_sources()
    assert sources[ONTOLOGY_GRAPH], "no ontology/*.ttl found"
    assert sources[DATA_GRAPH], "no graph/*.ttl found"
    for graph, paths in sources.items():
        if paths:
            assert shipped_store.count(graph) > 0, graph
    assert stored_hash(shipped_store) == shipped_hash(sources)


def test_default_data_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COOPGRAPH_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COOPGRAPH_DATA_DIR")
    assert default_data_dir().parts[-2:] == ("coopgraph", "store")


@pytest.mark.parametrize("name", RESOURCE_NAMES)
def test_resource_dirs_are_named_as_asked(name: str) -> None:
    assert resource_dir(name).name == name  # type: ignore[arg-type]


@pytest.mark.parametrize("name", RESOURCE_NAMES)
def test_resource_dirs_exist_in_the_source_tree(name: str) -> None:
    assert resource_dir(name).is_dir()  # type: ignore[arg-type]


def test_unknown_resource() -> None:
    with pytest.raises(ValueError, match="unknown resource"):
        resource_dir("secrets")  # type: ignore[arg-type]


def test_no_shipped_files_is_an_error_not_an_empty_store(
    memory_store: OxigraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "resource_dir", lambda name: tmp_path / "nothing")
    with pytest.raises(StoreError, match="no shipped data"):
        ensure_loaded(memory_store)
