"""The SPARQL Service Description (`sd:`) with a VoID description of the dataset, for GET /sparql without a query.

Computed from the store (triples, classes, properties, named graphs), so it
describes what a query would see: the default graph is the union of all graphs.
"""

from __future__ import annotations

import pyoxigraph as ox

from coopgraph.core import vocab
from coopgraph.core.store import Store
from coopgraph.web.negotiation import GRAPH, TABULAR

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


def describe(store: Store, endpoint: str) -> list[ox.Triple]:
    """The service description of `endpoint` over `store`, as triples."""
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
        ox.Triple(default, _n("triples", VOID), _int(_count(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))),
    ]
    triples += [ox.Triple(service, _n("resultFormat", SD), _n(name, FORMATS)) for name in RESULT_FORMATS]
    classes = [row["c"] for row in _rows(store, "SELECT DISTINCT ?c { ?s a ?c } ORDER BY ?c")]
    properties = [row["p"] for row in _rows(store, "SELECT DISTINCT ?p { ?s ?p ?o } ORDER BY ?p")]
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
    for index, name in enumerate(store.graphs()):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, _n("namedGraph", SD), named),
            ox.Triple(named, RDF_TYPE, _n("NamedGraph", SD)),
            ox.Triple(named, _n("name", SD), ox.NamedNode(name)),
            ox.Triple(named, _n("graph", SD), graph),
            ox.Triple(graph, RDF_TYPE, _n("Graph", SD)),
            ox.Triple(graph, _n("triples", VOID), _int(store.count(name))),
        ]
    return triples
