"""The SPARQL Service Description (`sd:`) with a VoID description of the dataset, for GET /sparql without a query.

Computed from the store (triples, classes, properties, named graphs: a
`Summary`), so it describes what a query would see: the default graph is the
union of all graphs. A write patches the summary (`patched`) rather than have
every request process count the store again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from coopgraph.core import vocab
from coopgraph.core.store import OxigraphStore, Store
from coopgraph.core.store.oxigraph import term_key
from coopgraph.core.writes.delta import Delta
from coopgraph.web.negotiation import GRAPH, TABULAR

DESCRIPTION_KEY = "service description"
"""The app cache's key of the store's `Summary` (a write patches it: coopgraph/web/state.py)."""
RDF_TYPE = ox.NamedNode(vocab.RDF_TYPE)
SD, VOID, FORMATS = vocab.SD, vocab.VOID, vocab.FORMATS
PREFIXES = {"sd": SD, "void": VOID, "formats": FORMATS}
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "N-Quads",
    "TriG",
)
assert len(RESULT_FORMATS) == len(TABULAR) + len(GRAPH)


def _n(local: str, base: str) -> ox.NamedNode:
    return ox.NamedNode(base + local)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(vocab.XSD + "integer"))


def _rows(store: Store, query: str) -> ox.QuerySolutions:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)  # a SELECT
    return result


def _count(store: Store, query: str) -> int:
    value = next(_rows(store, query))["n"]
    assert isinstance(value, ox.Literal)
    return int(value.value)


@dataclass
class Summary:
    """What the description says of a store: its triples, classes, properties and named graphs (with their
    triples). Counting them scans the whole store (2.6 s at 100k actors), so a write patches them (`patched`)."""

    triples: int
    classes: set[ox.NamedNode | ox.BlankNode]
    properties: set[ox.NamedNode]
    graphs: dict[str, int]
    """Named graph (as `Store.graphs` names it) -> its number of triples."""


def summary(store: Store) -> Summary:
    """Count what the description says of `store` (the default graph is the union of all graphs)."""
    return Summary(
        triples=_count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"),
        classes={row["c"] for row in _rows(store, "SELECT DISTINCT ?c { ?s a ?c }")},
        properties={row["p"] for row in _rows(store, "SELECT DISTINCT ?p { ?s ?p ?o }")},
        graphs={name: store.count(name) for name in store.graphs()},
    )


def patched(found: Summary, store: OxigraphStore, delta: Delta) -> Summary:
    """`found` after `delta` was applied to `store` (each quad of it absent before if added, present if removed,
    as the journal applies a write): counts moved by the change, a class or property kept while a quad of it
    is left."""
    graphs = dict(found.graphs)
    for quads, step in ((delta.added, 1), (delta.removed, -1)):
        for quad in quads:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                name = term_key(quad.graph_name)
                graphs[name] = graphs.get(name, 0) + step
    present = store.graphs()
    classes, properties = set(found.classes), set(found.properties)
    for quad in delta.added:
        properties.add(quad.predicate)
        if quad.predicate == RDF_TYPE and isinstance(quad.object, ox.NamedNode | ox.BlankNode):
            classes.add(quad.object)
    oxigraph = store.oxigraph
    for quad in delta.removed:
        if quad.predicate in properties and not _any(oxigraph.quads_for_pattern(None, quad.predicate, None)):
            properties.discard(quad.predicate)
        if (
            quad.predicate == RDF_TYPE
            and quad.object in classes
            and not _any(oxigraph.quads_for_pattern(None, RDF_TYPE, quad.object))
        ):
            classes.discard(quad.object)
    return Summary(
        triples=found.triples + len(delta.added) - len(delta.removed),
        classes=classes,
        properties=properties,
        graphs={name: graphs.get(name, 0) for name in present},
    )


def _any(quads: Any) -> bool:
    return next(quads, None) is not None


def _ordered(terms: set[Any]) -> list[Any]:
    """Terms in SPARQL's ORDER BY order: blank nodes, then IRIs (each by their text)."""
    return sorted(terms, key=lambda term: (isinstance(term, ox.NamedNode), term.value))


def describe(store: Store, endpoint: str) -> list[ox.Triple]:
    """The service description of `endpoint` over `store`, as triples."""
    return description(summary(store), endpoint)


def description(found: Summary, endpoint: str) -> list[ox.Triple]:
    """The service description of `endpoint` over a store summarised as `found`, as triples."""
    service = ox.NamedNode(endpoint)
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF_TYPE, _n("Service", SD)),
        ox.Triple(service, _n("endpoint", SD), service),
        ox.Triple(service, _n("supportedLanguage", SD), _n("SPARQL11Query", SD)),
        ox.Triple(service, _n("feature", SD), _n("UnionDefaultGraph", SD)),
        ox.Triple(service, _n("defaultDataset", SD), dataset),
        ox.Triple(dataset, RDF_TYPE, _n("Dataset", SD)),
        ox.Triple(dataset, RDF_TYPE, _n("Dataset", VOID)),
        ox.Triple(dataset, _n("defaultGraph", SD), default),
        ox.Triple(default, RDF_TYPE, _n("Graph", SD)),
        ox.Triple(default, _n("triples", VOID), _int(found.triples)),
    ]
    triples += [ox.Triple(service, _n("resultFormat", SD), _n(name, FORMATS)) for name in RESULT_FORMATS]
    classes, properties = _ordered(found.classes), _ordered(found.properties)
    triples += [
        ox.Triple(dataset, _n("classes", VOID), _int(len(classes))),
        ox.Triple(dataset, _n("properties", VOID), _int(len(properties))),
    ]
    for index, cls in enumerate(classes):
        part = ox.BlankNode(f"class{index}")
        triples += [ox.Triple(dataset, _n("classPartition", VOID), part), ox.Triple(part, _n("class", VOID), cls)]
    for index, prop in enumerate(properties):
        part = ox.BlankNode(f"property{index}")
        triples += [
            ox.Triple(dataset, _n("propertyPartition", VOID), part),
            ox.Triple(part, _n("property", VOID), prop),
        ]
    for index, (name, count) in enumerate(sorted(found.graphs.items())):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, _n("namedGraph", SD), named),
            ox.Triple(named, RDF_TYPE, _n("NamedGraph", SD)),
            ox.Triple(named, _n("name", SD), ox.NamedNode(name)),
            ox.Triple(named, _n("graph", SD), graph),
            ox.Triple(graph, RDF_TYPE, _n("Graph", SD)),
            ox.Triple(graph, _n("triples", VOID), _int(count)),
        ]
    return triples
