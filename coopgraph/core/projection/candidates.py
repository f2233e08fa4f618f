"""Which nodes a selection keeps: the query's result, then the kinds, then the ego network of the focus.

The candidates are IRI → (kind, deciding class): the store's resources
whose types give a kind, and the stand-in nodes of the two-hop relations
(`through`). A CONSTRUCT query also restricts the edges to its triples
(`allowed`; a two-hop edge needs its shortcut triple, `record
cg:participatingOrg actor`); `None` allows every edge.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import pyoxigraph as ox

from coopgraph.core.projection.rules import Kind
from coopgraph.core.projection.schema import EDGE_RELATIONS, Schema
from coopgraph.core.projection.selection import Selection, SelectionError, SelectionTooLarge, UnknownResource
from coopgraph.core.projection.through import Hops, read_hops
from coopgraph.core.store import Store

if TYPE_CHECKING:
    from coopgraph.core.queries import StoredQuery

Candidates = Mapping[str, tuple[Kind, str]]
"""Node candidates: IRI → (kind, the class that decided it)."""
Triples = set[tuple[str, str, str]]
"""(subject, predicate, object) IRIs."""


def select(
    store: Store, schema: Schema, selection: Selection, *, max_nodes: int | None
) -> tuple[dict[str, tuple[Kind, str]], Triples | None, Hops]:
    """The nodes of `selection` (checked already), for a graph query the triples allowed as edges, the two-hop edges.

    Raises `UnknownResource` (focus is not a node), `SelectionError` (the
    focus is filtered out, the query fails) or `SelectionTooLarge`.
    """
    lang = schema.lang
    hops = read_hops(schema)
    candidates = schema.all_kinds() | hops.stand_ins
    allowed_edges: Triples | None = None
    if selection.query is not None or selection.sparql is not None:
        chosen, allowed_edges = _query_selection(store, selection, candidates, lang=lang)
        candidates = {iri: candidates[iri] for iri in chosen}
    if selection.kinds:
        wanted = set(selection.kinds)
        candidates = {iri: kind for iri, kind in candidates.items() if kind[0].key in wanted}
    adjacency = hops.adjacency(allowed_edges)
    candidates = _drop_unlinked(candidates, _neighbours(schema, candidates, allowed_edges, adjacency, every_node=True))
    if selection.focus is not None:
        _check_focus(schema, selection, candidates, hops)
        neighbours = _neighbours(schema, candidates, allowed_edges, adjacency)
        candidates = {iri: candidates[iri] for iri in _ego(selection.focus, selection.radius, neighbours, max_nodes)}
    if max_nodes is not None and len(candidates) > max_nodes:
        raise SelectionTooLarge(nodes=len(candidates), limit=max_nodes)
    return candidates, allowed_edges, hops


def _check_focus(schema: Schema, selection: Selection, candidates: Candidates, hops: Hops) -> None:
    """Nothing if the focus is a node of the selection; else why not: 404 if not a node at all, 400 if filtered out."""
    focus = selection.focus or ""
    if focus in candidates:
        return
    kind = hops.stand_ins.get(focus) or schema.kind_of(focus)
    if kind is None:
        raise UnknownResource(f"no node <{focus}> in the graph", iri=focus)
    if selection.kinds and kind[0].key not in selection.kinds:
        raise SelectionError(
            f"the focus <{focus}> is a {kind[0].key}, not one of the selected kinds ({', '.join(selection.kinds)})"
        )
    if selection.query is not None or selection.sparql is not None:
        raise SelectionError(f"the focus <{focus}> is not in the query's result")
    raise UnknownResource(f"<{focus}> is not a node: no resource of the selection links to it", iri=focus)


def stored_query(name: str) -> StoredQuery:
    """The public stored query called `name`; `SelectionError` with suggestions otherwise."""
    from coopgraph.core import queries as stored

    known = stored.load_queries(kind="competency")
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; stored queries: {', '.join(known)}"
        raise SelectionError(f"no stored query {name!r}{hint}")
    return known[name]


def _query_selection(
    store: Store, selection: Selection, candidates: Candidates, *, lang: str
) -> tuple[set[str], Triples | None]:
    """The node candidates a query's result names; for a graph result, also the triples allowed as edges."""
    from coopgraph.core import queries as stored

    if selection.query is not None:
        query = stored_query(selection.query)
        values = dict(selection.params)
        if "lang" not in values and any(p.name == "lang" for p in query.params):
            values["lang"] = lang
        try:
            result = stored.run(store, query, values)
        except stored.ParameterError as error:
            raise SelectionError(str(error)) from None
        except (OSError, RuntimeError, ValueError) as error:
            raise SelectionError(f"the stored query {selection.query!r} failed: {error}") from None
    else:
        try:
            result = store.query(selection.sparql or "")
        except SyntaxError as error:
            raise SelectionError(f"the query has a syntax error: {error}") from None
        except (OSError, RuntimeError, ValueError) as error:
            raise SelectionError(f"the query failed: {error}") from None
    if isinstance(result, ox.QueryBoolean):
        raise SelectionError("an ASK query selects nothing: use SELECT (its IRIs) or CONSTRUCT (its triples)")
    chosen: set[str] = set()
    if isinstance(result, ox.QueryTriples):
        edges: Triples = set()
        for triple in result:
            s, p, o = triple.subject, triple.predicate, triple.object
            for term in (s, o):
                if isinstance(term, ox.NamedNode) and term.value in candidates:
                    chosen.add(term.value)
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
                edges.add((s.value, p.value, o.value))
        return chosen, edges
    for row in result:
        for term in row:
            if isinstance(term, ox.NamedNode) and term.value in candidates:
                chosen.add(term.value)
    return chosen, None


def _neighbours(
    schema: Schema,
    candidates: Candidates,
    allowed: Triples | None,
    hops: Mapping[str, set[str]],
    *,
    every_node: bool = False,
) -> Callable[[str], Iterator[str]]:
    """Undirected neighbours of a node along edge properties and the two-hop edges (`hops`), among `candidates`.

    Asked of `every_node` on a store without native pattern reads (a SPARQL engine), the edges are read once, one
    query per edge property, not two queries per node (thousands for the whole network); in sorted order, which
    only order-blind callers (`_drop_unlinked`) may ask for.
    """
    if allowed is None and every_node and not schema.patterns.native:
        allowed = {
            (s.value, p.value, o.value)
            for p in EDGE_RELATIONS
            for s, _, o in schema.patterns.triples(predicate=p)
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode)
        }
    if allowed is not None:
        adjacency: dict[str, set[str]] = {}
        for s, p, o in allowed:
            if ox.NamedNode(p) in EDGE_RELATIONS and s in candidates and o in candidates:
                adjacency.setdefault(s, set()).add(o)
                adjacency.setdefault(o, set()).add(s)
        for iri, others in hops.items():
            if iri in candidates:
                adjacency.setdefault(iri, set()).update(other for other in others if other in candidates)
        return lambda iri: iter(sorted(adjacency.get(iri, ())))

    def from_store(iri: str) -> Iterator[str]:
        node = ox.NamedNode(iri)
        for _, p, o in schema.patterns.triples(node):
            if p in EDGE_RELATIONS and isinstance(o, ox.NamedNode) and o.value in candidates:
                yield o.value
        for s, p, _ in schema.patterns.triples(object=node):
            if p in EDGE_RELATIONS and isinstance(s, ox.NamedNode) and s.value in candidates:
                yield s.value
        yield from sorted(other for other in hops.get(iri, ()) if other in candidates)

    return from_store


def _drop_unlinked(candidates: Candidates, neighbours: Callable[[str], Iterable[str]]) -> dict[str, tuple[Kind, str]]:
    """Keep the linked-only candidates (IATI codes, plain concepts) only when an edge ties them to a regular one."""
    kept = {}
    for iri, kind in candidates.items():
        if not kind[0].linked_only or any(not candidates[other][0].linked_only for other in neighbours(iri)):
            kept[iri] = kind
    return kept


def _ego(focus: str, radius: int, neighbours: Callable[[str], Iterable[str]], max_nodes: int | None) -> set[str]:
    """Breadth-first from `focus` up to `radius` steps; stops early past `max_nodes`."""
    seen = {focus}
    frontier = deque([(focus, 0)])
    while frontier:
        iri, depth = frontier.popleft()
        if depth == radius:
            continue
        for other in neighbours(iri):
            if other not in seen:
                seen.add(other)
                if max_nodes is not None and len(seen) > max_nodes:
                    raise SelectionTooLarge(nodes=len(seen), limit=max_nodes)
                frontier.append((other, depth + 1))
    return seen
