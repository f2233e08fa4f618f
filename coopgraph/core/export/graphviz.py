"""DOT (Graphviz, Gephi) and SVG rendered by Graphviz's `dot` program (sfdp layout), run with a time limit.

The SVG gets a legend of the node colours (one entry per kind drawn, named in
the selection's language) to the right of the drawing, so it can go into a
paper as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import networkx as nx

from coopgraph.core.export.common import ExportError, RendererMissing, RenderFailed, RenderTimeout, as_text, chunked
from coopgraph.core.projection import KIND_KEYS, kind_colour, text_colour

DOT_PROGRAM = "dot"
"""The Graphviz program run for SVG (found on PATH)."""
LAYOUT = "sfdp"
"""Graphviz layout engine for SVG: force-directed, fit for networks (and much faster than `dot`'s hierarchy)."""
SVG_MAX_NODES = 2_000
"""Past this many nodes the layout takes minutes and the drawing is unreadable: export DOT or GEXF instead."""
SVG_TIMEOUT_S = 60.0
_RENAMED = {"class": "rdf_class"}
"""Attributes whose names Graphviz uses for something else (`class` becomes SVG classes)."""
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
LEGEND_FONT = "Helvetica,sans-Serif"
LEGEND_FONT_PT = 10.0
_SWATCH, _ROW, _GAP, _MARGIN = 10.0, 16.0, 6.0, 8.0
_CHAR_PT = 0.6 * LEGEND_FONT_PT
"""A generous average character width: the legend's box is sized from its longest label."""


def quote(value: Any) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\\n`."""
    text = as_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def kind_colours(graph: nx.MultiDiGraph[str]) -> dict[str, str]:
    """The fill colour of each kind of node in `graph` (the one palette: `projection.kind_colour`), kinds in the
    projection's order (unknown ones last, sorted)."""
    rank = {kind: index for index, kind in enumerate(KIND_KEYS)}
    drawn = {str(data.get("kind", "")) for _, data in graph.nodes(data=True)}
    kinds = sorted(drawn, key=lambda kind: (rank.get(kind, len(rank)), kind))
    return {kind: kind_colour(kind) for kind in kinds}


def dot(graph: nx.MultiDiGraph[str], *, drawing: bool = False) -> Iterator[str]:
    """The graph in DOT with every attribute; `drawing=True` leaves edge labels out (tooltips instead)."""
    name = graph.graph.get("name", "coopgraph")
    colours = kind_colours(graph)
    yield f"digraph {quote(name)} {{\n"
    yield (
        f"  graph [overlap=prism, outputorder=edgesfirst, fontname=Helvetica, label={quote(name)}];\n"
        '  node [shape=box, style="rounded,filled", fontname=Helvetica, fontsize=10];\n'
        '  edge [fontname=Helvetica, fontsize=8, color="#00000066", arrowsize=0.5];\n'
    )
    for node, data in graph.nodes(data=True):
        kind = data.get("kind", "")
        extra = {
            "class": f"kind-{kind}",
            "fillcolor": colours[str(kind)],
            "fontcolor": text_colour(colours[str(kind)]),
            "tooltip": f"{data.get('label', node)} ({data.get('kind_label', kind)})",
        }
        yield f"  {quote(node)} [{_attributes(data, extra)}];\n"
    for source, target, _, data in graph.edges(keys=True, data=True):
        if drawing:
            extra = {"tooltip": data.get("label", "")}
            shown = {key: value for key, value in data.items() if key != "label"}
        else:
            extra, shown = {}, data
        yield f"  {quote(source)} -> {quote(target)} [{_attributes(shown, extra)}];\n"
    yield "}\n"


def _attributes(data: dict[str, Any], extra: dict[str, str]) -> str:
    parts = [f"{_RENAMED.get(key, key)}={quote(value)}" for key, value in data.items() if value != ""]
    parts += [f"{key}={quote(value)}" for key, value in extra.items()]
    return ", ".join(parts)


def svg(
    graph: nx.MultiDiGraph[str], *, timeout_s: float | None = None, max_nodes: int | None = None
) -> Iterator[bytes]:
    """The drawing as SVG; `RendererMissing`, `RenderTimeout`, `RenderFailed` or a too-large `ExportError`."""
    timeout_s = SVG_TIMEOUT_S if timeout_s is None else timeout_s
    max_nodes = SVG_MAX_NODES if max_nodes is None else max_nodes
    if graph.number_of_nodes() > max_nodes:
        raise ExportError(
            f"SVG is drawn for at most {max_nodes} nodes (this selection has {graph.number_of_nodes()}); "
            "narrow the selection, or export dot/gexf and lay it out in Graphviz or Gephi"
        )
    program = shutil.which(DOT_PROGRAM)
    if program is None:
        raise RendererMissing(
            f"SVG needs Graphviz's `{DOT_PROGRAM}` program, which is not installed "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); the dot format works without it"
        )
    source = b"".join(chunked(dot(graph, drawing=True)))
    try:
        done = subprocess.run(
            [program, f"-K{LAYOUT}", "-Tsvg"], input=source, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeout(
            f"Graphviz took more than {timeout_s:g} s to lay out {graph.number_of_nodes()} nodes; narrow the selection"
        ) from None
    except OSError as error:
        raise RendererMissing(f"cannot run Graphviz's `{DOT_PROGRAM}`: {error}") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderFailed(f"Graphviz failed (exit {done.returncode}): {message[-1] if message else 'no output'}")
    yield with_legend(done.stdout, legend_entries(graph))


def legend_entries(graph: nx.MultiDiGraph[str]) -> list[tuple[str, str, str]]:
    """(kind, its label, its colour) for each kind of node drawn, in the projection's order of kinds."""
    labels: dict[str, str] = {}
    for _, data in graph.nodes(data=True):
        kind = str(data.get("kind", ""))
        labels.setdefault(kind, as_text(data.get("kind_label") or kind))
    return [(kind, labels[kind], colour) for kind, colour in kind_colours(graph).items()]


def with_legend(drawing: bytes, entries: list[tuple[str, str, str]]) -> bytes:
    """Graphviz's SVG with a legend of `entries` to the right of the drawing; the canvas grows to hold it."""
    if not entries:
        return drawing
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(drawing)  # Graphviz's own output: its DOCTYPE names an external DTD, never fetched
    left, top, width, height = (float(value) for value in (root.get("viewBox") or "").split())
    box_width = 2 * _MARGIN + _SWATCH + _GAP + _CHAR_PT * max(len(label) for _, label, _ in entries)
    total_width, total_height = width + box_width, max(height, 2 * _MARGIN + _ROW * len(entries))
    background = {"x": _n(left), "y": _n(top), "width": _n(total_width), "height": _n(total_height), "fill": "white"}
    root.insert(0, ET.Element(f"{{{SVG_NS}}}rect", background))  # the drawing paints only its own area white
    legend = ET.SubElement(root, f"{{{SVG_NS}}}g", {"id": "legend", "class": "legend"})
    x = left + width + _MARGIN
    for index, (kind, label, colour) in enumerate(entries):
        y = top + _MARGIN + _ROW * index
        entry = ET.SubElement(legend, f"{{{SVG_NS}}}g", {"class": f"legend-entry kind-{kind}"})
        swatch = {"x": _n(x), "y": _n(y), "width": _n(_SWATCH), "height": _n(_SWATCH), "rx": "2"}
        ET.SubElement(entry, f"{{{SVG_NS}}}rect", {**swatch, "fill": colour, "stroke": "black"})
        text = {"x": _n(x + _SWATCH + _GAP), "y": _n(y + _SWATCH - 1), "font-family": LEGEND_FONT}
        ET.SubElement(entry, f"{{{SVG_NS}}}text", {**text, "font-size": _n(LEGEND_FONT_PT)}).text = label
    root.set("viewBox", f"{_n(left)} {_n(top)} {_n(total_width)} {_n(total_height)}")
    root.set("width", f"{_n(total_width)}pt")
    root.set("height", f"{_n(total_height)}pt")
    drawn: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)  # bytes for any encoding but "unicode"
    return drawn


def _n(value: float) -> str:
    return f"{value:.2f}"
