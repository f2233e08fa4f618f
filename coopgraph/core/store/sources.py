"""Reading RDF sources: formats by name or suffix, the XML guard, and parsing files into a staging store.

Loading is atomic because of this module: every source is parsed into an
in-memory staging store first (a file that fails to parse changes nothing),
and only then does a store write the staging store in one transaction.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from coopgraph.core.store.protocol import LoadError, Progress

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonld": "jsonld",
}
_LOCATION_PREFIX = re.compile(r"^Parser error (at|between) line [^:]*: ")


def rdf_format(name: str) -> ox.RdfFormat:
    """The RDF format for a name (`turtle`) or a file suffix (`.ttl`)."""
    key = name.lower().strip()
    key = SUFFIXES.get(key if key.startswith(".") else f".{key}", key)
    if key not in FORMATS:
        raise ValueError(f"unknown RDF format {name!r}; valid formats: {', '.join(FORMATS)}")
    return FORMATS[key]


def format_for_path(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its suffix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoadError(
            f"cannot tell the RDF format from the suffix {suffix or '(none)'!r}; "
            f"valid suffixes: {', '.join(SUFFIXES)} (or give a format: {', '.join(FORMATS)})",
            file=str(path),
        )
    return FORMATS[SUFFIXES[suffix]]


MAX_NESTING = 500
"""Deepest nesting of elements (RDF/XML) or of objects and arrays (JSON-LD) a file may have: deeper ones are
refused before pyoxigraph reads them (tens of thousands of levels crash its JSON-LD reader and stall its
RDF/XML reader; real files nest a few levels)."""


def refuse_xml_declarations(data: bytes, *, file: str | None = None) -> None:
    """Reject XML that declares a DOCTYPE or ENTITY (entity expansion can abort the process), or nests too deeply.

    Decided by expat, a real XML parser, in whatever encoding it detects (UTF-8, UTF-16 with or without a byte
    order mark): the DOCTYPE handler stops it before any entity is declared, let alone expanded.
    """
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    class Refused(Exception):
        def __init__(self, message: str, line: int, column: int) -> None:
            self.message, self.line, self.column = message, line, column

    def doctype(*_: object) -> None:
        at = parser.CurrentByteIndex
        start = data.rfind(b"<!", 0, at)  # the declaration's own start (expat stands inside it)
        line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        if start >= 0 and b"\x00" not in data[start:at]:  # a one-byte encoding: count lines in the bytes
            line = data.count(b"\n", 0, start) + 1
            column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise Refused("RDF/XML with a DOCTYPE or ENTITY declaration is refused (entity expansion hazard)", line, column)

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            raise Refused(
                f"the XML nests deeper than {MAX_NESTING} elements",
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
            )

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except Refused as refusal:
        raise LoadError(refusal.message, file=file, line=refusal.line, column=refusal.column) from None
    except xml.parsers.expat.ExpatError as error:
        raise LoadError(
            f"not well-formed XML: {xml.parsers.expat.errors.messages[error.code]}",
            file=file,
            line=error.lineno,
            column=error.offset + 1,
        ) from None


def refuse_deep_json(data: bytes, *, file: str | None = None) -> None:
    """Reject JSON that does not parse, or nests deeper than MAX_NESTING objects and arrays (read by Python's json)."""
    import json

    try:
        document = json.loads(data)
    except RecursionError:
        raise LoadError(f"the JSON nests deeper than {MAX_NESTING} levels", file=file) from None
    except ValueError as error:
        raise LoadError(f"not valid JSON: {error}", file=file) from None
    stack = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_NESTING:
            raise LoadError(f"the JSON nests deeper than {MAX_NESTING} levels", file=file)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))


def stage_sources(
    sources: Iterable[str | os.PathLike[str]],
    *,
    graph: str,
    format: str | None = None,
    progress: Progress | None = None,
    staging: ox.Store | None = None,
) -> ox.Store:
    """Parse every source into `graph` of an in-memory staging store; `LoadError` on the first bad one.

    Parsing is native (pyoxigraph) and keeps each file's blank nodes apart;
    nothing reaches the real store until every source has parsed.
    """
    try:
        graph_node = named_graph(graph)
    except ValueError as error:
        raise LoadError(str(error)) from None
    forced = _forced_format(format)
    staging = staging if staging is not None else ox.Store()
    for source in sources:
        path = Path(source)
        fmt = forced or format_for_path(path)
        if not path.is_file():
            raise LoadError("no such file" if not path.exists() else "not a file", file=str(path))
        data = path.read_bytes()
        before = len(staging)
        try:
            if fmt == ox.RdfFormat.RDF_XML:
                refuse_xml_declarations(data, file=str(path))
            elif fmt == ox.RdfFormat.JSON_LD:
                refuse_deep_json(data, file=str(path))
            if fmt.supports_datasets:  # one file, one graph: refuse named graphs, with their location
                for _ in ox.parse(data, format=fmt, without_named_graphs=True):
                    pass
            staging.load(data, format=fmt, to_graph=graph_node)
        except SyntaxError as error:
            raise _syntax_load_error(error, path, fmt) from None
        except (OSError, ValueError) as error:
            raise LoadError(str(error), file=str(path)) from None
        except MemoryError as error:  # pyoxigraph's readers stop at 16 MiB a token ("buffer maximal size")
            raise LoadError(f"a term too large to read ({error})", file=str(path)) from None
        if progress is not None:
            progress(path, len(staging) - before)
    return staging


def named_graph(iri: str) -> ox.NamedNode:
    """The graph name `iri` as a term; ValueError (saying it is a graph IRI) when it is not a valid IRI."""
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise ValueError(f"not a valid graph IRI {iri!r}: {error}") from None


def _forced_format(format: str | None) -> ox.RdfFormat | None:
    if format is None:
        return None
    try:
        return rdf_format(format)
    except ValueError as error:
        raise LoadError(str(error)) from None


def _syntax_load_error(error: SyntaxError, path: Path, fmt: ox.RdfFormat) -> LoadError:
    """A LoadError at the parser's 1-based line and column, without repeating them in the text."""
    message = _LOCATION_PREFIX.sub("", str(error.msg or error))
    if fmt.supports_datasets and "named graph" in message.lower():
        message += " (a file is loaded into one graph: use a triples format or split the file)"
    return LoadError(message, file=str(path), line=error.lineno, column=error.offset)
