"""Cytoscape.js JSON (the /explore page, Cytoscape) and node-link JSON (d3, networkx), streamed element by element."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import networkx as nx

from coopgraph.core.projection import kind_colour


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def legend(graph: nx.MultiDiGraph[str]) -> dict[str, Any]:
    """Graph-level data: selection, language, counts, and the kinds (with their colour) and relations present."""
    kinds: Counter[str] = Counter()
    kind_labels: dict[str, str] = {}
    for _, data in graph.nodes(data=True):
        kinds[data["kind"]] += 1
        kind_labels.setdefault(data["kind"], data.get("kind_label", data["kind"]))
    relations: Counter[str] = Counter()
    relation_labels: dict[str, str] = {}
    for *_, data in graph.edges(keys=True, data=True):
        relations[data["relation"]] += 1
        relation_labels.setdefault(data["relation"], data.get("label", data["relation"]))
    return {
        **{name: graph.graph[name] for name in ("name", "selection", "lang", "generator") if name in graph.graph},
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "kinds": [
            {"kind": k, "label": kind_labels[k], "count": n, "colour": kind_colour(k)} for k, n in sorted(kinds.items())
        ],
        "relations": [{"relation": r, "label": relation_labels[r], "count": n} for r, n in sorted(relations.items())],
    }


def cyjs(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """`{"data": {legend}, "elements": {"nodes": [{"data": {"id", ...}}], "edges": [{"data": {"id", ...}}]}}`.

    Nodes also get `name` (their label) and edges `interaction` (their relation): the columns Cytoscape
    desktop shows by default.
    """
    yield '{"data":' + _dumps(legend(graph)) + ',"elements":{"nodes":['
    # iter(): to mypy, networkx's NodeDataView is a set of nodes (its stub's base class); its __iter__ is right.
    for index, (node, data) in enumerate(iter(graph.nodes(data=True))):
        yield ("," if index else "") + _dumps({"data": {"id": node, "name": data.get("label", node), **data}})
    yield '],"edges":['
    for index, (source, target, _, data) in enumerate(graph.edges(keys=True, data=True)):
        edge = {"id": f"e{index}", "source": source, "target": target, "interaction": data.get("relation", ""), **data}
        yield ("," if index else "") + _dumps({"data": edge})
    yield "]}}\n"


def nodelink(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """networkx's node-link layout (d3's): `{"directed", "multigraph", "graph", "nodes": [...], "links": [...]}`."""
    yield '{"directed":true,"multigraph":true,"graph":' + _dumps(legend(graph)) + ',"nodes":['
    for index, (node, data) in enumerate(iter(graph.nodes(data=True))):  # iter(): see cyjs
        yield ("," if index else "") + _dumps({"id": node, **data})
    yield '],"links":['
    for index, (source, target, key, data) in enumerate(graph.edges(keys=True, data=True)):
        yield ("," if index else "") + _dumps({"source": source, "target": target, "key": key, **data})
    yield "]}\n"
