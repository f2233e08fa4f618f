"""DOT (Graphviz, Gephi) and SVG rendered by Graphviz's `dot` program (sfdp layout), run with a time limit."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import networkx as nx

from graph.export.common import ExportError, RendererMissing, RenderFailed, RenderTimeout, as_text, chunked
from graph.projection import KIND_KEYS

DOT_PROGRAM = "dot"
"""The Graphviz program run for SVG (found on PATH)."""
LAYOUT = "sfdp"
"""Graphviz layout engine for SVG: force-directed, fit for networks (and much faster than `dot`'s hierarchy)."""
SVG_MAX_NODES = 2_000
"""Past this many nodes the layout takes minutes and the drawing is unreadable: export DOT or GEXF instead."""
SVG_TIMEOUT_S = 60.0
PALETTE = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
)  # fmt: skip
"""ColorBrewer Set3, one colour per kind (cycled)."""
_RENAMED = {"class": "rdf_class"}
"""Attributes whose names Graphviz uses for something else (`class` becomes SVG classes)."""


def quote(value: Any) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\\n`."""
    text = as_text(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def kind_colour(kind: str) -> str:
    index = KIND_KEYS.index(kind) if kind in KIND_KEYS else len(KIND_KEYS)
    return PALETTE[index % len(PALETTE)]


def dot(graph: nx.MultiDiGraph, *, drawing: bool = False) -> Iterator[str]:
    """The graph in DOT with every attribute; `drawing=True` leaves edge labels out (tooltips instead)."""
    name = graph.graph.get("name", "coopgraph")
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
            "fillcolor": kind_colour(kind),
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


def svg(graph: nx.MultiDiGraph, *, timeout_s: float | None = None, max_nodes: int | None = None) -> Iterator[bytes]:
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
    yield done.stdout
