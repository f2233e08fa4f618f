"""Explanations: sentences in Spanish or English, each naming the graph resources it rests on.

Built only for the partners returned. Every resource listed is checked to be
a subject of the graph (`MatchIndex.exists`); an item naming a resource the
graph does not describe is left out rather than stated without a basis.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

from coopgraph.core.matching import scoring
from coopgraph.core.matching.dac import DacLink
from coopgraph.core.matching.facts import CI_COMPETENCE
from coopgraph.core.matching.results import Explanation, Need, Theme
from coopgraph.core.vocab import CG, NOTATION, ORG

if TYPE_CHECKING:
    from coopgraph.core.matching.index import MatchIndex
    from coopgraph.core.matching.lookup import Requester

# predicate -> (subject->object es, en, object->subject es, en)
EDGES: dict[str, tuple[str, str, str, str]] = {
    CG + "governs": ("gobierna", "governs", "gobernada por", "governed by"),
    ORG + "memberOf": ("miembro de", "member of", "tiene como miembro a", "has as member"),
    ORG + "subOrganizationOf": ("parte de", "part of", "incluye a", "includes"),
    CG + "linkedTo": ("vinculada a", "linked to", "vinculada a", "linked to"),
    CG + "convenor": ("convocada por", "convened by", "convoca", "convenes"),
    CG + "participant": ("con la participación de", "with the participation of", "participa en", "takes part in"),
    CG + "cooperant": ("con el cooperante", "with the cooperant", "es cooperante en", "is a cooperant in"),
    CG + "offerer": ("con la oferta de", "with an offer by", "ofreció cooperación en", "offered cooperation in"),
    CG + "winner": ("ganado por", "won by", "ganó", "won"),
    CG + "sponsor": ("patrocinado por", "sponsored by", "patrocina", "sponsors"),
    CG + "callOf": ("convocatoria de", "a call of", "lanzó", "launched"),
    CG + "programme": ("en el marco de", "within", "es el marco de", "is the frame of"),
    CG + "coversTerritory": ("cubre", "covers", "cubierta por", "covered by"),
    CG + "partnerCountry": ("con", "with", "es parte en", "is a party to"),
}
MAX_LISTED = 5
HOW = {
    "label": ("nombre del tema", "the theme's name"),
    "altLabel": ("sinónimo", "synonym"),
    "hiddenLabel": ("variante", "variant"),
    "iri": ("tema indicado", "theme given"),
    "code": ("código CAD", "DAC code"),
}


def _q(text: str, lang: str) -> str:
    return f"«{text}»" if lang == "es" else f"“{text}”"


def _pick(lang: str, es: str, en: str) -> str:
    return es if lang == "es" else en


def _role(role: str, lang: str) -> str:
    """How an actor stands in a space (the space is the subject of the role predicate)."""
    es, en = EDGES[role][2], EDGES[role][3]
    return _pick(lang, es, en)


def _item(index: MatchIndex, kind: str, text: str, resources: list[str]) -> Explanation | None:
    """An explanation item, or None when one of its resources is not a subject of the graph."""
    kept = tuple(dict.fromkeys(resources))
    return Explanation(kind, text, kept) if kept and all(index.exists(iri) for iri in kept) else None


def _matched(theme: Theme, lang: str) -> str:
    how = _pick(lang, *HOW[theme.how])
    if theme.how == "code":
        how = f"{how} {theme.matched}, skos:{theme.mapping}"
        return _pick(lang, f" (coincidencia: {how})", f" (matched: {how})")
    return _pick(
        lang, f" (coincidencia: {_q(theme.matched, lang)}, {how})", f" (matched {_q(theme.matched, lang)}, {how})"
    )


def sector_items(index: MatchIndex, actor: str, need: Need, lang: str) -> Iterator[Explanation]:
    """For each theme the partner relates to, the strongest relation and the label that matched."""
    own = index.sectors_of.get(actor, ())
    name = index.label(actor, lang)
    sector_rel = index.facts.rel(CG + "sector")
    for theme in need.themes:
        t = theme.sector
        label = _q(index.label(t, lang), lang)
        note = _matched(theme, lang)
        if t in own:
            text = _pick(lang, f"{name} trabaja en {label}{note}.", f"{name} works on {label}{note}.")
            item = _item(index, "sector", text, [actor, t])
        elif narrower := next((s for s in own if t in index.ancestors.get(s, ())), None):
            s_label = _q(index.label(narrower, lang), lang)
            text = _pick(
                lang,
                f"{name} trabaja en {s_label}, tema más específico que {label}{note}.",
                f"{name} works on {s_label}, a narrower theme than {label}{note}.",
            )
            item = _item(index, "sector", text, [actor, narrower, t])
        elif broader := next((s for s in own if t in index.descendants.get(s, ())), None):
            s_label = _q(index.label(broader, lang), lang)
            text = _pick(
                lang,
                f"{name} trabaja en {s_label}, tema más amplio que abarca {label}{note}.",
                f"{name} works on {s_label}, a broader theme that covers {label}{note}.",
            )
            item = _item(index, "sector", text, [actor, broader, t])
        elif found := next(
            ((space, role) for space, role in index.actor_roles.get(actor, ()) if t in sector_rel.get(space, ())),
            None,
        ):
            space, role = found
            text = _pick(
                lang,
                f"{name} {_role(role, lang)} {_q(index.label(space, lang), lang)}, que trabaja en {label}{note}.",
                f"{name} {_role(role, lang)} {_q(index.label(space, lang), lang)}, which works on {label}{note}.",
            )
            item = _item(index, "sector", text, [actor, space, t])
        elif link := next((link for link in index.dac_links.get(t, ()) if link.sector in own), None):
            item = dac_item(index, actor, link, lang)
        else:
            continue
        if item is not None:
            yield item


def _dac_code(index: MatchIndex, code: str, lang: str) -> str:
    """'CAD 31140, «Recursos hídricos para uso agrícola»' / 'DAC 31140, “Agricultural water resources”'."""
    notation = index.literal(NOTATION, code, lang) or code.rsplit("/", 1)[-1]
    return f"{_pick(lang, 'CAD', 'DAC')} {notation}, {_q(index.label(code, lang), lang)}"


def dac_item(index: MatchIndex, actor: str, link: DacLink, lang: str) -> Explanation | None:
    """The OECD-DAC chain from the theme to the partner's sector, naming every resource of it (dac.py)."""
    name = index.label(actor, lang)
    theme, sector = _q(index.label(link.theme, lang), lang), _q(index.label(link.sector, lang), lang)
    notation = index.literal(NOTATION, link.category, lang) or link.category.rsplit("/", 1)[-1]
    category = f"{notation} {_q(index.label(link.category, lang), lang)}"
    if link.partner_code is None:
        text = _pick(
            lang,
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) forma parte de la categoría CAD {category}, "
            f"en la que trabaja {name} a través de {sector}.",
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) is part of the DAC category {category}, "
            f"on which {name} works through {sector}.",
        )
    else:
        text = _pick(
            lang,
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) y {sector} "
            f"({_dac_code(index, link.partner_code, lang)}) pertenecen a la misma categoría CAD {category}; "
            f"{name} trabaja en {sector}.",
            f"{theme} ({_dac_code(index, link.theme_code, lang)}) and {sector} "
            f"({_dac_code(index, link.partner_code, lang)}) belong to the same DAC category {category}; "
            f"{name} works on {sector}.",
        )
    return _item(index, "sector", text, [*link.resources, actor])


def path_nodes(index: MatchIndex, requester: Requester, target: str) -> list[tuple[str, str | None, bool]]:
    """The path from the requester to `target`: (node, predicate into it, walked subject->object)."""
    nodes = [target]
    while nodes[-1] in requester.parent:
        nodes.append(requester.parent[nodes[-1]])
    if nodes[-1] != requester.iri and nodes[-1] in requester.gads and requester.province == requester.iri:
        nodes.append(requester.iri)  # from the province through its GAD
    nodes.reverse()
    steps: list[tuple[str, str | None, bool]] = [(nodes[0], None, True)]
    for previous, node in pairwise(nodes):
        predicate, forward = index.edge(previous, node)
        steps.append((node, predicate, forward))
    return steps


def path_item(index: MatchIndex, requester: Requester, actor: str, lang: str) -> Explanation | None:
    if actor not in requester.distance or requester.distance[actor] == 0:
        return None
    steps = path_nodes(index, requester, actor)
    parts = [index.short_label(steps[0][0], lang)]
    for node, predicate, forward in steps[1:]:
        phrases = EDGES[predicate or ""]
        relation = _pick(lang, phrases[0], phrases[1]) if forward else _pick(lang, phrases[2], phrases[3])
        parts.append(f"—{relation}→ {index.short_label(node, lang)}")
    text = _pick(lang, "Conexión en el grafo: ", "Connection in the graph: ") + " ".join(parts) + "."
    return _item(index, "path", text, [node for node, _, _ in steps])


def space_items(index: MatchIndex, requester: Requester, actor: str, lang: str) -> Iterator[Explanation]:
    """Spaces that cover the requester's territory, or that the requester's side shares, where the partner has a role."""
    name = index.label(actor, lang)
    covers = index.facts.rel(CG + "coversTerritory")
    grouped: dict[tuple[str, str, str | None], list[str]] = {}
    for space, how, role, side in requester.links.get(actor, ()):
        grouped.setdefault((space, how, side), []).append(role)
    for (space, how, side), roles in grouped.items():
        space_label = _q(index.label(space, lang), lang)
        kind = "mechanism" if index.space_kind.get(space) in ("negotiation", "fund", "peer") else "space"
        stands = _and([_role(role, lang) for role in dict.fromkeys(roles)], lang)
        if how == "covers":
            territories = [t for t in covers.get(space, ()) if t in requester.sources]
            where = _and([index.label(t, lang) for t in territories], lang)
            text = _pick(
                lang,
                f"{space_label} cubre {where}; {name} {stands} este espacio.",
                f"{space_label} covers {where}; {name} {stands} this space.",
            )
            yield from _some(_item(index, kind, text, [space, *territories, actor]))
        elif side is not None:
            predicate, side_is_subject = index.edge(side, space)
            phrases = EDGES[predicate]
            side_role = _pick(lang, phrases[0], phrases[1]) if side_is_subject else _pick(lang, phrases[2], phrases[3])
            text = _pick(
                lang,
                f"Espacio compartido {space_label}: {name} {stands} él, y "
                f"{index.short_label(side, lang)} {side_role} él.",
                f"Shared space {space_label}: {name} {stands} it, and {index.short_label(side, lang)} {side_role} it.",
            )
            yield from _some(_item(index, kind, text, [space, actor, side]))


def mechanism_items(index: MatchIndex, actor: str, requester: Requester | None, lang: str) -> Iterator[Explanation]:
    """Negotiation spaces open through the partner's country, its roles in negotiation spaces and funds, peer cooperation."""
    allowed = scoring.allowed_mask(requester)
    mask = index.chan_mask.get(actor, 0) & allowed
    name = index.label(actor, lang)
    linked = {link[0] for link in (requester.links.get(actor, ()) if requester else ())}
    country = index.country_of.get(actor)
    if mask & scoring.BILATERAL and country:
        for space in sorted(index.by_partner_country.get(country, ())):
            if space in linked:
                continue
            convenors = list(index.facts.rel(CG + "convenor").get(space, ()))
            periodicity = index.literal(CG + "periodicity", space, lang)
            details = []
            if periodicity:
                details.append(_pick(lang, f"se reúne {periodicity}", f"meets {periodicity}"))
            if convenors:
                who = ", ".join(index.short_label(c, lang) for c in convenors)
                details.append(_pick(lang, f"convoca {who}", f"convened by {who}"))
            tail = f" ({'; '.join(details)})" if details else ""
            text = _pick(
                lang,
                f"{_q(index.label(space, lang), lang)}: negociación bilateral con {index.label(country, lang)}{tail}.",
                f"{_q(index.label(space, lang), lang)}: bilateral negotiation with {index.label(country, lang)}{tail}.",
            )
            yield from _some(_item(index, "mechanism", text, [space, country, *convenors]))
    groups: dict[tuple[str, str], list[str]] = {}
    for space, role in sorted(index.actor_roles.get(actor, ())):
        space_kind = index.space_kind.get(space, "")
        if space in linked or space_kind not in ("negotiation", "fund"):
            continue
        if (space_kind == "fund" and not mask & scoring.FUND) or (
            space_kind == "negotiation" and not mask & scoring.BILATERAL
        ):
            continue
        groups.setdefault((role, space_kind), []).append(space)
    for (role, space_kind), spaces in groups.items():
        if len(spaces) == 1:
            space = spaces[0]
            details = []
            periodicity = index.literal(CG + "periodicity", space, lang)
            if periodicity:
                details.append(_pick(lang, f"se reúne {periodicity}", f"meets {periodicity}"))
            eligible = index.literal(CG + "eligible", space, lang)
            if eligible:
                details.append(
                    _pick(lang, f"pueden postular: {eligible.rstrip('.')}", f"eligible: {eligible.rstrip('.')}")
                )
            tail = f" ({'; '.join(details)})" if details else ""
            what = f", {_pick(lang, 'fondo concursable', 'competitive fund')}" if space_kind == "fund" else ""
            text = f"{name} {_role(role, lang)} {_q(index.label(space, lang), lang)}{what}{tail}."
        else:
            what = (
                _pick(lang, "fondos concursables", "competitive funds")
                if space_kind == "fund"
                else _pick(lang, "espacios de negociación", "negotiation spaces")
            )
            shown = _listing([_q(index.label(space, lang), lang) for space in spaces], lang)
            text = f"{name} {_role(role, lang)} {len(spaces)} {what}: {shown}."
        yield from _some(_item(index, "mechanism", text, [*spaces, actor]))
    if mask & scoring.PEER:
        for space in index.peer_spaces:
            text = _pick(
                lang,
                f"{_q(index.label(space, lang), lang)}: {name} es un gobierno subnacional, par posible de un hermanamiento.",
                f"{_q(index.label(space, lang), lang)}: {name} is a subnational government, a possible twinning peer.",
            )
            yield from _some(_item(index, "mechanism", text, [space, actor]))


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
    scope = _and([_q(index.label(t, lang), lang) for t in index.scope_types], lang)
    prefix = (
        _pick(
            lang,
            f"Un GAD provincial solo puede gestionar {scope}. ",
            f"A provincial government can only manage {scope}. ",
        )
        if provincial
        else ""
    )
    base = [CI_COMPETENCE, *index.scope_types] if provincial else []
    if offered:
        kinds = _and([_q(index.label(t, lang), lang) for t in offered], lang)
        through = _listing([_q(index.label(s, lang), lang) for s in via], lang)
        via_text = _pick(lang, f" (a través de {through})", f" (through {through})") if via else ""
        text = prefix + _pick(
            lang, f"{name} ofrece o canaliza {kinds}{via_text}.", f"{name} offers or channels {kinds}{via_text}."
        )
        return _item(index, "cooperation", text, [*base, actor, *offered, *via])
    text = prefix + _pick(
        lang,
        f"El grafo no dice que {name} ofrezca alguna de ellas.",
        f"The graph does not say that {name} offers any of them.",
    )
    return _item(index, "cooperation", text, [*base, actor])


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
        items += _some(_item(index, "legal", f"{index.label(provision, lang)}: {what}", [provision, CI_COMPETENCE]))
    ci_names = {index.label(CI_COMPETENCE, "es").casefold(), index.label(CI_COMPETENCE, "en").casefold()}
    for ordinance, targets in sorted(facts.rel(CG + "appliesTo").items()):
        if set(targets) & set(requester.gads) and facts.is_a(ordinance, CG + "Ordinance"):
            names = (index.label(ordinance, "es").casefold(), index.label(ordinance, "en").casefold())
            if any(ci_name in name for ci_name in ci_names for name in names):
                what = index.literal(establishes, ordinance, lang) or ""
                text = f"{index.label(ordinance, lang)}: {what}".rstrip(": ")
                items += _some(_item(index, "legal", text, [ordinance, *targets]))
    for theme in need.themes:
        for competence in index.competence_of_sector.get(theme.sector, ()):
            text = _pick(
                lang,
                f"El tema {_q(index.label(theme.sector, lang), lang)} corresponde a la competencia "
                f"{_q(index.label(competence, lang), lang)} de los gobiernos autónomos descentralizados.",
                f"The theme {_q(index.label(theme.sector, lang), lang)} falls under the competence "
                f"{_q(index.label(competence, lang), lang)} of the decentralised autonomous governments.",
            )
            items += _some(_item(index, "legal", text, [competence, theme.sector]))
    return items


def channel_legal_items(index: MatchIndex, actor: str, requester: Requester | None, lang: str) -> Iterator[Explanation]:
    """The legal basis (cg:legalBasis) of the spaces and peer cooperation that link the partner."""
    facts = index.facts
    spaces = [link[0] for link in (requester.links.get(actor, ()) if requester else ())]
    if index.chan_mask.get(actor, 0) & scoring.allowed_mask(requester) & scoring.PEER:
        spaces += list(index.peer_spaces)
    for space in dict.fromkeys(spaces):
        for basis in facts.rel(CG + "legalBasis").get(space, ()):
            what = index.literal(CG + "establishes", basis, lang)
            what_text = f": {what}" if what else ""
            text = _pick(
                lang,
                f"Base legal de {_q(index.label(space, lang), lang)}: {index.label(basis, lang)}{what_text}",
                f"Legal basis of {_q(index.label(space, lang), lang)}: {index.label(basis, lang)}{what_text}",
            )
            yield from _some(_item(index, "legal", text, [space, basis]))


class Explainer:
    """Explains the partners of one match; what is the same for all of them is built once."""

    def __init__(
        self, index: MatchIndex, need: Need, requester: Requester | None, *, cooperation: str | None, lang: str
    ) -> None:
        self.index, self.need, self.requester, self.cooperation, self.lang = index, need, requester, cooperation, lang
        self.common_legal = requester_legal_items(index, need, requester, lang)

    def items(self, actor: str) -> list[Explanation]:
        """Every explanation of one partner, in the order: sector, path, space, mechanism, cooperation, legal."""
        index, requester, lang = self.index, self.requester, self.lang
        items = list(sector_items(index, actor, self.need, lang))
        if requester is not None:
            items += _some(path_item(index, requester, actor, lang))
            items += space_items(index, requester, actor, lang)
        items += mechanism_items(index, actor, requester, lang)
        items += _some(cooperation_item(index, actor, requester, self.cooperation, lang))
        items += self.common_legal
        items += channel_legal_items(index, actor, requester, lang)
        return items


def similar_items(index: MatchIndex, actor: str, other: str, *, lang: str) -> list[Explanation]:
    """Shared sectors, networks and members of two actors; the same kind is shown by the result's `kind`."""
    items: list[Explanation] = []
    shared = sorted(
        set(index.sectors_of.get(actor, ())) & set(index.sectors_of.get(other, ())), key=lambda s: index.label(s, lang)
    )
    name, other_name = index.label(actor, lang), index.label(other, lang)
    if shared:
        themes = ", ".join(_q(index.label(s, lang), lang) for s in shared)
        text = _pick(
            lang, f"{name} y {other_name} trabajan en {themes}.", f"{name} and {other_name} both work on {themes}."
        )
        items += _some(_item(index, "sector", text, [actor, other, *shared]))
    member_of = index.facts.rel(ORG + "memberOf")
    for network in sorted(set(member_of.get(actor, ())) & set(member_of.get(other, ()))):
        text = _pick(
            lang,
            f"{index.short_label(actor, lang)} —miembro de→ {index.short_label(network, lang)} "
            f"—tiene como miembro a→ {index.short_label(other, lang)}.",
            f"{index.short_label(actor, lang)} —member of→ {index.short_label(network, lang)} "
            f"—has as member→ {index.short_label(other, lang)}.",
        )
        items += _some(_item(index, "path", text, [actor, network, other]))
    members = set(index.members_of.get(actor, ())) & set(index.members_of.get(other, ()))
    for member in sorted(members, key=lambda iri: index.order.get(iri, -1))[:MAX_LISTED]:
        text = _pick(
            lang,
            f"{index.short_label(actor, lang)} —tiene como miembro a→ {index.short_label(member, lang)} "
            f"—miembro de→ {index.short_label(other, lang)}.",
            f"{index.short_label(actor, lang)} —has as member→ {index.short_label(member, lang)} "
            f"—member of→ {index.short_label(other, lang)}.",
        )
        items += _some(_item(index, "path", text, [actor, member, other]))
    return items


def _and(parts: list[str], lang: str) -> str:
    """'a, b y c' / 'a, b and c'."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {_pick(lang, 'y', 'and')} {parts[-1]}"


def _listing(parts: list[str], lang: str) -> str:
    """At most MAX_LISTED parts, then 'N más' / 'N more'."""
    shown = parts[:MAX_LISTED]
    if len(parts) > MAX_LISTED:
        more = len(parts) - MAX_LISTED
        shown.append(_pick(lang, f"{more} más", f"{more} more"))
    return _and(shown, lang)


def _some(item: Explanation | None) -> list[Explanation]:
    return [item] if item is not None else []
