"""Cutting quads into pages for a remote engine without cutting a blank node's triples apart.

Each request to an engine is its own blank-node scope: `_:b` sent in two
requests becomes two nodes. So the triples connected through blank nodes
(a union-find over them) always travel in the same page; a page holds
about `size` quads, more only when one such group is larger.

>>> a, b = ox.BlankNode(), ox.NamedNode("http://x/b")
>>> p = ox.NamedNode("http://x/p")
>>> quads = [ox.Quad(b, p, b), ox.Quad(a, p, b), ox.Quad(b, p, a), ox.Quad(b, p, ox.Literal("1"))]
>>> [len(page) for page in pages(quads, size=1)]
[2, 1, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox


def pages(quads: Iterable[ox.Quad], *, size: int) -> Iterator[list[ox.Quad]]:
    """Pages of about `size` quads; the quads sharing blank nodes (directly or through others) stay together."""
    if size < 1:
        raise ValueError(f"a page holds at least one quad, not {size}")
    plain: list[ox.Quad] = []
    linked: list[tuple[str, ox.Quad]] = []
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for quad in quads:
        blanks = [term.value for term in (quad.subject, quad.object) if isinstance(term, ox.BlankNode)]
        if not blanks:
            plain.append(quad)
            continue
        for blank in blanks:
            parent.setdefault(blank, blank)
        first = root(blanks[0])
        for other in blanks[1:]:
            parent[root(other)] = first
        linked.append((blanks[0], quad))
    groups: dict[str, list[ox.Quad]] = {}
    for blank, quad in linked:
        groups.setdefault(root(blank), []).append(quad)
    page: list[ox.Quad] = []
    for group in [*groups.values(), *([quad] for quad in plain)]:
        if page and len(page) + len(group) > size:
            yield page
            page = []
        page.extend(group)
    if page:
        yield page
