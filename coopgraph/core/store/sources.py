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


def refuse_xml_declarations(data: bytes, *, file: str | None = None) -> None:
    """Reject XML that declares a DOCTYPE or ENTITY (entity expansion can abort the process)."""
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8", "replace")
    lowered = text.lower()
    for token in ("<!doctype", "<!entity"):
        at = lowered.find(token)
        if at >= 0:
            line = lowered.count("\n", 0, at) + 1
            column = at - (lowered.rfind("\n", 0, at) + 1) + 1
            raise LoadError(
                "RDF/XML with a DOCTYPE or ENTITY declaration is refused (entity expansion hazard)",
                file=file,
                line=line,
                column=column,
            )


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
            if fmt.supports_datasets:  # one file, one graph: refuse named graphs, with their location
                for _ in ox.parse(data, format=fmt, without_named_graphs=True):
                    pass
            staging.load(data, format=fmt, to_graph=graph_node)
        except SyntaxError as error:
            raise _syntax_load_error(error, path, fmt) from None
        except (OSError, ValueError) as error:
            raise LoadError(str(error), file=str(path)) from None
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
