"""One resource's facts, links and sources, as the explorer's side panel shows them (`GET /api/resource`).

The same rules as the projection: literal values and non-node IRI values are
`facts`, edges of the network are `links` (with the projected direction, so
`participatesIn` reads from the actor to the space on both ends), and
`dcterms:source` values are `sources`. Labels follow the language with the
projection's fallbacks. What the provinces' registers say of it (an actor's
track record, an open demand's search) comes from register_view.py.

The two-hop rows of the rules (`Relation.via`) are links too, read by the
projection's own `through.hops_of`: a record lists its organisations and an
organisation the records it takes part in, each link with the intermediate's
`qualifiers` (the IATI role, in the language). A stand-in node (an
organisation only the registers name) has no triples of its own: its facts
are the ones the projection gives it, from the participations that name it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from coopgraph.core.projection import Schema, SelectionError, UnknownResource, pick_language
from coopgraph.core.projection.rules import (
    IGNORED,
    LABEL_PROPERTIES,
    LINKS,
    LITERALS,
    RELATIONS,
    Kind,
    Link,
    Literal,
    Relation,
)
from coopgraph.core.projection.through import Hop, Hops, hops_of
from coopgraph.core.register_view import demand_match, track_record
from coopgraph.core.store import Store
from coopgraph.core.vocab import DCTERMS, RDF_TYPE, Text

MAX_LINKS = 500
"""Links listed at most (a sector of a 100k-actor graph has tens of thousands); `truncated` says when cut."""
_SOURCE = DCTERMS + "source"
_TYPE_LABEL = Text(es="tipo", en="type")
_RELATIONS = {r.property: r for r in RELATIONS}
_ROWS: dict[str, Link | Literal] = {
    **{item.property: item for item in LINKS},
    **{item.property: item for item in LITERALS},
}
_IRI_LINKS = {link.property: link for link in LINKS if link.value == "iri"}
_ORDER = {
    prop: index for index, prop in enumerate([RDF_TYPE, *(i.property for i in LITERALS), *(i.property for i in LINKS)])
}


def describe_resource(
    store: Store, iri: str, *, lang: str = "es", max_links: int = MAX_LINKS, schema: Schema | None = None
) -> dict[str, Any]:
    """`{"iri", "label", "kind", "kind_label", "class", "class_label", "facts", "links", "sources", "truncated",
    "track", "demand_match"}`: `track` is an actor's track record in the registers (register_view.track_record,
    None if none), `demand_match` what /match needs for an open demand (register_view.demand_match, else None).

    `SelectionError` for a malformed IRI, `UnknownResource` when the graph says nothing about it and it is no stand-in a record names.
    """
    try:
        node = ox.NamedNode(iri)
    except ValueError as error:
        raise SelectionError(f"{iri!r} is not a valid absolute IRI ({error})") from None
    schema = schema or Schema(store, lang=lang)
    hops = hops_of(schema, iri)
    pairs = list(dict.fromkeys((p, o) for _, p, o in schema.patterns.triples(node)))
    stand_in = hops.stand_ins.get(iri)
    if not pairs and stand_in is not None:
        pairs = list(dict.fromkeys(pair for pair in hops.facts[iri] if _stand_in_fact(pair, stand_in[1])))
    if not pairs:
        raise UnknownResource(f"the graph has no facts about <{iri}> and no record names it", iri=iri)
    kind = schema.kind_of(iri) or stand_in
    facts: list[dict[str, str]] = []
    links: list[dict[str, Any]] = []
    sources: list[dict[str, str]] = []
    texts: dict[str, list[tuple[str, str]]] = {}
    for p, o in pairs:
        prop = p.value
        if isinstance(o, ox.Literal):
            if prop not in IGNORED:
                texts.setdefault(prop, []).append((o.value, o.language or ""))
        elif not isinstance(o, ox.NamedNode):
            continue
        elif prop == _SOURCE:
            sources.append({"iri": o.value, "label": schema.label(o.value)})
        elif prop in _RELATIONS and schema.is_node(o.value):
            relation = _RELATIONS[prop]
            links.append(_link(schema, relation, o.value, "in" if relation.reverse else "out", schema.kind_of(o.value)))
        elif prop == RDF_TYPE:
            facts.append(_fact(prop, _TYPE_LABEL(lang), schema.label(o.value), o.value))
        elif prop not in IGNORED:
            link = _IRI_LINKS.get(prop)
            value = o.value.removeprefix(link.strip) if link is not None and link.strip else o.value
            facts.append(_fact(prop, _property_label(schema, prop), value if link else schema.label(o.value), o.value))
    for prop, values in texts.items():
        untagged = sorted({text for text, tag in values if not tag})
        for text in untagged + pick_language([(t, tag) for t, tag in values if tag], lang):
            facts.append(_fact(prop, _property_label(schema, prop), text))
    for s, p, _ in schema.patterns.triples(object=node):
        incoming = _RELATIONS.get(p.value)
        if incoming is not None and isinstance(s, ox.NamedNode) and schema.is_node(s.value):
            links.append(_link(schema, incoming, s.value, "out" if incoming.reverse else "in", schema.kind_of(s.value)))
    links.extend(_hop_links(schema, hops, iri))
    links = sorted({_link_key(link): link for link in links}.values(), key=_link_order)
    facts.sort(key=lambda fact: (_ORDER.get(fact["property"], len(_ORDER)), fact["label"], fact["value"]))
    return {
        "iri": iri,
        "label": schema.label_from(pairs, iri),
        "kind": kind[0].key if kind else "",
        "kind_label": schema.kind_label(kind[0]) if kind else "",
        "class": kind[1] if kind else "",
        "class_label": schema.label(kind[1]) if kind else "",
        "facts": facts,
        "links": links[:max_links],
        "sources": sorted({s["iri"]: s for s in sources}.values(), key=lambda s: (s["label"], s["iri"])),
        "truncated": len(links) > max_links,
        "track": track_record(store, iri, label=schema.label, lang=lang),
        "demand_match": demand_match(store, iri),
    }


def _fact(prop: str, label: str, value: str, iri: str | None = None) -> dict[str, str]:
    fact = {"property": prop, "label": label, "value": value}
    if iri is not None:
        fact["iri"] = iri
    return fact


def _property_label(schema: Schema, prop: str) -> str:
    item = _ROWS.get(prop)
    return schema.property_label(item) if item is not None else schema.label(prop)


def _stand_in_fact(pair: tuple[ox.NamedNode, Any], cls: str) -> bool:
    """Whether a fact of the participations naming a stand-in is one of its own: its class, its name, and what the
    projection's rows make attributes of (its org ref, its type); not the participations' types or roles."""
    p, o = pair
    if p.value == RDF_TYPE:
        return isinstance(o, ox.NamedNode) and o.value == cls
    return p.value in LABEL_PROPERTIES or p.value in _ROWS


def _link(
    schema: Schema, relation: Relation, target: str, direction: str, kind: tuple[Kind, str] | None, label: str = ""
) -> dict[str, Any]:
    return {
        "relation": relation.key,
        "label": schema.property_label(relation),
        "target": target,
        "target_label": label or schema.label(target),
        "target_kind": kind[0].key if kind else "",
        "direction": direction,
    }


def _hop_links(schema: Schema, hops: Hops, iri: str) -> list[dict[str, Any]]:
    """The two-hop links of `iri`: to each end it names (a record's organisations), from each record naming it,
    with the intermediate's qualifiers (`{"attribute", "label", "value"}`: the role's label, its IATI code)."""
    found = []
    for hop in hops.edges:
        target = hop.end if hop.subject == iri else hop.subject
        stand_in = hops.stand_ins.get(target)
        kind = stand_in or schema.kind_of(target)
        if kind is None:
            continue
        direction = "out" if (hop.ends[0] == iri) else "in"
        label = schema.label_from(hops.facts[target], target) if stand_in else ""
        link = _link(schema, hop.relation, target, direction, kind, label)
        link["via"] = hop.relation.via
        link["qualifiers"] = _qualifiers(schema, hop)
        found.append(link)
    return found


def _qualifiers(schema: Schema, hop: Hop) -> list[dict[str, str]]:
    rows = {row.attribute: row for row in hop.relation.qualifiers}
    return [
        {"attribute": attribute, "label": schema.property_label(rows[attribute]), "value": value}
        for attribute, value in hop.attributes
    ]


def _link_key(link: dict[str, Any]) -> tuple[str, ...]:
    """What makes a link one: its relation, direction and target, and its qualifiers' values (two roles, two links)."""
    qualifiers = tuple(f"{q['attribute']}={q['value']}" for q in link.get("qualifiers", ()))
    return (link["relation"], link["direction"], link["target"], *qualifiers)


def _link_order(link: dict[str, Any]) -> tuple[bool, str, str, str, tuple[str, ...]]:
    return (
        link["direction"] != "out",
        link["relation"],
        link["target_label"].casefold(),
        link["target"],
        _link_key(link)[3:],
    )
