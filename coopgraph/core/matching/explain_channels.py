"""Explanations of channels: how the requester reaches a partner, and on what legal basis.

Items of type path (the relations from the requester to the partner), space
(a space covering the requester's territory, or shared with its side),
mechanism (bilateral negotiation spaces, funds and calls, peer cooperation),
cooperation (the kinds of cooperation the partner offers, against a
provincial requester's scope) and legal (the provisions behind the
requester's competence, its ordinance, its themes' competences, and the
spaces that link the partner).
"""

from __future__ import annotations

from collections.abc import Iterator

from coopgraph.core.matching.facts import CI_COMPETENCE
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.requester import path_nodes
from coopgraph.core.matching.results import Explanation, Need, Requester
from coopgraph.core.matching.weights import BILATERAL, FUND, PEER, allowed_mask
from coopgraph.core.matching.wording import and_, item, listing, quote, relation, role, some
from coopgraph.core.vocab import CG, pick


def path_item(index: MatchIndex, requester: Requester, actor: str, lang: str) -> Explanation | None:
    """The relations from the requester to the partner, as `A —governs→ B —member of→ C`."""
    if actor not in requester.distance or requester.distance[actor] == 0:
        return None
    steps = path_nodes(index, requester, actor)
    parts = [index.short_label(steps[0][0], lang)]
    for node, predicate, forward in steps[1:]:
        parts.append(f"—{relation(predicate or '', forward, lang)}→ {index.short_label(node, lang)}")
    text = pick(lang, "Conexión en el grafo: ", "Connection in the graph: ") + " ".join(parts) + "."
    return item(index, "path", text, [node for node, _, _ in steps])


def space_items(index: MatchIndex, requester: Requester, actor: str, lang: str) -> Iterator[Explanation]:
    """Spaces that cover the requester's territory, or that the requester's side shares, where the partner has a role."""
    name = index.label(actor, lang)
    covers = index.facts.rel(CG + "coversTerritory")
    grouped: dict[tuple[str, str, str | None], list[str]] = {}
    for space, how, held, side in requester.links.get(actor, ()):
        grouped.setdefault((space, how, side), []).append(held)
    for (space, how, side), roles in grouped.items():
        space_label = quote(index.label(space, lang), lang)
        kind = "mechanism" if index.space_kind.get(space) in ("negotiation", "fund", "peer") else "space"
        stands = and_([role(held, lang) for held in dict.fromkeys(roles)], lang)
        if how == "covers":
            territories = [t for t in covers.get(space, ()) if t in requester.sources]
            where = and_([index.label(t, lang) for t in territories], lang)
            text = pick(
                lang,
                f"{space_label} cubre {where}; {name} {stands} este espacio.",
                f"{space_label} covers {where}; {name} {stands} this space.",
            )
            yield from some(item(index, kind, text, [space, *territories, actor]))
        elif side is not None:
            predicate, side_is_subject = index.edge(side, space)
            side_role = relation(predicate, side_is_subject, lang)
            text = pick(
                lang,
                f"Espacio compartido {space_label}: {name} {stands} él, y "
                f"{index.short_label(side, lang)} {side_role} él.",
                f"Shared space {space_label}: {name} {stands} it, and {index.short_label(side, lang)} {side_role} it.",
            )
            yield from some(item(index, kind, text, [space, actor, side]))


def mechanism_items(index: MatchIndex, actor: str, requester: Requester | None, lang: str) -> Iterator[Explanation]:
    """Negotiation spaces open through the partner's country, its roles in negotiation spaces and funds, peer cooperation."""
    mask = index.chan_mask.get(actor, 0) & allowed_mask(requester)
    name = index.label(actor, lang)
    linked = {link[0] for link in (requester.links.get(actor, ()) if requester else ())}
    country = index.country_of.get(actor)
    if mask & BILATERAL and country:
        for space in sorted(index.by_partner_country.get(country, ())):
            if space in linked:
                continue
            convenors = list(index.facts.rel(CG + "convenor").get(space, ()))
            periodicity = index.literal(CG + "periodicity", space, lang)
            details = []
            if periodicity:
                details.append(pick(lang, f"se reúne {periodicity}", f"meets {periodicity}"))
            if convenors:
                who = ", ".join(index.short_label(c, lang) for c in convenors)
                details.append(pick(lang, f"convoca {who}", f"convened by {who}"))
            tail = f" ({'; '.join(details)})" if details else ""
            text = pick(
                lang,
                f"{quote(index.label(space, lang), lang)}: negociación bilateral con {index.label(country, lang)}{tail}.",
                f"{quote(index.label(space, lang), lang)}: bilateral negotiation with {index.label(country, lang)}{tail}.",
            )
            yield from some(item(index, "mechanism", text, [space, country, *convenors]))
    groups: dict[tuple[str, str], list[str]] = {}
    for space, held in sorted(index.actor_roles.get(actor, ())):
        space_kind = index.space_kind.get(space, "")
        if space in linked or space_kind not in ("negotiation", "fund"):
            continue
        if (space_kind == "fund" and not mask & FUND) or (space_kind == "negotiation" and not mask & BILATERAL):
            continue
        groups.setdefault((held, space_kind), []).append(space)
    for (held, space_kind), spaces in groups.items():
        if len(spaces) == 1:
            space = spaces[0]
            details = []
            periodicity = index.literal(CG + "periodicity", space, lang)
            if periodicity:
                details.append(pick(lang, f"se reúne {periodicity}", f"meets {periodicity}"))
            eligible = index.literal(CG + "eligible", space, lang)
            if eligible:
                details.append(
                    pick(lang, f"pueden postular: {eligible.rstrip('.')}", f"eligible: {eligible.rstrip('.')}")
                )
            tail = f" ({'; '.join(details)})" if details else ""
            what = f", {pick(lang, 'fondo concursable', 'competitive fund')}" if space_kind == "fund" else ""
            text = f"{name} {role(held, lang)} {quote(index.label(space, lang), lang)}{what}{tail}."
        else:
            what = (
                pick(lang, "fondos concursables", "competitive funds")
                if space_kind == "fund"
                else pick(lang, "espacios de negociación", "negotiation spaces")
            )
            shown = listing([quote(index.label(space, lang), lang) for space in spaces], lang)
            text = f"{name} {role(held, lang)} {len(spaces)} {what}: {shown}."
        yield from some(item(index, "mechanism", text, [*spaces, actor]))
    if mask & PEER:
        for space in index.peer_spaces:
            text = pick(
                lang,
                f"{quote(index.label(space, lang), lang)}: {name} es un gobierno subnacional, par posible de un hermanamiento.",
                f"{quote(index.label(space, lang), lang)}: {name} is a subnational government, a possible twinning peer.",
            )
            yield from some(item(index, "mechanism", text, [space, actor]))


def cooperation_item(
    index: MatchIndex, actor: str, requester: Requester | None, cooperation: str | None, lang: str
) -> Explanation | None:
    """The kinds of cooperation the partner offers or channels, against the provincial scope (CINR and technical)."""
    provincial = requester is not None and requester.provincial and index.scope_types
    if not provincial and cooperation is None:
        return None
    types = index.coop_of.get(actor, frozenset())
    wanted = index.scope_accepted if provincial else frozenset()
    if cooperation is not None:
        wanted = frozenset(index.cooperation_narrower[cooperation])
    offered = sorted(types & wanted, key=lambda t: index.label(t, lang))
    own = set(index.facts.rel(CG + "cooperationType").get(actor, ()))
    via = [
        space
        for space in _channel_spaces(index, actor)
        if set(index.facts.rel(CG + "cooperationType").get(space, ())) & set(offered) - own
    ]
    name = index.label(actor, lang)
    scope = and_([quote(index.label(t, lang), lang) for t in index.scope_types], lang)
    prefix = (
        pick(
            lang,
            f"Un GAD provincial solo puede gestionar {scope}. ",
            f"A provincial government can only manage {scope}. ",
        )
        if provincial
        else ""
    )
    base = [CI_COMPETENCE, *index.scope_types] if provincial else []
    if offered:
        kinds = and_([quote(index.label(t, lang), lang) for t in offered], lang)
        through = listing([quote(index.label(s, lang), lang) for s in via], lang)
        via_text = pick(lang, f" (a través de {through})", f" (through {through})") if via else ""
        text = prefix + pick(
            lang, f"{name} ofrece o canaliza {kinds}{via_text}.", f"{name} offers or channels {kinds}{via_text}."
        )
        return item(index, "cooperation", text, [*base, actor, *offered, *via])
    text = prefix + pick(
        lang,
        f"El grafo no dice que {name} ofrezca alguna de ellas.",
        f"The graph does not say that {name} offers any of them.",
    )
    return item(index, "cooperation", text, [*base, actor])


def _channel_spaces(index: MatchIndex, actor: str) -> list[str]:
    country = index.country_of.get(actor)
    spaces = list(index.by_partner_country.get(country, ())) if country else []
    spaces += [space for space, _ in index.actor_roles.get(actor, ())]
    return sorted(set(spaces))


def requester_legal_items(index: MatchIndex, need: Need, requester: Requester | None, lang: str) -> list[Explanation]:
    """What a provincial requester stands on, the same for every partner: the provision granting the
    international-cooperation competence, the requester's own CI ordinance, the competences of the need's themes."""
    if requester is None or not requester.provincial:
        return []
    facts = index.facts
    establishes = CG + "establishes"
    items: list[Explanation] = []
    for provision in facts.rel(CG + "legalBasis").get(CI_COMPETENCE, ()):
        what = index.literal(establishes, provision, lang) or index.label(CI_COMPETENCE, lang)
        items += some(item(index, "legal", f"{index.label(provision, lang)}: {what}", [provision, CI_COMPETENCE]))
    ci_names = {index.label(CI_COMPETENCE, "es").casefold(), index.label(CI_COMPETENCE, "en").casefold()}
    for ordinance, targets in sorted(facts.rel(CG + "appliesTo").items()):
        if set(targets) & set(requester.gads) and facts.is_a(ordinance, CG + "Ordinance"):
            names = (index.label(ordinance, "es").casefold(), index.label(ordinance, "en").casefold())
            if any(ci_name in name for ci_name in ci_names for name in names):
                what = index.literal(establishes, ordinance, lang) or ""
                text = f"{index.label(ordinance, lang)}: {what}".rstrip(": ")
                items += some(item(index, "legal", text, [ordinance, *targets]))
    for theme in need.themes:
        for competence in index.competence_of_sector.get(theme.sector, ()):
            text = pick(
                lang,
                f"El tema {quote(index.label(theme.sector, lang), lang)} corresponde a la competencia "
                f"{quote(index.label(competence, lang), lang)} de los gobiernos autónomos descentralizados.",
                f"The theme {quote(index.label(theme.sector, lang), lang)} falls under the competence "
                f"{quote(index.label(competence, lang), lang)} of the decentralised autonomous governments.",
            )
            items += some(item(index, "legal", text, [competence, theme.sector]))
    return items


def channel_legal_items(index: MatchIndex, actor: str, requester: Requester | None, lang: str) -> Iterator[Explanation]:
    """The legal basis (cg:legalBasis) of the spaces and peer cooperation that link the partner."""
    facts = index.facts
    spaces = [link[0] for link in (requester.links.get(actor, ()) if requester else ())]
    if index.chan_mask.get(actor, 0) & allowed_mask(requester) & PEER:
        spaces += list(index.peer_spaces)
    for space in dict.fromkeys(spaces):
        for basis in facts.rel(CG + "legalBasis").get(space, ()):
            what = index.literal(CG + "establishes", basis, lang)
            what_text = f": {what}" if what else ""
            text = pick(
                lang,
                f"Base legal de {quote(index.label(space, lang), lang)}: {index.label(basis, lang)}{what_text}",
                f"Legal basis of {quote(index.label(space, lang), lang)}: {index.label(basis, lang)}{what_text}",
            )
            yield from some(item(index, "legal", text, [space, basis]))
