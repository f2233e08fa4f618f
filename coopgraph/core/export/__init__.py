"""Writers of the projected network, one module per format family, and the table of formats.

    >>> sorted(FORMATS) == sorted(["graphml", "gexf", "cyjs", "nodelink", "dot", "svg", "csv", "ttl", "jsonld"])
    True

`chunks(graph, name, store=...)` gives a format's bytes as a stream (what the
HTTP API sends); `write(graph, name, out, store=...)` writes them to a binary
file. The RDF formats read the store again for the triples behind the
selection; the others need only the graph. CSV is a zip of `nodes.csv` and
`edges.csv` here (`tables.write_csv_files` writes the two files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TypeAlias

import networkx as nx

from coopgraph.core.export import graphviz, json_formats, rdf, tables, xml_formats
from coopgraph.core.export.common import ExportError, RendererMissing, RenderFailed, RenderTimeout, chunked
from coopgraph.core.store import Store

__all__ = ["FORMATS", "ExportError", "Format", "RenderFailed", "RenderTimeout", "RendererMissing", "chunks", "write"]

Writer: TypeAlias = "Callable[[nx.MultiDiGraph[str], Store | None], Iterator[bytes]]"


@dataclass(frozen=True)
class Format:
    """An export format: its name, file extension, media type, what it is for, and its writer."""

    name: str
    extension: str
    media_type: str
    description: str
    writer: Writer
    needs_store: bool = False


def _text(produce: Callable[[nx.MultiDiGraph[str]], Iterator[str]]) -> Writer:
    return lambda graph, store: chunked(produce(graph))


def _rdf(name: str) -> Writer:
    def writer(graph: nx.MultiDiGraph[str], store: Store | None) -> Iterator[bytes]:
        if store is None:
            raise ExportError(f"{name} needs the store the graph was projected from")
        return rdf.rdf_chunks(graph, store=store, format=name)

    return writer


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("graphml", "graphml", "application/graphml+xml", "GraphML (yEd, Cytoscape, Gephi, igraph)",
               _text(xml_formats.graphml)),
        Format("gexf", "gexf", "application/gexf+xml", "GEXF 1.2 (Gephi)", _text(xml_formats.gexf)),
        Format("cyjs", "cyjs", "application/json", "Cytoscape.js JSON (Cytoscape, the /explore page)",
               _text(json_formats.cyjs)),
        Format("nodelink", "json", "application/json", "node-link JSON (d3, networkx)", _text(json_formats.nodelink)),
        Format("dot", "dot", "text/vnd.graphviz", "DOT (Graphviz, Gephi)", _text(graphviz.dot)),
        Format("svg", "svg", "image/svg+xml", "SVG drawing with a legend of kinds (Graphviz, sfdp layout)",
               lambda graph, store: graphviz.svg(graph)),
        Format("csv", "zip", "application/zip", "CSV node and edge lists (nodes.csv and edges.csv in a zip)",
               lambda graph, store: tables.csv_zip(graph)),
        Format("ttl", "ttl", "text/turtle", "RDF Turtle of the selection", _rdf("ttl"), needs_store=True),
        Format("jsonld", "jsonld", "application/ld+json", "RDF JSON-LD of the selection", _rdf("jsonld"),
               needs_store=True),
    )
}  # fmt: skip


def get_format(name: str) -> Format:
    """The format called `name`; `ExportError` listing the valid ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(f"unknown export format {name!r}; valid formats: {', '.join(FORMATS)}") from None


def chunks(graph: nx.MultiDiGraph[str], name: str, *, store: Store | None = None) -> Iterator[bytes]:
    """The export of `graph` in format `name`, as a stream of byte chunks."""
    return get_format(name).writer(graph, store)


def write(graph: nx.MultiDiGraph[str], name: str, out: BinaryIO, *, store: Store | None = None) -> None:
    """Write the export of `graph` in format `name` to the binary stream `out`."""
    fmt = get_format(name)
    if fmt.name in rdf.FORMATS:
        if store is None:
            raise ExportError(f"{name} needs the store the graph was projected from")
        rdf.write_rdf(graph, out, store=store, format=fmt.name)
        return
    for chunk in fmt.writer(graph, store):
        out.write(chunk)


def filename(selection_slug: str, name: str) -> str:
    """The download name: `coopgraph-<selection>.<extension>`."""
    return f"coopgraph-{selection_slug}.{get_format(name).extension}"
