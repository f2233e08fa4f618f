"""No request makes the server connect anywhere: a loopback canary sees zero connections from every generated
SERVICE / FROM / LOAD disguise, by GET, POST form and POST direct; with the guard switched off the sandbox alone
still lets none through; and without both, the same queries do reach it (so the canary can count).

Embedded only: it is about the guard and the sandbox of the workers. On a SPARQL engine the workers reach the
engine alone, through the relay, and the guard refuses before the engine sees a query: tests/test_service_remote.py."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from disguises import disguises, service_disguises
from served import serving, serving_config

RETRIES = 4
"""Times a query shed with 503 + Retry-After is sent again (the machine running the tests may be busy)."""

pytestmark = pytest.mark.slow


class Canary:
    """A loopback TCP listener that counts every connection made to it (and answers like a SPARQL endpoint)."""

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
            conn.settimeout(1)
            try:
                conn.recv(65536)
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"leak"}}]}}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def _send(endpoint: str, query: str, how: str) -> tuple[int, bytes]:
    """One query by one method; a 503 with Retry-After (shed while the machine is busy) is sent again after
    the wait it asks for, as a client should (a few times at most)."""
    for _ in range(RETRIES):
        status, body, retry_after = _send_once(endpoint, query, how)
        if status != 503 or retry_after is None:
            break
        time.sleep(min(float(retry_after), 10.0))
    return status, body


def _send_once(endpoint: str, query: str, how: str) -> tuple[int, bytes, str | None]:
    if how == "get":
        request = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode({'query': query})}")
    elif how == "form":
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(
            endpoint, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    else:
        request = urllib.request.Request(
            endpoint, data=query.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), None
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), error.headers.get("Retry-After")
    except (OSError, http.client.HTTPException) as error:  # no answer at all: reported with the query
        return 0, f"{type(error).__name__}: {error}".encode(), None


def _send_all(endpoint: str, queries: list[str]) -> list[tuple[str, str, int, bytes]]:
    jobs = [(query, how) for query in queries for how in ("get", "form", "direct")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda job: _send(endpoint, *job), jobs))
    return [(query, how, status, body) for (query, how), (status, body) in zip(jobs, answers, strict=True)]


def test_no_disguise_reaches_the_canary(canary: Canary) -> None:
    queries = disguises(canary.url)
    with serving("--memory") as running:
        answers = _send_all(f"{running.base}/sparql", queries)
    assert len(answers) == 3 * len(queries) > 1500
    for query, how, status, body in answers:
        assert status == 400, (how, query, body, running.stderr()[-3000:])
        error = json.loads(body)["error"]
        assert error["message"] and canary.url not in error["message"].replace(f"graph {canary.url}", "")
    assert b"leak" not in b"".join(body for *_, body in answers)
    assert canary.connections == 0


def test_the_sandbox_alone_lets_nothing_through(canary: Canary) -> None:
    """The guard switched off: SERVICE reaches the engine, which cannot open a socket (no oracle either: the same
    refusal whatever the address)."""
    # Without the guard the engine evaluates them: the ones with a cross product (MINUS, EXISTS per row) would only
    # run into the time limit, so they are left out here (the guard's test above sends them all).
    queries = [query for query in service_disguises(canary.url) if "MINUS" not in query and "EXISTS" not in query]
    assert len(queries) > 300
    with serving_config({"memory": True, "query_timeout_s": 2, "COOPGRAPH_GUARD": False}) as running:
        assert "sandbox: network namespace + seccomp" in running.stderr() or "sandbox: seccomp" in running.stderr()
        answers = _send_all(f"{running.base}/sparql", queries)
        closed_port = _send(f"{running.base}/sparql", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "get")
    statuses = {status for _, _, status, _ in answers}
    # SERVICE SILENT: an empty answer; SERVICE: an error; cross products run into the time limit (503), after
    # which the client is served one query at a time (429): never a 500
    assert statuses <= {200, 400, 429, 503} and {200, 400} <= statuses
    assert b"leak" not in b"".join(body for *_, body in answers)
    refusals = {json.loads(body)["error"]["message"] for _, _, status, body in answers if status == 400}
    assert any("Permission denied" in message for message in refusals)
    assert canary.connections == 0
    assert closed_port[0] == 400  # a port with nothing behind it answers like the canary's: no port oracle


def test_without_guard_and_sandbox_the_canary_counts(canary: Canary) -> None:
    """The control: the same disguises, nothing to stop them, do connect (so zero above is a real zero)."""
    queries = list(service_disguises(canary.url))[:24]
    with serving_config({"memory": True, "query_timeout_s": 2, "sandbox": False, "COOPGRAPH_GUARD": False}) as running:
        answers = _send_all(f"{running.base}/sparql", queries)
    assert canary.connections > 0
    assert any(b"leak" in body for *_, body in answers)


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


def test_32_concurrent_clients_get_no_errors() -> None:
    """32 clients, each from its own loopback address (as 32 users would be), 8 mixed queries each."""
    with serving("--memory") as running:
        port = int(running.base.rsplit(":", 1)[1])

        def client(number: int) -> list[int]:
            statuses = []
            connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=60, source_address=(f"127.0.3.{number + 1}", 0)
            )
            try:
                for round_ in range(8):
                    query, accept = MIXED[(number + round_) % len(MIXED)]
                    connection.request(
                        "GET", f"/sparql?{urllib.parse.urlencode({'query': query})}", headers={"Accept": accept}
                    )
                    response = connection.getresponse()
                    response.read()
                    statuses.append(response.status)
            finally:
                connection.close()
            return statuses

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(client, range(32)))
    statuses = [status for result in results for status in result]
    assert len(statuses) == 32 * 8
    assert set(statuses) == {200, 400}
    assert statuses.count(400) == sum(1 for n in range(32) for r in range(8) if (n + r) % len(MIXED) == 4)
