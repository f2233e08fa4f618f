"""The /sparql request path's shortcuts keep its behaviour: the guard's substring pre-check, codepoint
escapes, headers added without setdefault, the remembered base IRI and the worker socket protocol."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask, Response

from graph.store import OxigraphStore
from service import create_app
from service.errors import ApiError
from service.executor import QueryRequest
from service.guard import UPDATE_KEYWORDS, check_query, decode_codepoints, keyword, tokens
from service.workers import WorkerPool

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = {"SERVICE", "FROM", *UPDATE_KEYWORDS}

REFUSED = {
    "mixed case": "SELECT * { SeRvIcE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "codepoint escape, 4 digits": r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "codepoint escape, 8 digits": r"SELECT * { \U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "codepoint escape inside the word": r"SELECT * { SERVI\u0043E <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "lower-case escape digits": r"SELECT * { \u0073ervice <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "escaped FROM": r"SELECT * \u0046ROM <http://127.0.0.1:9/g> { ?s ?p ?o }",
    "escaped update": r"\u0049NSERT DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }",
    "escape ends a comment": "SELECT * { ?s ?p ?o } # \\u000A SERVICE <http://127.0.0.1:9/> { }",
    "a letter whose upper case is S": "select * { \u017fervice <http://127.0.0.1:9/> { ?s ?p ?o } }",
}
ALLOWED = {
    "keywords in comments": "SELECT * # SERVICE <http://x/> FROM <x:y> LOAD DROP\nWHERE { ?s ?p ?o }",
    "keywords in a string": 'SELECT * { ?s ?p "INSERT SERVICE FROM" }',
    "escape in a string": r'SELECT * { ?s ?p "caf\u00e9" }',
    "escape in an IRI": r"SELECT * { <http://e.org/\u0061> ?p ?o }",
    "escaped keyword inside a string": r'SELECT * { ?s ?p "\u0053ERVICE" }',
    "no keyword at all": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?l { ?s rdfs:label ?l }",
}


def _refused(query: str) -> bool:
    try:
        check_query(query)
    except ApiError as error:
        assert error.status == 400
        return True
    return False


def _tokenizer_finds_a_keyword(query: str) -> bool:
    """What the full tokenizer path decides, for the text as written and with its escapes decoded."""
    texts = {query, decode_codepoints(query)[0]}
    return any(keyword(token) in BLOCKED for text in texts for token in tokens(text))


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_refused_however_spelled(query: str) -> None:
    assert _refused(query)


@pytest.mark.parametrize("query", ALLOWED.values(), ids=ALLOWED.keys())
def test_harmless_forms_still_pass(query: str) -> None:
    assert not _refused(query)


def test_an_escaped_keyword_is_reported_where_it_was_written() -> None:
    query = "SELECT *\nWHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    with pytest.raises(ApiError) as caught:
        check_query(query)
    assert (caught.value.details["line"], caught.value.details["column"]) == (2, 9)
    assert query.splitlines()[1][8:].startswith("\\u0053ERVICE")


def test_decode_codepoints_maps_offsets_back() -> None:
    text, offsets = decode_codepoints(r"a\u0042c\U00000044e\uD800")
    assert text == r"aBcDe\uD800"  # a lone surrogate is no character: left as written
    assert [offsets[i] for i in range(5)] == [0, 1, 7, 8, 18]


def _corpus() -> Iterator[str]:
    """The stored queries, then random texts built from keyword-rich pieces (fixed seed)."""
    for path in sorted((ROOT / "queries").glob("*.rq")):
        yield path.read_text(encoding="utf-8")
    pieces = [
        "SERVICE", "service", "Service", "\u017fervice", "FROM", "from", "INSERT", "\u0131nsert", "WITH", "with",
        "ADD", "add", "LOAD", "DROP", "copy", "MOVE", "CLEAR", "CREATE", "DELETE", "SERV", "ICE", "FR", "OM",
        " ", "\n", "#", '"', "'", "<", ">", "?", "$", ":", ".", "{", "}", "\\", "\\u0053", "\\U00000046", "u0053",
        "a", "e:", "\u00df", "\ufb00", "@", "_:", "-",
    ]  # fmt: skip
    rng = random.Random(3)
    for _ in range(3000):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def test_pre_check_decides_as_the_tokenizer_does() -> None:
    """The shortcut skips the tokenizer only when it could find nothing: same verdict on every text."""
    disagreements = [query for query in _corpus() if _refused(query) != _tokenizer_finds_a_keyword(query)]
    assert disagreements == []


@pytest.fixture(scope="module")
def app(shipped_store: OxigraphStore) -> Flask:
    app = create_app({"workers": 0}, store=shipped_store)

    @app.route("/sparql/own-frame-options")
    def own_frame_options() -> Response:
        return Response("x", headers={"X-Frame-Options": "SAMEORIGIN", "Access-Control-Allow-Origin": "https://a.b"})

    return app


def test_a_views_own_security_header_wins_and_cors_is_set(app: Flask) -> None:
    response = app.test_client().get("/sparql/own-frame-options")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"]  # replaced, as before
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("path", "cors"), [("/sparql", True), ("/sparql/", True), ("/", False), ("/sparqlx", False)])
def test_security_headers_everywhere_cors_on_its_paths(app: Flask, path: str, cors: bool) -> None:
    response = app.test_client().get(path)
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"):
        assert len(response.headers.getlist(name)) == 1
    assert ("Access-Control-Allow-Origin" in response.headers) is cors


def test_relative_iris_resolve_against_each_requests_own_url(app: Flask) -> None:
    """The base IRI is remembered per host and path: a second host must not get the first one's."""
    query = {"query": "SELECT ?x { BIND(<rel> AS ?x) }"}
    for host in ("a.example", "b.example:8080", "a.example"):
        response = app.test_client().get("/sparql", query_string=query, headers={"Host": host})
        assert response.json["results"]["bindings"][0]["x"]["value"] == f"http://{host}/rel"


def test_vary_accept_once(app: Flask) -> None:
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.headers.getlist("Vary") == ["Accept"]


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    store = OxigraphStore(ox.Store())
    predicate = ox.NamedNode("http://e.org/p")
    store.oxigraph.extend(
        ox.Quad(ox.NamedNode(f"http://e.org/s{i}"), predicate, ox.Literal("x" * 100 + str(i)), ox.DefaultGraph())
        for i in range(3000)
    )
    pool = WorkerPool(store, size=1, timeout_s=60)
    yield pool
    pool.close()


def test_large_answers_and_queries_cross_the_worker_socket_whole(pool: WorkerPool) -> None:
    answer = pool.run(QueryRequest("SELECT * { ?s ?p ?o }", accept="text/tab-separated-values"))
    assert len(answer.body) > 300_000 and answer.body.count(b"\n") == 3001 and not answer.truncated
    long_query = "SELECT * { ?s ?p ?o } #" + "x" * 400_000
    answer = pool.run(QueryRequest(long_query, accept="text/csv", max_rows=5))
    assert answer.truncated and answer.body.count(b"\r\n") == 6


def test_worker_errors_keep_the_worker(pool: WorkerPool) -> None:
    before = pool.pids()
    with pytest.raises(ApiError) as caught:
        pool.run(QueryRequest("SELECT * {"))
    assert caught.value.status == 400 and caught.value.details["line"] == 1
    assert pool.pids() == before
    assert pool.run(QueryRequest("ASK {}")).body == b'{"head":{},"boolean":true}'
