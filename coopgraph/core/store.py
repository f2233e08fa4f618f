"""The store: one small interface, embedded Oxigraph behind it.

Callers see only the `Store` protocol, so a remote SPARQL 1.1 endpoint store
(SPARQLWrapper with query and update URLs) can be added later without
touching them: queries return pyoxigraph result objects, which a remote store
builds from the endpoint's response with `pyoxigraph.parse_query_results`.

Loading is atomic: every source is parsed first (a file that fails to parse
changes nothing), then everything is written in one transaction.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib

from coopgraph.core.vocab import RDF_LANG_STRING, XSD_STRING

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Progress = Callable[[Path, int], None]
"""Called after each source is parsed, with its path and its number of triples."""

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


class StoreError(Exception):
    """A store operation failed."""


class LoadError(StoreError):
    """A source could not be loaded; the store is unchanged.

    Carries the file and, for syntax errors, the 1-based line and column.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.message, self.file, self.line, self.column = message, file, line, column
        where = ":".join(str(part) for part in (file, line, column) if part is not None)
        super().__init__(f"{where}: {message}" if where else message)


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
        graph_node = _named_node(graph)
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


@runtime_checkable
class Store(Protocol):
    """What callers may ask of a store (embedded, in memory or, later, remote)."""

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; with no dataset given the default graph is the union of all graphs.

        `substitutions` binds variables to terms (never by formatting values
        into the query); a remote store turns them into a VALUES block.
        `base_iri` resolves the query's relative IRIs (the protocol's request IRI).
        """
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update, all or nothing."""
        ...

    def load(
        self,
        sources: Iterable[str | os.PathLike[str]],
        *,
        graph: str,
        replace: bool = False,
        format: str | None = None,
        progress: Progress | None = None,
        bulk: bool = False,
    ) -> int:
        """Parse all sources, then add them to `graph` in one transaction; return the triples loaded.

        `replace` empties the graph first (same transaction); `bulk` allows a
        faster, non-transactional write for very large loads.
        """
        ...

    def replace_graphs(
        self, sources: Mapping[str, Iterable[str | os.PathLike[str]]], *, progress: Progress | None = None
    ) -> dict[str, int]:
        """Replace several graphs' content with their sources in one transaction; return triples per graph."""
        ...

    def graphs(self) -> list[str]:
        """The named graphs, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Quads in the whole store, or triples in one named graph."""
        ...

    def dump(self, *, graph: str | None = None, format: str) -> bytes:
        """Serialise one graph, or the whole store in a dataset format."""
        ...

    def clear(self) -> None:
        """Remove everything."""
        ...

    @property
    def generation(self) -> int:
        """Counts the writes made through this object: derived views (indexes, caches) compare it to know they are stale."""
        ...

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """An rdflib copy of the union of `graphs` (default: every graph), for pyshacl and networkx."""
        ...

    def close(self) -> None:
        """Release the store (the on-disk lock); the object is unusable afterwards."""
        ...


class OxigraphStore:
    """Embedded Oxigraph: on disk (RocksDB) or in memory."""

    def __init__(self, store: ox.Store, *, path: Path | None = None) -> None:
        self._store: ox.Store | None = store
        self.path = path
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> OxigraphStore:
        """Open (or create) the on-disk store in the folder `path`."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return cls(ox.Store(str(folder)), path=folder)
        except OSError as error:
            raise StoreError(f"cannot open the store in {folder}: {error}") from None

    @classmethod
    def in_memory(cls) -> OxigraphStore:
        """A fresh store in memory, for tests and one-off scripts."""
        return cls(ox.Store())

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for code that needs its full API)."""
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None and self.path is not None:
            self._store.flush()
        self._store = None

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        dataset_given = default_graph is not None or named_graphs is not None
        return self.oxigraph.query(
            sparql,
            base_iri=base_iri,
            substitutions=dict(substitutions) if substitutions else None,
            use_default_graph_as_union=not dataset_given,
            default_graph=[_named_node(g) for g in default_graph] if default_graph is not None else None,
            named_graphs=[_named_node(g) for g in named_graphs] if named_graphs is not None else None,
        )

    def update(self, sparql: str) -> None:
        self._generation += 1  # before the write: a reader racing it sees a new generation, never stale content
        self.oxigraph.update(sparql)

    def load(
        self,
        sources: Iterable[str | os.PathLike[str]],
        *,
        graph: str,
        replace: bool = False,
        format: str | None = None,
        progress: Progress | None = None,
        bulk: bool = False,
    ) -> int:
        staging = stage_sources(sources, graph=graph, format=format, progress=progress)
        self._write(staging, graphs=[graph], replace=replace, bulk=bulk)
        return len(staging)

    def replace_graphs(
        self, sources: Mapping[str, Iterable[str | os.PathLike[str]]], *, progress: Progress | None = None
    ) -> dict[str, int]:
        staging = ox.Store()
        counts = {}
        for graph, paths in sources.items():
            before = len(staging)
            stage_sources(paths, graph=graph, progress=progress, staging=staging)
            counts[graph] = len(staging) - before
        self._write(staging, graphs=list(sources), replace=True, bulk=False)
        return counts

    def _write(self, staging: ox.Store, *, graphs: list[str], replace: bool, bulk: bool) -> None:
        """One transaction: an insert, or (replacing non-empty graphs) one DROP + INSERT DATA update.

        `bulk` trades the transaction for speed on very large loads: what was
        written stays if the write itself fails part-way (parse errors still
        change nothing, since parsing is over by then).
        """
        self._generation += 1
        if replace and any(self.count(graph) > 0 for graph in graphs):
            self.oxigraph.update(_replace_update(graphs, staging))
        elif bulk:
            self.oxigraph.bulk_extend(staging)
        else:
            self.oxigraph.extend(staging)
        for graph in graphs:
            self.oxigraph.add_graph(_named_node(graph))

    def graphs(self) -> list[str]:
        return sorted(_term_key(name) for name in self.oxigraph.named_graphs())

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self.oxigraph)
        # A validated NamedNode prints as <iri>, so formatting it in is safe.
        result = self.oxigraph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_named_node(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(result))["n"].value)

    def dump(self, *, graph: str | None = None, format: str) -> bytes:
        fmt = rdf_format(format)
        if graph is None and not fmt.supports_datasets:
            raise ValueError(f"dumping the whole store needs a dataset format (nquads, trig), not {format!r}")
        from_graph = _named_node(graph) if graph is not None else None
        return self.oxigraph.dump(format=fmt, from_graph=from_graph)

    def clear(self) -> None:
        self._generation += 1
        self.oxigraph.clear()

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        names: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
        names = (
            [_named_node(g) for g in graphs]
            if graphs is not None
            else [ox.DefaultGraph(), *self.oxigraph.named_graphs()]
        )
        copy = rdflib.Graph()
        add = copy.store.add  # straight to rdflib's store, one URIRef per IRI: ~1.6x faster
        iris: dict[str, rdflib.URIRef] = {}

        def convert(term: object) -> rdflib.term.Node:
            if type(term) is ox.NamedNode:
                found = iris.get(term.value)
                if found is None:
                    found = iris[term.value] = rdflib.URIRef(term.value)
                return found
            return _to_rdflib(term)

        for name in names:
            for quad in self.oxigraph.quads_for_pattern(None, None, None, name):
                add((convert(quad.subject), convert(quad.predicate), convert(quad.object)), copy, quoted=False)
        return copy


def _named_node(iri: str) -> ox.NamedNode:
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


def _replace_update(graphs: list[str], quads: Iterable[ox.Quad]) -> str:
    """One SPARQL update that empties `graphs` and inserts `quads`: a single transaction."""
    drops = "".join(f"DROP SILENT GRAPH {_named_node(graph)} ;\n" for graph in graphs)
    body = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    return f"{drops}INSERT DATA {{\n{body}\n}}"


def _term_key(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _to_rdflib(term: object) -> rdflib.term.Node:
    """Convert a pyoxigraph term; plain and language strings lose their implicit datatype, as in rdflib."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (XSD_STRING, RDF_LANG_STRING):
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to rdflib")
