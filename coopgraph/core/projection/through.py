"""Two-hop relations (`Relation.via`): `record -[property]-> intermediate -[via]-> end`, read once per projection.

A register record names its organisations through an intermediate, a blank
node that also says the organisation's role (an IATI participation, a party
to an instrument). The projection draws the edge from the record to the end
and puts the intermediate's `qualifiers` on it. An intermediate with no `via`
value still names an organisation (an imported IATI file gives only its
identifier and name): with a `stand_in`, that organisation becomes a node of
its own, the same node for every record that names it.

`read_hops` reads every two-hop edge, for a projection; `hops_of` only those
of one resource, for its side panel (`/api/resource`), stand-in or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from coopgraph.core.patterns import Pairs, Term
from coopgraph.core.projection.rules import MULTI_SEPARATOR, RELATIONS, Kind, Relation, StandIn
from coopgraph.core.projection.schema import Schema
from coopgraph.core.territories import slugify
from coopgraph.core.vocab import LABEL, RDF_TYPE

TWO_HOP: tuple[Relation, ...] = tuple(relation for relation in RELATIONS if relation.via)
"""The RELATIONS rows that go through an intermediate."""
_TYPE, _LABEL = ox.NamedNode(RDF_TYPE), ox.NamedNode(LABEL)


@dataclass(frozen=True)
class Hop:
    """One two-hop edge: the RDF subject, the end the intermediate leads to, the row, the edge's attributes."""

    subject: str
    end: str
    relation: Relation
    attributes: tuple[tuple[str, str], ...]

    @property
    def ends(self) -> tuple[str, str]:
        """(source, target) as drawn: from the end to the subject for a `reverse` row."""
        return (self.end, self.subject) if self.relation.reverse else (self.subject, self.end)


@dataclass
class Hops:
    """The two-hop edges of a store, and the stand-in nodes they reach (with the facts their attributes come from)."""

    edges: list[Hop] = field(default_factory=list)
    stand_ins: dict[str, tuple[Kind, str]] = field(default_factory=dict)
    facts: dict[str, Pairs] = field(default_factory=dict)

    def adjacency(self, allowed: set[tuple[str, str, str]] | None = None) -> dict[str, set[str]]:
        """Undirected neighbours along the two-hop edges (with `allowed`: only the shortcut triples it holds)."""
        found: dict[str, set[str]] = {}
        for hop in self.edges:
            if allowed is None or (hop.subject, hop.relation.property, hop.end) in allowed:
                found.setdefault(hop.subject, set()).add(hop.end)
                found.setdefault(hop.end, set()).add(hop.subject)
        return found


def read_hops(schema: Schema, relations: tuple[Relation, ...] = TWO_HOP) -> Hops:
    """Every two-hop edge of the store, from each of `relations`' triples (one read per row)."""
    hops = Hops()
    for relation in relations:
        for subject, pairs in schema.patterns.through(ox.NamedNode(relation.property)):
            _add_hops(schema, hops, relation, subject.value, pairs)
    return hops


def hops_of(schema: Schema, iri: str) -> Hops:
    """The two-hop edges that start or end at one resource (for its side panel), read for it alone; when `iri` is
    a stand-in's IRI, the records that name it too, with its facts (`stand_ins[iri]` says it is one).

    A stand-in is found the way the projection mints it: the rows whose `stand_in` has the IRI's base are read and
    only the intermediates that lead to `iri` are kept, so an IRI no record implies has no hops.
    """
    node = ox.NamedNode(iri)
    hops = Hops()
    for relation in TWO_HOP:
        for _, pairs in schema.patterns.through(ox.NamedNode(relation.property), node):
            _add_hops(schema, hops, relation, iri, pairs)
    for via in dict.fromkeys(relation.via for relation in TWO_HOP):
        rows = {relation.property: relation for relation in TWO_HOP if relation.via == via}
        for subject, link, pairs in schema.patterns.through_to(ox.NamedNode(via), node):
            if (row := rows.get(link.value)) is not None:
                _add_hops(schema, hops, row, subject.value, pairs)
    minting = tuple(r for r in TWO_HOP if r.stand_in is not None and iri.startswith(r.stand_in.base))
    if minting:
        named = read_hops(schema, minting)
        hops.edges.extend(hop for hop in named.edges if hop.end == iri)
        if iri in named.stand_ins:
            hops.stand_ins[iri], hops.facts[iri] = named.stand_ins[iri], named.facts[iri]
    edges = dict.fromkeys(hop for hop in hops.edges if iri in (hop.subject, hop.end))
    return Hops(list(edges), hops.stand_ins, hops.facts)


def _add_hops(schema: Schema, hops: Hops, relation: Relation, subject: str, pairs: Pairs) -> None:
    """The edges of one intermediate (`pairs`, the value of `relation` on `subject`), its stand-in if it names one."""
    ends = ends_of(relation, pairs)
    if ends and relation.stand_in is not None and not any(p.value == relation.via for p, _ in pairs):
        ends = [end for end in ends if _add_stand_in(schema, hops, relation.stand_in, end, pairs)]
    attributes = _qualifiers(schema, relation, pairs)
    hops.edges.extend(Hop(subject, end, relation, attributes) for end in ends)


def ends_of(relation: Relation, pairs: Pairs) -> list[str]:
    """Where one intermediate (its facts `pairs`) leads: its `via` values, else the stand-in it names, else nowhere."""
    via = relation.via
    ends = sorted({o.value for p, o in pairs if p.value == via and type(o) is ox.NamedNode})
    if not ends and relation.stand_in is not None and (iri := _stand_in_iri(relation.stand_in, pairs)):
        ends = [iri]
    return ends


def _stand_in_iri(rule: StandIn, pairs: Pairs) -> str:
    """`base` + `ref/` + the identifier (percent-encoded), else `base` + `nombre/` + the name's slug, else ''."""
    refs = sorted({o.value.strip() for p, o in pairs if p.value == rule.ref and isinstance(o, ox.Literal)} - {""})
    if refs:
        return rule.base + "ref/" + quote(refs[0], safe="")
    names = sorted(o.value for p, o in pairs if p.value == rule.name and isinstance(o, ox.Literal))
    slug = next((slug for name in names if (slug := slugify(name))), "")
    return rule.base + "nombre/" + slug if slug else ""


def _add_stand_in(schema: Schema, hops: Hops, rule: StandIn, iri: str, pairs: Pairs) -> bool:
    """Make `iri` a stand-in node of `hops` (False when no KINDS row has its class), its facts merged in."""
    kind = schema.kind_from_types(iri, [rule.cls])
    if kind is None:
        return False
    hops.stand_ins[iri] = kind
    facts = hops.facts.setdefault(iri, [(_TYPE, ox.NamedNode(rule.cls))])
    names = [(_LABEL, o) for p, o in pairs if p.value == rule.name and isinstance(o, ox.Literal) and o.value.strip()]
    refs = [(_LABEL, o) for p, o in pairs if p.value == rule.ref and isinstance(o, ox.Literal)]
    facts.extend(pair for pair in [*(names or refs), *pairs] if pair not in facts)
    return True


def _qualifiers(schema: Schema, relation: Relation, pairs: Pairs) -> tuple[tuple[str, str], ...]:
    """The intermediate's values of each qualifier row: labels (or IRIs, or literal text), joined."""
    found: list[tuple[str, str]] = []
    for link in relation.qualifiers:
        values = _values(schema, link.value, link.strip, (o for p, o in pairs if p.value == link.property))
        if values:
            found.append((link.attribute, MULTI_SEPARATOR.join(values)))
    return tuple(found)


def _values(schema: Schema, value: str, strip: str, objects: Iterable[Term]) -> list[str]:
    texts = set()
    for o in objects:
        if isinstance(o, ox.Literal):
            texts.add(o.value)
        elif isinstance(o, ox.NamedNode):
            texts.add(o.value.removeprefix(strip) if value == "iri" else schema.label(o.value))
    return sorted(texts)
