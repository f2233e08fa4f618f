"""No request makes the server connect anywhere (a loopback canary must see zero connections),
and 32 concurrent clients running mixed queries get zero errors."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import serving

pytestmark = pytest.mark.slow


class Canary:
    """A loopback TCP listener that counts every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """The real `coopgraph serve`, with its default request processes and threads."""
    with serving("--memory") as running:
        yield f"{running.base}/sparql"


def _get(url: str, params: dict[str, str]) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"{url}?{urllib.parse.urlencode(params)}", timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_no_request_reaches_the_canary(endpoint: str) -> None:
    canary = Canary()
    try:
        attempts = [
            {"query": f"SELECT * {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"},
            {"query": f"SELECT * {{ SERVICE SILENT <{canary.url}> {{ ?s ?p ?o }} }}"},
            {"query": f"PREFIX c: <{canary.url}> SELECT * {{ service c:sparql {{ ?s ?p ?o }} }}"},
            {"query": f"SELECT * FROM <{canary.url}g> {{ ?s ?p ?o }}"},
            {"query": f"SELECT * FROM NAMED <{canary.url}g> {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            {"query": f"LOAD <{canary.url}data.ttl>"},
            {"query": f"LOAD SILENT <{canary.url}data.ttl> INTO GRAPH <http://e.org/g>"},
            {"query": "ASK { ?s ?p ?o }", "default-graph-uri": f"{canary.url}g"},
            {"query": "ASK { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": f"{canary.url}g"},
        ]
        for params in attempts:
            status, body = _get(endpoint, params)
            assert status == 400, (params, body)
            assert json.loads(body)["error"]["message"]
    finally:
        canary.close()
    assert canary.connections == 0


def test_canary_counts_connections() -> None:
    """The canary itself works: a connection made to it is counted (so zero above means zero)."""
    canary = Canary()
    try:
        with pytest.raises(OSError):  # noqa: PT011 - any failure will do: the count below is the check
            urllib.request.urlopen(canary.url, timeout=5)
    finally:
        canary.close()
    assert canary.connections == 1


MIXED = [
    (
        "SELECT ?p ?code { ?p <http://www.w3.org/2004/02/skos/core#notation> ?code } ORDER BY ?code",
        "application/sparql-results+json",
    ),
    ("SELECT ?c (COUNT(?s) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) LIMIT 10", "text/csv"),
    ("ASK { ?s a <https://w3id.org/coopgraph/def#Province> }", "application/sparql-results+xml"),
    ("CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> ?o }", "text/turtle"),
    ("SELECT * { ?s ?p", "application/sparql-results+json"),  # a syntax error: must be a 400, not a 500
]


def test_32_concurrent_clients_get_no_errors(endpoint: str) -> None:
    def client(number: int) -> list[int]:
        statuses = []
        for round_ in range(8):
            query, accept = MIXED[(number + round_) % len(MIXED)]
            request = urllib.request.Request(
                f"{endpoint}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": accept}
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                with error:
                    statuses.append(error.code)
        return statuses

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(client, range(32)))
    statuses = [status for result in results for status in result]
    assert len(statuses) == 32 * 8
    assert set(statuses) == {200, 400}
    assert statuses.count(400) == sum(1 for n in range(32) for r in range(8) if (n + r) % len(MIXED) == 4)
