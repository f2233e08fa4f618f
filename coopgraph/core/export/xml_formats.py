"""GraphML (yEd, Cytoscape, Gephi, igraph) and GEXF 1.2 (Gephi), written as a stream, element by element.

networkx's own writers build the whole XML tree in memory first; these write
each node and edge as it comes, so a 100k-actor graph costs only the graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from coopgraph.core.export.common import column_types, edge_columns, node_columns, xml_escape
from coopgraph.core.export.layout import positions
from coopgraph.core.projection import kind_colour, rgb

GRAPHML_TYPES = {"int": "long", "float": "double", "str": "string"}
GEXF_TYPES = {"int": "integer", "float": "double", "str": "string"}
GRAPH_ATTRIBUTES = ("name", "selection", "lang", "generator")
VIZ_NS = "http://www.gexf.net/1.2draft/viz"
GEXF_MIN_SIZE, GEXF_SIZE_STEP, GEXF_MAX_SIZE = 6.0, 1.5, 40.0
"""`viz:size` of a node: grows with its number of links, within these bounds."""


def graphml(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """GraphML: every node and edge attribute declared as a typed `<key>`; node id = IRI."""
    nodes, edges = node_columns(graph), edge_columns(graph)
    node_types = column_types((data for _, data in graph.nodes(data=True)), nodes)
    edge_types = column_types((data for *_, data in graph.edges(keys=True, data=True)), edges)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    node_keys = {name: f"n{i}" for i, name in enumerate(nodes)}
    edge_keys = {name: f"e{i}" for i, name in enumerate(edges)}
    graph_keys = {name: f"g{i}" for i, name in enumerate(GRAPH_ATTRIBUTES) if name in graph.graph}
    for scope, keys, types in (
        ("graph", graph_keys, {}),
        ("node", node_keys, node_types),
        ("edge", edge_keys, edge_types),
    ):
        for name, key in keys.items():
            kind = GRAPHML_TYPES[types.get(name, "str")]
            name_text = xml_escape(name, attribute=True)
            yield f'  <key id="{key}" for="{scope}" attr.name="{name_text}" attr.type="{kind}"/>\n'
    yield '  <graph id="coopgraph" edgedefault="directed">\n'
    for name, key in graph_keys.items():
        yield f'    <data key="{key}">{xml_escape(graph.graph[name])}</data>\n'
    for node, data in graph.nodes(data=True):
        yield f'    <node id="{xml_escape(node, attribute=True)}">'
        yield "".join(_graphml_data(node_keys, data))
        yield "</node>\n"
    for index, (source, target, _, data) in enumerate(graph.edges(keys=True, data=True)):
        yield (
            f'    <edge id="e{index}" source="{xml_escape(source, attribute=True)}" '
            f'target="{xml_escape(target, attribute=True)}">'
        )
        yield "".join(_graphml_data(edge_keys, data))
        yield "</edge>\n"
    yield "  </graph>\n</graphml>\n"


def _graphml_data(keys: dict[str, str], data: dict[str, Any]) -> Iterator[str]:
    for name, value in data.items():
        if value != "" and name in keys:
            yield f'<data key="{keys[name]}">{xml_escape(value)}</data>'


def gexf(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """GEXF 1.2: `label` is the node's and edge's own label; the other attributes are typed attvalues.

    Each node also carries the viz module's `color` (its kind's, as everywhere), `position` (`layout.positions`)
    and `size` (by its number of links), so Gephi opens a coloured, laid-out picture.
    """
    at = positions(graph)
    nodes = [name for name in node_columns(graph) if name != "label"]
    edges = [name for name in edge_columns(graph) if name != "label"]
    node_types = column_types((data for _, data in graph.nodes(data=True)), nodes)
    edge_types = column_types((data for *_, data in graph.edges(keys=True, data=True)), edges)
    description = xml_escape(f"{graph.graph.get('name', 'coopgraph')} ({graph.graph.get('lang', '')})")
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://www.gexf.net/1.2draft" '
        f'xmlns:viz="{VIZ_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
        f"  <meta><creator>{xml_escape(graph.graph.get('generator', 'coopgraph'))}</creator>"
        f"<description>{description}</description></meta>\n"
        '  <graph mode="static" defaultedgetype="directed">\n'
    )
    node_ids = {name: str(i) for i, name in enumerate(nodes)}
    edge_ids = {name: str(i) for i, name in enumerate(edges)}
    for scope, ids, types in (("node", node_ids, node_types), ("edge", edge_ids, edge_types)):
        yield f'    <attributes class="{scope}">\n'
        for name, key in ids.items():
            kind = GEXF_TYPES[types[name]]
            yield f'      <attribute id="{key}" title="{xml_escape(name, attribute=True)}" type="{kind}"/>\n'
        yield "    </attributes>\n"
    yield "    <nodes>\n"
    for node, data in graph.nodes(data=True):
        label = xml_escape(data.get("label", node), attribute=True)
        yield f'      <node id="{xml_escape(node, attribute=True)}" label="{label}">'
        yield from _gexf_values(node_ids, data)
        red, green, blue = rgb(kind_colour(str(data.get("kind", ""))))
        x, y = at[node]
        size = min(GEXF_MAX_SIZE, GEXF_MIN_SIZE + GEXF_SIZE_STEP * graph.degree(node))
        yield (
            f'<viz:color r="{red}" g="{green}" b="{blue}"/><viz:position x="{x}" y="{y}" z="0.0"/>'
            f'<viz:size value="{size}"/>'
        )
        yield "</node>\n"
    yield "    </nodes>\n    <edges>\n"
    for index, (source, target, _, data) in enumerate(graph.edges(keys=True, data=True)):
        label = xml_escape(data.get("label", ""), attribute=True)
        yield (
            f'      <edge id="{index}" source="{xml_escape(source, attribute=True)}" '
            f'target="{xml_escape(target, attribute=True)}" label="{label}">'
        )
        yield from _gexf_values(edge_ids, data)
        yield "</edge>\n"
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _gexf_values(ids: dict[str, str], data: dict[str, Any]) -> Iterator[str]:
    values = [
        f'<attvalue for="{ids[name]}" value="{xml_escape(value, attribute=True)}"/>'
        for name, value in data.items()
        if name in ids and value != ""
    ]
    if values:
        yield "<attvalues>" + "".join(values) + "</attvalues>"
