"""`coopgraph serve --store sparql` over a real `oxigraph serve` (tests/engines.py), over real HTTP.

What the service answers from the engine is compared with what the embedded
app answers for the same request (the `client` fixture, over the shipped
store): SPARQL, stored queries, matching, exports. Then the engine is stopped,
frozen (SIGSTOP) and restarted under a running service: 503 and 504 naming the
engine, never a credential, and answers again once the engine is back, with
no restart. Writes: tests/test_service_remote_writes.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engines import OxigraphServer, free_port
from flask.testing import FlaskClient
from served import MAIN, ROOT, Served, get, serving, wait_until

pytestmark = pytest.mark.slow

PASSWORD = "s3cret-Pa55word-for-the-engine"
ENV = {"COOPGRAPH_STORE_USER": "coopgraph", "COOPGRAPH_STORE_PASSWORD": PASSWORD}
"""Oxigraph server has no authentication: it ignores them; they must show in no answer."""


def engine_options(server: OxigraphServer, *, gsp: bool = True) -> list[str]:
    options = ["--store", "sparql", "--query-url", server.url("/query"), "--update-url", server.url("/update")]
    return options + (["--gsp-url", server.url("/store")] if gsp else [])


@pytest.fixture
def app_config() -> dict[str, Any]:
    """The embedded app compared with the remote service has the same row cap."""
    return {"max_rows": 200}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(location=tmp_path_factory.mktemp("engine") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote(engine: OxigraphServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`coopgraph serve --store sparql` on the module's engine (the first start loads the shipped graphs into it)."""
    folder = tmp_path_factory.mktemp("no-tokens")
    env = {**ENV, "COOPGRAPH_DATA_DIR": str(folder)}
    with serving(*engine_options(engine), "--workers", "2", "--max-rows", "200", env=env) as running:
        yield running


def sparql(base: str, query: str, **params: str) -> tuple[int, bytes]:
    return get(f"{base}/sparql?" + urllib.parse.urlencode({"query": query, **params}))


def request(
    url: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    call = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


# --- what the engine serves ------------------------------------------------------------------------------------


def test_the_workers_keep_the_sandbox_and_reach_the_engine_alone(remote: Served, engine: OxigraphServer) -> None:
    assert "seccomp" in remote.stderr(), remote.stderr()
    assert f"the engine alone (127.0.0.1:{engine.port}) through the front" in remote.stderr()
    assert "Traceback" not in remote.stderr()


def test_sparql_comes_from_the_engine_with_our_caps(remote: Served) -> None:
    status, body = sparql(remote.base, 'ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }')
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = request(
        f"{remote.base}/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"})
    )
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 200  # --max-rows, in front of the engine
    assert headers["X-Coopgraph-Truncated"] == "true"
    status, body = sparql(
        remote.base, "SELECT ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 2", format="csv"
    )
    assert status == 200 and body.startswith(b"l\r\n")


def test_our_guard_refuses_service_before_the_engine_sees_it(remote: Served) -> None:
    status, body = sparql(remote.base, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 400 and "SERVICE" in json.loads(body)["error"]["message"]


def test_a_query_the_engine_refuses_is_a_400_in_its_words(remote: Served, engine: OxigraphServer) -> None:
    # No keyword of the guard's in it: it is not parsed before it is sent, so the engine is the one to refuse it.
    # Our parser cannot read it either: the answer is the embedded store's syntax error, the engine's words added.
    status, body = sparql(remote.base, "SELECT * WHERE {\n  ?s ?p }")
    error = json.loads(body)["error"]
    assert status == 400 and error["engine_status"] == 400 and error["title"] == "SPARQL syntax error"
    assert (error["line"], error["message_en"]) == (2, "error at 2:10: expected one of LATERAL, SERVICE, [_]")
    assert f"127.0.0.1:{engine.port}" in error["engine_message"] and "error at" in error["engine_message"]
    assert "b'" not in error["engine_message"]  # the engine's words, not a bytes literal
    assert PASSWORD not in body.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/queries/networks-of-congope?format=json",
        "/api/queries/partners-by-sector?sector=https://w3id.org/coopgraph/id/sector-salud&lang=en",
        "/api/match?need=riego+y+drenaje&requester=EC-L&limit=5",
        "/api/match?need=climate+change&kind=network&lang=en",
        "/api/partners/https://w3id.org/coopgraph/id/regions4/similar?limit=5",
        "/api/match/options?requester=EC-L",
        "/api/export?format=nodelink&focus=https://w3id.org/coopgraph/id/gadp-loja&radius=2&lang=en",
        "/api/resource?iri=https://w3id.org/coopgraph/id/congope&lang=en",
    ],
)
def test_the_engine_answers_as_the_embedded_store_does(remote: Served, client: FlaskClient, path: str) -> None:
    status, body = get(remote.base + path)
    embedded = client.get(path)
    assert status == embedded.status_code == 200, body[:500]
    assert unordered(json.loads(body), path) == unordered(embedded.get_json(), path)


def unordered(document: Any, path: str) -> Any:
    """A node-link export with its nodes and links sorted: a graph has no order (rankings keep theirs)."""
    if path.startswith("/api/export"):
        for key in ("nodes", "links"):
            document[key] = sorted(document[key], key=lambda item: json.dumps(item, sort_keys=True))
    return document


@pytest.mark.parametrize("path", ["/", "/match?need=riego&requester=EC-L", "/explore?lang=en", "/sparql"])
def test_the_pages_and_the_service_description(remote: Served, path: str) -> None:
    status, body = get(remote.base + path)
    assert status == 200 and (b"<html" in body or b"sd:Service" in body or b"Service" in body), body[:300]


def test_a_graph_and_the_write_history_are_read_from_the_engine(remote: Served) -> None:
    status, body = get(f"{remote.base}/data?graph=https://w3id.org/coopgraph/graph/meta&format=ntriples")
    assert status == 200 and b"shippedDataHash" in body
    status, body = get(f"{remote.base}/data?graph=http://example.org/no-such-graph")
    assert status == 404
    status, body = get(f"{remote.base}/api/writes")
    assert status == 200 and json.loads(body) == {"writes": []}


def test_writes_are_off_without_a_token_and_the_default_graph_is_the_union(remote: Served) -> None:
    update = b"INSERT DATA { GRAPH <http://ex.org/g> { <http://ex.org/a> <http://ex.org/b> 1 } }"
    headers = {"Content-Type": "application/sparql-update", "Authorization": "Bearer nothing"}
    status, _, body = request(f"{remote.base}/sparql", method="POST", data=update, headers=headers)
    assert status == 403 and "no token" in json.loads(body)["error"]["message"]  # tests/test_service_remote_writes.py
    status, _, body = request(f"{remote.base}/data?default", headers={"Accept-Language": "es"})
    assert status == 501 and "unión" in json.loads(body)["error"]["message"]


# --- the engine fails, and comes back ---------------------------------------------------------------------------


def test_engine_down_hung_and_back(tmp_path: Path) -> None:
    server = OxigraphServer(location=tmp_path / "engine")
    try:
        with serving(*engine_options(server, gsp=False), "--workers", "1", "--query-timeout", "3", env=ENV) as running:
            query = "ASK { ?s ?p ?o }"
            assert sparql(running.base, query) == (200, b'{"head":{},"boolean":true}')

            server.stop()
            status, headers, body = request(f"{running.base}/sparql?" + urllib.parse.urlencode({"query": query}))
            error = json.loads(body)["error"]
            assert status == 503 and headers["Retry-After"] == "5"
            assert error["engine"] == f"the SPARQL engine at 127.0.0.1:{server.port}"
            assert "unreachable" in error["message"] and PASSWORD not in body.decode()
            status, body = get(f"{running.base}/api/match?need=riego&requester=EC-L")
            assert status == 200  # matching is served from the holder's index: the engine is not needed

            server.start()  # same port, same data: the service answers again by itself
            assert sparql(running.base, query)[0] == 200

            server.freeze()
            try:
                status, body = sparql(running.base, query)
                error = json.loads(body)["error"]
                assert status == 504 and error["title"] == "Gateway Timeout", body
                assert "did not answer within 2.7 s" in error["message"] and PASSWORD not in body.decode()
            finally:
                server.thaw()
            assert wait_until(lambda: sparql(running.base, query)[0] == 200, 30)
    finally:
        server.stop()


def test_serve_refuses_to_start_without_its_engine() -> None:
    port = free_port()
    engine = [f"--query-url=http://127.0.0.1:{port}/query", f"--update-url=http://127.0.0.1:{port}/update"]
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "serve", "--port", "0", "--store", "sparql", *engine, "--store-timeout", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**ENV, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "unreachable" in result.stderr
    assert PASSWORD not in result.stderr


def test_serve_needs_both_engine_urls() -> None:
    from click.testing import CliRunner

    from coopgraph.cli.main import cli

    result = CliRunner().invoke(cli, ["serve", "--store", "sparql", "--query-url", "http://127.0.0.1:1/query"])
    assert result.exit_code == 2 and "--update-url" in result.output


# --- the relay itself -------------------------------------------------------------------------------------------

RELAY = """
import asyncio, errno, sys, threading, urllib.error, urllib.request
from coopgraph.web.relay import EngineRelay, route_through
engine, other = sys.argv[1], sys.argv[2]
loop = asyncio.new_event_loop()
relay = EngineRelay([engine])
loop.run_until_complete(relay.start())
threading.Thread(target=loop.run_forever, daemon=True).start()
route_through(relay.routes)
with urllib.request.urlopen(engine + "?query=ASK%7B%7D", timeout=10) as answer:
    print("engine", answer.status)
try:
    urllib.request.urlopen(other, timeout=10)
    print("other reached")
except urllib.error.URLError as error:
    print("other refused", getattr(error.reason, "errno", None) == errno.EACCES)
asyncio.run_coroutine_threadsafe(relay.close(), loop).result(10)
print("folder left", relay.folder.exists())
"""


def test_the_relay_reaches_the_engine_and_nothing_else(engine: OxigraphServer) -> None:
    other = OxigraphServer()  # a live server on another port: reachable, were it not for the relay
    try:
        result = subprocess.run(
            [sys.executable, "-c", RELAY, engine.url("/query"), other.url("/query?query=ASK%7B%7D")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )
    finally:
        other.stop()
    lines = result.stdout.split("\n")[:3]
    assert lines == ["engine 200", "other refused True", "folder left False"], result.stdout + result.stderr
