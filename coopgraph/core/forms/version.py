"""A register record's version: a hash of its description, so that an edit made from a stale form is refused.

The edit form carries the version of the record it was filled from; the save compares it with the record's
version at that moment and refuses (409) when someone else changed the record in between, instead of silently
overwriting their change. Blank nodes (parties, sector shares…) are hashed by what they hold, not by their
identifiers, so the version is the same in every process of `coopgraph serve` and after a restart.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from coopgraph.core.iati.model import REGISTER_GRAPH

REGISTER = ox.NamedNode(REGISTER_GRAPH)
MAX_DEPTH = 4


def _canonical(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, depth: int) -> list[str]:
    lines = []
    for quad in store.quads_for_pattern(subject, None, None, REGISTER):
        value = quad.object
        if isinstance(value, ox.BlankNode) and depth < MAX_DEPTH:
            inner = "; ".join(sorted(_canonical(store, value, depth + 1)))
            lines.append(f"{quad.predicate} [ {inner} ]")
        else:
            lines.append(f"{quad.predicate} {value}")
    return lines


def record_version(store: ox.Store, iri: str) -> str:
    """The SHA-256 (hex) of the record's triples in the register graph, blank nodes by content; it changes with any
    change to the record.

    >>> store = ox.Store()
    >>> record = ox.NamedNode("https://w3id.org/coopgraph/id/demanda/ec-l-2024-001")
    >>> label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    >>> store.add(ox.Quad(record, label, ox.Literal("Vialidad", language="es"), REGISTER))
    >>> before = record_version(store, record.value)
    >>> store.add(ox.Quad(record, label, ox.Literal("Roads", language="en"), REGISTER))
    >>> len(before), before == record_version(store, record.value)
    (64, False)
    """
    lines = sorted(_canonical(store, ox.NamedNode(iri), 0))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
