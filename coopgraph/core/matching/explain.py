"""Explanations: sentences in Spanish or English, each naming the graph resources it rests on.

Built only for the partners returned: themes (explain_themes.py), the
register's programmes and projects on them (explain_register.py), ways,
places, actors and kinds (explain_ways.py), then paths, spaces, mechanisms,
cooperation and the legal basis of the spaces that link the partner
(explain_channels.py); what the requester stands on (its competence, its
ordinance, its themes' competences) is the same for every partner and given
once (`requester_legal_items`). `why` says the strongest reason in one line,
with how direct it is. For similar actors, what two actors share. Every
resource listed is checked to be a subject of the graph (`MatchIndex.exists`,
wording.item); an item naming a resource the graph does not describe is left
out rather than stated without a basis.
"""

from __future__ import annotations

from collections.abc import Iterable

from coopgraph.core.matching.explain_channels import (
    channel_legal_items,
    cooperation_item,
    mechanism_items,
    path_item,
    space_items,
)
from coopgraph.core.matching.explain_register import register_items
from coopgraph.core.matching.explain_themes import sector_items
from coopgraph.core.matching.explain_ways import actor_items, kind_items, place_items, way_items
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Explanation, Need, Requester
from coopgraph.core.matching.wording import MAX_LISTED, item, quote, relation, some
from coopgraph.core.vocab import CG, ORG, Text, pick

STRENGTH_NOTE: dict[str, Text] = {
    "indirect": Text(es="Coincidencia indirecta", en="Indirect match"),
    "weak": Text(es="Coincidencia débil", en="Weak match"),
}


def explain_partners(
    index: MatchIndex,
    need: Need,
    requester: Requester | None,
    actors: Iterable[str],
    *,
    cooperation: str | None,
    lang: str,
) -> list[tuple[Explanation, ...]]:
    """Every explanation of each partner, in the order: themes, register records on them, ways, places, actors, kinds, path, space,
    mechanism, cooperation, legal basis of its channels."""
    explained = []
    for actor in actors:
        items = list(sector_items(index, actor, need, lang))
        items += register_items(index, actor, need, lang)
        items += way_items(index, actor, need, lang)
        items += place_items(index, actor, need, lang)
        items += actor_items(index, actor, need, lang)
        items += kind_items(index, actor, need, lang)
        if requester is not None:
            items += some(path_item(index, requester, actor, lang))
            items += space_items(index, requester, actor, lang)
        items += mechanism_items(index, actor, requester, lang)
        items += some(cooperation_item(index, actor, requester, cooperation, lang))
        items += channel_legal_items(index, actor, requester, lang)
        explained.append(tuple(items))
    return explained


def why(items: tuple[Explanation, ...], strength: str, lang: str) -> str:
    """The strongest reason in one line (the first item on what the need asks), said as indirect or weak if so."""
    first = next((i.text for i in items if i.type in ("sector", "register", "way", "place", "actor", "kind")), "")
    note = STRENGTH_NOTE.get(strength)
    return f"{note(lang)}: {first}" if note and first else first


def similar_items(index: MatchIndex, actor: str, other: str, *, lang: str) -> list[Explanation]:
    """Shared sectors, networks and members of two actors; the same kind is shown by the result's `kind`."""
    items: list[Explanation] = []
    shared = sorted(
        set(index.sectors_of.get(actor, ())) & set(index.sectors_of.get(other, ())), key=lambda s: index.label(s, lang)
    )
    name, other_name = index.label(actor, lang), index.label(other, lang)
    if shared:
        themes = ", ".join(quote(index.label(s, lang), lang) for s in shared)
        text = pick(
            lang, f"{name} y {other_name} trabajan en {themes}.", f"{name} and {other_name} both work on {themes}."
        )
        items += some(item(index, "sector", text, [actor, other, *shared]))
    channel_of = index.channel_of
    for country in sorted(found for found in (channel_of.get(actor), channel_of.get(other)) if found):
        if country in (actor, other):  # one is the other's channel
            channel = other if country == actor else actor
            text = f"{index.short_label(channel, lang)} —{relation(CG + 'channelOf', True, lang)}→ " + (
                f"{index.short_label(country, lang)}."
            )
            items += some(item(index, "path", text, [channel, country]))
        elif channel_of.get(actor) == channel_of.get(other):
            text = (
                f"{index.short_label(actor, lang)} —{relation(CG + 'channelOf', True, lang)}→ "
                f"{index.short_label(country, lang)} —{relation(CG + 'channelOf', False, lang)}→ "
                f"{index.short_label(other, lang)}."
            )
            items += some(item(index, "path", text, [actor, country, other]))
    member_of = index.facts.rel(ORG + "memberOf")
    member_of_phrase, has_member_phrase = (
        relation(ORG + "memberOf", True, lang),
        relation(ORG + "memberOf", False, lang),
    )
    for network in sorted(set(member_of.get(actor, ())) & set(member_of.get(other, ()))):
        text = (
            f"{index.short_label(actor, lang)} —{member_of_phrase}→ {index.short_label(network, lang)} "
            f"—{has_member_phrase}→ {index.short_label(other, lang)}."
        )
        items += some(item(index, "path", text, [actor, network, other]))
    members = set(index.members_of.get(actor, ())) & set(index.members_of.get(other, ()))
    for member in sorted(members, key=lambda iri: index.order.get(iri, -1))[:MAX_LISTED]:
        text = (
            f"{index.short_label(actor, lang)} —{has_member_phrase}→ {index.short_label(member, lang)} "
            f"—{member_of_phrase}→ {index.short_label(other, lang)}."
        )
        items += some(item(index, "path", text, [actor, member, other]))
    return items
