"""`project()`: the property graph of a selection, each candidate a node with its attributes, then the edges.

The builder reads each node's own triples once (`Patterns.pairs`) and looks
every predicate up in one table (`_RULES`): this is the exports' hot path. A
stand-in node (`through`) is read from the facts of the intermediates that
name it instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx
import pyoxigraph as ox

from coopgraph import __version__
from coopgraph.core.projection.candidates import Triples, select
from coopgraph.core.projection.rules import (
    BASE_ATTRIBUTES,
    LINKS,
    LITERALS,
    MULTI_SEPARATOR,
    Kind,
    Link,
    Literal,
    Relation,
)
from coopgraph.core.projection.schema import EDGE_RELATIONS, NAME_PROPERTIES, Schema, pick_language
from coopgraph.core.projection.selection import Selection, local_name
from coopgraph.core.projection.through import Hops
from coopgraph.core.store import Store
from coopgraph.core.vocab import SKOS

_NOTATION = ox.NamedNode(SKOS + "notation")
_LINKS: dict[ox.NamedNode, list[Link]] = {}
for _link in LINKS:
    _LINKS.setdefault(ox.NamedNode(_link.property), []).append(_link)
_LITERALS = {ox.NamedNode(item.property): item for item in LITERALS}
_LITERAL_ATTRIBUTES = {item.attribute: item for item in LITERALS}
_RULES: dict[ox.NamedNode, tuple[Relation | None, tuple[Link, ...], Literal | None, bool]] = {
    prop: (EDGE_RELATIONS.get(prop), tuple(_LINKS.get(prop, ())), _LITERALS.get(prop), prop in NAME_PROPERTIES)
    for prop in {*EDGE_RELATIONS, *_LINKS, *_LITERALS, *NAME_PROPERTIES}
}
"""Per predicate: its edge row, link rows, literal row, and whether it names the resource."""
_CONVERT: dict[str, Callable[[str], Any]] = {"str": str, "int": int, "float": float}


def project(
    store: Store,
    selection: Selection | None = None,
    *,
    lang: str = "es",
    max_nodes: int | None = None,
    schema: Schema | None = None,
) -> nx.MultiDiGraph[str]:
    """The property graph of `selection` (default: the whole graph) with labels in `lang`.

    Raises `SelectionError` (bad selection), `UnknownResource` (focus is not a
    node) or `SelectionTooLarge` (more than `max_nodes` nodes).
    """
    selection = selection or Selection()
    selection.check()
    schema = schema or Schema(store, lang=lang)
    if schema.lang != lang:
        raise ValueError("the schema was built for another language")
    candidates, allowed_edges, hops = select(store, schema, selection, max_nodes=max_nodes)
    graph = _Builder(schema, candidates, allowed_edges, hops).build()
    graph.graph.update(
        {
            "name": f"coopgraph {selection.slug}",
            "selection": selection.slug,
            "lang": lang,
            "generator": f"coopgraph {__version__}",
        }
    )
    if selection.focus is not None and selection.focus in graph:
        graph.graph["focus"] = selection.focus  # the drawings' centre (GEXF positions)
    return graph


class _Builder:
    """Builds the MultiDiGraph: every candidate a node (sorted by IRI), then the edges among them (two-hop last)."""

    def __init__(
        self, schema: Schema, candidates: Mapping[str, tuple[Kind, str]], allowed: Triples | None, hops: Hops
    ) -> None:
        self.schema, self.candidates, self.allowed, self.hops = schema, candidates, allowed, hops
        self.graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self._relation_labels: dict[str, str] = {}
        self._codes: dict[str, list[str]] = {}

    def build(self) -> nx.MultiDiGraph[str]:
        edges: list[tuple[str, str, Relation]] = []
        for iri in sorted(self.candidates):
            attributes, out = self._read(iri)
            self.graph.add_node(iri, **attributes)
            edges.extend(out)
        for source, target, relation in edges:
            self._add_edge(source, target, relation)
        for hop in self.hops.edges:
            source, target = hop.ends
            shortcut = (hop.subject, hop.relation.property, hop.end)
            if (
                source in self.candidates
                and target in self.candidates
                and (self.allowed is None or shortcut in self.allowed)
            ):
                self._add_edge(source, target, hop.relation, hop.attributes)
        return self.graph

    def _add_edge(
        self, source: str, target: str, relation: Relation, qualifiers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """One edge; a two-hop one also says its `via` property and its qualifiers, which make its key unique."""
        label = self._relation_labels.get(relation.key)
        if label is None:
            label = self._relation_labels[relation.key] = self.schema.property_label(relation)
        extra = dict(qualifiers)
        if relation.via:
            extra["via"] = relation.via
        key = " ".join([relation.key, *(value for _, value in qualifiers)])
        self.graph.add_edge(
            source, target, key=key, relation=relation.key, label=label, property=relation.property, **extra
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
        pairs = self.hops.facts.get(iri)
        for p, o in pairs if pairs is not None else schema.patterns.pairs(ox.NamedNode(iri)):
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
        for name, texts in literal_values.items():
            literal_value = _literal_attribute(_LITERAL_ATTRIBUTES[name], texts, schema.lang)
            if literal_value is not None:
                attributes[name] = literal_value
        return attributes, edges

    def _notations(self, iri: str) -> list[str]:
        """A country's ISO codes (`skos:notation`), cached."""
        if iri not in self._codes:
            triples = self.schema.patterns.triples(ox.NamedNode(iri), _NOTATION)
            self._codes[iri] = sorted({o.value for _, _, o in triples if isinstance(o, ox.Literal)})
        return self._codes[iri]


def _name(names: list[tuple[str, str, ox.NamedNode]], lang: str) -> str:
    """The name from the first name property that has any, in the language (with the fallbacks)."""
    for prop in NAME_PROPERTIES:
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
