"""An rdflib view of a pyoxigraph store that records every change: what SPARQL Update runs on.

rdflib evaluates a SPARQL Update operation by operation, calling `add` and
`remove` on its store; this store passes each call to the pyoxigraph store
beneath and notes the quad in a `Delta` (only real changes: adding a quad
already there, or removing one that is not, records nothing). The delta is
then what the gate checks, the journal commits and the audit keeps.

Graphs named in `hidden` (the audit, the shipped graphs) are left out of
`contexts()`: `CLEAR ALL`, `DROP NAMED` and `GRAPH ?g` range over the graphs
a client may write, while a graph named by its IRI stays readable.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, Graph
from rdflib.store import Store
from rdflib.term import Node

from coopgraph.core.store.oxigraph import _to_rdflib
from coopgraph.core.writes.delta import Delta

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
UNION = rdflib.URIRef("urn:coopgraph:union")
"""A context standing for every graph at once (`union_graph`)."""


def to_oxigraph(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term (TypeError for what RDF has no place for: variables, graphs)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"{term!r} cannot be stored in RDF")


class RecordingView(Store):
    """rdflib's Store interface over `store`, noting each change in `self.delta`."""

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(
        self,
        store: ox.Store,
        *,
        hidden: Iterable[str] = (),
        default_graphs: Iterable[GraphName] | None = None,
        named_graphs: Iterable[ox.NamedNode] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.delta = Delta()
        self.hidden = frozenset(hidden)
        self.default_graphs = None if default_graphs is None else list(default_graphs)
        """What the default graph reads (a WHERE clause's USING or WITH); None: the store's default graph."""
        self.named_graphs = None if named_graphs is None else set(named_graphs)
        """The named graphs visible (USING NAMED); None: all but the hidden ones."""

    # --- graph names ---

    @staticmethod
    def _name(context: Graph | Node | None) -> GraphName | None:
        """The pyoxigraph graph of an rdflib context (None: every graph)."""
        if context is None:
            return None
        identifier = context.identifier if isinstance(context, Graph) else context
        if identifier == UNION:
            return None
        if identifier == DATASET_DEFAULT_GRAPH_ID:
            return ox.DefaultGraph()
        if isinstance(identifier, rdflib.BNode):
            return ox.BlankNode(str(identifier))
        return ox.NamedNode(str(identifier))

    def _graph(self, name: GraphName) -> Graph:
        identifier = DATASET_DEFAULT_GRAPH_ID if isinstance(name, ox.DefaultGraph) else _to_rdflib(name)
        return Graph(store=self, identifier=identifier)  # type: ignore[arg-type]

    # --- reads ---

    def triples(
        self, triple_pattern: tuple[Node | None, Node | None, Node | None], context: Graph | None = None
    ) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[Graph]]]:
        pattern = _pattern(triple_pattern)
        if pattern is None:
            return
        name = self._name(context)
        if isinstance(name, ox.DefaultGraph) and self.default_graphs is not None:
            seen: set[tuple[Any, Any, Any]] = set()  # the merge of the USING graphs: each triple once
            for graph in self.default_graphs:
                for quad in self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], graph):
                    key = (quad.subject, quad.predicate, quad.object)
                    if key not in seen:
                        seen.add(key)
                        yield _triple(quad), iter([self._graph(ox.DefaultGraph())])
            return
        if (
            isinstance(name, ox.NamedNode | ox.BlankNode)
            and self.named_graphs is not None
            and name not in self.named_graphs
        ):
            return  # USING NAMED: no other named graph exists for the WHERE clause
        for quad in self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], name):
            yield _triple(quad), iter([self._graph(quad.graph_name)])

    def __len__(self, context: Graph | None = None) -> int:
        return sum(1 for _ in self.store.quads_for_pattern(None, None, None, self._name(context)))

    def contexts(self, triple: Any = None) -> Generator[Graph, None, None]:
        names: list[GraphName] = [ox.DefaultGraph()]
        names += [name for name in self.store.named_graphs() if self._visible(name)]
        for name in names:
            if triple is None or any(True for _ in self.triples(triple, self._graph(name))):
                yield self._graph(name)

    def _visible(self, name: ox.NamedNode | ox.BlankNode) -> bool:
        if self.named_graphs is not None:
            return name in self.named_graphs
        return not (isinstance(name, ox.NamedNode) and name.value in self.hidden)

    # --- writes ---

    def add(self, triple: tuple[Node, Node, Node], context: Graph | None, quoted: bool = False) -> None:
        name = self._name(context) or ox.DefaultGraph()
        quad = ox.Quad(to_oxigraph(triple[0]), to_oxigraph(triple[1]), to_oxigraph(triple[2]), name)
        if quad not in self.store:
            self.store.add(quad)
            self.delta.add(quad)

    def addN(self, quads: Iterable[tuple[Node, Node, Node, Graph]]) -> None:
        for s, p, o, context in quads:
            self.add((s, p, o), context)

    def remove(self, triple: tuple[Node | None, Node | None, Node | None], context: Graph | None = None) -> None:
        pattern = _pattern(triple)
        if pattern is None:
            return
        for quad in list(self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], self._name(context))):
            self.store.remove(quad)
            self.delta.remove(quad)

    def add_graph(self, graph: Graph) -> None:
        """Graphs exist by their quads here: an empty graph is no change."""

    def remove_graph(self, graph: Graph) -> None:
        self.remove((None, None, None), graph)

    # --- prefixes: the update's own prologue declares them; nothing is kept ---

    def bind(self, prefix: str, namespace: Any, override: bool = True) -> None:
        return None

    def namespace(self, prefix: str) -> None:
        return None

    def prefix(self, namespace: Any) -> None:
        return None

    def namespaces(self) -> Iterator[tuple[str, rdflib.URIRef]]:
        return iter(())


def _triple(quad: ox.Quad) -> tuple[Node, Node, Node]:
    return _to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)


def _pattern(triple: tuple[Node | None, Node | None, Node | None]) -> list[Any] | None:
    """The pyoxigraph pattern of an rdflib triple pattern; None when no quad can match it (a literal subject)."""
    pattern: list[Any] = []
    for place, term in enumerate(triple):
        if term is None:
            pattern.append(None)
            continue
        try:
            converted = to_oxigraph(term)
        except TypeError:
            return None
        if (place < 2 and isinstance(converted, ox.Literal)) or (place == 1 and isinstance(converted, ox.BlankNode)):
            return None
        pattern.append(converted)
    return pattern


def union_graph(store: ox.Store) -> Graph:
    """An rdflib Graph reading every graph of `store` at once (for code that looks triples up, such as
    `validate_submission`'s context), without copying it."""
    return Graph(store=RecordingView(store), identifier=UNION)
