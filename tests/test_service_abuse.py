"""`coopgraph serve` tried as an attacker would, over real HTTP on loopback: one test (or a few) per finding of the
service issue. Clients that stand for different people connect from different loopback addresses (127.0.0.0/8),
as they would from different machines. Bounded waits only: nothing here asserts a speed.

Embedded only: the front, admission and the workers are the same code whatever the store; the engine under
load is bench/bench_serve_remote.py's (bench/README.md), its failures tests/test_service_remote.py's."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time
import tracemalloc
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from served import Served, alive, serving, serving_config, wait_until

from coopgraph.core.store import OxigraphStore
from coopgraph.web.app import create_app
from coopgraph.web.front import HEADER_TIMEOUT_S, MAX_HEAD_BYTES, Clients
from coopgraph.web.sparql import DESCRIPTION_KEY
from coopgraph.web.state import EXTENSION
from coopgraph.web.testing import live_server

pytestmark = pytest.mark.slow

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SORT_BOMB = "SELECT ?a ?b { ?a ?p ?o . ?b ?q ?r } ORDER BY ?o ?r"
"""An ORDER BY over a cross product: it took 4.5 GB in its 10 s."""
REPLACE_CHAIN = "SELECT (" + "REPLACE(" * 28 + '"aaaaaaaaaa"' + ',"a","aa")' * 28 + " AS ?x) {}"
"""A chain of REPLACE doubling a string: 1 GB and more."""
CHEAP = "ASK { ?s a <https://w3id.org/coopgraph/def#Province> }"


def doubled(text: str, times: int) -> tuple[str, str]:
    """BINDs that make `text` repeated 2**times times, and the variable holding it (a short query, a long string)."""
    binds = [f'BIND("{text}" AS ?d0)'] + [f"BIND(CONCAT(?d{i}, ?d{i}) AS ?d{i + 1})" for i in range(times)]
    return " ".join(binds), f"?d{times}"


def call(
    base: str,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 120,
) -> tuple[int, dict[str, str], bytes]:
    """One request from the loopback address `source`: (status, headers, body)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def sparql(base: str, query: str, *, source: str = "127.0.0.1", **params: str) -> tuple[int, dict[str, str], bytes]:
    return call(base, "/sparql?" + urllib.parse.urlencode({"query": query, **params}), source=source)


def error_of(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    """The JSON error document: our shape, our headers, never a 500 or a traceback."""
    assert status != 500 and headers["Content-Type"].startswith("application/json"), (status, body[:300])
    assert headers["X-Content-Type-Options"] == "nosniff"
    error: dict[str, object] = json.loads(body)["error"]
    assert error["status"] == status and error["message"] and b"Traceback" not in body
    return error


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    options = ["--memory", "--workers", "4", "--query-timeout", "5", "--query-memory", "256"]
    with serving(*options, "--max-result-bytes", "2000000") as running:
        yield running


# --- 2. Crash by nesting ------------------------------------------------------------------------------------------


def _crash_shapes() -> dict[str, str]:
    return {
        "5,000 nested parentheses (10 KB)": "SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "deep braces": "SELECT * " + "{" * 3000 + "?s ?p ?o" + "}" * 3000,
        "EXISTS chain": "SELECT * { ?s ?p ?o " + "FILTER EXISTS { ?s ?p ?o " * 900 + "}" * 900 + " }",
        "UNION chain": "SELECT * { " + " UNION ".join(["{?s ?p ?o}"] * 7000) + " }",
        "OPTIONAL chain": "SELECT * { ?s ?p ?o " + " ".join(f"OPTIONAL {{?s ?p ?o{i}}}" for i in range(6500)) + " }",
        "20k-pattern BGP": "SELECT * { " + " ".join(f"?s{i} ?p ?o{i} ." for i in range(20000)) + " }",
    }


def test_crash_shaped_queries_are_refused_before_parsing_and_end_no_process(served: Served) -> None:
    workers = served.request_processes()
    for name, query in _crash_shapes().items():
        status, headers, body = call(
            served.base,
            "/sparql",
            method="POST",
            body=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
        error = error_of(status, headers, body)
        assert status == 400 and error["title"] in ("Query too deep", "Query too large"), name
        assert str(error["limit"]) in str(error["message"]), name  # the limit is in the message
    assert served.request_processes() == workers and all(alive(pid) for pid in workers)
    assert "ended unexpectedly" not in served.stderr()


def test_a_crash_shaped_query_every_tenth_of_a_second_leaves_others_served(served: Served) -> None:
    stop = threading.Event()
    shapes = list(_crash_shapes().values())[:2]

    def attacker() -> None:
        while not stop.is_set():
            sparql(served.base, shapes[0], source="127.0.4.1")
            time.sleep(0.1)

    thread = threading.Thread(target=attacker)
    thread.start()
    try:
        answers = [sparql(served.base, CHEAP, source="127.0.4.2")[0] for _ in range(60)]
    finally:
        stop.set()
        thread.join()
    assert answers == [200] * 60


def test_a_crash_that_gets_through_ends_only_its_own_worker() -> None:
    """Defence in depth: with the guard and the depth limit off, a query that crashes the engine (SIGSEGV) ends
    its worker alone: its client gets a 503, the others their answers, and a new worker takes its place."""
    config = {
        "memory": True,
        "workers": 3,
        "max_query_depth": 10_000_000,
        "max_query_bytes": 10_000_000,
        "max_body_bytes": 10_000_000,
        "COOPGRAPH_GUARD": False,
    }
    deep = "SELECT * { FILTER(" + "(" * 2_000_000 + "1" + ")" * 2_000_000 + ") }"
    with serving_config(config) as running:
        before = running.request_processes()
        status, headers, body = call(
            running.base,
            "/sparql",
            method="POST",
            body=deep.encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
        error = error_of(status, headers, body)
        assert status == 503 and "ended unexpectedly" in str(error["message"])
        assert [sparql(running.base, CHEAP, source="127.0.4.3")[0] for _ in range(10)] == [200] * 10
        assert wait_until(lambda: len(running.request_processes()) == 3 and running.request_processes() != before)


# --- 3. Unbounded memory and output -------------------------------------------------------------------------------


def test_a_sort_over_a_cross_product_ends_at_its_memory_limit(served: Served) -> None:
    status, headers, body = sparql(served.base, SORT_BOMB, source="127.0.5.1")
    error = error_of(status, headers, body)
    assert status == 507 and error["memory_limit_mb"] == 256
    assert sparql(served.base, CHEAP, source="127.0.5.2")[0] == 200


def test_a_string_doubled_past_the_limit_is_stopped(served: Served) -> None:
    binds, variable = doubled("aaaaaaaaaa", 34)  # 170 GB if nothing stopped it
    status, headers, body = sparql(served.base, f"SELECT ({variable} AS ?x) {{ {binds} }}", source="127.0.5.3")
    assert status == 507 and error_of(status, headers, body)["title"] == "Insufficient Storage"
    status, headers, body = sparql(served.base, REPLACE_CHAIN, source="127.0.5.4")
    assert status in (503, 507)  # the memory limit or the time limit, whichever comes first
    error_of(status, headers, body)


def test_a_small_query_cannot_send_a_huge_body(served: Served) -> None:
    binds, variable = doubled("x" * 100, 10)  # 100 KB a row
    query = f"SELECT ?s ({variable} AS ?x) {{ ?s ?p ?o {binds} }} LIMIT 10000"
    assert len(query) < 1000
    for fmt, parse in (
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ):
        status, headers, body = sparql(served.base, query, source="127.0.5.5", format=fmt)
        assert status == 200 and headers["X-Coopgraph-Truncated"] == "true"
        assert len(body) <= 2_000_000
        rows = list(ox.parse_query_results(body, format=parse))  # still a whole document
        assert 0 < len(rows) < 20
        if fmt != "tsv":
            assert b"urn:coopgraph:truncated" in body  # said in the body, not only in a header


def test_a_value_over_16_mib_in_csv_tsv_xml_is_no_500(served: Served) -> None:
    binds, variable = doubled("xxx", 23)  # 24 MiB
    for fmt in ("csv", "tsv", "xml"):
        status, headers, body = sparql(
            served.base, f"SELECT ({variable} AS ?x) {{ {binds} }}", source="127.0.5.6", format=fmt
        )
        assert status == 200 and headers["X-Coopgraph-Truncated"] == "true" and len(body) < 1000


# --- 4. Connections -----------------------------------------------------------------------------------------------


def _idle(source: str, port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sockets.append(sock)
    return sockets


def test_idle_connections_do_not_make_the_service_unreachable(served: Served) -> None:
    port = int(served.base.rsplit(":", 1)[1])
    idle = [sock for n in range(1, 6) for sock in _idle(f"127.0.6.{n}", port, 50)]  # 250 idle, 5 addresses
    try:
        assert [sparql(served.base, CHEAP, source="127.0.6.100", timeout=30)[0] for _ in range(20)] == [200] * 20
        crowd = _idle("127.0.6.200", port, 100)  # one address past its 64 connections: the rest refused at once
        try:
            refused = 0
            for sock in crowd:
                sock.settimeout(5)
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 503"):
                    refused += 1
                    assert b'"status":503' in data and b"nosniff" in data
            assert refused == 100 - 64
        finally:
            for sock in crowd:
                sock.close()
    finally:
        for sock in idle:
            sock.close()


def test_a_slow_client_is_cut_off_at_the_header_timeout(served: Served) -> None:
    port = int(served.base.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), source_address=("127.0.6.201", 0))
    sock.settimeout(HEADER_TIMEOUT_S * 3)  # a bound on waiting, not a timing assertion
    try:
        started = time.monotonic()
        for piece in (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n", b"Host: x\r\n", b"X-Slow: 1\r\n"):
            sock.sendall(piece)
            time.sleep(HEADER_TIMEOUT_S / 4)
        closed = False
        while time.monotonic() - started < HEADER_TIMEOUT_S * 3:
            try:
                sock.sendall(b"X-More: 1\r\n")
                if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.5)
        assert closed
    finally:
        sock.close()


# --- 5. Runaway clients -------------------------------------------------------------------------------------------


def test_runaway_clients_cannot_take_every_worker(served: Served) -> None:
    stop = threading.Event()
    runaway_statuses: list[int] = []

    def runaway(number: int) -> None:
        while not stop.is_set():
            runaway_statuses.append(sparql(served.base, ENDLESS, source=f"127.0.7.{number}")[0])

    attackers = [threading.Thread(target=runaway, args=(n,)) for n in range(1, 9)]
    for thread in attackers:
        thread.start()
    try:
        time.sleep(1)
        deadline = time.monotonic() + 8
        cheap: list[int] = []
        while time.monotonic() < deadline:
            cheap.append(sparql(served.base, CHEAP, source="127.0.7.100", timeout=30)[0])
    finally:
        stop.set()
        for thread in attackers:
            thread.join()
    assert cheap and set(cheap) == {200}
    assert set(runaway_statuses) <= {429, 503} and runaway_statuses


# --- 6. Never a 500 -----------------------------------------------------------------------------------------------


def test_neighbours_of_a_killed_query_get_their_answers(served: Served) -> None:
    outcome: list[int] = []
    runner = threading.Thread(target=lambda: outcome.append(sparql(served.base, ENDLESS, source="127.0.8.1")[0]))
    runner.start()
    answers: list[int] = []

    def neighbour(number: int) -> None:
        for _ in range(15):
            answers.append(sparql(served.base, CHEAP, source=f"127.0.8.{10 + number}")[0])

    neighbours = [threading.Thread(target=neighbour, args=(n,)) for n in range(4)]
    for thread in neighbours:
        thread.start()
    for thread in [runner, *neighbours]:
        thread.join()
    assert outcome == [503] and answers == [200] * 60


def test_match_refuses_hostile_json_with_400s(served: Served) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"need": "riego", "limit": ' + b"9" * 5000 + b"}"):
        status, headers, answer = call(
            served.base, "/api/match", method="POST", body=body, headers={"Content-Type": "application/json"}
        )
        assert status == 400
        error_of(status, headers, answer)


def _raw(served: Served, data: bytes, source: str) -> bytes:
    port = int(served.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0)) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def _parsed(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_the_fronts_own_refusals_are_json_with_our_headers(served: Served) -> None:
    cases = {
        b"GARBAGE\r\n\r\n": 400,
        b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MAX_HEAD_BYTES + 10) + b"\r\n\r\n": 431,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 5000000\r\n\r\nASK": 413,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"100000\r\n"
        + b"#" * 0x100000
        + b"\r\n"
        + b"0\r\n\r\n": 413,
    }
    for data, expected in cases.items():
        status, headers, body = _parsed(_raw(served, data, "127.0.8.50"))
        assert status == expected
        error = error_of(status, headers, body)
        assert "aaaa" not in json.dumps(error) and len(body) < 2000  # nothing of the request echoed


# --- 7. Leaks -----------------------------------------------------------------------------------------------------


def test_caches_stay_bounded_whatever_clients_send(shipped_store: OxigraphStore) -> None:
    app = create_app(store=shipped_store)
    with live_server(app) as base:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for number in range(300):
            status, _, _ = call(base, "/sparql", headers={"Host": f"h{number}.example", "Accept": "text/turtle"})
            assert status == 200
            accept = f"application/x-{number}-" + "y" * 20_000
            status, _, body = call(base, "/sparql?query=ASK%7B%7D", headers={"Accept": accept})
            assert status == 406 and len(body) < 2000 and b"y" * 100 not in body  # the header is not echoed
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    assert [key for key in app.extensions[EXTENSION].cache if "description" in key] == [DESCRIPTION_KEY]
    assert grown < 5_000_000  # 300 hosts and 6 MB of Accept headers later: nothing kept per request


def test_the_table_of_clients_is_bounded() -> None:
    clients = Clients(limit=100)
    for number in range(10_000):
        clients.get(f"10.0.{number // 256}.{number % 256}")
    assert len(clients) <= 100


# --- 8. Bodies refused before they are read -----------------------------------------------------------------------


def test_a_huge_declared_body_is_refused_unread_and_nothing_is_spooled(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving("--memory", "--workers", "1", env={"TMPDIR": str(temp)}) as running:
        port = int(running.base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 1000000000\r\n\r\n"
            )
            sock.sendall(b"#" * 65536)  # the answer must come without the rest of the gigabyte (once, this was
            # read and spooled to TMPDIR before the cap could answer)
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413") and b'"max_body_bytes":1000000' in answer
        assert list(temp.iterdir()) == []


# --- 9. No snapshot to lose ---------------------------------------------------------------------------------------


def test_workers_come_back_after_crashes_with_no_file_behind_them(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving("--memory", "--workers", "2", env={"TMPDIR": str(temp)}) as running:
        assert list(temp.iterdir()) == []  # the data went to the holder down a pipe: no snapshot to delete
        for _ in range(3):
            for pid in running.request_processes():
                os.kill(pid, signal.SIGSEGV)
            assert wait_until(lambda: len(running.request_processes()) == 2)
            assert sparql(running.base, CHEAP)[0] == 200
        assert running.process.poll() is None and alive(running.holder())
