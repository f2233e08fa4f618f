"""RDF (Turtle, JSON-LD) of a selection: the triples behind its nodes and edges, read back from the store.

For each selected node: every triple it is the subject of (its types, names,
literal facts, sources, web sites...), except the triples that point at a
node or an edge outside the selection. So the RDF holds exactly the
resources of the exported network, with their facts and citations; the
projection of this RDF is the exported network. A two-hop edge (a register
record's participation, `through`) brings its intermediate along: the
record's triple to it and the intermediate's own triples.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, BinaryIO

import networkx as nx
import pyoxigraph as ox

from coopgraph.core.projection import Schema, relation_for
from coopgraph.core.projection.rules import RELATIONS, Relation
from coopgraph.core.projection.through import TWO_HOP, ends_of
from coopgraph.core.store import Store
from coopgraph.core.vocab import prefixes

PREFIXES = prefixes("cg", "cgr", "iati", "rdfs", "skos", "org", "foaf", "dcterms", "xsd")
FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
_RELATIONS = {ox.NamedNode(r.property): r.key for r in RELATIONS if not r.via}
_TWO_HOP = {ox.NamedNode(r.property): r for r in TWO_HOP}


def selected_triples(graph: nx.MultiDiGraph[str], store: Store) -> Iterator[ox.Triple]:
    """The triples behind `graph` (a projection of `store`), node by node."""
    schema = Schema(store, lang=graph.graph.get("lang", "es"))
    for node in graph.nodes:
        seen: set[tuple[ox.NamedNode, object]] = set()
        for subject, predicate, obj in schema.patterns.triples(ox.NamedNode(node)):
            if (predicate, obj) in seen:
                continue
            seen.add((predicate, obj))
            two_hop = _TWO_HOP.get(predicate)
            if two_hop is not None and isinstance(obj, ox.BlankNode):
                yield from _intermediate(graph, schema, node, two_hop, ox.Triple(subject, predicate, obj))
                continue
            if isinstance(obj, ox.BlankNode):
                continue
            key = _RELATIONS.get(predicate)
            if key is not None and isinstance(obj, ox.NamedNode) and schema.is_node(obj.value):
                relation = relation_for(key)
                source, target = (obj.value, node) if relation and relation.reverse else (node, obj.value)
                if not graph.has_edge(source, target, key=key):
                    continue  # an edge to a node the selection left out
            yield ox.Triple(subject, predicate, obj)


def _intermediate(
    graph: nx.MultiDiGraph[str], schema: Schema, node: str, relation: Relation, link: ox.Triple
) -> Iterator[ox.Triple]:
    """The record's triple to an intermediate and the intermediate's triples, when it leads to an edge drawn."""
    middle = link.object
    if not isinstance(middle, ox.BlankNode):
        return
    triples = list(dict.fromkeys(schema.patterns.triples(middle)))
    ends = ends_of(relation, [(p, o) for _, p, o in triples])
    for end in ends:
        source, target = (end, node) if relation.reverse else (node, end)
        edges: dict[Any, dict[str, Any]] = graph.get_edge_data(source, target, default={})
        if any(data.get("relation") == relation.key for data in edges.values()):
            yield link
            for s, p, o in triples:
                yield ox.Triple(s, p, o)
            return


def write_rdf(graph: nx.MultiDiGraph[str], out: BinaryIO, *, store: Store, format: str) -> None:
    """Serialise the selection's triples to `out` as they are read (Turtle or JSON-LD)."""
    fmt = FORMATS[format]
    prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
    ox.serialize(selected_triples(graph, store), out, format=fmt, prefixes=prefixes)


def rdf_chunks(graph: nx.MultiDiGraph[str], *, store: Store, format: str) -> Iterator[bytes]:
    """The same as one in-memory chunk (the serialiser writes in one native call)."""
    buffer = io.BytesIO()
    write_rdf(graph, buffer, store=store, format=format)
    yield buffer.getvalue()
