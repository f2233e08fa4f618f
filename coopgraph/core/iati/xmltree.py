"""Reading XML from outside safely: a small element tree that keeps each element's line and column.

Why not ElementTree: an importer must say *where* a problem is, and the
standard tree forgets positions. This parser is Python's expat with every
hazard closed before a byte is expanded:

- a DOCTYPE or ENTITY declaration is refused (before parsing, and again by
  expat's handlers, for encodings the byte scan cannot read);
- no external entity is ever resolved (no handler is set: nothing is fetched);
- the input size and the element depth are capped.

    >>> root = parse_xml(b'<a x="1">\\n  <b>hi</b>\\n</a>')
    >>> root.tag, root.attrs["x"], root.children[0].tag, root.children[0].line, root.children[0].text
    ('a', '1', 'b', 2, 'hi')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from coopgraph.core.iati.errors import IatiError, Problem
from coopgraph.core.vocab import Text

XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = "{" + XML_NS + "}lang"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_DEPTH = 24
"""IATI activity files nest about ten deep (iati-activities/…/period/target/comment/narrative)."""

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Element:
    """An XML element: `tag` is the local name, or `{namespace}name` for a namespaced one."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """The first child with this tag."""
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> list[Element]:
        """The children with this tag, in document order."""
        return [child for child in self.children if child.tag == tag]


def _name(raw: str) -> str:
    """expat's `namespace local` (namespace_separator=" ") as `{namespace}local`."""
    namespace, _, local = raw.rpartition(" ")
    return f"{{{namespace}}}{local}" if namespace else local


def parse_xml(
    data: bytes,
    *,
    file: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Element:
    """Parse `data` into an `Element` tree, or raise `IatiError` with the line and column of the problem."""
    elements = iter_children(data, file=file, max_bytes=max_bytes, max_depth=max_depth)
    root = next(elements)
    root.children = list(elements)
    return root


def iter_children(
    data: bytes,
    *,
    file: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Iterator[Element]:
    """The root element first (its attributes; no children), then each child of the root, whole, as it ends.

    Why: an IATI file is a list of activities, and a reader that takes them
    one at a time holds one activity's tree, not the file's. The root never
    keeps its children (its `text` is set once the document ends). Any
    problem raises `IatiError` when the parser reaches it.
    """
    if len(data) > max_bytes:
        raise IatiError(
            [
                Problem(
                    "oversize",
                    Text(
                        es=f"el archivo tiene {len(data)} bytes; el máximo es {max_bytes}",
                        en=f"the file has {len(data)} bytes; the limit is {max_bytes}",
                    ),
                )
            ],
            file=file,
        )
    found = _DECLARATION.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        column = found.start() - (data.rfind(b"\n", 0, found.start()) + 1) + 1
        raise IatiError([_unsafe(line, column)], file=file)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    texts: list[list[str]] = []
    ready: list[Element] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) >= max_depth:
            raise _Stop(
                Problem(
                    "depth",
                    Text(
                        es=f"los elementos anidan a más de {max_depth} niveles",
                        en=f"elements nest deeper than {max_depth} levels",
                    ),
                    parser.CurrentLineNumber,
                    parser.CurrentColumnNumber + 1,
                )
            )
        element = Element(
            _name(name),
            {_name(key): value for key, value in attributes.items()},
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        if len(stack) > 1:
            stack[-1].children.append(element)
        elif not stack:
            ready.append(element)
        stack.append(element)
        texts.append([])

    def end(name: str) -> None:
        element = stack.pop()
        element.text = "".join(texts.pop()).strip()
        if len(stack) == 1:
            ready.append(element)

    def characters(content: str) -> None:
        if texts:
            texts[-1].append(content)

    def refuse(*args: object) -> None:
        raise _Stop(_unsafe(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    for offset in range(0, len(data) + 1, _CHUNK):
        try:
            parser.Parse(data[offset : offset + _CHUNK], offset + _CHUNK > len(data))
        except _Stop as stop:
            raise IatiError([stop.problem], file=file) from None
        except expat.ExpatError as error:
            message = expat.errors.messages.get(error.code, str(error)) if error.code else str(error)
            raise IatiError(
                [
                    Problem(
                        "xml",
                        Text(es=f"XML mal formado: {message}", en=f"malformed XML: {message}"),
                        error.lineno,
                        error.offset + 1,
                    )
                ],
                file=file,
            ) from None
        yield from ready
        ready.clear()


_CHUNK = 1 << 16
"""Bytes given to expat at a time: the elements finished in a chunk are handed on before the next is read."""


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _unsafe(line: int, column: int) -> Problem:
    return Problem(
        "unsafe",
        Text(
            es="el XML declara un DOCTYPE o una ENTITY: se rechaza (riesgo de expansión de entidades)",
            en="the XML declares a DOCTYPE or ENTITY: refused (entity expansion hazard)",
        ),
        line,
        column,
    )
