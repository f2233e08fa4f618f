"""SparqlStore against a real `oxigraph serve`: the shipped graph, failures, credentials, half-way writes, dialects.

The Store contract itself runs against SparqlStore through `any_store`
(tests/test_store.py); this file holds what only a remote engine shows.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from engines import OxigraphServer, free_port
from rdflib.compare import isomorphic

from coopgraph.cli.main import cli
from coopgraph.core import queries as stored
from coopgraph.core.loading import SHIPPED_GRAPHS, ensure_loaded
from coopgraph.core.store import (
    EngineError,
    EngineTimeout,
    EngineUnavailable,
    OxigraphStore,
    SparqlStore,
)
from coopgraph.core.store.engine import Credentials
from coopgraph.core.store.paging import pages
from coopgraph.core.store.remote import STAGING_PREFIX

pytestmark = pytest.mark.slow

G1 = "http://example.org/graph/one"
G2 = "http://example.org/graph/two"
PASSWORD = "s3cret-Pa55word"
CREDENTIALS = Credentials("coopgraph", PASSWORD)


@pytest.fixture
def remote(oxigraph_server: OxigraphServer) -> Iterator[SparqlStore]:
    """An empty SparqlStore on the session's server, Graph Store Protocol on, default page size."""
    with oxigraph_server.store() as store:
        store.clear()
        yield store


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A server of this test's own, on disk, that the test may stop, freeze and restart."""
    server = OxigraphServer(location=tmp_path / "engine")
    yield server
    server.stop()


def rows(result: object) -> list[tuple[str, ...]]:
    """A result's rows as sorted tuples of N-Triples terms (blank nodes as `_`), for comparing two stores."""
    if isinstance(result, ox.QueryBoolean):
        return [(str(bool(result)),)]
    if isinstance(result, ox.QueryTriples):
        return sorted(tuple("_" if isinstance(t, ox.BlankNode) else str(t) for t in triple) for triple in result)
    assert isinstance(result, ox.QuerySolutions)
    names = result.variables
    return sorted(tuple("_" if isinstance(row[v], ox.BlankNode) else str(row[v]) for v in names) for row in result)


def test_shipped_graph_gives_the_embedded_answers(remote: SparqlStore, shipped_store: OxigraphStore) -> None:
    assert ensure_loaded(remote).status == "loaded"
    assert ensure_loaded(remote).status == "current"
    assert remote.graphs() == shipped_store.graphs()
    assert remote.count() == shipped_store.count()
    for graph in SHIPPED_GRAPHS:
        assert remote.count(graph) == shipped_store.count(graph)
    every = stored.load_queries()
    assert len(every) > 5
    for name, query in every.items():  # each with its parameters bound to their defaults (a VALUES block remotely)
        assert rows(stored.run(remote, query)) == rows(stored.run(shipped_store, query)), name


def test_to_rdflib_matches_the_embedded_copy(remote: SparqlStore, fixtures_dir: Path) -> None:
    embedded = OxigraphStore.in_memory()
    for store in (remote, embedded):
        store.load([fixtures_dir / "good.ttl"], graph=G1)
        store.load([fixtures_dir / "good2.nt"], graph=G2)
    assert isomorphic(remote.to_rdflib(), embedded.to_rdflib())
    assert isomorphic(remote.to_rdflib([G1]), embedded.to_rdflib([G1]))


def test_engine_down_is_unavailable_and_named(own_server: OxigraphServer, fixtures_dir: Path) -> None:
    store = own_server.store(credentials=CREDENTIALS, timeout=5)
    store.load([fixtures_dir / "good2.nt"], graph=G1)
    own_server.stop()
    with pytest.raises(EngineUnavailable, match=rf"the SPARQL engine at 127\.0\.0\.1:{own_server.port} is unreachable"):
        store.count()
    with pytest.raises(EngineUnavailable):
        store.load([fixtures_dir / "good.ttl"], graph=G2)
    own_server.start()  # same port, same data: the same store object works again
    assert store.count(G1) == 2
    assert store.graphs() == [G1]


def test_nothing_listening_is_unavailable() -> None:
    port = free_port()
    store = SparqlStore(query_url=f"http://127.0.0.1:{port}/q", update_url=f"http://127.0.0.1:{port}/u", name="Fuseki")
    with pytest.raises(EngineUnavailable, match=r"^Fuseki is unreachable") as caught:
        store.query("ASK {}")
    assert caught.value.engine == "Fuseki" and caught.value.status is None


def test_hung_engine_times_out_then_comes_back(own_server: OxigraphServer) -> None:
    store = own_server.store(timeout=1)
    assert bool(store.query("ASK {}")) is True
    own_server.freeze()
    try:
        started = time.monotonic()
        with pytest.raises(EngineTimeout, match=r"did not answer within 1 s"):
            store.query("ASK {}")
        assert time.monotonic() - started < 5
        with pytest.raises(EngineTimeout):
            store.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }")
    finally:
        own_server.thaw()
    assert bool(store.query("ASK {}")) is True  # answers again


def test_engine_refusal_carries_its_status_and_words(remote: SparqlStore) -> None:
    with pytest.raises(EngineError, match=r"refused the request \(HTTP 400\)") as caught:
        remote.query("SELECT ?x WHERE { ?x ?p }")
    assert caught.value.status == 400
    assert type(caught.value) is EngineError


def test_credentials_never_in_messages_or_logs(
    own_server: OxigraphServer, fixtures_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = base64.b64encode(f"coopgraph:{PASSWORD}".encode()).decode()
    store = own_server.store(credentials=CREDENTIALS, timeout=1, page_triples=1)
    seen: list[BaseException] = []
    with pytest.raises(EngineError) as refused:
        store.query("SELEC *")
    seen.append(refused.value)
    own_server.freeze()
    try:
        with pytest.raises(EngineTimeout) as slow:
            store.query("ASK {}")
        seen.append(slow.value)
    finally:
        own_server.thaw()
    own_server.stop()
    with pytest.raises(EngineUnavailable) as down:
        store.load([fixtures_dir / "good.ttl"], graph=G1)  # paged: also logs that staging could not be dropped
    seen.append(down.value)
    with pytest.raises(ValueError, match="carries a user or password") as in_url:
        SparqlStore(query_url=f"http://coopgraph:{PASSWORD}@127.0.0.1:1/q", update_url="http://127.0.0.1:1/u")
    seen.append(in_url.value)
    texts = [str(error) for error in seen] + [repr(error) for error in seen] + [caplog.text, repr(CREDENTIALS)]
    texts += [str(error.__cause__) + str(error.__context__) for error in seen]
    assert not [text for text in texts if PASSWORD in text or token in text]


def test_credentials_from_the_environment() -> None:
    assert Credentials.from_env({}) is None
    assert Credentials.from_env({"COOPGRAPH_STORE_USER": "u", "COOPGRAPH_STORE_PASSWORD": "p"}) == Credentials("u", "p")
    with pytest.raises(ValueError, match="COOPGRAPH_STORE_PASSWORD is not set"):
        Credentials.from_env({"COOPGRAPH_STORE_USER": "u"})


class DyingStore(SparqlStore):
    """Kills its engine after the first page of a paged write: an engine failing half-way through a load."""

    server: OxigraphServer

    def _send_page(self, page: list[ox.Quad], into: ox.NamedNode) -> None:
        super()._send_page(page, into)
        self.server.stop()


def test_half_way_failure_leaves_the_target_graph_unchanged(own_server: OxigraphServer, fixtures_dir: Path) -> None:
    store = own_server.store(page_triples=2)
    store.load([fixtures_dir / "good2.nt"], graph=G1)
    before = store.dump(graph=G1, format="ntriples")
    dying = DyingStore(query_url=own_server.url("/query"), update_url=own_server.url("/update"), page_triples=2)
    dying.server = own_server
    with pytest.raises(EngineUnavailable):
        dying.replace_graphs({G1: [fixtures_dir / "good.ttl"]})  # 7 triples: several pages, then one MOVE
    own_server.start()
    assert store.dump(graph=G1, format="ntriples") == before  # readers naming the graph saw no change
    assert store.graphs() == [G1] and store.count() == 2  # the staging graph is not reported as data...
    left = list(own_server.store().query("SELECT ?g { GRAPH ?g {} }"))  # ...but it is in the engine
    assert len(left) == 2 and any(row["g"].value.startswith(STAGING_PREFIX) for row in left)
    store.load([fixtures_dir / "good.ttl"], graph=G2)  # the next paged write removes what the failed one left
    assert not [row for row in store.query("SELECT ?g { GRAPH ?g {} }") if row["g"].value.startswith(STAGING_PREFIX)]
    assert store.count(G2) == 7


def test_failed_page_with_the_engine_up_drops_its_staging(remote: SparqlStore, fixtures_dir: Path) -> None:
    remote.load([fixtures_dir / "good2.nt"], graph=G1)
    small = SparqlStore(query_url=remote._engine.query_url, update_url=remote._engine.update_url, page_triples=2)
    small._send_page = lambda page, into: (_ for _ in ()).throw(EngineError("refused a page", engine="test"))  # type: ignore[method-assign]
    with pytest.raises(EngineError, match="refused a page"):
        small.replace_graphs({G1: [fixtures_dir / "good.ttl"]})
    assert [row["g"].value for row in remote.query("SELECT ?g { GRAPH ?g {} }")] == [G1]
    assert remote.count(G1) == 2


def test_blank_nodes_survive_pages_of_one_triple(oxigraph_server: OxigraphServer, fixtures_dir: Path) -> None:
    """Each request is its own blank node scope: pages must keep a blank node's triples together."""
    embedded = OxigraphStore.in_memory()
    embedded.load([fixtures_dir / "good.ttl"], graph=G1)
    for gsp in (True, False):
        with oxigraph_server.store(gsp=gsp, page_triples=1) as store:
            store.clear()
            store.load([fixtures_dir / "good.ttl"], graph=G1)
            assert isomorphic(store.to_rdflib([G1]), embedded.to_rdflib([G1]))


def test_pages_keep_blank_node_groups_whole() -> None:
    p = ox.NamedNode("http://example.org/p")
    a, b, c = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    chain = [ox.Quad(a, p, b), ox.Quad(b, p, c), ox.Quad(c, p, ox.Literal("x"))]
    plain = [ox.Quad(p, p, ox.Literal(str(n))) for n in range(5)]
    cut = list(pages([*plain, *chain], size=2))
    assert sum(len(page) for page in cut) == 8
    assert any(set(chain) <= set(page) for page in cut)
    with pytest.raises(ValueError, match="at least one"):
        list(pages(plain, size=0))


# Engine differences a client must handle, one test each.


def test_engine_without_union_default_graph_is_refused_with_the_fix(tmp_path: Path, fixtures_dir: Path) -> None:
    server = OxigraphServer(union=False)
    try:
        store = server.store()
        store.load([fixtures_dir / "good2.nt"], graph=G1)
        with pytest.raises(EngineError, match="--union-default-graph"):
            store.query("SELECT * WHERE { ?s ?p ?o }")
    finally:
        server.stop()


def test_clear_removes_empty_graphs_too(remote: SparqlStore) -> None:
    """Oxigraph keeps empty named graphs (and CLEAR ALL keeps them): clear() must DROP them."""
    remote.update(f"CREATE GRAPH <{G1}>")
    assert remote.graphs() == [G1]
    remote.clear()
    assert remote.graphs() == []


def test_replacing_with_an_empty_graph_among_others(remote: SparqlStore, fixtures_dir: Path, tmp_path: Path) -> None:
    """An empty staging graph is never MOVEd: Oxigraph's MOVE SILENT from a missing graph empties the target."""
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    small = SparqlStore(query_url=remote._engine.query_url, update_url=remote._engine.update_url, page_triples=2)
    small.load([fixtures_dir / "good2.nt"], graph=G1)
    assert small.replace_graphs({G1: [empty], G2: [fixtures_dir / "good.ttl"]}) == {G1: 0, G2: 7}
    assert (small.count(G1), small.count(G2)) == (0, 7)


def test_named_graphs_alone_leave_the_default_graph_empty(remote: SparqlStore, fixtures_dir: Path) -> None:
    """The engine's union default graph must not leak into a query that names its dataset."""
    embedded = OxigraphStore.in_memory()
    for store in (remote, embedded):
        store.load([fixtures_dir / "good2.nt"], graph=G1)
        store.load([fixtures_dir / "good.ttl"], graph=G2)
    text = "SELECT ?s ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    assert rows(remote.query(text, named_graphs=[G1])) == rows(embedded.query(text, named_graphs=[G1]))


def test_substitutions_become_a_values_block(remote: SparqlStore, fixtures_dir: Path) -> None:
    """The engine takes text: bound variables travel as VALUES, with the embedded store's answers."""
    remote.load([fixtures_dir / "good.ttl"], graph=G1)
    text = "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s"
    bound = {ox.Variable("s"): ox.NamedNode("http://example.org/alpha")}
    embedded = OxigraphStore.in_memory()
    embedded.load([fixtures_dir / "good.ttl"], graph=G1)
    assert rows(remote.query(text, substitutions=bound)) == rows(embedded.query(text, substitutions=bound))
    with pytest.raises(ValueError, match="IRI or a literal"):
        remote.query(text, substitutions={ox.Variable("s"): ox.BlankNode()})


def test_cli_loads_and_queries_the_engine(oxigraph_server: OxigraphServer, shipped_store: OxigraphStore) -> None:
    oxigraph_server.store().clear()
    remote = [
        "--store",
        "sparql",
        "--query-url",
        oxigraph_server.url("/query"),
        "--update-url",
        oxigraph_server.url("/update"),
        "--gsp-url",
        oxigraph_server.url("/store"),
    ]
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", *remote])
    assert loaded.exit_code == 0, loaded.output
    assert f"loaded <{SHIPPED_GRAPHS[0]}>" in loaded.stderr
    stats = runner.invoke(cli, ["stats", *remote])
    memory = runner.invoke(cli, ["stats", "--memory"])
    assert stats.exit_code == 0 and stats.stdout.splitlines()[1:] == memory.stdout.splitlines()[1:]
    query = runner.invoke(cli, [*remote, "query", "networks-of-congope", "--format", "csv"])
    assert query.stdout == runner.invoke(cli, ["--memory", "query", "networks-of-congope", "--format", "csv"]).stdout
    assert f"({shipped_store.count()} quads)" in runner.invoke(cli, ["load", *remote]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "sparql", "--query-url", "http://127.0.0.1:1/q"], "needs --update-url"),
        (["--query-url", "http://127.0.0.1:1/q"], "--query-url need(s) --store sparql"),
        (["--store", "sparql", "--memory", "--query-url", "http://x/q", "--update-url", "http://x/u"], "do not apply"),
        (["--store", "sparql", "--query-url", "ftp://x/q", "--update-url", "http://x/u"], "must be http"),
    ],
)
def test_cli_store_options_are_checked(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["stats", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_engine_down_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    result = CliRunner().invoke(
        cli, ["stats", "--store", "sparql", "--query-url", f"{url}/q", "--update-url", f"{url}/u"]
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: the SPARQL engine at 127.0.0.1:{port} is unreachable (Connection refused)\n"
