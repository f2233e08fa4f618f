"""A write's net change: the quads it adds and the quads it removes, and their texts.

A change travels as two N-Quads documents (to the front, the data holder and
the journal), and is kept in the audit graph as an RDF Patch document
(https://afs.github.io/rdf-patch/: one `A` or `D` row per quad), from which
`coopgraph revert` reads it back. Blank nodes keep their labels: Oxigraph
stores them, so a replayed or reverted change names the same nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox


@dataclass
class Delta:
    """Quads added and removed (each a set: a quad is in at most one of them)."""

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)

    def add(self, quad: ox.Quad) -> None:
        """Record that `quad`, absent before, was added (undoing an earlier removal of it)."""
        if quad in self.removed:
            self.removed.discard(quad)
        else:
            self.added.add(quad)

    def remove(self, quad: ox.Quad) -> None:
        """Record that `quad`, present before, was removed (undoing an earlier addition of it)."""
        if quad in self.added:
            self.added.discard(quad)
        else:
            self.removed.add(quad)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def inverse(self) -> Delta:
        return Delta(set(self.removed), set(self.added))

    def graphs(self) -> set[str]:
        """The graphs touched (`""` for the default graph)."""
        return {_graph_key(quad.graph_name) for quad in self.added | self.removed}

    def subjects(self) -> set[str]:
        """The IRIs and blank nodes whose description changes (conflicts are decided on them)."""
        return {str(quad.subject) for quad in self.added | self.removed}

    def to_nquads(self) -> tuple[str, str]:
        """(added, removed) as N-Quads documents, sorted so equal changes have equal texts."""
        return _nquads(self.added), _nquads(self.removed)

    @classmethod
    def from_nquads(cls, added: str, removed: str) -> Delta:
        return cls(set(_parse(added)), set(_parse(removed)))

    def patch(self) -> str:
        """The change as an RDF Patch document (deletions first, as they were applied)."""
        rows = [f"D {line}" for line in _lines(self.removed)] + [f"A {line}" for line in _lines(self.added)]
        return "".join(row + "\n" for row in rows)

    @classmethod
    def from_patch(cls, text: str) -> Delta:
        """Read what `patch` wrote (ValueError on anything else)."""
        added, removed = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            kind, _, rest = line.partition(" ")
            if kind == "A":
                added.append(rest)
            elif kind == "D":
                removed.append(rest)
            else:
                raise ValueError(f"line {number} of the patch is neither an A nor a D row")
        return cls(set(_parse("\n".join(added))), set(_parse("\n".join(removed))))


def _graph_key(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else graph.value


def _lines(quads: Iterable[ox.Quad]) -> list[str]:
    return sorted((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode().splitlines())


def _nquads(quads: Iterable[ox.Quad]) -> str:
    return "".join(line + "\n" for line in _lines(quads))


def _parse(text: str) -> list[ox.Quad]:
    if not text.strip():
        return []
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))


def change(store: ox.Store, *, remove: Iterable[ox.Quad] = (), add: Iterable[ox.Quad] = ()) -> Delta:
    """Remove, then add, quads in `store`; the net change (quads already absent or present count for nothing)."""
    delta = Delta()
    for quad in list(remove):
        if quad in store:
            store.remove(quad)
            delta.remove(quad)
    for quad in add:
        if quad not in store:
            store.add(quad)
            delta.add(quad)
    return delta
