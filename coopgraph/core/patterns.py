"""Triple-pattern reads of a store, for the projection, the resource view and the RDF exports.

Oxigraph answers a pattern natively (`quads_for_pattern`), much faster than a
SPARQL query per resource; any other `Store` (a remote endpoint, later) is
asked the same pattern in SPARQL, with the bound terms passed as
substitutions. Facts are read from every graph except the ontology and the
loader's metadata (ontology terms are vocabulary, not facts); names are read
from every graph, so classes and properties get their labels.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from coopgraph.core.loading import META_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.store import Store, solutions

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""An RDF term in object position (a quoted `ox.Triple` too: pyoxigraph reads RDF 1.2 triple terms)."""
Subject = ox.NamedNode | ox.BlankNode | ox.Triple
Triple = tuple[Subject, ox.NamedNode, Term]
NOT_FACTS: frozenset[str] = frozenset({ONTOLOGY_GRAPH, META_GRAPH})
"""Graphs whose triples are not facts about the world (vocabulary, loader metadata)."""
_NOT_FACT_NODES = frozenset(ox.NamedNode(iri) for iri in NOT_FACTS)

_ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
_FACTS = (
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } FILTER(?g IN ("
    + ", ".join(f"<{iri}>" for iri in sorted(NOT_FACTS))
    + ")) } }"
)
_THROUGH = "SELECT ?s ?m ?p ?o ?via WHERE { ?s ?via ?m . ?m ?p ?o FILTER(isIRI(?s)) }"
_THROUGH_TO = "SELECT ?s ?link ?m ?p ?o WHERE { ?m ?via ?end . ?s ?link ?m . ?m ?p ?o FILTER(isIRI(?s)) }"
"""The SPARQL forms of a pattern and of the two-hop reads (the default graph is the union of the store's graphs)."""
Pairs = list[tuple[ox.NamedNode, Term]]
"""The (predicate, object) facts of one subject."""


class Patterns:
    """Read triples matching a pattern from `store`, facts only (`facts=True`) or from every graph."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._native: ox.Store | None = getattr(store, "oxigraph", None)

    @property
    def native(self) -> bool:
        """Whether patterns are read natively (an embedded Oxigraph store), not one SPARQL query each."""
        return self._native is not None

    def triples(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,
        *,
        facts: bool = True,
    ) -> Iterator[Triple]:
        """Matching triples, possibly repeated (once per graph that holds them)."""
        if self._native is not None:
            for quad in self._native.quads_for_pattern(subject, predicate, object, None):
                graph = quad.graph_name
                if facts and isinstance(graph, ox.NamedNode) and graph.value in NOT_FACTS:
                    continue
                yield quad.subject, quad.predicate, quad.object
            return
        yield from self._sparql(subject, predicate, object, facts=facts)

    def pairs(self, subject: ox.NamedNode) -> list[tuple[ox.NamedNode, Term]]:
        """The (predicate, object) facts of one subject, possibly repeated: the projection's hot path."""
        if self._native is not None:
            skip = _NOT_FACT_NODES
            return [
                (quad.predicate, quad.object)
                for quad in self._native.quads_for_pattern(subject, None, None, None)
                if quad.graph_name not in skip
            ]
        return [(p, o) for _, p, o in self._sparql(subject, None, None, facts=True)]

    def through(
        self, predicate: ox.NamedNode, subject: ox.NamedNode | None = None
    ) -> Iterator[tuple[ox.NamedNode, Pairs]]:
        """Each IRI subject of `predicate` (or only `subject`) with the (predicate, object) facts of one value: the
        two-hop relations.

        The value is often a blank node (a register record's participation), which only one query can name on a
        remote store; Oxigraph reads it pattern by pattern.
        """
        if self._native is not None:
            seen: set[tuple[ox.NamedNode, Term]] = set()
            for found, _, middle in self.triples(subject, predicate):
                if type(found) is not ox.NamedNode or (found, middle) in seen:
                    continue
                seen.add((found, middle))
                if isinstance(middle, ox.NamedNode | ox.BlankNode):
                    yield found, _facts_of(self._native, middle)
            return
        bound = {ox.Variable("via"): predicate}
        if subject is not None:
            bound[ox.Variable("s")] = subject
        grouped: dict[tuple[ox.NamedNode, Term], Pairs] = {}
        for row in solutions(self.store.query(_THROUGH, substitutions=bound)):
            grouped.setdefault((row["s"], row["m"]), []).append((row["p"], row["o"]))
        for (found, _), pairs in grouped.items():
            yield found, pairs

    def through_to(self, via: ox.NamedNode, end: ox.NamedNode) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, Pairs]]:
        """The two-hop relations that end at `end`: each (IRI subject, its predicate, the value's facts) where the
        value leads to `end` by `via` (the records naming one organisation through their participations)."""
        if self._native is not None:
            seen: set[tuple[ox.NamedNode, ox.NamedNode, Term]] = set()
            for middle, _, _ in self.triples(predicate=via, object=end):
                if isinstance(middle, ox.Triple):
                    continue
                pairs: Pairs | None = None
                for subject, link, _ in self.triples(object=middle):
                    if type(subject) is not ox.NamedNode or (subject, link, middle) in seen:
                        continue
                    seen.add((subject, link, middle))
                    pairs = pairs if pairs is not None else _facts_of(self._native, middle)
                    yield subject, link, pairs
            return
        bound = {ox.Variable("via"): via, ox.Variable("end"): end}
        grouped: dict[tuple[ox.NamedNode, ox.NamedNode, Term], Pairs] = {}
        for row in solutions(self.store.query(_THROUGH_TO, substitutions=bound)):
            grouped.setdefault((row["s"], row["link"], row["m"]), []).append((row["p"], row["o"]))
        for (subject, link, _), pairs in grouped.items():
            yield subject, link, pairs

    def _sparql(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: Term | None,
        *,
        facts: bool,
    ) -> Iterator[Triple]:
        bound = {ox.Variable(name): term for name, term in (("s", subject), ("p", predicate), ("o", object)) if term}
        for row in solutions(self.store.query(_FACTS if facts else _ALL, substitutions=bound or None)):
            yield (
                subject if subject is not None else row["s"],
                predicate if predicate is not None else row["p"],
                object if object is not None else row["o"],
            )


def _facts_of(native: ox.Store, middle: ox.NamedNode | ox.BlankNode) -> Pairs:
    """The facts of an intermediate, read natively (it is often a blank node, which a query cannot name)."""
    quads = native.quads_for_pattern(middle, None, None, None)
    return [(q.predicate, q.object) for q in quads if q.graph_name not in _NOT_FACT_NODES]
