"""CSV node and edge lists with labels (not codes): two files, or one zip holding both (for HTTP).

`nodes.csv`: `id` (the IRI) then every node attribute (label, kind, kind_label,
class, class_label, country, country_code, sectors, sources, ...);
`edges.csv`: `source`, `target`, their labels, `relation`, `label` (the
relation's name) and `property` (its IRI). UTF-8, comma-separated, quoted as
needed (RFC 4180), one header row: Gephi's spreadsheet import, pandas and
spreadsheets read them as they are.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from coopgraph.core.export.common import as_text, edge_columns, node_columns

NODES_FILE = "nodes.csv"
EDGES_FILE = "edges.csv"
_ROWS_PER_CHUNK = 2_000


def _csv_chunks(rows: Iterator[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else as_text(value)


def nodes_csv(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """The node list: `id` then the attributes (`iri` left out: it is the `id`)."""
    columns = [name for name in node_columns(graph) if name != "iri"]

    def rows() -> Iterator[list[str]]:
        yield ["id", *columns]
        for node, data in graph.nodes(data=True):
            yield [node, *(_cell(data.get(name)) for name in columns)]

    return _csv_chunks(rows())


def edges_csv(graph: nx.MultiDiGraph[str]) -> Iterator[str]:
    """The edge list: `source`, `target`, `source_label`, `target_label`, then the edge attributes."""
    columns = edge_columns(graph)
    labels = graph.nodes

    def rows() -> Iterator[list[str]]:
        yield ["source", "target", "source_label", "target_label", *columns]
        for source, target, _, data in graph.edges(keys=True, data=True):
            yield [
                source,
                target,
                labels[source].get("label", source),
                labels[target].get("label", target),
                *(_cell(data.get(name)) for name in columns),
            ]

    return _csv_chunks(rows())


class _Sink:
    """A write-only stream that hands its bytes out as they come (zipfile writes to it)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        parts, self.parts = self.parts, []
        if parts:
            yield b"".join(parts)


def csv_zip(graph: nx.MultiDiGraph[str]) -> Iterator[bytes]:
    """A zip archive with `nodes.csv` and `edges.csv`, produced as a stream."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in ((NODES_FILE, nodes_csv(graph)), (EDGES_FILE, edges_csv(graph))):
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk.encode("utf-8"))
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()


def write_csv_files(graph: nx.MultiDiGraph[str], folder: Path) -> tuple[Path, Path]:
    """Write `nodes.csv` and `edges.csv` into `folder` (created if needed); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / NODES_FILE, folder / EDGES_FILE)
    for path, chunks in zip(paths, (nodes_csv(graph), edges_csv(graph)), strict=True):
        with path.open("w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
    return paths
