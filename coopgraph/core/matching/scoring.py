"""Ranking: the best partners for a need, and the actors most like an actor (functions of the index).

The score is weights.py's. The theme part of every (sector, actor) pair is
precomputed (`MatchIndex.theme_scores`), and for each sector the actors sorted
by their requester-independent score (`MatchIndex.static_ranking`), so a
one-theme need walks `limit` actors plus the requester's neighbourhood
(its bonus actors, requester.py), whatever the graph's size; a several-theme
need runs Fagin's threshold algorithm over the themes' rankings. Scores are
rounded to 4 decimals, and ranking uses the rounded value, so equal shown
scores are ordered by name (`weights.score_key`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import compress, repeat
from operator import add, ge, itemgetter, mul

from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Need, Requester
from coopgraph.core.matching.weights import (
    CHANNEL,
    CHANNEL_BY_MASK,
    SIM_KIND,
    SIM_NETWORKS,
    SIM_SECTORS,
    W_THEME,
    allowed_mask,
    key_score,
    noisy_or,
    proximity,
    score_key,
)
from coopgraph.core.vocab import ORG

WALK_MARGIN = 0.0002
WALK_CHUNK = 256
"""First depth of the threshold walk; it doubles at every step."""


def rank(
    index: MatchIndex,
    need: Need,
    requester: Requester | None,
    *,
    kind: str | None,
    country: str | None,
    accepted: frozenset[str] | None,
    limit: int,
    presorted: bool = True,
) -> list[tuple[float, str, dict[str, float]]]:
    """The top `limit` partners as (score, IRI, components); only partners related to a theme are scored.

    One theme (`presorted`): walk the theme's static ranking and add the
    requester's bonus actors. Several themes (`presorted`): the threshold walk
    over the themes' static rankings. `presorted=False`: score every actor of
    the themes' postings (the reference the fast paths are tested against).
    """
    allowed = allowed_mask(requester)
    channel = index.channel_scores(allowed)
    bonus = requester.bonus if requester else {}
    excluded = requester.sources if requester else frozenset()
    kinds, countries, cooperation, order = index.kind_of, index.country_of, index.coop_of, index.order
    filtered = kind is not None or country is not None or accepted is not None

    def rejected(actor: str) -> bool:
        return (
            (kind is not None and kinds[actor] != kind)
            or (country is not None and countries[actor] != country)
            or (accepted is not None and not cooperation[actor] & accepted)
        )

    total = sum(theme.strength for theme in need.themes)
    weights = [(theme.strength / total, index.theme_scores.get(theme.sector, {})) for theme in need.themes]
    if presorted and len(weights) == 1:
        themes = weights[0][1]
        keys: dict[str, int] = {}
        for actor in index.static_ranking(need.themes[0].sector, allowed):
            if len(keys) >= limit:
                break
            if actor in bonus or actor in excluded or (filtered and rejected(actor)):
                continue
            keys[actor] = score_key(0.0 + 1.0 * themes[actor] + channel.get(actor, 0.0), order[actor])
        for actor, extra in bonus.items():
            if actor in themes and actor not in excluded and not (filtered and rejected(actor)):
                keys[actor] = score_key(0.0 + 1.0 * themes[actor] + channel.get(actor, 0.0) + extra, order[actor])
        top = [actor for actor, _ in heapq.nlargest(limit, keys.items(), key=itemgetter(1))]
    elif presorted:
        walked = _threshold_walk(
            index, need, weights, channel, bonus, excluded, rejected if filtered else None, limit, allowed
        )
        keys = dict(walked)
        top = [actor for actor, _ in walked]
    else:
        scores = _sum_columns(list(set().union(*(themes.keys() for _, themes in weights))), weights, channel)
        for actor, extra in bonus.items():
            if actor in scores:
                scores[actor] += extra
        for actor in excluded:
            scores.pop(actor, None)
        if filtered:
            scores = {actor: value for actor, value in scores.items() if not rejected(actor)}
        ranked = _best(scores, order, limit)
        keys = dict(ranked)
        top = [actor for actor, _ in ranked]
    return [(key_score(keys[actor]), actor, components(index, actor, weights, requester)) for actor in top]


def _sum_columns(
    actors: list[str], weights: list[tuple[float, dict[str, float]]], channel: dict[str, float]
) -> dict[str, float]:
    """actor -> sum of weighted theme scores + channel score; map() runs the loops in C."""
    totals = list(map(channel.get, actors, repeat(0.0)))
    for weight, themes in weights:
        totals = list(map(add, totals, map(mul, repeat(weight), map(themes.get, actors, repeat(0.0)))))
    return dict(zip(actors, totals, strict=False))


def _best(scores: dict[str, float], order: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The `limit` best (actor, sort key): the limit-th score, then only the actors that can tie with it."""
    best = heapq.nlargest(limit, scores.values())
    floor = best[-1] - 0.0001 if len(best) == limit else -1.0
    pool = list(compress(scores.keys(), map(ge, scores.values(), repeat(floor))))
    keyed = [(actor, score_key(scores[actor], order[actor])) for actor in pool]
    return heapq.nlargest(limit, keyed, key=itemgetter(1))


def _threshold_walk(
    index: MatchIndex,
    need: Need,
    weights: list[tuple[float, dict[str, float]]],
    channel: dict[str, float],
    bonus: dict[str, float],
    excluded: frozenset[str],
    rejected: Callable[[str], bool] | None,
    limit: int,
    allowed: int,
) -> list[tuple[str, int]]:
    """Several themes: Fagin's threshold algorithm over the themes' static rankings, in growing chunks.

    An actor not yet seen at depth d of every ranking scores at most
    sum_t w_t * max(static_t at depth d, best channel score); once the
    limit-th best seen score beats that bound by WALK_MARGIN (the rounding step
    of scores, plus the rounding of the rankings' own order), no unseen actor
    can enter (or tie into) the top. Bonus actors are scored up front. Same
    answer as scoring every actor (`presorted=False`).
    """
    order = index.order
    rankings = [index.static_ranking(theme.sector, allowed) for theme in need.themes]
    ceiling = max(channel.values(), default=0.0)
    themes_of = [themes for _, themes in weights]
    scores: dict[str, float] = {}
    seen: set[str] = set(excluded)

    def score(actors: list[str]) -> None:
        if rejected is not None:
            actors = [actor for actor in actors if not rejected(actor)]
        scores.update(_sum_columns(actors, weights, channel))

    first = [actor for actor in bonus if actor not in seen and any(actor in themes for themes in themes_of)]
    seen.update(first)
    score(first)
    for actor in first:
        if actor in scores:
            scores[actor] += bonus[actor]
    depth, chunk = 0, max(WALK_CHUNK, limit)
    while True:
        fresh = set()
        for ranking in rankings:
            fresh.update(ranking[depth : depth + chunk])
        fresh -= seen
        seen |= fresh
        score(list(fresh))
        depth += chunk
        chunk *= 2
        if all(depth >= len(ranking) for ranking in rankings):
            break
        if len(scores) >= limit:
            bound = sum(
                weight * max(themes[ranking[depth]] + channel.get(ranking[depth], 0.0), ceiling)
                if depth < len(ranking)
                else weight * ceiling
                for (weight, themes), ranking in zip(weights, rankings, strict=False)
            )
            if heapq.nlargest(limit, scores.values())[-1] >= bound + WALK_MARGIN:
                break
    return _best(scores, order, limit)


def components(
    index: MatchIndex,
    actor: str,
    weights: list[tuple[float, dict[str, float]]],
    requester: Requester | None,
) -> dict[str, float]:
    """The three parts of an actor's score (each in [0, 1])."""
    theme = sum(weight * themes.get(actor, 0.0) for weight, themes in weights) / W_THEME
    static = CHANNEL_BY_MASK[index.chan_mask.get(actor, 0) & allowed_mask(requester)]
    links = requester.links.get(actor, ()) if requester else ()
    return {
        "theme": round(theme, 4),
        "proximity": round(proximity(requester, actor), 4),
        "channel": round(noisy_or(static, *(CHANNEL[link[1]] for link in links)), 4),
    }


def similar(index: MatchIndex, actor: str, *, limit: int) -> list[tuple[float, str, dict[str, float]]]:
    """Actors sharing sectors, networks or members with `actor`: Jaccard of each, plus the same kind.

    Networks: the Jaccard of the networks both are members of, or, for two
    networks, of the members they share (whichever is larger).
    """
    member_of = index.facts.rel(ORG + "memberOf")
    mine = set(index.sectors_of.get(actor, ()))
    networks = set(member_of.get(actor, ()))
    members = set(index.members_of.get(actor, ()))
    shared_sectors: dict[str, int] = {}
    for sector in mine:
        for other in index.direct_members.get(sector, ()):
            shared_sectors[other] = shared_sectors.get(other, 0) + 1
    shared_networks: dict[str, int] = {}
    for network in networks:
        for other in index.members_of.get(network, ()):
            shared_networks[other] = shared_networks.get(other, 0) + 1
    shared_members: dict[str, int] = {}
    for member in members:
        for other in member_of.get(member, ()):
            shared_members[other] = shared_members.get(other, 0) + 1
    kind = index.kind_of[actor]
    scored = []
    for other in (set(shared_sectors) | set(shared_networks) | set(shared_members)) - {actor}:
        if other not in index.kind_of:
            continue
        common = shared_sectors.get(other, 0)
        sectors = common / (len(mine) + len(index.sectors_of.get(other, ())) - common) if common else 0.0
        common = shared_networks.get(other, 0)
        nets = common / (len(networks) + len(set(member_of.get(other, ()))) - common) if common else 0.0
        common = shared_members.get(other, 0)
        if common:
            nets = max(nets, common / (len(members) + len(set(index.members_of.get(other, ()))) - common))
        same = 1.0 if index.kind_of[other] == kind else 0.0
        score = SIM_SECTORS * sectors + SIM_NETWORKS * nets + SIM_KIND * same
        scored.append((score_key(score, index.order[other]), other, sectors, nets, same))
    top = heapq.nlargest(limit, scored)
    return [
        (key_score(key), other, {"sectors": round(s, 4), "networks": round(n, 4), "kind": same})
        for key, other, s, n, same in top
    ]
