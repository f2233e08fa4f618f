"""The /sparql request path's shortcuts keep its behaviour: the guard's substring pre-check, codepoint
escapes, headers added by a WSGI middleware, the remembered base IRI and the query threads."""

from __future__ import annotations

import random
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, Response

from coopgraph.core.store import OxigraphStore
from coopgraph.web import create_app
from coopgraph.web.errors import ApiError
from coopgraph.web.executor import QueryRequest
from coopgraph.web.guard import (
    UPDATE_KEYWORDS,
    check_query,
    decode_codepoints,
    keyword,
    tokens,
)
from coopgraph.web.prefork import RequestProcess
from coopgraph.web.time_limit import TimeLimit

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
        status = error.status
    else:
        return False
    assert status == 400
    return True


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


@pytest.fixture
def app(app: Flask) -> Flask:
    """The shared app, with a route that sets its own frame and CORS headers."""

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
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"):
        assert len(response.headers.getlist(name)) == 1
    assert ("Access-Control-Allow-Origin" in response.headers) is cors


def test_cors_exposes_only_the_headers_a_response_carries(shipped_store: OxigraphStore) -> None:
    """Nothing to expose on a plain answer; the truncation header, and only it, on a truncated one."""
    client = create_app({"max_rows": 2}, store=shipped_store).test_client()
    plain = client.get("/sparql", query_string={"query": "ASK {}"})
    assert plain.status_code == 200 and "Access-Control-Expose-Headers" not in plain.headers
    truncated = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"})
    assert truncated.headers["X-Coopgraph-Truncated"] == "true"
    assert truncated.headers.getlist("Access-Control-Expose-Headers") == ["X-Coopgraph-Truncated"]


def test_relative_iris_resolve_against_each_requests_own_url(app: Flask) -> None:
    """The base IRI is remembered per host and path: a second host must not get the first one's."""
    query = {"query": "SELECT ?x { BIND(<rel> AS ?x) }"}
    for host in ("a.example", "b.example:8080", "a.example"):
        response = app.test_client().get("/sparql", query_string=query, headers={"Host": host})
        assert response.json["results"]["bindings"][0]["x"]["value"] == f"http://{host}/rel"


def test_vary_accept_once(app: Flask) -> None:
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.headers.getlist("Vary") == ["Accept"]


def _query_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "coopgraph-query")


def test_each_request_thread_keeps_one_companion(shipped_store: OxigraphStore) -> None:
    """The time limit costs a hand-off to a long-lived companion thread, not a thread per query."""
    queries = TimeLimit(timeout_s=60)
    before = _query_threads()
    for _ in range(50):
        assert queries.run(shipped_store, QueryRequest("ASK {}")).body == b'{"head":{},"boolean":true}'
    with pytest.raises(ApiError) as caught:
        queries.run(shipped_store, QueryRequest("SELECT * {"))
    assert caught.value.status == 400 and caught.value.details["line"] == 1
    assert queries.run(shipped_store, QueryRequest("ASK {}")).body == b'{"head":{},"boolean":true}'
    assert _query_threads() == before + 1


def test_retiring_answers_with_connection_close() -> None:
    """Once a request process retires, its clients are told to reconnect (to another process)."""
    ours, theirs = socket.socketpair()
    process_hooks = RequestProcess(ours)
    seen: list[list[tuple[str, str]]] = []

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "keep-alive")])
        return [b"x"]

    wrapped = process_hooks.wrap(app)
    wrapped({}, lambda status, headers, exc_info=None: seen.append(headers))
    process_hooks.started.set()  # what `begin` sets first (begin itself would end this process)
    wrapped({}, lambda status, headers, exc_info=None: seen.append(headers))
    assert ("Connection", "keep-alive") in seen[0]
    assert [v for k, v in seen[1] if k.lower() == "connection"] == ["close"]
    ours.close()
    theirs.close()


def test_a_query_string_that_is_not_utf8_is_a_400(app: Flask) -> None:
    raw = "query=ASK%20{}&x=\xff"  # WSGI hands the raw bytes over as latin-1 (PEP 3333): one byte 0xFF
    response = app.test_client().get("/sparql", environ_overrides={"QUERY_STRING": raw})
    assert response.status_code == 400 and "UTF-8" in response.json["error"]["message"]


def test_a_form_that_is_not_utf8_is_a_400(app: Flask) -> None:
    response = app.test_client().post(
        "/sparql", data=b"query=ASK%20{}\xff", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and "UTF-8" in response.json["error"]["message"]


def test_percent_escapes_plus_and_repeated_parameters_reach_the_query(app: Flask) -> None:
    query = 'SELECT ?x { BIND("a+b %41 é" AS ?x) }'
    encoded = "query=" + urllib.parse.quote(query, safe="") + "&format=json&format=csv"
    response = app.test_client().get("/sparql", query_string=encoded)
    assert response.json["results"]["bindings"][0]["x"]["value"] == "a+b %41 é"
    response = app.test_client().get("/sparql", query_string="query=ASK+%7B%7D")
    assert response.json == {"head": {}, "boolean": True}
