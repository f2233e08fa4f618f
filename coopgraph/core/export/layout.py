"""Starting positions for a drawing of the network (GEXF `viz:position`): deterministic, linear in the graph's size.

Gephi opens a GEXF with the positions it carries, so a download shows a
picture at once rather than a grey point cloud; ForceAtlas2 refines it from
there. Two arrangements, both readable without a force layout:

- an ego network (the selection has a focus): the focus at the centre and each
  hop on its own ring (`RING_SPACING` apart), the nodes of a ring grouped by
  kind, then by label;
- otherwise: each kind of node gets a slice of a disc, its size the kind's share
  of the nodes, the best-connected nodes nearest the centre.

    >>> import networkx as nx
    >>> net = nx.MultiDiGraph(focus="a")
    >>> net.add_edge("a", "b"); net.add_edge("b", "c")
    0
    0
    >>> for node, data in (("a", "network"), ("b", "city"), ("c", "city")):
    ...     net.nodes[node].update(kind=data, label=node)
    >>> at = positions(net)
    >>> at["a"], round(abs(complex(*at["b"]))), round(abs(complex(*at["c"])))
    ((0.0, 0.0), 300, 600)
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

import networkx as nx

from coopgraph.core.projection import KIND_KEYS

RING_SPACING = 300.0
"""Distance between the rings of an ego network (GEXF units; Gephi's default node size is 10)."""
DISC_SPACING = 40.0
"""Average distance between neighbours in the disc of a whole network."""
_GOLDEN = (math.sqrt(5) - 1) / 2


def _kind_rank(graph: nx.MultiDiGraph[str], node: str) -> int:
    kind = str(graph.nodes[node].get("kind", ""))
    return KIND_KEYS.index(kind) if kind in KIND_KEYS else len(KIND_KEYS)


def positions(graph: nx.MultiDiGraph[str]) -> dict[str, tuple[float, float]]:
    """(x, y) for every node of `graph` (rings around `graph.graph["focus"]` when it is a node, else kind slices)."""
    focus = graph.graph.get("focus")
    if focus is not None and focus in graph:
        return _rings(graph, str(focus))
    return _slices(graph)


def _rings(graph: nx.MultiDiGraph[str], focus: str) -> dict[str, tuple[float, float]]:
    hops = {focus: 0}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        for other in (*graph.successors(node), *graph.predecessors(node)):
            if other not in hops:
                hops[other] = hops[node] + 1
                queue.append(other)
    far = max(hops.values(), default=0) + 1
    rings: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        rings[hops.get(node, far)].append(node)  # nodes the focus does not reach: one outer ring
    placed: dict[str, tuple[float, float]] = {}
    for ring, members in rings.items():
        members.sort(key=lambda n: (_kind_rank(graph, n), str(graph.nodes[n].get("label", n)), n))
        radius = RING_SPACING * ring
        for index, node in enumerate(members):
            angle = 2 * math.pi * index / len(members)
            placed[node] = (
                (0.0, 0.0) if ring == 0 else (_round(radius * math.cos(angle)), _round(radius * math.sin(angle)))
            )
    return placed


def _slices(graph: nx.MultiDiGraph[str]) -> dict[str, tuple[float, float]]:
    count = graph.number_of_nodes()
    if count == 0:
        return {}
    outer = DISC_SPACING * math.sqrt(count)
    groups: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        groups[_kind_rank(graph, node)].append(node)
    placed: dict[str, tuple[float, float]] = {}
    start = 0.0
    for rank in sorted(groups):
        members = sorted(groups[rank], key=lambda n: (-graph.degree(n), n))
        width = 2 * math.pi * len(members) / count
        for index, node in enumerate(members):
            radius = outer * math.sqrt((index + 0.5) / len(members))
            angle = start + width * ((index * _GOLDEN) % 1.0)
            placed[node] = (_round(radius * math.cos(angle)), _round(radius * math.sin(angle)))
        start += width
    return placed


def _round(value: float) -> float:
    return round(value, 2) + 0.0  # no "-0.0"
