"""The expected network, asked of the store in SPARQL without the projection code: the export tests' oracle.

It reads the projection's declared rules (which classes are nodes, which
properties are edges: the specification) but none of its code: nodes are the
instances of the node classes (through `rdfs:subClassOf*`) plus the concepts
(IATI codes, plain SKOS concepts) that an edge ties to one of them; edges are
the triples of the edge properties between two nodes; labels are
`rdfs:label` (else `skos:prefLabel`) in the language, else the other one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from coopgraph.core.loading import META_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.projection.rules import KINDS, RELATIONS
from coopgraph.core.store import Store

FACTS = f"FILTER(?g NOT IN (<{ONTOLOGY_GRAPH}>, <{META_GRAPH}>))"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
REVERSED = {r.property for r in RELATIONS if r.reverse}
KEYS = {r.property: r.key for r in RELATIONS}
Edge = tuple[str, str, str]
"""(source, target, relation) as the exports draw it."""


@dataclass(frozen=True)
class Network:
    """Nodes (IRI -> label) and edges (a multiset of (source, target, relation)), plus the RDF edge triples."""

    nodes: dict[str, str]
    edges: Counter[Edge]
    triples: frozenset[tuple[str, str, str]]

    def ego(self, focus: str, radius: int) -> Network:
        """The ego network of `focus`, by networkx's own `ego_graph` on the undirected oracle graph."""
        undirected = nx.Graph()
        undirected.add_nodes_from(self.nodes)
        undirected.add_edges_from((s, t) for s, t, _ in self.edges)
        keep = set(nx.ego_graph(undirected, focus, radius=radius))
        return self.restricted(keep)

    def restricted(self, keep: set[str]) -> Network:
        return Network(
            nodes={iri: label for iri, label in self.nodes.items() if iri in keep},
            edges=Counter({edge: n for edge, n in self.edges.items() if edge[0] in keep and edge[1] in keep}),
            triples=frozenset(t for t in self.triples if t[0] in keep and t[2] in keep),
        )


def _values(iris: list[str]) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(set(iris)))


def regular_nodes(store: Store, classes: list[str] | None = None) -> set[str]:
    """IRIs typed (in a facts graph) with a node class or a subclass of one."""
    wanted = classes or [kind.cls for kind in KINDS if not kind.linked_only]
    query = f"""SELECT DISTINCT ?s WHERE {{
        GRAPH ?g {{ ?s a ?t }} {FACTS} FILTER(isIRI(?s))
        ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c VALUES ?c {{ {_values(wanted)} }}
    }}"""
    return {row["s"].value for row in store.query(query)}


def concepts(store: Store) -> set[str]:
    query = f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a <{SKOS_CONCEPT}> }} {FACTS} FILTER(isIRI(?s)) }}"
    return {row["s"].value for row in store.query(query)}


def edge_triples(store: Store) -> set[tuple[str, str, str]]:
    query = f"""SELECT DISTINCT ?s ?p ?o WHERE {{
        GRAPH ?g {{ ?s ?p ?o }} {FACTS} VALUES ?p {{ {_values(list(KEYS))} }} FILTER(isIRI(?s) && isIRI(?o))
    }}"""
    return {(row["s"].value, row["p"].value, row["o"].value) for row in store.query(query)}


def labels(store: Store, iris: set[str], lang: str) -> dict[str, str]:
    """Each IRI's label in `lang`, else in the other language, else untagged; the local name if none."""
    other = "en" if lang == "es" else "es"
    found: dict[str, dict[str, list[str]]] = {}
    for prop in ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"):
        for row in store.query(f"SELECT ?s ?l WHERE {{ ?s <{prop}> ?l }}"):
            iri = row["s"].value
            if iri in iris and (iri not in found or prop.endswith("#label")):
                found.setdefault(iri, {}).setdefault(row["l"].language or "", []).append(row["l"].value)
    result = {}
    for iri in iris:
        texts = found.get(iri, {})
        for tag in (lang, other, ""):
            if texts.get(tag):
                result[iri] = sorted(set(texts[tag]))[0]
                break
        else:
            result[iri] = iri.rstrip("/").rsplit("/", 1)[-1]
    return result


def expected_network(store: Store, *, lang: str = "es") -> Network:
    """The whole projected network of `store`, computed in SPARQL and plain Python."""
    regular = regular_nodes(store)
    linked_only = concepts(store) - regular
    triples = edge_triples(store)
    linked = {end for s, _, o in triples for end, other in ((s, o), (o, s)) if end in linked_only and other in regular}
    nodes = regular | linked
    kept = frozenset(t for t in triples if t[0] in nodes and t[2] in nodes)
    edges = Counter(((o, s, KEYS[p]) if p in REVERSED else (s, o, KEYS[p])) for s, p, o in kept)
    return Network(nodes=labels(store, nodes, lang), edges=edges, triples=kept)
