"""Result formatting: one pure function per format, checked by parsing the output back."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from coopgraph.core.results import (
    FORMATTERS,
    compact,
    format_results,
    to_csv,
    to_json,
    to_ntriples,
    to_table,
    to_tsv,
    to_turtle,
)

DATA = """
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
cgr:congope rdfs:label "CONGOPE"@es ; <http://example.org/year> "2013"^^xsd:gYear .
cgr:ame rdfs:label "Asociación de Municipalidades Ecuatorianas"@es .
"""
SELECT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA, format=ox.RdfFormat.TURTLE)
    return store


def test_table_is_aligned_with_a_row_count(store: ox.Store) -> None:
    lines = to_table(store.query(SELECT)).splitlines()
    assert lines[0].split() == ["s", "label"]
    assert lines[2] == "cgr:ame      Asociación de Municipalidades Ecuatorianas@es"
    assert lines[3] == "cgr:congope  CONGOPE@es"
    assert lines[-1] == "(2 rows)"


def test_table_of_ask_and_construct(store: ox.Store) -> None:
    assert to_table(store.query("ASK { ?s ?p ?o }")) == "true\n"
    lines = to_table(store.query(CONSTRUCT)).splitlines()
    assert lines[0].split() == ["subject", "predicate", "object"]
    assert lines[-1] == "(3 rows)"


def test_csv_and_tsv_round_trip(store: ox.Store) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(store.query(SELECT)).decode("utf-8"))))
    assert rows == [
        ["s", "label"],
        ["https://w3id.org/coopgraph/id/ame", "Asociación de Municipalidades Ecuatorianas"],
        ["https://w3id.org/coopgraph/id/congope", "CONGOPE"],
    ]
    parsed = list(ox.parse_query_results(to_tsv(store.query(SELECT)), format=ox.QueryResultsFormat.TSV))
    assert [s["label"] for s in parsed] == [
        ox.Literal("Asociación de Municipalidades Ecuatorianas", language="es"),
        ox.Literal("CONGOPE", language="es"),
    ]


def test_json_is_sparql_results_json(store: ox.Store) -> None:
    document = json.loads(to_json(store.query(SELECT)))
    assert document["head"]["vars"] == ["s", "label"]
    assert document["results"]["bindings"][1]["label"] == {"type": "literal", "value": "CONGOPE", "xml:lang": "es"}
    assert json.loads(to_json(store.query("ASK { ?s ?p ?o }"))) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("formatter", "rdf_format"), [(to_turtle, ox.RdfFormat.TURTLE), (to_ntriples, ox.RdfFormat.N_TRIPLES)]
)
def test_graph_formats_round_trip(store: ox.Store, formatter, rdf_format: ox.RdfFormat) -> None:
    output = formatter(store.query(CONSTRUCT))
    assert {(q.subject, q.predicate, q.object) for q in ox.parse(output, format=rdf_format)} == {
        (q.subject, q.predicate, q.object) for q in store
    }


def test_turtle_uses_the_project_prefixes(store: ox.Store) -> None:
    assert b"@prefix cgr: <https://w3id.org/coopgraph/id/>" in to_turtle(store.query(CONSTRUCT))


@pytest.mark.parametrize("name", ["csv", "tsv", "json"])
def test_tabular_formats_refuse_graph_results(store: ox.Store, name: str) -> None:
    with pytest.raises(ValueError, match="needs a SELECT or ASK"):
        format_results(store.query(CONSTRUCT), name)


@pytest.mark.parametrize("name", ["turtle", "ntriples"])
def test_graph_formats_refuse_solutions(store: ox.Store, name: str) -> None:
    with pytest.raises(ValueError, match="needs a CONSTRUCT or DESCRIBE"):
        format_results(store.query(SELECT), name)


def test_unknown_format_lists_valid_ones(store: ox.Store) -> None:
    with pytest.raises(ValueError, match=", ".join(FORMATTERS)):
        format_results(store.query(SELECT), "xlsx")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (ox.NamedNode("https://w3id.org/coopgraph/def#Network"), "cg:Network"),
        (ox.NamedNode("https://w3id.org/coopgraph/id/synth/actor-1"), "synth:actor-1"),
        (ox.NamedNode("https://w3id.org/coopgraph/id/a/b"), "<https://w3id.org/coopgraph/id/a/b>"),
        (ox.NamedNode("http://example.org/x"), "<http://example.org/x>"),
        (ox.Literal("hola", language="es"), "hola@es"),
        (ox.Literal("2013", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")), "2013"),
        (ox.BlankNode("b0"), "_:b0"),
        (None, ""),
    ],
)
def test_compact(term: object, expected: str) -> None:
    assert compact(term) == expected
