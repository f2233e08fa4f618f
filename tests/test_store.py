"""The store: interface, union default graph, atomic loads, formats, hazards, rdflib copies."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from coopgraph.core.store import FORMATS, LoadError, OxigraphStore, Store, rdf_format

G1 = "http://example.org/graph/one"
G2 = "http://example.org/graph/two"


def snapshot(store: OxigraphStore) -> tuple[int, bytes]:
    """Everything observable about a store's content: quad count and a full N-Quads dump."""
    return store.count(), store.dump(format="nquads")


def test_both_constructors_satisfy_the_protocol(tmp_path: Path) -> None:
    with OxigraphStore.in_memory() as memory, OxigraphStore.open(tmp_path / "s") as disk:
        assert isinstance(memory, Store)
        assert isinstance(disk, Store)


@pytest.mark.parametrize(
    ("name", "triples"),
    [("good.ttl", 7), ("good2.nt", 2), ("good.rdf", 1), ("good.jsonld", 1)],
)
def test_load_each_format_by_suffix(any_store: OxigraphStore, fixtures_dir: Path, name: str, triples: int) -> None:
    assert any_store.load([fixtures_dir / name], graph=G1) == triples
    assert any_store.count(G1) == triples
    assert any_store.graphs() == [G1]


def test_load_several_files_into_one_graph(any_store: OxigraphStore, fixtures_dir: Path) -> None:
    seen: list[tuple[str, int]] = []
    count = any_store.load(
        [fixtures_dir / "good.ttl", fixtures_dir / "good2.nt"], graph=G1, progress=lambda p, n: seen.append((p.name, n))
    )
    assert count == 9 == any_store.count(G1)
    assert seen == [("good.ttl", 7), ("good2.nt", 2)]


def test_default_graph_is_the_union_unless_a_dataset_is_given(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    memory_store.load([fixtures_dir / "good.ttl"], graph=G1)
    memory_store.load([fixtures_dir / "good2.nt"], graph=G2)
    ask = "SELECT ?s WHERE { ?s a <http://example.org/Thing> } ORDER BY ?s"
    union = [s["s"].value for s in memory_store.query(ask)]
    assert union == ["http://example.org/alpha", "http://example.org/beta"]
    only_two = [s["s"].value for s in memory_store.query(ask, default_graph=[G2])]
    assert only_two == ["http://example.org/beta"]
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert [s["g"].value for s in memory_store.query(named, named_graphs=[G1])] == [G1]
    assert [s["g"].value for s in memory_store.query(named)] == [G1, G2]


def test_query_result_kinds(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    memory_store.load([fixtures_dir / "good2.nt"], graph=G1)
    assert isinstance(memory_store.query("SELECT * WHERE { ?s ?p ?o }"), ox.QuerySolutions)
    assert bool(memory_store.query("ASK { ?s ?p ?o }")) is True
    triples = memory_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(triples, ox.QueryTriples)
    assert len(list(triples)) == 2


def test_update_and_clear(memory_store: OxigraphStore) -> None:
    memory_store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> 1 }} }}")
    assert memory_store.count(G1) == 1
    memory_store.clear()
    assert memory_store.count() == 0
    assert memory_store.graphs() == []


@pytest.mark.parametrize(
    ("bad", "message", "line", "column"),
    [
        ("bad-syntax.ttl", "is not a valid predicate", 5, 10),
        ("entity.rdf", "DOCTYPE or ENTITY", 3, 1),
        ("named.trig", "Named graphs are not allowed", None, None),
        ("data.unknown", "valid suffixes: .ttl", None, None),
        ("missing.ttl", "no such file", None, None),
    ],
)
def test_failed_load_changes_nothing(
    any_store: OxigraphStore, fixtures_dir: Path, bad: str, message: str, line: int | None, column: int | None
) -> None:
    any_store.load([fixtures_dir / "good.ttl"], graph=G1)
    before = snapshot(any_store)
    with pytest.raises(LoadError) as caught:
        # the good file comes first: it is parsed but must not be written
        any_store.load([fixtures_dir / "good2.nt", fixtures_dir / bad], graph=G1)
    assert message in str(caught.value)
    assert caught.value.file == str(fixtures_dir / bad)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert snapshot(any_store) == before


def test_failed_replace_changes_nothing(any_store: OxigraphStore, fixtures_dir: Path) -> None:
    any_store.load([fixtures_dir / "good.ttl"], graph=G1)
    before = snapshot(any_store)
    with pytest.raises(LoadError):
        any_store.load([fixtures_dir / "bad-syntax.ttl"], graph=G1, replace=True)
    assert snapshot(any_store) == before


def test_replace_swaps_one_graph_only(any_store: OxigraphStore, fixtures_dir: Path) -> None:
    any_store.load([fixtures_dir / "good.ttl"], graph=G1)
    any_store.load([fixtures_dir / "good2.nt"], graph=G2)
    assert any_store.load([fixtures_dir / "good.rdf"], graph=G1, replace=True) == 1
    assert any_store.count(G1) == 1
    assert any_store.count(G2) == 2
    # replacing with blank nodes keeps their structure
    any_store.load([fixtures_dir / "good.ttl"], graph=G2, replace=True)
    parts = "SELECT ?label WHERE { <http://example.org/alpha> <http://example.org/part> [ ?p ?label ] }"
    assert [s["label"].value for s in any_store.query(parts, default_graph=[G2])] == ["parte"]


def test_unknown_format_name_lists_valid_ones(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    with pytest.raises(LoadError, match="valid formats: turtle, ntriples"):
        memory_store.load([fixtures_dir / "good.ttl"], graph=G1, format="yaml")
    assert memory_store.count() == 0


def test_explicit_format_overrides_suffix(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    assert memory_store.load([fixtures_dir / "data.unknown"], graph=G1, format="ntriples") == 1


def test_invalid_graph_iri_is_a_load_error(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    with pytest.raises(LoadError, match="not a valid graph IRI"):
        memory_store.load([fixtures_dir / "good.ttl"], graph="not an iri")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("turtle", "TURTLE"),
        (".ttl", "TURTLE"),
        ("nt", "N_TRIPLES"),
        ("RDFXML", "RDF_XML"),
        ("jsonld", "JSON_LD"),
        ("trig", "TRIG"),
    ],
)
def test_rdf_format_by_name_or_suffix(name: str, expected: str) -> None:
    assert rdf_format(name) == getattr(ox.RdfFormat, expected)


def test_rdf_format_unknown() -> None:
    with pytest.raises(ValueError, match="valid formats: " + ", ".join(FORMATS)):
        rdf_format("yaml")


def test_dump_one_graph_and_the_dataset(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    memory_store.load([fixtures_dir / "good2.nt"], graph=G1)
    turtle = memory_store.dump(graph=G1, format="turtle")
    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == 2
    nquads = memory_store.dump(format="nquads")
    assert nquads.count(f"<{G1}> .".encode()) == 2
    with pytest.raises(ValueError, match="dataset format"):
        memory_store.dump(format="turtle")


def test_disk_store_survives_reopening(tmp_path: Path, fixtures_dir: Path) -> None:
    with OxigraphStore.open(tmp_path / "s") as store:
        store.load([fixtures_dir / "good.ttl"], graph=G1)
    with OxigraphStore.open(tmp_path / "s") as store:
        assert store.count(G1) == 7


def test_closed_store_refuses_work(memory_store: OxigraphStore) -> None:
    memory_store.close()
    with pytest.raises(Exception, match="closed"):
        memory_store.count()


def test_to_rdflib_copies_terms_faithfully(memory_store: OxigraphStore, fixtures_dir: Path) -> None:
    memory_store.load([fixtures_dir / "good.ttl"], graph=G1)
    memory_store.load([fixtures_dir / "good2.nt"], graph=G2)
    expected = rdflib.Graph().parse(fixtures_dir / "good.ttl", format="turtle")
    copy = memory_store.to_rdflib([G1])
    assert isomorphic(copy, expected)
    assert len(memory_store.to_rdflib()) == 9
    ex = rdflib.Namespace("http://example.org/")
    assert copy.value(ex.alpha, ex.note) == rdflib.Literal("plain text")
    assert copy.value(ex.alpha, ex["count"]) == rdflib.Literal(3)


def test_replace_graphs_is_all_or_nothing(any_store: OxigraphStore, fixtures_dir: Path) -> None:
    any_store.load([fixtures_dir / "good.ttl"], graph=G1)
    any_store.load([fixtures_dir / "good2.nt"], graph=G2)
    before = snapshot(any_store)
    with pytest.raises(LoadError, match=r"bad-syntax\.ttl:5:10"):
        any_store.replace_graphs({G1: [fixtures_dir / "good.rdf"], G2: [fixtures_dir / "bad-syntax.ttl"]})
    assert snapshot(any_store) == before
    counts = any_store.replace_graphs({G1: [fixtures_dir / "good.rdf"], G2: [fixtures_dir / "good.jsonld"]})
    assert counts == {G1: 1, G2: 1}
    assert any_store.count() == 2


def test_query_resolves_relative_iris_against_base_iri(any_store: OxigraphStore) -> None:
    rows = list(any_store.query("SELECT ?x WHERE { BIND(<thing> AS ?x) }", base_iri="http://example.org/base/"))
    assert rows[0]["x"] == ox.NamedNode("http://example.org/base/thing")


def test_generation_counts_writes_not_reads(any_store: OxigraphStore, tmp_path: Path) -> None:
    """Derived views (the matching index) compare generations: every kind of write must bump it, reads must not."""
    seen = [any_store.generation]
    any_store.update('INSERT DATA { <http://example.org/a> <http://example.org/p> "1" }')
    seen.append(any_store.generation)
    # a write that keeps the number of triples still counts
    any_store.update(
        'DELETE DATA { <http://example.org/a> <http://example.org/p> "1" } ;'
        ' INSERT DATA { <http://example.org/a> <http://example.org/p> "2" }'
    )
    seen.append(any_store.generation)
    source = tmp_path / "one.ttl"
    source.write_text('<http://example.org/b> <http://example.org/p> "3" .\n', encoding="utf-8")
    any_store.load([source], graph="http://example.org/g")
    seen.append(any_store.generation)
    any_store.replace_graphs({"http://example.org/g": [source]})
    seen.append(any_store.generation)
    any_store.clear()
    seen.append(any_store.generation)
    assert seen == sorted(set(seen)), f"a write did not bump the generation: {seen}"
    list(any_store.query("SELECT * WHERE { ?s ?p ?o }"))
    assert any_store.generation == seen[-1]
