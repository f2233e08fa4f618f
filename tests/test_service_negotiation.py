"""Content negotiation as data: Accept parsing and the format chosen for each kind of result."""

from __future__ import annotations

import pytest

from coopgraph.web.negotiation import choose, parse_accept

SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("text/csv", [("text/csv", 1.0)]),
        ("text/csv;q=0.5, text/tab-separated-values", [("text/tab-separated-values", 1.0), ("text/csv", 0.5)]),
        ("TEXT/Turtle; q=0.9; charset=utf-8", [("text/turtle", 0.9)]),
        ("a/b;q=oops, c/d", [("c/d", 1.0), ("a/b", 0.0)]),
        ("a/b;q=7", [("a/b", 1.0)]),
    ],
)
def test_parse_accept(header: str | None, expected: list[tuple[str, float]]) -> None:
    assert parse_accept(header) == expected


@pytest.mark.parametrize(
    ("kind", "accept", "fmt", "expected"),
    [
        ("solutions", None, None, "application/sparql-results+json"),
        ("solutions", "*/*", None, "application/sparql-results+json"),
        ("solutions", SPARQLWRAPPER_JSON, None, "application/sparql-results+json"),
        ("solutions", "application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("solutions", "text/csv", None, "text/csv"),
        ("boolean", "text/tab-separated-values", None, "text/tab-separated-values"),
        ("solutions", "text/html, text/*;q=0.5", None, "text/xml"),
        ("solutions", "application/json", None, "application/json"),
        ("solutions", "text/csv;q=0.2, application/sparql-results+xml;q=0.8", None, "application/sparql-results+xml"),
        ("solutions", "text/html", "tsv", "text/tab-separated-values"),
        ("solutions", None, "application/sparql-results+xml", "application/sparql-results+xml"),
        ("graph", None, None, "text/turtle"),
        ("graph", "application/n-triples", None, "application/n-triples"),
        ("graph", "application/ld+json", None, "application/ld+json"),
        ("graph", "application/rdf+xml", None, "application/rdf+xml"),
        ("graph", "application/n-quads", None, "application/n-quads"),
        ("graph", "application/trig", None, "application/trig"),
        ("graph", None, "xml", "application/rdf+xml"),
        ("graph", None, "jsonld", "application/ld+json"),
    ],
)
def test_choose(kind: str, accept: str | None, fmt: str | None, expected: str) -> None:
    chosen = choose(kind, accept=accept, format=fmt)
    assert chosen is not None and chosen.media_type == expected


@pytest.mark.parametrize(
    ("kind", "accept", "fmt"),
    [
        ("solutions", "text/html", None),
        ("solutions", "text/turtle", None),
        ("graph", "text/csv", None),
        ("graph", "application/sparql-results+json", None),
        ("solutions", None, "turtle"),
        ("solutions", "text/csv;q=0", None),
    ],
)
def test_nothing_acceptable(kind: str, accept: str | None, fmt: str | None) -> None:
    assert choose(kind, accept=accept, format=fmt) is None
