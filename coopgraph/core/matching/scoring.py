"""Ranking: the best partners for a need, folded into distinct groups, and the actors most like an actor.

The score is weights.py's: for each term of the need (a theme, a way of
cooperating, a place, an actor it names), its coefficient times the
partner's value for it, plus the kinds of partner named (a bonus), the
partner's channels and its requester-dependent bonus (requester.py). The value
of every (term, actor) pair of themes and ways is precomputed
(`MatchIndex.values`); places and actors the need names are looked up per
request (few actors). A one-term need read from a name walks the term's
static ranking (`MatchIndex.static_ranking`) for as many actors as the
answer needs, whatever the graph's size; other needs score every actor
related to one of their terms, summing columns with map() (the loops run in C).

Results are folded into groups (groups.py): the best partner of each group
is a result, its group's other related partners are listed under it ("and 4
more channels of Spain"), so the top `limit` are distinct partners a person
would approach. `group=False` lists every partner on its own. Scores are
rounded to 4 decimals and ranking uses the rounded value, so equal shown
scores are ordered by name (`weights.score_key`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from operator import add, itemgetter, mul

from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import FACETS, Need, Requester, Term
from coopgraph.core.matching.weights import (
    ACTOR_RELATION,
    CHANNEL,
    CHANNEL_BY_MASK,
    DIRECT_AT_LEAST,
    PLACE_RELATION,
    SIM_KIND,
    SIM_NETWORKS,
    SIM_SECTORS,
    W_RELEVANCE,
    WEAK_BELOW,
    allowed_mask,
    coefficients,
    facet_weights,
    key_score,
    noisy_or,
    proximity,
    score_key,
)
from coopgraph.core.vocab import CG, ORG

FETCH = 4
"""First depth of the walk for the groups: FETCH * limit actors, doubled until `limit` groups are found."""
MEMBERS_SHOWN = 5
"""Members of a group listed by name under its result (the rest are counted)."""
MEMBER_SCAN = 300
"""Members of a group looked at for the listing and the count ("and 12 more"; "at least" past this)."""


@dataclass(frozen=True)
class Ranked:
    """A result of `rank`: the partner, its score and parts, and the other members of its group related to the need."""

    actor: str
    score: float
    components: dict[str, float]
    strength: str
    members: tuple[str, ...]
    more: int
    capped: bool = False
    """Whether `more` is a lower bound (the group had more members than MEMBER_SCAN)."""


def alternatives(need: Need) -> list[tuple[Term, ...]]:
    """The need's terms grouped by the words they were read from: one group per thing asked, its terms the
    readings of it. Readings of overlapping words are one group whatever their facet ("desarrollo fronterizo"
    read as the theme «Integración fronteriza» and as the Frontera Norte programme asks for one thing, not two);
    kinds of partner and sectors given as such (no words) are groups of their own. A group's first term is its
    strongest: its facet is the group's.
    """
    worded = sorted(
        (term for term in need.terms if term.span != (-1, -1) and term.facet != "kind"), key=lambda t: t.span
    )
    groups: list[list[Term]] = []
    end = -1
    for term in worded:
        if groups and term.span[0] < end:
            groups[-1].append(term)
            end = max(end, term.span[1])
        else:
            groups.append([term])
            end = term.span[1]
    by_key: dict[tuple[str, str], list[Term]] = {}
    for term in need.terms:
        if term.span == (-1, -1):
            by_key.setdefault((term.facet, term.resource), []).append(term)
        elif term.facet == "kind":
            by_key.setdefault(("kind", ""), []).append(term)
    found = [*groups, *by_key.values()]
    return [tuple(sorted(group, key=lambda t: (-t.strength, FACETS.index(t.facet)))) for group in found]


def group_values(index: MatchIndex, terms: tuple[Term, ...], requester: Requester | None) -> dict[str, float]:
    """actor -> its best value among alternative readings of the same words (one term: its own values)."""
    if len(terms) == 1:
        return term_values(index, terms[0], requester)
    merged: dict[str, float] = {}
    for term in terms:
        scale = term.strength / max(t.strength for t in terms)
        for actor, value in term_values(index, term, requester).items():
            if merged.get(actor, 0.0) < value * scale:
                merged[actor] = value * scale
    return merged


def term_values(index: MatchIndex, term: Term, requester: Requester | None) -> dict[str, float]:
    """actor -> value of one term: precomputed for themes and ways; looked up for places and named actors."""
    if term.facet in ("theme", "way"):
        return index.values.get(term.resource, {})
    if term.facet == "place":
        covers = index.facts.rel(CG + "coversTerritory")
        found: dict[str, float] = {}
        for space, territories in covers.items():
            if term.resource in territories:
                for actor, _ in index.roles.get(space, ()):
                    if actor in index.kind_of:
                        found[actor] = PLACE_RELATION["covers"]
        return found
    if term.facet == "actor":
        return named_actor_values(index, term.resource)
    return {}


def named_actor_values(index: MatchIndex, named: str) -> dict[str, float]:
    """The actor a need names, its parts (org:subOrganizationOf, transitively), its channels (a country) and the
    organisations of a named country."""
    found = {named: ACTOR_RELATION["named"]}
    parts = index.facts.rel(ORG + "subOrganizationOf")
    children: dict[str, list[str]] = {}
    for child, parents in parts.items():
        for parent in parents:
            children.setdefault(parent, []).append(child)
    todo = [named]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child in index.kind_of and child not in found:
                found[child] = ACTOR_RELATION["part"]
                todo.append(child)
    for channel in index.channels.get(named, ()):
        found.setdefault(channel, ACTOR_RELATION["channel"])
    if index.kind_of.get(named) == "country":
        for actor, country in index.country_of.items():
            if country == named and actor != named:
                found.setdefault(actor, ACTOR_RELATION["of_country"])
    return found


def rank(
    index: MatchIndex,
    need: Need,
    requester: Requester | None,
    *,
    kind: str | None,
    country: str | None,
    accepted: frozenset[str] | None,
    limit: int,
    group: bool = True,
    presorted: bool = True,
) -> list[Ranked]:
    """The top `limit` partners (groups, unless `group` is False), best first; only partners related to a term
    that is not a kind are scored (a need that names only kinds of partner ranks the partners of those kinds).
    `presorted=False` scores every related actor even for a one-term need (the reference the walk is tested against).
    """
    allowed = allowed_mask(requester)
    channel = index.channel_scores(allowed)
    bonus = requester.bonus if requester else {}
    excluded = requester.sources if requester else frozenset()
    kinds_of, countries, cooperation, order = index.kind_of, index.country_of, index.coop_of, index.order
    filtered = kind is not None or country is not None or accepted is not None

    def rejected(actor: str) -> bool:
        return (
            actor in excluded
            or (kind is not None and kinds_of[actor] != kind)
            or (country is not None and countries[actor] != country)
            or (accepted is not None and not cooperation[actor] & accepted)
        )

    groups = alternatives(need)
    coefs = coefficients([(found[0].facet, max(term.strength for term in found)) for found in groups])
    ranked_terms = [(c, found) for c, found in zip(coefs, groups, strict=True) if found[0].facet != "kind"]
    named_kinds = {term.resource for term in need.terms if term.facet == "kind"}
    kind_bonus = max((c for c, found in zip(coefs, groups, strict=True) if found[0].facet == "kind"), default=0.0)
    columns = [(c, group_values(index, found, requester)) for c, found in ranked_terms]

    def score_of(actor: str) -> float:
        value = sum(c * values.get(actor, 0.0) for c, values in columns)
        if kind_bonus and kinds_of.get(actor) in named_kinds:
            value += kind_bonus
        return value * (W_RELEVANCE + channel.get(actor, 0.0) + bonus.get(actor, 0.0))

    scored: dict[str, float]
    """Related actors that pass the filters, with their score when computed (the one-term walk leaves it 0)."""
    if not columns:  # only kinds of partner: their partners, by channels and proximity
        pool = [actor for actor, found in kinds_of.items() if found in named_kinds]
        scored = {actor: score_of(actor) for actor in pool if not rejected(actor)}

        def walk(n: int) -> list[tuple[str, int]]:
            return _best(scored, order, n)

    elif (
        presorted
        and len(columns) == 1
        and columns[0][0] == 1.0
        and len(ranked_terms[0][1]) == 1
        and ranked_terms[0][1][0].facet in ("theme", "way")
    ):
        term = ranked_terms[0][1][0]
        ranking = index.static_ranking(term.resource, allowed)
        values = columns[0][1]
        scored = _Related(values, rejected)

        def walk(n: int) -> list[tuple[str, int]]:
            keys: dict[str, int] = {}
            for actor in ranking:
                if len(keys) >= n:
                    break
                if actor in bonus or (filtered and rejected(actor)) or actor in excluded:
                    continue
                keys[actor] = score_key(values[actor] * (W_RELEVANCE + channel.get(actor, 0.0)), order[actor])
            for actor, extra in bonus.items():
                if actor in values and not rejected(actor):
                    keys[actor] = score_key(
                        values[actor] * (W_RELEVANCE + channel.get(actor, 0.0) + extra), order[actor]
                    )
            return heapq.nlargest(n, keys.items(), key=itemgetter(1))

    else:
        pool = list(set().union(*(values.keys() for _, values in columns)))
        totals = [0.0] * len(pool)
        for c, values in columns:
            totals = list(map(add, totals, map(mul, repeat(c), map(values.get, pool, repeat(0.0)))))
        if kind_bonus:
            totals = [t + kind_bonus if kinds_of[a] in named_kinds else t for a, t in zip(pool, totals, strict=True)]
        context = list(map(add, repeat(W_RELEVANCE), map(channel.get, pool, repeat(0.0))))
        scores = dict(zip(pool, map(mul, totals, context), strict=True))
        for actor in bonus:
            if actor in scores:
                scores[actor] = score_of(actor)
        if filtered or excluded:
            scores = {actor: value for actor, value in scores.items() if not rejected(actor)}
        scored = scores

        def walk(n: int) -> list[tuple[str, int]]:
            return _best(scored, order, n)

    chosen = _groups(index, walk, limit, group)
    found = []
    for actor, key in chosen:
        members: tuple[str, ...] = ()
        more, capped = 0, False
        if group:
            related, capped = _related_members(index, actor, scored, rejected)
            shown = heapq.nlargest(
                MEMBERS_SHOWN, related, key=lambda m: score_key(scored.get(m) or score_of(m), order[m])
            )
            members, more = tuple(shown), max(0, len(related) - MEMBERS_SHOWN)
        parts = components(index, actor, need, ranked_terms, columns, named_kinds, requester)
        strength = strength_of(index, actor, need, parts)
        found.append(Ranked(actor, key_score(key), parts, strength, members, more, capped))
    return found


def _best(scores: dict[str, float], order: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The `limit` best (actor, sort key): the limit-th score, then only the actors that can tie with it."""
    best = heapq.nlargest(limit, scores.values())
    floor = best[-1] - 0.0001 if len(best) == limit else -1.0
    keyed = [(actor, score_key(value, order[actor])) for actor, value in scores.items() if value >= floor]
    return heapq.nlargest(limit, keyed, key=itemgetter(1))


def _groups(
    index: MatchIndex, walk: Callable[[int], list[tuple[str, int]]], limit: int, group: bool
) -> list[tuple[str, int]]:
    """The best actor of each of the first `limit` groups (or the first `limit` actors), best first."""
    depth = FETCH * limit
    while True:
        keyed = walk(depth)
        if not group:
            return keyed[:limit]
        chosen: list[tuple[str, int]] = []
        seen: set[str] = set()
        for actor, key in keyed:
            group_key = index.group_of.get(actor, actor)
            if group_key in seen:
                continue
            seen.add(group_key)
            chosen.append((actor, key))
            if len(chosen) == limit:
                return chosen
        if len(keyed) < depth:
            return chosen
        depth *= 2


class _Related(dict[str, float]):
    """The actors of one term's values that pass the filters, as `scored` (their score is computed on demand)."""

    def __init__(self, values: dict[str, float], rejected: Callable[[str], bool]) -> None:
        super().__init__()
        self.scores, self.rejected = values, rejected

    def __contains__(self, actor: object) -> bool:
        return actor in self.scores and isinstance(actor, str) and not self.rejected(actor)

    def get(self, actor: str, default: float | None = None) -> float | None:  # type: ignore[override]
        return default


def _related_members(
    index: MatchIndex,
    actor: str,
    scored: dict[str, float],
    rejected: Callable[[str], bool],
) -> tuple[list[str], bool]:
    """The other partners of the actor's group that relate to a term of the need (and pass the filters), among
    the first MEMBER_SCAN members of the group; and whether the group had more to look at (the count is then a
    lower bound: synthetic countries at scale have thousands of peers)."""
    key = index.group_of.get(actor, actor)
    group = (key, *index.members.get(key, ())) if key in index.kind_of else index.members.get(key, ())
    related = [member for member in group[:MEMBER_SCAN] if member != actor and member in scored]
    return related, len(group) > MEMBER_SCAN


def components(
    index: MatchIndex,
    actor: str,
    need: Need,
    ranked_terms: list[tuple[float, tuple[Term, ...]]],
    columns: list[tuple[float, dict[str, float]]],
    named_kinds: set[str],
    requester: Requester | None,
) -> dict[str, float]:
    """The parts of an actor's score, each in [0, 1]: one per facet of the need, their weighted mean
    (relevance), proximity and channel. A thing asked read in several facets counts in the facet of the reading
    the actor answers best."""
    parts: dict[str, float] = {}
    by_facet: dict[str, float] = {}
    shown: dict[str, float] = {}
    groups = alternatives(need)
    strengths: dict[str, list[float]] = {}
    for found in groups:
        strengths.setdefault(found[0].facet, []).append(found[0].strength)
    for (_, found), (_, values) in zip(ranked_terms, columns, strict=True):
        facet, strength = found[0].facet, found[0].strength
        weights = strengths[facet]
        share = strength * max(weights) / sum(weights)
        value = share * values.get(actor, 0.0)
        by_facet[facet] = by_facet.get(facet, 0.0) + value
        reading = _best_reading(index, found, actor, requester)
        shown[reading.facet] = shown.get(reading.facet, 0.0) + value
    if named_kinds:
        by_facet["kind"] = shown["kind"] = max(strengths["kind"]) if index.kind_of.get(actor) in named_kinds else 0.0
    shares = facet_weights([(found[0].facet, found[0].strength) for found in groups])
    relevance = sum(share * by_facet.get(facet, 0.0) for facet, share in shares.items())
    for facet in need.facets:
        parts[facet] = round(min(1.0, shown.get(facet, 0.0)), 4)
    parts["relevance"] = round(relevance, 4)
    static = CHANNEL_BY_MASK[index.chan_mask.get(actor, 0) & allowed_mask(requester)]
    links = requester.links.get(actor, ()) if requester else ()
    parts["proximity"] = round(proximity(requester, actor), 4)
    parts["channel"] = round(noisy_or(static, *(CHANNEL[link[1]] for link in links)), 4)
    return parts


def _best_reading(index: MatchIndex, found: tuple[Term, ...], actor: str, requester: Requester | None) -> Term:
    """Of the readings of one thing asked, the one that gives the actor its value (the strongest on a tie)."""
    if len(found) == 1:
        return found[0]
    top = max(t.strength for t in found)
    return max(
        found,
        key=lambda t: (term_values(index, t, requester).get(actor, 0.0) * t.strength / top, t.strength),
    )


def relation_of(index: MatchIndex, term: Term, actor: str) -> float:
    """How the actor relates to a term, before any weighting: its theme or way posting, or its place or actor
    relation (weights.RELATION, WAY_RELATION, PLACE_RELATION, ACTOR_RELATION)."""
    if term.facet == "theme":
        return index.postings.get(term.resource, {}).get(actor, 0.0)
    if term.facet == "way":
        return index.way_postings.get(term.resource, {}).get(actor, 0.0)
    return term_values(index, term, None).get(actor, 0.0)


def strength_of(index: MatchIndex, actor: str, need: Need, parts: dict[str, float]) -> str:
    """ "weak" under WEAK_BELOW relevance; "direct" when for every thing asked (but kinds of partner) a reading
    from a name or a close word (strength >= 0.8) holds for the actor with a relation of at least
    DIRECT_AT_LEAST; else "indirect"."""
    if parts.get("relevance", 0.0) < WEAK_BELOW:
        return "weak"
    for found in alternatives(need):
        if found[0].facet == "kind":
            continue
        best = max((relation_of(index, term, actor) for term in found if term.strength >= 0.8), default=0.0)
        if best < DIRECT_AT_LEAST:
            return "indirect"
    return "direct"


def similar(index: MatchIndex, actor: str, *, limit: int) -> list[tuple[float, str, dict[str, float]]]:
    """Actors sharing sectors, networks or members with `actor`: Jaccard of each, plus the same kind.

    Networks: the Jaccard of the networks both are members of, or, for two
    networks, of the members they share (whichever is larger). A country's
    cooperation counts as a network of its channels (two channels of Spain's
    cooperation share it; Spain and its channel share it too).
    """
    memberships = index.facts.rel(ORG + "memberOf")

    def member_of(x: str) -> set[str]:
        return set(memberships.get(x, ())) | ({index.channel_of[x]} if x in index.channel_of else set())

    def members_of(x: str) -> set[str]:
        return set(index.members_of.get(x, ())) | set(index.channels.get(x, ()))

    mine = set(index.sectors_of.get(actor, ()))
    networks = member_of(actor)
    members = members_of(actor)
    shared_sectors: dict[str, int] = {}
    for sector in mine:
        for other in index.direct_members.get(sector, ()):
            shared_sectors[other] = shared_sectors.get(other, 0) + 1
    shared_networks: dict[str, int] = {}
    for network in networks:
        for other in members_of(network):
            shared_networks[other] = shared_networks.get(other, 0) + 1
    shared_members: dict[str, int] = {}
    for member in members:
        for other in member_of(member):
            shared_members[other] = shared_members.get(other, 0) + 1
    direct = set(index.channels.get(actor, ())) | ({index.channel_of[actor]} if actor in index.channel_of else set())
    kind = index.kind_of[actor]
    scored = []
    for other in (set(shared_sectors) | set(shared_networks) | set(shared_members) | direct) - {actor}:
        if other not in index.kind_of:
            continue
        common = shared_sectors.get(other, 0)
        sectors = common / (len(mine) + len(index.sectors_of.get(other, ())) - common) if common else 0.0
        common = shared_networks.get(other, 0)
        nets = common / (len(networks) + len(member_of(other)) - common) if common else 0.0
        common = shared_members.get(other, 0)
        if common:
            nets = max(nets, common / (len(members) + len(members_of(other)) - common))
        if other in direct:  # a channel of its country's cooperation, or the country of its channel
            nets = 1.0
        same = 1.0 if index.kind_of[other] == kind else 0.0
        score = SIM_SECTORS * sectors + SIM_NETWORKS * nets + SIM_KIND * same
        scored.append((score_key(score, index.order[other]), other, sectors, nets, same))
    top = heapq.nlargest(limit, scored)
    return [
        (key_score(key), other, {"sectors": round(s, 4), "networks": round(n, 4), "kind": same})
        for key, other, s, n, same in top
    ]
