"""Ways of cooperating: which actors a need for twinning, South-South cooperation, scholarships, a competitive fund
or a joint commission can be answered with, and how strongly (weights.WAY_RELATION).

A way is a kind of cooperation, a mechanism, a negotiation instrument or a
modality (concepts), a class of spaces (comisión mixta, fondo concursable,
cooperación entre pares), or one space, call or programme. An actor relates
to a way when it
- offers or channels that kind of cooperation, or a narrower one ("offers");
- promotes it, or a space of it, as the study says ("promotes");
- has a role in a space of that way: the space itself, one of that class
  (a call is one of a competitive fund: the ontology's cg:Call), or one that
  works within that programme; or a programme is its own ("role"); or in a
  space that channels that kind of cooperation or negotiates through that
  instrument, less directly ("role_via");
- is the partner country of such a space ("party", "party_via");
- set a goal about it (the MREMH's 2025 goals on scholarships and CINR: "goal");
- is a subnational government, a possible peer, when the way is GAD-GAD peer
  cooperation ("peer").
A channel of a country's cooperation relates to a way at CHANNEL_FACTOR of
its country's relation. Only the strongest relation counts; explain_ways.py
says which one holds for a returned partner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from coopgraph.core.matching.facts import ROLE_PREDICATES, Facts
from coopgraph.core.matching.weights import CHANNEL_FACTOR, WAY_RELATION
from coopgraph.core.vocab import CG

PEER_CLASS = CG + "PeerCooperation"
CALL_CLASS, FUND_CLASS = CG + "Call", CG + "CompetitiveFund"


def broader_types(narrower: dict[str, set[str]]) -> dict[str, set[str]]:
    """kind of cooperation -> itself and its broader kinds (the inverse of the index's `cooperation_narrower`)."""
    up: dict[str, set[str]] = defaultdict(set)
    for broad, found in narrower.items():
        for kind in found:
            up[kind].add(broad)
    return up


def space_ways(facts: Facts, space: str, ways: frozenset[str], up: dict[str, set[str]]) -> dict[str, bool]:
    """The ways a space (or call, or programme) is of, each with whether it is so directly: itself, its classes
    (a call's include competitive funds) and programmes directly; the kinds it channels and the instruments it
    negotiates through, less directly."""
    found: dict[str, bool] = {}
    for kind in facts.rel(CG + "cooperationType").get(space, ()):
        found.update(dict.fromkeys(up.get(kind, {kind}) & ways, False))
    found.update(dict.fromkeys(set(facts.rel(CG + "negotiatedThrough").get(space, ())) & ways, False))
    direct = {space} | set(facts.rel(CG + "programme").get(space, ()))
    for cls in facts.types.get(space, ()):
        classes = facts.superclasses.get(cls, {cls})
        direct |= classes
        if CALL_CLASS in classes:
            direct.add(FUND_CLASS)
    found.update(dict.fromkeys(direct & ways, True))
    return found


def way_postings(
    facts: Facts,
    kind_of: dict[str, str],
    ways: frozenset[str],
    narrower: dict[str, set[str]],
    channels: dict[str, tuple[str, ...]],
) -> dict[str, dict[str, float]]:
    """way -> {actor: strength of its strongest relation to the way} (module docstring)."""
    up = broader_types(narrower)
    found: dict[str, dict[str, float]] = defaultdict(dict)

    def relate(targets: Iterable[str], actor: str, strength: float) -> None:
        for way in targets:
            if found[way].get(actor, 0.0) < strength:
                found[way][actor] = strength

    # Only the actors of `kind_of` are related: the others are passed over before their ways are worked out (a
    # patch for one new partner reads the relations of every space, ~16k resources at 100k actors).
    for actor, kinds in facts.rel(CG + "cooperationType").items():
        if actor in kind_of:
            for kind in kinds:
                relate(up.get(kind, {kind}) & ways, actor, WAY_RELATION["offers"])
    for actor, targets in facts.rel(CG + "promotes").items():
        if actor in kind_of:
            for target in targets:
                promoted = {way for way, is_direct in space_ways(facts, target, ways, up).items() if is_direct}
                relate(promoted | ({target} & ways), actor, WAY_RELATION["promotes"])
    holders: dict[str, set[str]] = defaultdict(set)
    for predicate in (*ROLE_PREDICATES, CG + "programmeOf"):
        for space, actors in facts.rel(predicate).items():
            if mine := [actor for actor in actors if actor in kind_of]:
                holders[space].update(mine)
    for space, holding in holders.items():
        direct_ways, via_ways = _split(space_ways(facts, space, ways, up))
        for actor in holding:
            relate(direct_ways, actor, WAY_RELATION["role"])
            relate(via_ways, actor, WAY_RELATION["role_via"])
    for space, countries in facts.rel(CG + "partnerCountry").items():
        if parties := [country for country in countries if country in kind_of]:
            direct_ways, via_ways = _split(space_ways(facts, space, ways, up))
            for country in parties:
                relate(direct_ways, country, WAY_RELATION["party"])
                relate(via_ways, country, WAY_RELATION["party_via"])
    set_by = facts.rel(CG + "setBy")
    for goal, targets in facts.rel(CG + "about").items():
        for actor in set_by.get(goal, ()):
            if actor in kind_of:
                relate(set(targets) & ways, actor, WAY_RELATION["goal"])
    peer_ways = {way for way in ways if way == PEER_CLASS or facts.is_a(way, PEER_CLASS)}
    for actor, kind in kind_of.items():
        if kind == "peer":
            relate(peer_ways, actor, WAY_RELATION["peer"])
    for postings in found.values():
        for country, strength in list(postings.items()):
            for channel in channels.get(country, ()):
                if postings.get(channel, 0.0) < CHANNEL_FACTOR * strength:
                    postings[channel] = CHANNEL_FACTOR * strength
    return {way: postings for way, postings in found.items() if postings}


def _split(of_space: dict[str, bool]) -> tuple[list[str], list[str]]:
    """A space's ways (`space_ways`): those it is of directly, and the others."""
    return [way for way, is_direct in of_space.items() if is_direct], [
        way for way, is_direct in of_space.items() if not is_direct
    ]
