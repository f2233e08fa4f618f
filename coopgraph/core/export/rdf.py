"""RDF (Turtle, JSON-LD) of a selection: the triples behind its nodes and edges, read back from the store.

For each selected node: every triple it is the subject of (its types, names,
literal facts, sources, web sites...), except the triples that point at a
node or an edge outside the selection. So the RDF holds exactly the
resources of the exported network, with their facts and citations; the
projection of this RDF is the exported network.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

import networkx as nx
import pyoxigraph as ox

from coopgraph.core.projection import Schema, relation_for
from coopgraph.core.projection.rules import RELATIONS
from coopgraph.core.store import Store
from coopgraph.core.vocab import prefixes

PREFIXES = prefixes("cg", "cgr", "iati", "rdfs", "skos", "org", "foaf", "dcterms", "xsd")
FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
_RELATIONS = {ox.NamedNode(r.property): r.key for r in RELATIONS}


def selected_triples(graph: nx.MultiDiGraph[str], store: Store) -> Iterator[ox.Triple]:
    """The triples behind `graph` (a projection of `store`), node by node."""
    schema = Schema(store, lang=graph.graph.get("lang", "es"))
    for node in graph.nodes:
        seen: set[tuple[ox.NamedNode, object]] = set()
        for subject, predicate, obj in schema.patterns.triples(ox.NamedNode(node)):
            if (predicate, obj) in seen or isinstance(obj, ox.BlankNode):
                continue
            seen.add((predicate, obj))
            key = _RELATIONS.get(predicate)
            if key is not None and isinstance(obj, ox.NamedNode) and schema.is_node(obj.value):
                relation = relation_for(key)
                source, target = (obj.value, node) if relation and relation.reverse else (node, obj.value)
                if not graph.has_edge(source, target, key=key):
                    continue  # an edge to a node the selection left out
            yield ox.Triple(subject, predicate, obj)


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
