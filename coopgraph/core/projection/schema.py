"""The rules bound to one store and language (`Schema`): each resource's kind, and the names of things.

Also the rules indexed by pyoxigraph predicate, which the candidate selection
and the builder look up, and the language fallbacks every label follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from coopgraph.core.patterns import Patterns
from coopgraph.core.projection.rules import KINDS, LABEL_PROPERTIES, RELATIONS, Kind, Link, Literal, Relation
from coopgraph.core.projection.selection import SelectionError, local_name
from coopgraph.core.store import Store, solutions
from coopgraph.core.vocab import CG, LANGS, RDF_TYPE, RDFS, pick

EDGE_RELATIONS: dict[ox.NamedNode, Relation] = {ox.NamedNode(r.property): r for r in RELATIONS}
"""The RELATIONS row of each edge predicate."""
NAME_PROPERTIES: tuple[ox.NamedNode, ...] = tuple(ox.NamedNode(p) for p in LABEL_PROPERTIES)
"""Where a resource's name is read from, in this order."""
_RELATION_KEYS = {r.key: r for r in RELATIONS}
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
_TYPE = ox.NamedNode(RDF_TYPE)
_NAMESPACE_KINDS = [(index, kind) for index, kind in enumerate(KINDS) if kind.namespace]


def relation_for(key: str) -> Relation | None:
    """The RELATIONS row of an edge's `relation` key (to recover its RDF triple)."""
    return _RELATION_KEYS.get(key)


def actor_kinds(store: Store) -> tuple[str, ...]:
    """The kinds of node that are actors: their class is cg:Actor or, in the store's ontology, a subclass of it.

    These are the resources partner matching compares (`coopgraph.core.matching.similar`); the explorer offers
    "find similar partners" on them.
    """
    rows = solutions(store.query(f"SELECT DISTINCT ?class WHERE {{ ?class <{RDFS}subClassOf>* <{CG}Actor> }}"))
    classes = {row[0].value for row in rows}
    return tuple(dict.fromkeys(kind.key for kind in KINDS if kind.cls in classes))


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
        ends = [o for _, p, o in self.patterns.triples(node) if p in EDGE_RELATIONS and isinstance(o, ox.NamedNode)]
        ends += [
            s for s, p, _ in self.patterns.triples(object=node) if p in EDGE_RELATIONS and isinstance(s, ox.NamedNode)
        ]
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
            for prop in NAME_PROPERTIES:
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
        for prop in NAME_PROPERTIES:
            texts = _texts(o for p, o in triples if p == prop)
            if texts:
                return pick_language(texts, self.lang)[0]
        return local_name(iri)

    def kind_label(self, kind: Kind) -> str:
        return pick(self.lang, kind.es, kind.en)

    def property_label(self, item: Literal | Link | Relation) -> str:
        """A table row's own label in the language, else the property's label in the ontology."""
        own = pick(self.lang, item.es, item.en)
        return own or self.label(item.property)


def _texts(objects: Iterable[Any]) -> list[tuple[str, str]]:
    return [(o.value, o.language or "") for o in objects if isinstance(o, ox.Literal)]
