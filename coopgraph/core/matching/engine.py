"""The two questions matching answers, as functions of the index: `match` a need, find actors `similar` to one.

Each checks its options, reads the input (lookup.py), ranks (scoring.py) and
explains the partners returned (explain.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from coopgraph.core.matching.errors import MatchError, require_lang
from coopgraph.core.matching.explain import explain_partners, similar_items, why
from coopgraph.core.matching.explain_channels import requester_legal_items
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.lookup import (
    find_territory_or_actor,
    parse_need,
    resolve_cooperation,
    resolve_country,
    resolve_requester,
)
from coopgraph.core.matching.requester import requester_json
from coopgraph.core.matching.results import Group, MatchResult, Partner, SimilarResult
from coopgraph.core.matching.scoring import Ranked, rank
from coopgraph.core.matching.scoring import similar as rank_similar
from coopgraph.core.vocab import Text

MAX_LIMIT = 50


def match(
    index: MatchIndex,
    need: str | None = None,
    *,
    sectors: Sequence[str] = (),
    requester: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    cooperation: str | None = None,
    limit: int = 10,
    group: bool | None = None,
    lang: str = "es",
) -> MatchResult:
    """Ranked partners for a need, each with its score and explanation (see the package docstring).

    `group` folds the partners of one country or parent under the best of them (default: yes, unless a
    `country` filter asks for that country's partners)."""
    require_lang(lang)
    require_limit(limit)
    if kind is not None and kind not in index.present_kinds:
        raise MatchError(
            Text(
                es=f"Tipo de socio desconocido «{kind}»; válidos: {', '.join(index.kinds(lang))}.",
                en=f"Unknown kind of partner {kind!r}; valid: {', '.join(index.kinds(lang))}.",
            )
        )
    parsed = parse_need(index, need, sectors, lang=lang)
    country_iri = resolve_country(index, country) if country else None
    cooperation_iri = resolve_cooperation(index, cooperation) if cooperation else None
    who = resolve_requester(index, requester) if requester else None
    provincial = who is not None and who.provincial and bool(index.scope_types)
    if provincial and cooperation_iri is not None and cooperation_iri not in index.scope_accepted:
        scope_es = " y ".join(index.label(t, "es") for t in index.scope_types)
        scope = " and ".join(index.label(t, "en") for t in index.scope_types)
        raise MatchError(
            Text(
                es=f"Un gobierno provincial solo gestiona {scope_es} (su competencia de cooperación "
                f"internacional); «{index.label(cooperation_iri, 'es')}» queda fuera de ella.",
                en=f"A provincial government manages only {scope} (its international cooperation competence); "
                f"{index.label(cooperation_iri, 'en')!r} is outside it.",
            )
        )
    grouped = (country_iri is None) if group is None else group
    accepted = frozenset(index.cooperation_narrower[cooperation_iri]) if cooperation_iri else None
    ranked = rank(index, parsed, who, kind=kind, country=country_iri, accepted=accepted, limit=limit, group=grouped)
    explanations = explain_partners(
        index, parsed, who, [found.actor for found in ranked], cooperation=cooperation_iri, lang=lang
    )
    results = tuple(
        Partner(
            iri=found.actor,
            label=index.label(found.actor, lang),
            kind=index.kind_of[found.actor],
            country=index.country_json(index.country_of.get(found.actor), lang),
            score=found.score,
            explanation=explanation,
            components=found.components,
            strength=found.strength,
            why=why(explanation, found.strength, lang),
            group=_group(index, found, lang) if grouped else None,
            contact=_contact(index, found.actor),
        )
        for found, explanation in zip(ranked, explanations, strict=True)
    )
    filters: dict[str, object] = {
        "kind": kind,
        "country": index.country_json(country_iri, lang),
        "cooperation": {"iri": cooperation_iri, "label": index.label(cooperation_iri, lang)}
        if cooperation_iri
        else None,
        "limit": limit,
        "group": grouped,
        "lang": lang,
    }
    if provincial:
        filters["cooperation_scope"] = [{"iri": t, "label": index.label(t, lang)} for t in index.scope_types]
    legal = tuple(requester_legal_items(index, parsed, who, lang))
    return MatchResult(parsed, requester_json(index, who, lang) if who else None, filters, results, legal)


def _group(index: MatchIndex, found: Ranked, lang: str) -> Group | None:
    """The group a result stands for: its country or parent, the related members shown and how many more."""
    if not found.members and not found.more:
        return None
    key = index.group_of.get(found.actor, found.actor)
    kind = "country" if index.kind_of.get(key) == "country" else "parent"
    return Group(
        key=key,
        label=index.label(key, lang),
        kind=kind,
        members=tuple((member, index.label(member, lang)) for member in found.members),
        more=found.more,
        at_least=found.capped,
        contacts={member: _contact(index, member) for member in found.members if member in index.contacts},
    )


def _contact(index: MatchIndex, actor: str) -> dict[str, list[str]]:
    return {key: list(values) for key, values in index.contacts.get(actor, {}).items()}


def similar(index: MatchIndex, actor: str, *, limit: int = 10, lang: str = "es") -> SimilarResult:
    """Actors most like `actor`: shared sectors, shared networks, same kind (scoring.similar)."""
    require_lang(lang)
    require_limit(limit)
    iri = find_territory_or_actor(index, actor)
    if iri not in index.kind_of:
        raise MatchError(
            Text(
                es=f"«{actor}» es un territorio, no un actor: similar() compara actores.",
                en=f"{actor!r} is a territory, not an actor: similar() compares actors.",
            )
        )
    results = []
    for score, other, components in rank_similar(index, iri, limit=limit):
        items = tuple(similar_items(index, iri, other, lang=lang))
        results.append(
            Partner(
                iri=other,
                label=index.label(other, lang),
                kind=index.kind_of[other],
                country=index.country_json(index.country_of.get(other), lang),
                score=score,
                explanation=items,
                components=components,
                strength="",  # likeness to an actor, not a match to a need
                why=items[0].text if items else "",
                contact=_contact(index, other),
            )
        )
    about = {
        "iri": iri,
        "label": index.label(iri, lang),
        "kind": index.kind_of[iri],
        "country": index.country_json(index.country_of.get(iri), lang),
    }
    return SimilarResult(about, tuple(results))


def require_limit(limit: object) -> None:
    """MatchError unless `limit` is an integer from 1 to MAX_LIMIT."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise MatchError(
            Text(
                es=f"limit debe ser un entero de 1 a {MAX_LIMIT}, no {limit!r}.",
                en=f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}.",
            )
        )
