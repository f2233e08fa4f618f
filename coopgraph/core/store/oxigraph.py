"""The embedded store: `OxigraphStore`, on disk (RocksDB) or in memory, and its copy to rdflib."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from coopgraph.core.store.protocol import Progress, QueryResult, StoreError, solutions
from coopgraph.core.store.sources import named_graph, rdf_format, stage_sources
from coopgraph.core.vocab import RDF_LANG_STRING, XSD_STRING

DERIVED_FILES = ("match-index.pickle", "store-snapshot.nq")
"""Files kept in an on-disk store's folder that are derived from its content (coopgraph/core/matching/saved.py):
a write outside the journal removes them (`OxigraphStore.forget_derived`)."""


class OxigraphStore:
    """Embedded Oxigraph: on disk (RocksDB) or in memory."""

    def __init__(self, store: ox.Store, *, path: Path | None = None) -> None:
        self._store: ox.Store | None = store
        self.path = path
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def changed(self) -> None:
        """Say that the store was changed through `oxigraph` directly (derived views are then stale)."""
        self._generation += 1
        self.forget_derived()

    def forget_derived(self) -> None:
        """Remove the files derived from an on-disk store's content (before a write: a crash after it leaves none
        that is stale). A write through the journal need not: it bumps the version those files are keyed by."""
        if self.path is not None:
            for name in DERIVED_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> OxigraphStore:
        """Open (or create) the on-disk store in the folder `path`."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return cls(ox.Store(str(folder)), path=folder)
        except OSError as error:
            if "lock" in str(error).lower():  # RocksDB's LOCK file: another process has the store open
                raise StoreError(
                    f"the store in {folder} is in use by another process (a running `coopgraph serve`?): "
                    "stop it, or use --memory (a fresh in-memory copy) or another --data-dir"
                ) from None
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
            default_graph=[named_graph(g) for g in default_graph] if default_graph is not None else None,
            named_graphs=[named_graph(g) for g in named_graphs] if named_graphs is not None else None,
        )

    def update(self, sparql: str) -> None:
        self._generation += 1  # before the write: a reader racing it sees a new generation, never stale content
        self.forget_derived()
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
        self.forget_derived()
        if replace and any(self.count(graph) > 0 for graph in graphs):
            self.oxigraph.update(_replace_update(graphs, staging))
        elif bulk:
            self.oxigraph.bulk_extend(staging)
        else:
            self.oxigraph.extend(staging)
        for graph in graphs:
            self.oxigraph.add_graph(named_graph(graph))

    def graphs(self) -> list[str]:
        return sorted(term_key(name) for name in self.oxigraph.named_graphs())

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self.oxigraph)
        # A validated NamedNode prints as <iri>, so formatting it in is safe.
        result = self.oxigraph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {named_graph(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(solutions(result)))["n"].value)

    def dump(self, *, graph: str | None = None, format: str) -> bytes:
        fmt = rdf_format(format)
        if graph is None and not fmt.supports_datasets:
            raise ValueError(f"dumping the whole store needs a dataset format (nquads, trig), not {format!r}")
        from_graph = named_graph(graph) if graph is not None else None
        data = self.oxigraph.dump(format=fmt, from_graph=from_graph)
        if data is None:  # pyoxigraph returns the bytes when no `output` is given; its stub says `bytes | None`
            raise StoreError("pyoxigraph's dump returned nothing")
        return data

    def clear(self) -> None:
        self._generation += 1
        self.forget_derived()
        self.oxigraph.clear()

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        names: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
        names = (
            [named_graph(g) for g in graphs]
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


def _replace_update(graphs: list[str], quads: Iterable[ox.Quad]) -> str:
    """One SPARQL update that empties `graphs` and inserts `quads`: a single transaction."""
    drops = "".join(f"DROP SILENT GRAPH {named_graph(graph)} ;\n" for graph in graphs)
    body = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
    return f"{drops}INSERT DATA {{\n{body}\n}}"


def term_key(term: ox.NamedNode | ox.BlankNode) -> str:
    """A graph name as `OxigraphStore.graphs` gives it: the IRI, or `_:` and the blank node's id."""
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
