"""RDF -> property graph: a `networkx.MultiDiGraph` of the selected resources, for every export.

Node id = the resource IRI. What becomes a node, an edge or an attribute is
decided by the tables in `graph.projection_rules` (documented in the README,
section Exports). A `Selection` picks the part of the graph to project: the
whole graph, some kinds of node, the ego network of a focus IRI at a radius,
the resources of a stored (or ad-hoc) query's result, in any combination
(query, then kinds, then the ego network). Labels are in Spanish or English,
falling back to the other language, then to the IRI's local name.

    >>> from coopgraph.core.store import OxigraphStore
    >>> from coopgraph.core.loading import ensure_loaded
    >>> store = OxigraphStore.in_memory(); _ = ensure_loaded(store)
    >>> regions4 = "https://w3id.org/coopgraph/id/regions4"
    >>> net = project(store, Selection(focus=regions4, radius=1, kinds=("network", "city")), lang="en")
    >>> net.nodes[regions4]["label"], sorted(net.nodes[n]["label"] for n in net.successors(regions4))
    ('Regions4', ['Johannesburg'])
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import networkx as nx
import pyoxigraph as ox

from coopgraph import __version__
from coopgraph.core.patterns import Patterns
from coopgraph.core.projection_rules import (
    BASE_ATTRIBUTES,
    KINDS,
    LABEL_PROPERTIES,
    LINKS,
    LITERALS,
    MULTI_SEPARATOR,
    RELATIONS,
    Kind,
    Link,
    Literal,
    Relation,
)
from coopgraph.core.store import Store
from coopgraph.core.vocab import CG, LANGS, RDF_TYPE, RDFS, SKOS

if TYPE_CHECKING:
    from coopgraph.core.queries import StoredQuery

MAX_RADIUS = 5
KIND_KEYS: tuple[str, ...] = tuple(dict.fromkeys(kind.key for kind in KINDS))
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
_TYPE = ox.NamedNode(RDF_TYPE)
_NOTATION = ox.NamedNode(SKOS + "notation")
_LOCAL_NAME = re.compile(r"[^/#:]+$")
_RELATIONS = {ox.NamedNode(r.property): r for r in RELATIONS}
_RELATION_KEYS = {r.key: r for r in RELATIONS}
_LINKS: dict[ox.NamedNode, list[Link]] = {}
for _link in LINKS:
    _LINKS.setdefault(ox.NamedNode(_link.property), []).append(_link)
_LITERALS = {ox.NamedNode(item.property): item for item in LITERALS}
_LABELS = tuple(ox.NamedNode(p) for p in LABEL_PROPERTIES)
_NAMESPACE_KINDS = [(index, kind) for index, kind in enumerate(KINDS) if kind.namespace]
_LITERAL_ATTRIBUTES = {item.attribute: item for item in LITERALS}
_RULES: dict[ox.NamedNode, tuple[Relation | None, tuple[Link, ...], Literal | None, bool]] = {
    prop: (_RELATIONS.get(prop), tuple(_LINKS.get(prop, ())), _LITERALS.get(prop), prop in _LABELS)
    for prop in {*_RELATIONS, *_LINKS, *_LITERALS, *_LABELS}
}
"""Per predicate: its edge row, link rows, literal row, and whether it names the resource."""
_CONVERT: dict[str, Callable[[str], Any]] = {"str": str, "int": int, "float": float}


class ProjectionError(ValueError):
    """A selection cannot be projected."""


class SelectionError(ProjectionError):
    """The selection is malformed: unknown kind or query, bad radius, bad query parameter."""


class UnknownResource(ProjectionError):
    """The focus IRI is not a node of the graph."""

    def __init__(self, message: str, *, iri: str) -> None:
        super().__init__(message)
        self.iri = iri


class SelectionTooLarge(ProjectionError):
    """The selection has more nodes than the caller allows."""

    def __init__(self, *, nodes: int, limit: int) -> None:
        super().__init__(
            f"the selection has more than {limit} nodes (at least {nodes}); "
            "narrow it with kinds, a focus and radius, or a query"
        )
        self.nodes, self.limit = nodes, limit


@dataclass(frozen=True)
class Selection:
    """What to project: `query` (stored name) or `sparql` (text), then `kinds`, then the ego network of `focus`."""

    kinds: tuple[str, ...] = ()
    focus: str | None = None
    radius: int = 1
    query: str | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sparql: str | None = None

    def check(self) -> None:
        """`SelectionError` unless every part is valid (the query itself is checked when it runs)."""
        unknown = [kind for kind in self.kinds if kind not in KIND_KEYS]
        if unknown:
            raise SelectionError(f"unknown kind(s) {', '.join(unknown)}; valid kinds: {', '.join(KIND_KEYS)}")
        if isinstance(self.radius, bool) or not isinstance(self.radius, int) or not 0 <= self.radius <= MAX_RADIUS:
            raise SelectionError(f"radius must be an integer from 0 to {MAX_RADIUS}, not {self.radius!r}")
        if self.focus is not None:
            try:
                ox.NamedNode(self.focus)
            except ValueError as error:
                raise SelectionError(f"focus {self.focus!r} is not a valid absolute IRI ({error})") from None
        if self.query is not None and self.sparql is not None:
            raise SelectionError("give a stored query's name or a query text, not both")
        if self.params and self.query is None:
            raise SelectionError("query parameters need a stored query (query=NAME)")

    @property
    def slug(self) -> str:
        """A short file-name-safe name: `all`, `query-NAME`, `kind-a-b`, `ego-SLUG-r2`, joined by `-`."""
        parts = []
        if self.query is not None:
            parts.append(f"query-{self.query}")
        elif self.sparql is not None:
            parts.append("query")
        if self.kinds:
            parts.append("kind-" + "-".join(sorted(set(self.kinds))))
        if self.focus is not None:
            parts.append(f"ego-{local_name(self.focus)}-r{self.radius}")
        slug = "-".join(parts) or "all"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", slug)[:120]


def actor_kinds(store: Store) -> tuple[str, ...]:
    """The kinds of node that are actors: their class is cg:Actor or, in the store's ontology, a subclass of it.

    These are the resources partner matching compares (`MatchIndex.similar`); the explorer offers
    "find similar partners" on them.
    """
    rows = store.query(f"SELECT DISTINCT ?class WHERE {{ ?class <{RDFS}subClassOf>* <{CG}Actor> }}")
    assert isinstance(rows, ox.QuerySolutions)
    classes = {row[0].value for row in rows}
    return tuple(dict.fromkeys(kind.key for kind in KINDS if kind.cls in classes))


def local_name(iri: str) -> str:
    """The last segment of an IRI (`.../id/cnc` -> `cnc`), or the IRI when it has none."""
    match = _LOCAL_NAME.search(iri)
    return match.group(0) if match else iri


def pick_language(values: Iterable[tuple[str, str]], lang: str) -> list[str]:
    """Texts in `lang`, else the other language of the graph, else untagged, else any; sorted.

    >>> pick_language([("Red", "es"), ("Network", "en")], "en")
    ['Network']
    >>> pick_language([("Réseau", "fr")], "es")
    ['Réseau']
    """
    by_lang: dict[str, list[str]] = {}
    for text, tag in values:
        by_lang.setdefault(tag.lower(), []).append(text)
    for tag in (lang, *[other for other in LANGS if other != lang], ""):
        if tag in by_lang:
            return sorted(set(by_lang[tag]))
    for tag in sorted(by_lang):
        return sorted(set(by_lang[tag]))
    return []


class Schema:
    """The rules bound to one store and language: kinds of resources, labels (cached)."""

    def __init__(self, store: Store, *, lang: str = "es") -> None:
        if lang not in LANGS:
            raise SelectionError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")
        self.lang = lang
        self.patterns = Patterns(store)
        self._labels: dict[str, str] = {}
        self._class_kinds = self._read_class_kinds()
        self._kinds: dict[str, tuple[Kind, str] | None] = {}
        self._nodes: dict[str, bool] = {}

    def _read_class_kinds(self) -> dict[str, tuple[int, Kind]]:
        """Each class that matches a kind row (itself or a superclass), with the row's priority."""
        parents: dict[str, set[str]] = {}
        for sub, _, sup in self.patterns.triples(predicate=_SUBCLASS, facts=False):
            if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
                parents.setdefault(sub.value, set()).add(sup.value)
        rows = {kind.cls: (index, kind) for index, kind in reversed(list(enumerate(KINDS))) if not kind.namespace}
        found: dict[str, tuple[int, Kind]] = {}
        for cls in {*parents, *rows}:
            seen, todo, best = {cls}, [cls], None
            while todo:
                current = todo.pop()
                if current in rows and (best is None or rows[current][0] < best[0]):
                    best = rows[current]
                for parent in parents.get(current, ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            if best is not None:
                found[cls] = best
        return found

    def kind_from_types(self, iri: str, types: Iterable[str]) -> tuple[Kind, str] | None:
        """The kind and the deciding class of a resource with these `rdf:type`s (None: not a node)."""
        best: tuple[int, Kind, str] | None = None
        for cls in sorted(types):
            matches = [
                (index, kind) for index, kind in _NAMESPACE_KINDS if kind.cls == cls and iri.startswith(kind.namespace)
            ]
            if cls in self._class_kinds:
                matches.append(self._class_kinds[cls])
            for index, kind in matches:
                if best is None or index < best[0]:
                    best = (index, kind, cls)
        return (best[1], best[2]) if best is not None else None

    def kind_of(self, iri: str) -> tuple[Kind, str] | None:
        """The kind and class of one resource, read from the store (cached)."""
        if iri not in self._kinds:
            types = {
                o.value for _, _, o in self.patterns.triples(ox.NamedNode(iri), _TYPE) if isinstance(o, ox.NamedNode)
            }
            self._kinds[iri] = self.kind_from_types(iri, types)
        return self._kinds[iri]

    def is_node(self, iri: str) -> bool:
        """Whether the resource is a node of the whole network (a linked-only one: when an edge ties it to a node)."""
        found = self._nodes.get(iri)
        if found is None:
            kind = self.kind_of(iri)
            found = kind is not None and (not kind[0].linked_only or self._linked(iri))
            self._nodes[iri] = found
        return found

    def _linked(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        ends = [o for _, p, o in self.patterns.triples(node) if p in _RELATIONS and isinstance(o, ox.NamedNode)]
        ends += [s for s, p, _ in self.patterns.triples(object=node) if p in _RELATIONS and isinstance(s, ox.NamedNode)]
        return any((kind := self.kind_of(end.value)) is not None and not kind[0].linked_only for end in ends)

    def all_kinds(self) -> dict[str, tuple[Kind, str]]:
        """Every node candidate of the store (IRI resources whose types give a kind), by IRI."""
        types: dict[str, set[str]] = {}
        for subject, _, cls in self.patterns.triples(predicate=_TYPE):
            if isinstance(subject, ox.NamedNode) and isinstance(cls, ox.NamedNode):
                types.setdefault(subject.value, set()).add(cls.value)
        found = {}
        for iri, classes in types.items():
            kind = self.kind_from_types(iri, classes)
            if kind is not None:
                found[iri] = kind
        self._kinds.update(found)
        return found

    def label(self, iri: str) -> str:
        """The resource's name in the language (fallbacks: other language, untagged, any, local name)."""
        found = self._labels.get(iri)
        if found is None:
            node = ox.NamedNode(iri)
            for prop in _LABELS:
                texts = _texts(o for _, _, o in self.patterns.triples(node, prop, facts=False))
                if texts:
                    found = pick_language(texts, self.lang)[0]
                    break
            else:
                found = local_name(iri)
            self._labels[iri] = found
        return found

    def label_from(self, triples: Iterable[tuple[ox.NamedNode, Any]], iri: str) -> str:
        """The name from a resource's own (predicate, object) pairs, without another store read."""
        for prop in _LABELS:
            texts = _texts(o for p, o in triples if p == prop)
            if texts:
                return pick_language(texts, self.lang)[0]
        return local_name(iri)

    def kind_label(self, kind: Kind) -> str:
        return kind.es if self.lang == "es" else kind.en

    def property_label(self, item: Literal | Link | Relation) -> str:
        """A table row's own label in the language, else the property's label in the ontology."""
        own = item.es if self.lang == "es" else item.en
        return own or self.label(item.property)


def _texts(objects: Iterable[Any]) -> list[tuple[str, str]]:
    return [(o.value, o.language or "") for o in objects if isinstance(o, ox.Literal)]


def project(
    store: Store,
    selection: Selection | None = None,
    *,
    lang: str = "es",
    max_nodes: int | None = None,
    schema: Schema | None = None,
) -> nx.MultiDiGraph:
    """The property graph of `selection` (default: the whole graph) with labels in `lang`.

    Raises `SelectionError` (bad selection), `UnknownResource` (focus is not a
    node) or `SelectionTooLarge` (more than `max_nodes` nodes).
    """
    selection = selection or Selection()
    selection.check()
    schema = schema or Schema(store, lang=lang)
    if schema.lang != lang:
        raise ValueError("the schema was built for another language")
    candidates = schema.all_kinds()
    allowed_edges: set[tuple[str, str, str]] | None = None
    if selection.query is not None or selection.sparql is not None:
        chosen, allowed_edges = _query_selection(store, selection, candidates, lang=lang)
        candidates = {iri: candidates[iri] for iri in chosen}
    if selection.kinds:
        wanted = set(selection.kinds)
        candidates = {iri: kind for iri, kind in candidates.items() if kind[0].key in wanted}
    candidates = _drop_unlinked(candidates, _neighbours(schema, candidates, allowed_edges))
    if selection.focus is not None:
        _check_focus(schema, selection, candidates)
        neighbours = _neighbours(schema, candidates, allowed_edges)
        candidates = {iri: candidates[iri] for iri in _ego(selection.focus, selection.radius, neighbours, max_nodes)}
    if max_nodes is not None and len(candidates) > max_nodes:
        raise SelectionTooLarge(nodes=len(candidates), limit=max_nodes)
    graph = _Builder(schema, candidates, allowed_edges).build()
    graph.graph.update(
        {
            "name": f"coopgraph {selection.slug}",
            "selection": selection.slug,
            "lang": lang,
            "generator": f"coopgraph {__version__}",
        }
    )
    return graph


def _check_focus(schema: Schema, selection: Selection, candidates: Mapping[str, tuple[Kind, str]]) -> None:
    """Nothing if the focus is a node of the selection; else why not: 404 if not a node at all, 400 if filtered out."""
    focus = selection.focus or ""
    if focus in candidates:
        return
    kind = schema.kind_of(focus)
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
    store: Store, selection: Selection, candidates: Mapping[str, tuple[Kind, str]], *, lang: str
) -> tuple[set[str], set[tuple[str, str, str]] | None]:
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
        edges: set[tuple[str, str, str]] = set()
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
    schema: Schema, candidates: Mapping[str, tuple[Kind, str]], allowed: set[tuple[str, str, str]] | None
) -> Callable[[str], Iterator[str]]:
    """Undirected neighbours of a node along edge properties, among `candidates`."""
    if allowed is not None:
        adjacency: dict[str, set[str]] = {}
        for s, p, o in allowed:
            if ox.NamedNode(p) in _RELATIONS and s in candidates and o in candidates:
                adjacency.setdefault(s, set()).add(o)
                adjacency.setdefault(o, set()).add(s)
        return lambda iri: iter(sorted(adjacency.get(iri, ())))

    def from_store(iri: str) -> Iterator[str]:
        node = ox.NamedNode(iri)
        for _, p, o in schema.patterns.triples(node):
            if p in _RELATIONS and isinstance(o, ox.NamedNode) and o.value in candidates:
                yield o.value
        for s, p, _ in schema.patterns.triples(object=node):
            if p in _RELATIONS and isinstance(s, ox.NamedNode) and s.value in candidates:
                yield s.value

    return from_store


def _drop_unlinked(
    candidates: Mapping[str, tuple[Kind, str]], neighbours: Callable[[str], Iterable[str]]
) -> dict[str, tuple[Kind, str]]:
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


class _Builder:
    """Builds the MultiDiGraph: every candidate a node (sorted by IRI), then the edges among them."""

    def __init__(
        self, schema: Schema, candidates: Mapping[str, tuple[Kind, str]], allowed: set[tuple[str, str, str]] | None
    ) -> None:
        self.schema, self.candidates, self.allowed = schema, candidates, allowed
        self.graph = nx.MultiDiGraph()
        self._relation_labels: dict[str, str] = {}
        self._codes: dict[str, list[str]] = {}

    def build(self) -> nx.MultiDiGraph:
        edges: list[tuple[str, str, Relation]] = []
        for iri in sorted(self.candidates):
            attributes, out = self._read(iri)
            self.graph.add_node(iri, **attributes)
            edges.extend(out)
        for source, target, relation in edges:
            self._add_edge(source, target, relation)
        return self.graph

    def _add_edge(self, source: str, target: str, relation: Relation) -> None:
        label = self._relation_labels.get(relation.key)
        if label is None:
            label = self._relation_labels[relation.key] = self.schema.property_label(relation)
        self.graph.add_edge(
            source, target, key=relation.key, relation=relation.key, label=label, property=relation.property
        )

    def _read(self, iri: str) -> tuple[dict[str, Any], list[tuple[str, str, Relation]]]:
        """A node's attributes and its outgoing edges (to candidates), from its own triples."""
        schema, candidates, allowed = self.schema, self.candidates, self.allowed
        kind, cls = candidates[iri]
        names: list[tuple[str, str, ox.NamedNode]] = []
        linked_values: dict[str, list[str]] = {}
        literal_values: dict[str, list[tuple[str, str]]] = {}
        codes: list[str] = []
        edges: list[tuple[str, str, Relation]] = []
        for p, o in schema.patterns.pairs(ox.NamedNode(iri)):
            rule = _RULES.get(p)
            if rule is None:
                continue
            relation, links, literal, is_name = rule
            if type(o) is ox.Literal:
                if is_name:
                    names.append((o.value, o.language or "", p))
                elif literal is not None:
                    literal_values.setdefault(literal.attribute, []).append((o.value, o.language or ""))
                continue
            if type(o) is not ox.NamedNode:
                continue
            value = o.value
            if relation is not None and value in candidates and (allowed is None or (iri, p.value, value) in allowed):
                edges.append((value, iri, relation) if relation.reverse else (iri, value, relation))
            for link in links:
                if link.value == "iri":
                    linked_values.setdefault(link.attribute, []).append(value.removeprefix(link.strip))
                else:
                    linked_values.setdefault(link.attribute, []).append(schema.label(value))
                    if link.attribute == "country":
                        codes.extend(self._notations(value))
        label = _name(names, schema.lang) or local_name(iri)
        attributes: dict[str, Any] = dict.fromkeys(BASE_ATTRIBUTES, "")
        attributes.update(
            label=label,
            kind=kind.key,
            kind_label=schema.kind_label(kind),
            iri=iri,
            **{"class": cls, "class_label": schema.label(cls)},
        )
        if kind.key == "country":
            linked_values.setdefault("country", []).append(label)
            codes.extend(value for value, _ in literal_values.get("notation", []))
        for name, values in linked_values.items():
            attributes[name] = MULTI_SEPARATOR.join(sorted(set(values))) if len(values) > 1 else values[0]
        if codes:
            attributes["country_code"] = MULTI_SEPARATOR.join(sorted(set(codes)))
        for name, values in literal_values.items():
            value = _literal_attribute(_LITERAL_ATTRIBUTES[name], values, schema.lang)
            if value is not None:
                attributes[name] = value
        return attributes, edges

    def _notations(self, iri: str) -> list[str]:
        """A country's ISO codes (`skos:notation`), cached."""
        if iri not in self._codes:
            triples = self.schema.patterns.triples(ox.NamedNode(iri), _NOTATION)
            self._codes[iri] = sorted({o.value for _, _, o in triples if isinstance(o, ox.Literal)})
        return self._codes[iri]


def _name(names: list[tuple[str, str, ox.NamedNode]], lang: str) -> str:
    """The name from the first name property that has any, in the language (with the fallbacks)."""
    for prop in _LABELS:
        texts = [(text, tag) for text, tag, p in names if p == prop]
        if texts:
            return pick_language(texts, lang)[0]
    return ""


def _literal_attribute(item: Literal, values: list[tuple[str, str]], lang: str) -> Any:
    """Text values: untagged ones plus the language's tagged ones, joined; numbers: the smallest valid one."""
    if item.type == "str":
        untagged = sorted({text for text, tag in values if not tag})
        tagged = pick_language([(text, tag) for text, tag in values if tag], lang)
        return MULTI_SEPARATOR.join(untagged + tagged)
    numbers = []
    for text, _ in values:
        try:
            numbers.append(_CONVERT[item.type](text.strip()))
        except ValueError:
            continue
    return min(numbers) if numbers else None


def relation_for(key: str) -> Relation | None:
    """The RELATIONS row of an edge's `relation` key (to recover its RDF triple)."""
    return _RELATION_KEYS.get(key)
