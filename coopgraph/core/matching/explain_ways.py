"""Explanations of ways, places, actors and kinds: why a partner answers a need for twinning, a place, a named actor.

Items of type "way" (how the partner relates to a way of cooperating: it
offers that kind of cooperation, promotes it, has a role in a space of it, is
the partner country of one, set a goal on it, is a possible peer; or, as a
channel of a country's cooperation, through its country), "place" (a space
covering a territory the need names, where the partner has a role), "actor"
(the partner is, is part of, is a channel of, or belongs to an actor the need
names) and "kind" (the partner is of a kind the need asks for). Each item
names the graph resources it rests on; the relation said is the strongest
one (ways.py computes the same ones for ranking).
"""

from __future__ import annotations

from collections.abc import Iterator

from coopgraph.core.matching.build import KINDS
from coopgraph.core.matching.facts import ROLE_PREDICATES
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Explanation, Need, Term
from coopgraph.core.matching.ways import PEER_CLASS, broader_types, space_ways
from coopgraph.core.matching.wording import item, quote, role
from coopgraph.core.vocab import CG, ORG, pick


def _name(index: MatchIndex, iri: str, lang: str) -> str:
    return quote(index.label(iri, lang), lang)


def way_item(index: MatchIndex, actor: str, way: Term, lang: str, *, through: str | None = None) -> Explanation | None:
    """The strongest relation of `actor` to a way of cooperating (ways.py), as a sentence; `through`: said of
    the country whose channel the partner is."""
    facts = index.facts
    subject = through or actor
    name, target = index.label(subject, lang), _name(index, way.resource, lang)
    up = broader_types(index.cooperation_narrower)
    ways = index.vocabulary.ways
    found: tuple[str, list[str]] | None = None
    for kind in sorted(facts.rel(CG + "cooperationType").get(subject, ())):
        if way.resource in up.get(kind, {kind}):
            text = pick(
                lang,
                f"{name} ofrece o canaliza {_name(index, kind, lang)}",
                f"{name} offers or channels {_name(index, kind, lang)}",
            )
            found = (text, [subject, kind, way.resource])
            break
    if found is None:
        for promoted in sorted(facts.rel(CG + "promotes").get(subject, ())):
            if promoted == way.resource or space_ways(facts, promoted, ways, up).get(way.resource):
                text = pick(
                    lang,
                    f"{name} promueve {_name(index, promoted, lang)}",
                    f"{name} promotes {_name(index, promoted, lang)}",
                )
                found = (text, [subject, promoted, way.resource])
                break
    if found is None:
        for predicate in (*ROLE_PREDICATES, CG + "programmeOf", CG + "partnerCountry"):
            for space, holders in sorted(facts.rel(predicate).items()):
                if subject in holders and way.resource in space_ways(facts, space, ways, up):
                    if predicate == CG + "programmeOf":
                        stands = pick(lang, "tiene como programa", "has the programme")
                    elif predicate == CG + "partnerCountry":
                        stands = pick(lang, "es el país socio de", "is the partner country of")
                    else:
                        stands = role(predicate, lang)
                    text = f"{name} {stands} {_name(index, space, lang)}"
                    found = (text, [subject, space, way.resource])
                    break
            if found is not None:
                break
    if found is None:
        set_by = facts.rel(CG + "setBy")
        for goal, targets in sorted(facts.rel(CG + "about").items()):
            if way.resource in targets and subject in set_by.get(goal, ()):
                text = pick(
                    lang,
                    f"{name} fijó la meta {_name(index, goal, lang)}",
                    f"{name} set the goal {_name(index, goal, lang)}",
                )
                found = (text, [subject, goal, way.resource])
                break
    if found is None and index.kind_of.get(subject) == "peer":
        peer_way = way.resource == PEER_CLASS or facts.is_a(way.resource, PEER_CLASS)
        if peer_way:
            text = pick(
                lang,
                f"{name} es un gobierno subnacional, un par posible de {target}",
                f"{name} is a subnational government, a possible peer for {target}",
            )
            found = (text, [subject, way.resource])
    if found is None:
        return None
    text, resources = found
    if len(resources) > 2 and resources[1] != way.resource:
        text += pick(lang, f" (forma de cooperar: {target})", f" (way of cooperating: {target})")
    if through is not None:
        text += pick(
            lang,
            f"; {index.label(actor, lang)} es uno de los canales de su cooperación descentralizada (Tabla 2)",
            f"; {index.label(actor, lang)} is one of the channels of its decentralised cooperation (Tabla 2)",
        )
        resources = [*resources, actor]
    return item(index, "way", f"{text}.", resources)


def way_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """For each way the need asks for that the partner relates to, the strongest relation."""
    for way in need.ways:
        postings = index.way_postings.get(way.resource, {})
        if actor not in postings:
            continue
        found = way_item(index, actor, way, lang)
        country = index.channel_of.get(actor)
        if found is None and country is not None and country in postings:
            found = way_item(index, actor, way, lang, through=country)
        if found is not None:
            yield found


def place_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """Spaces covering a territory the need names where the partner has a role."""
    covers = index.facts.rel(CG + "coversTerritory")
    for place in need.facet("place"):
        for space, territories in sorted(covers.items()):
            if place.resource not in territories:
                continue
            held = [predicate for a, predicate in index.roles.get(space, ()) if a == actor]
            if held:
                text = pick(
                    lang,
                    f"{_name(index, space, lang)} cubre {index.label(place.resource, lang)}; "
                    f"{index.label(actor, lang)} {role(held[0], lang)} este espacio.",
                    f"{_name(index, space, lang)} covers {index.label(place.resource, lang)}; "
                    f"{index.label(actor, lang)} {role(held[0], lang)} this space.",
                )
                found = item(index, "place", text, [space, place.resource, actor])
                if found is not None:
                    yield found
                break


def actor_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """How the partner stands to an actor the need names."""
    parents = index.facts.rel(ORG + "subOrganizationOf")
    name = index.label(actor, lang)
    for named in need.facet("actor"):
        other = _name(index, named.resource, lang)
        if actor == named.resource:
            text = pick(lang, f"La necesidad nombra a {other}.", f"The need names {other}.")
        elif named.resource in _ancestors(parents, actor):
            text = pick(
                lang,
                f"{name} es parte de {other}, que nombra la necesidad.",
                f"{name} is part of {other}, which the need names.",
            )
        elif index.channel_of.get(actor) == named.resource:
            text = pick(
                lang,
                f"{name} es un canal de la cooperación descentralizada de {other} (Tabla 2).",
                f"{name} is a channel of {other}'s decentralised cooperation (Tabla 2).",
            )
        elif index.country_of.get(actor) == named.resource:
            text = pick(lang, f"{name} es de {other}.", f"{name} is from {other}.")
        else:
            continue
        found = item(index, "actor", text, [actor, named.resource])
        if found is not None:
            yield found


def _ancestors(parents: dict[str, tuple[str, ...]], actor: str) -> set[str]:
    found: set[str] = set()
    todo = [actor]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def kind_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """The partner is of a kind the need asks for."""
    kind = index.kind_of.get(actor)
    for named in need.facet("kind"):
        if named.resource == kind:
            label = next(name(lang) for key, _, name in KINDS if key == kind)
            text = pick(
                lang,
                f"{index.label(actor, lang)}: {label.lower()}, el tipo de socio que pide la necesidad.",
                f"{index.label(actor, lang)}: {label.lower()}, the kind of partner the need asks for.",
            )
            found = item(index, "kind", text, [actor])
            if found is not None:
                yield found
