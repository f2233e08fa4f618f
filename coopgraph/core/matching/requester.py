"""The requester's side of the graph: its neighbourhood, the spaces linking it to partners, its paths.

A requester (a province, its GAD, or any actor) starts from `sources` (itself,
its GADs and the territories they govern). A breadth-first search over the
index's path graph (up to MAX_HOPS relations; hubs with more than HUB_DEGREE
relations are reached but not walked through) gives each reached node its
distance and the node it was reached from. The spaces among them where a
partner has a role link the two: a space covering the requester's territory
("covers"), or one another member of which is within SHARED_HOPS - 1 of the
requester ("shared"). From both, each reached partner gets its bonus: the
requester-dependent part of its score (proximity, and the channels the links
open beyond its static ones). Computed once per requester (lookup.py caches it).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from coopgraph.core.matching.facts import PROVINCIAL_LEVEL
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Requester
from coopgraph.core.matching.weights import (
    CHANNEL,
    CHANNEL_BY_MASK,
    W_CHANNEL,
    W_PROXIMITY,
    allowed_mask,
    noisy_or,
    proximity,
)
from coopgraph.core.vocab import CG

MAX_HOPS = 4
SHARED_HOPS = 2
HUB_DEGREE = 100
"""Nodes with more relations than this are reached but not walked through (huge networks say little)."""


def requester_context(index: MatchIndex, iri: str) -> Requester:
    """The requester `iri` (a province or an actor of the graph) with its neighbourhood, links and bonuses."""
    facts = index.facts
    is_province = facts.is_a(iri, CG + "Province")
    if is_province:
        gads = tuple(sorted(index.governed_by.get(iri, ())))
        territories: tuple[str, ...] = (iri,)
        country = next(iter(facts.rel(CG + "inCountry").get(iri, ())), None)
    else:
        gads = (iri,) if facts.rel(CG + "governs").get(iri) else ()
        territories = tuple(facts.rel(CG + "governs").get(iri, ()))
        country = index.country_of.get(iri)
    levels = facts.rel(CG + "governmentLevel")
    provincial = any(PROVINCIAL_LEVEL in levels.get(gad, ()) for gad in gads)
    subnational = is_province or index.kind_of.get(iri) == "peer" or bool(gads)
    home = index.home_country is None or country is None or country == index.home_country
    requester = Requester(
        iri=iri,
        code=index.code_of.get(iri),
        province=iri if is_province else (territories[0] if territories else None),
        sources=frozenset((iri, *gads, *territories)),
        gads=gads,
        provincial=provincial,
        home=home,
        subnational=subnational,
    )
    _prepare(index, requester)
    return requester


def bfs(index: MatchIndex, sources: frozenset[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Distances (up to MAX_HOPS) and the node each was reached from, walking out of the sources."""
    adjacency = index.graph
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


def _prepare(index: MatchIndex, requester: Requester) -> None:
    """Fill the requester's distances, the spaces linking it to partners, and each partner's bonus."""
    requester.distance, requester.parent = bfs(index, requester.sources)
    covers = index.facts.rel(CG + "coversTerritory")
    adjacency = index.graph
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


def requester_json(index: MatchIndex, requester: Requester, lang: str) -> dict[str, str | None]:
    """The requester as the answer shows it: IRI, label in `lang`, code."""
    return {"iri": requester.iri, "label": index.label(requester.iri, lang), "code": requester.code}
