"""`SparqlStore`: the `Store` protocol over a SPARQL 1.1 engine (Oxigraph server, Fuseki, …) reached over HTTP.

Answers are the same pyoxigraph objects `OxigraphStore` returns: SELECT and
ASK results are parsed with `pyoxigraph.parse_query_results`, CONSTRUCT and
DESCRIBE graphs are read into a small in-memory store and handed back as its
`QueryTriples`.

What the engine must offer: SPARQL 1.1 Query and Update, and a default graph
that is the union of its named graphs (`oxigraph serve --union-default-graph`,
Fuseki's `tdb2:unionDefaultGraph`), as the embedded store queries; the first
query checks this and says how to fix it. A Graph Store Protocol URL is
optional: with it pages are POSTed as N-Triples and graphs read with GET;
without it, `INSERT DATA` and `CONSTRUCT` do the same.

Writes, and what a failure half-way leaves (the engine applies one update
request as one transaction, as Oxigraph and Fuseki do):

- Data that fits in one page (`page_triples`) is written by one update
  request: all or nothing.
- Larger data is sent page by page into a staging graph
  (`urn:coopgraph:staging:…`), then one update moves it into place
  (`MOVE` to replace, `ADD` to add). If the engine fails before that last
  update, the target graphs are unchanged; the staging graph is dropped if
  the engine still answers, else it stays until the next paged write or
  `clear()` removes it. While staging exists, queries over the union default
  graph also see it: only readers naming graphs are isolated from a load.
  If the connection breaks *during* the last update the outcome is unknown
  to us (EngineUnavailable), but each target graph is wholly old or new.
- `bulk=True` sends the pages straight into the target graph: faster, and a
  failure leaves the pages already sent.

`count()` and `dump()` cover the named graphs only: an engine whose default
graph is the union cannot show its own default graph apart.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox
import rdflib

from coopgraph.core.store.engine import Credentials, Engine, Reply
from coopgraph.core.store.oxigraph import OxigraphStore
from coopgraph.core.store.paging import pages
from coopgraph.core.store.protocol import (
    EngineError,
    EngineTimeout,
    EngineUnavailable,
    Progress,
    QueryResult,
    StoreError,
    solutions,
)
from coopgraph.core.store.rewrite import prepare_query
from coopgraph.core.store.sources import named_graph, rdf_format, stage_sources

__all__ = ["EngineError", "EngineTimeout", "EngineUnavailable", "SparqlStore"]

STAGING_PREFIX = "urn:coopgraph:staging:"
PAGE_TRIPLES = 50_000
NO_DEFAULT_GRAPH = "urn:coopgraph:no-default-graph"
"""Named as the default graph when a query names only named graphs: an empty one, as in the embedded store."""
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9, application/n-triples;q=0.8"
_NTRIPLES = "application/n-triples"
_UNION_HELP = (
    "its default graph is not the union of its named graphs, which coopgraph's queries expect: "
    "start Oxigraph with `oxigraph serve --union-default-graph`, or set Fuseki's tdb2:unionDefaultGraph"
)
log = logging.getLogger(__name__)


class SparqlStore:
    """A remote SPARQL 1.1 engine behind the `Store` protocol."""

    def __init__(
        self,
        *,
        query_url: str,
        update_url: str,
        gsp_url: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = 30.0,
        page_triples: int = PAGE_TRIPLES,
        name: str | None = None,
        server_timeout: float | None = None,
    ) -> None:
        if page_triples < 1:
            raise ValueError(f"page_triples must be at least 1, not {page_triples}")
        self.engine: Engine | None = Engine(
            query_url=query_url,
            update_url=update_url,
            gsp_url=gsp_url,
            credentials=credentials,
            timeout=timeout,
            name=name,
        )
        self.name = self.engine.name
        self.page_triples = page_triples
        self.server_timeout = server_timeout
        """Seconds sent with each query as the protocol parameter `timeout`, which Fuseki and GraphDB read as the
        engine's own time limit for it (Oxigraph server ignores it: start it with `--timeout-s`); None sends none."""
        self._generation = 0
        self._union_checked = False

    @classmethod
    def from_env(cls, *, query_url: str, update_url: str, gsp_url: str | None = None, **options: Any) -> SparqlStore:
        """A store whose credentials come from COOPGRAPH_STORE_USER / COOPGRAPH_STORE_PASSWORD (if set)."""
        return cls(
            query_url=query_url, update_url=update_url, gsp_url=gsp_url, credentials=Credentials.from_env(), **options
        )

    @property
    def generation(self) -> int:
        return self._generation

    def changed(self) -> None:
        """Say that the engine's data changed otherwise than through this object (derived views are stale)."""
        self._generation += 1

    @property
    def _engine(self) -> Engine:
        if self.engine is None:
            raise StoreError("the store is closed")
        return self.engine

    def __enter__(self) -> SparqlStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine = None

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        if not self._union_checked:
            self._check_union()
        params = [("default-graph-uri", named_graph(g).value) for g in default_graph or ()]
        params += [("named-graph-uri", named_graph(g).value) for g in named_graphs or ()]
        if named_graphs is not None and default_graph is None:
            # A dataset was given: its default graph is empty, as in the embedded store, not the engine's union.
            params.append(("default-graph-uri", NO_DEFAULT_GRAPH))
        if self.server_timeout is not None:
            params.append(("timeout", f"{self.server_timeout:g}"))
        text = prepare_query(sparql, substitutions=substitutions, base_iri=base_iri)
        return self._query(text, params)

    def update(self, sparql: str) -> None:
        self._generation += 1  # before the write, as the embedded store does
        self._engine.update(sparql)

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
        staged = stage_sources(sources, graph=graph, format=format, progress=progress)
        self._write(staged, [graph], replace=replace, bulk=bulk)
        return len(staged)

    def replace_graphs(
        self, sources: Mapping[str, Iterable[str | os.PathLike[str]]], *, progress: Progress | None = None
    ) -> dict[str, int]:
        staged = ox.Store()
        counts = {}
        for graph, paths in sources.items():
            before = len(staged)
            stage_sources(paths, graph=graph, progress=progress, staging=staged)
            counts[graph] = len(staged) - before
        self._write(staged, list(sources), replace=True, bulk=False)
        return counts

    def graphs(self) -> list[str]:
        rows = solutions(self._query("SELECT ?g WHERE { GRAPH ?g { } }", []))
        names = {row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)}
        return sorted(name for name in names if not name.startswith(STAGING_PREFIX))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            text = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'
        else:
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {named_graph(graph)} {{ ?s ?p ?o }} }}"
        return int(next(iter(solutions(self._query(text, []))))["n"].value)

    def dump(self, *, graph: str | None = None, format: str) -> bytes:
        fmt = rdf_format(format)
        if graph is None and not fmt.supports_datasets:
            raise ValueError(f"dumping the whole store needs a dataset format (nquads, trig), not {format!r}")
        copy = self._fetch([graph] if graph is not None else self.graphs())
        data = copy.dump(format=fmt, from_graph=named_graph(graph) if graph is not None else None)
        if data is None:  # pyoxigraph returns the bytes when no `output` is given; its stub says `bytes | None`
            raise StoreError("pyoxigraph's dump returned nothing")
        return data

    def clear(self) -> None:
        self._generation += 1
        self._engine.update("DROP ALL")

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        names = list(graphs) if graphs is not None else self.graphs()
        return OxigraphStore(self._fetch(names)).to_rdflib(names)

    def drop_staging(self) -> list[str]:
        """Drop staging graphs a failed paged write left behind; return their names."""
        rows = solutions(self._query("SELECT ?g WHERE { GRAPH ?g { } }", []))
        left = sorted(row["g"].value for row in rows if row["g"].value.startswith(STAGING_PREFIX))
        if left:
            self._engine.update(" ;\n".join(f"DROP SILENT GRAPH {named_graph(g)}" for g in left))
            log.warning("dropped %d staging graph(s) left by an interrupted write: %s", len(left), ", ".join(left))
        return left

    def _query(self, text: str, params: list[tuple[str, str]]) -> QueryResult:
        reply = self._engine.query(text, accept=_RESULTS_ACCEPT, params=params)
        try:
            results_format = ox.QueryResultsFormat.from_media_type(reply.media_type)
            if results_format is not None:
                return ox.parse_query_results(reply.body, format=results_format)
            graph = ox.Store()
            graph.extend(ox.Quad(t.subject, t.predicate, t.object) for t in self._parse_rdf(reply))
            return graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        except (SyntaxError, ValueError) as error:
            raise EngineError(f"sent an answer that does not parse ({error})", engine=self.name) from None

    def _check_union(self) -> None:
        """Whether the engine's default graph is the union (decided once some named graph holds a plain triple)."""
        probe = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) } LIMIT 1"
        rows = list(solutions(self._query(probe, [])))
        if not rows:
            return
        row = rows[0]
        seen = self._query(f"ASK {{ {row['s']} {row['p']} {row['o']} }}", [])
        if not bool(seen):
            raise EngineError(_UNION_HELP, engine=self.name)
        self._union_checked = True

    def _fetch(self, graphs: Iterable[str]) -> ox.Store:
        """A fresh in-memory copy of `graphs` (GSP GET where offered, else CONSTRUCT), keeping the engine's
        blank node labels (so two dumps of unchanged data are the same bytes)."""
        copy = ox.Store()
        for graph in graphs:
            node = named_graph(graph)
            if self._engine.gsp_url is not None:
                reply = self._engine.graph_store("GET", graph, accept=_NTRIPLES)
            else:
                text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"
                reply = self._engine.query(text, accept=_NTRIPLES)
            if reply is not None:
                triples = self._parse_rdf(reply)
                copy.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
        return copy

    def _parse_rdf(self, reply: Reply) -> list[ox.Triple]:
        """The triples of an RDF answer, blank node labels as the engine wrote them."""
        rdf = ox.RdfFormat.from_media_type(reply.media_type)
        if rdf is None or rdf.supports_datasets:
            raise EngineError(f"answered in an unexpected media type {reply.media_type!r}", engine=self.name)
        try:
            return [quad.triple for quad in ox.parse(reply.body, format=rdf)]
        except SyntaxError as error:
            raise EngineError(f"sent RDF that does not parse ({error})", engine=self.name) from None

    def _write(self, staged: ox.Store, graphs: list[str], *, replace: bool, bulk: bool) -> None:
        """Write `staged` (quads already in their target graphs): one request, or pages then one update."""
        self._generation += 1
        targets = [named_graph(g) for g in graphs]
        if len(staged) <= self.page_triples:
            drops = "".join(f"DROP SILENT GRAPH {g} ;\n" for g in targets) if replace else ""
            creates = "".join(f"CREATE SILENT GRAPH {g} ;\n" for g in targets)
            self._engine.update(f"{drops}{creates}INSERT DATA {{\n{_quads_text(staged)}\n}}")
            return
        if bulk:
            if replace:
                self._engine.update(" ;\n".join(f"DROP SILENT GRAPH {g}" for g in targets))
            for target in targets:
                self._send_pages(staged, source=target, into=target)
            return
        self.drop_staging()  # one writer at a time: whatever staging is left is an interrupted write's
        token = uuid.uuid4().hex
        staging = {target: ox.NamedNode(f"{STAGING_PREFIX}{token}:{n}") for n, target in enumerate(targets)}
        try:
            for target, into in staging.items():
                self._send_pages(staged, source=target, into=into)
            self._engine.update(" ;\n".join(_commit(target, into, staged, replace) for target, into in staging.items()))
        except BaseException:
            try:
                self._engine.update(" ;\n".join(f"DROP SILENT GRAPH {g}" for g in staging.values()))
            except EngineError:
                log.warning("%s: could not drop the staging graphs of a failed write; the next write will", self.name)
            raise

    def _send_pages(self, staged: ox.Store, *, source: ox.NamedNode, into: ox.NamedNode) -> None:
        """Send the quads of `source` in `staged` to graph `into`, page by page."""
        for page in pages(staged.quads_for_pattern(None, None, None, source), size=self.page_triples):
            self._send_page(page, into)

    def _send_page(self, page: list[ox.Quad], into: ox.NamedNode) -> None:
        if self._engine.gsp_url is not None:
            body = ox.serialize([quad.triple for quad in page], format=ox.RdfFormat.N_TRIPLES)
            self._engine.graph_store("POST", into.value, body=body, content_type=_NTRIPLES)
        else:
            triples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in page)
            self._engine.update(f"INSERT DATA {{ GRAPH {into} {{\n{triples}\n}} }}")


def _commit(target: ox.NamedNode, staging: ox.NamedNode, staged: ox.Store, replace: bool) -> str:
    """The update that puts a staging graph in place: MOVE (replace) or ADD; an empty graph is only dropped."""
    if not any(True for _ in staged.quads_for_pattern(None, None, None, target)):
        return (
            f"DROP SILENT GRAPH {target} ; CREATE SILENT GRAPH {target}" if replace else f"CREATE SILENT GRAPH {target}"
        )
    if replace:
        return f"MOVE {staging} TO {target}"
    return f"ADD {staging} TO {target} ; DROP GRAPH {staging}"


def _quads_text(quads: Iterable[ox.Quad]) -> str:
    return "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
