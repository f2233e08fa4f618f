"""Scores: a weighted sum of theme match, path proximity and channel availability, each in [0, 1].

    score = W_THEME * theme + W_PROXIMITY * proximity + W_CHANNEL * channel

- theme = sum over the need's themes t, weighted by how strongly each was
  recognised (weights summing to 1), of relation_t * (THEME_BASE + THEME_FOCUS
  * focus_t): relation_t is the strength of the partner's relation to t
  (RELATION), focus_t = 1 / (number of its own sectors) when it declares t or
  a narrower theme, else 0 (a specialist outranks a generalist). A relation
  through the OECD-DAC classification (dac.py) is weaker than any direct or
  hierarchical one and has no focus, so for the same proximity and channels
  a partner declaring the theme always ranks first.
- proximity = 1 / d, d the number of relations between the requester (its
  province and GAD count as one start) and the partner, up to MAX_HOPS; 0 if
  farther or unconnected.
- channel = noisy-or of the channels open: CHANNEL values for a bilateral
  negotiation space with the partner's country (or a role in a negotiation
  space), a competitive fund or call, peer (GAD-GAD) cooperation, a space
  covering the requester's territory, or a space shared with the requester's
  side (another member of it is within SHARED_HOPS - 1 of the requester).
Ties are broken by the partner's Spanish label, then IRI. Scores are rounded
to 4 decimals, and ranking uses the rounded value, so equal shown scores are
ordered by name. The theme part of every (sector, actor) pair is precomputed
(`theme_scores`); for a one-theme need the requester-independent scores are
also sorted (`static_ranking`), so a request walks `limit` actors plus the
requester's neighbourhood, whatever the graph's size.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from itertools import compress, repeat
from operator import add, ge, itemgetter, mul
from typing import TYPE_CHECKING

from coopgraph.core.vocab import CG, ORG

if TYPE_CHECKING:
    from coopgraph.core.matching.index import MatchIndex
    from coopgraph.core.matching.lookup import Requester
    from coopgraph.core.matching.results import Need

W_THEME, W_PROXIMITY, W_CHANNEL = 0.6, 0.25, 0.15
THEME_BASE, THEME_FOCUS = 0.8, 0.2
RELATION: dict[str, float] = {
    "direct": 1.0,
    "narrower": 0.8,
    "broader": 0.6,
    "space": 0.6,
    "dac": 0.4,
    "dac_sibling": 0.3,
}
"""Partner -> theme: declares it; declares a narrower sector; a broader one; takes part in a space on it;
declares a sector that covers the DAC category of the theme's code; one whose code shares that category (dac.py)."""
FOCUS_MIN = 0.8  # relations counted in `focus`: direct and narrower sectors
MAX_HOPS = 4
SHARED_HOPS = 2
HUB_DEGREE = 100
"""Nodes with more relations than this are reached but not walked through (huge networks say little)."""

BILATERAL, FUND, PEER = 1, 2, 4
CHANNEL: dict[str, float] = {"bilateral": 0.7, "fund": 0.6, "peer": 0.6, "covers": 1.0, "shared": 0.8}
SIM_SECTORS, SIM_NETWORKS, SIM_KIND = 0.6, 0.3, 0.1


def noisy_or(*values: float) -> float:
    """1 - prod(1 - v): more channels help, never beyond 1."""
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - value
    return 1.0 - remaining


def _mask_value(mask: int) -> float:
    parts = [CHANNEL[name] for bit, name in ((BILATERAL, "bilateral"), (FUND, "fund"), (PEER, "peer")) if mask & bit]
    return noisy_or(*parts)


CHANNEL_BY_MASK: tuple[float, ...] = tuple(_mask_value(mask) for mask in range(8))


def allowed_mask(requester: Requester | None) -> int:
    """The static channels open to a requester: home-country channels, peer cooperation for subnational ones."""
    if requester is None:
        return BILATERAL | FUND
    mask = BILATERAL | FUND if requester.home else 0
    return mask | (PEER if requester.subnational else 0)


def bfs(index: MatchIndex, sources: frozenset[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Distances (up to MAX_HOPS) and the node each was reached from, walking out of the sources."""
    adjacency = index.graph.adj
    distance = {source: 0 for source in sorted(sources) if source in adjacency}
    parent: dict[str, str] = {}
    frontier = list(distance)
    for hops in range(1, MAX_HOPS + 1):
        following = []
        for node in frontier:
            neighbours = adjacency[node]
            if len(neighbours) > HUB_DEGREE and node not in sources:
                continue
            for other in sorted(neighbours):
                if other not in distance:
                    distance[other] = hops
                    parent[other] = node
                    following.append(other)
        frontier = following
    return distance, parent


def prepare_requester(index: MatchIndex, requester: Requester) -> None:
    """Fill the requester's distances, the spaces linking it to partners, and each partner's bonus."""
    requester.distance, requester.parent = bfs(index, requester.sources)
    covers = index.facts.rel(CG + "coversTerritory")
    adjacency = index.graph.adj
    links: dict[str, list[tuple[str, str, str, str | None]]] = defaultdict(list)
    for node in requester.distance:
        if node not in index.roles:
            continue
        covered = any(territory in requester.sources for territory in covers.get(node, ()))
        sides = (
            []
            if covered
            else sorted(other for other in adjacency[node] if requester.distance.get(other, MAX_HOPS + 1) < SHARED_HOPS)
        )
        for actor, role in index.roles[node]:
            if actor not in index.kind_of or actor in requester.sources:
                continue
            if covered:
                links[actor].append((node, "covers", role, None))
            elif side := next((other for other in sides if other != actor), None):
                links[actor].append((node, "shared", role, side))
    requester.links = dict(links)
    allowed = allowed_mask(requester)
    for actor in {node for node in requester.distance if node in index.kind_of} | set(links):
        if actor in requester.sources:
            continue
        static = CHANNEL_BY_MASK[index.chan_mask.get(actor, 0) & allowed]
        full = noisy_or(static, *(CHANNEL[link[1]] for link in links.get(actor, ())))
        requester.bonus[actor] = W_PROXIMITY * proximity(requester, actor) + W_CHANNEL * (full - static)


def proximity(requester: Requester | None, actor: str) -> float:
    if requester is None:
        return 0.0
    hops = requester.distance.get(actor, 0)
    return 1.0 / hops if hops else 0.0


WALK_MARGIN = 0.0002
WALK_CHUNK = 256
"""First depth of the threshold walk; it doubles at every step."""
SHIFT = 1 << 32
"""Sort key = score in 1/10000 * SHIFT - tie-break order: one integer compare per pair."""


def score_key(score: float, order: int) -> int:
    return int(score * 10000 + 0.5) * SHIFT - order


def key_score(key: int) -> float:
    """The score (rounded to 4 decimals) a sort key stands for."""
    return min(1.0, max(0.0, round((key + SHIFT - 1) // SHIFT / 10000, 4)))


def theme_scores(index: MatchIndex, sector: str) -> dict[str, float]:
    """actor -> W_THEME * relation * (THEME_BASE + THEME_FOCUS * focus) for one theme.

    focus = 1 / (number of the actor's own sectors) when it declares the theme
    or a narrower one, else 0: a specialist outranks a generalist.
    """
    sectors_of = index.sectors_of
    scores = {}
    for actor, relation in index.postings.get(sector, {}).items():
        own = len(sectors_of.get(actor, ()))
        focus = min(1.0, 1 / own) if own and relation >= FOCUS_MIN else 0.0
        scores[actor] = W_THEME * relation * (THEME_BASE + THEME_FOCUS * focus)
    return scores


def channel_scores(index: MatchIndex, allowed: int) -> dict[str, float]:
    """actor -> W_CHANNEL * channel value of its static channels open under `allowed` (non-zero only)."""
    values = [W_CHANNEL * CHANNEL_BY_MASK[mask & allowed] for mask in range(8)]
    return {actor: values[mask] for actor, mask in index.chan_mask.items() if values[mask]}


def static_ranking(index: MatchIndex, sector: str, allowed: int) -> list[str]:
    """For a need of this one theme: the related actors by requester-independent score, best first.

    A requester only adds non-negative bonuses to a few actors, so the best
    partners are the first of this list plus the requester's bonus actors.
    """
    themes, channel, order = index.theme_scores[sector], index.channel_scores(allowed), index.order
    keys = {actor: score_key(score + channel.get(actor, 0.0), order[actor]) for actor, score in themes.items()}
    return sorted(keys, key=keys.__getitem__, reverse=True)


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
        top = _threshold_walk(
            index, need, weights, channel, bonus, excluded, rejected if filtered else None, limit, allowed
        )
        keys = dict(top)
        top = [actor for actor, _ in top]
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
