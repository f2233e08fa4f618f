"""What every writer shares: the error type, chunked output, attribute columns and their types, XML escaping."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from coopgraph.core.projection.rules import BASE_ATTRIBUTES

CHUNK_BYTES = 1 << 16
_XML_SPECIAL = re.compile('[&<>"\x00-\x1f\ufffe\uffff]')
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportError(Exception):
    """A graph could not be written in the asked format (e.g. Graphviz is missing or too slow)."""


class RendererMissing(ExportError):
    """The external renderer (Graphviz `dot`) is not installed."""


class RenderTimeout(ExportError):
    """The external renderer ran past its time limit."""


class RenderFailed(ExportError):
    """The external renderer refused the input or crashed."""


def chunked(parts: Iterable[str], *, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of about `size` bytes from many small strings (few, large writes for files and HTTP)."""
    buffer: list[str] = []
    length = 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def node_columns(graph: nx.MultiDiGraph[str]) -> list[str]:
    """Node attribute names: the base ones first (label, kind, ...), then the others sorted."""
    seen: set[str] = set()
    for _, data in graph.nodes(data=True):
        seen.update(data)
    return [name for name in BASE_ATTRIBUTES if name in seen] + sorted(seen - set(BASE_ATTRIBUTES))


def edge_columns(graph: nx.MultiDiGraph[str]) -> list[str]:
    """Edge attribute names: relation, label, property, then any others sorted."""
    seen: set[str] = set()
    for *_, data in graph.edges(keys=True, data=True):
        seen.update(data)
    first = [name for name in ("relation", "label", "property") if name in seen]
    return first + sorted(seen - set(first))


def column_types(items: Iterable[dict[str, Any]], columns: list[str]) -> dict[str, str]:
    """`int`, `float` or `str` per column, from the values present (mixed numbers: float; any text: str)."""
    found: dict[str, set[type]] = {name: set() for name in columns}
    for data in items:
        for name, value in data.items():
            if name in found:
                found[name].add(bool if isinstance(value, bool) else type(value))
    types = {}
    for name, kinds in found.items():
        if kinds and kinds <= {int}:
            types[name] = "int"
        elif kinds and kinds <= {int, float}:
            types[name] = "float"
        else:
            types[name] = "str"
    return types


def as_text(value: Any) -> str:
    """A value as text (numbers in their shortest form)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def xml_escape(value: Any, *, attribute: bool = False) -> str:
    """Text safe in XML content (or in a double-quoted attribute); characters XML 1.0 forbids are dropped."""
    text = value if type(value) is str else as_text(value)
    if _XML_SPECIAL.search(text) is None:  # the common case: nothing to escape
        return text
    text = _XML_INVALID.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return text
