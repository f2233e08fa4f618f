"""The time limit: the client gets a timeout error, and under `coopgraph serve` the CPU is freed (the request
process running the query exits and is replaced) while other requests are served."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from served import Served, alive, children, get, serving, wait_until

from coopgraph.core.store import OxigraphStore
from coopgraph.web import create_app
from coopgraph.web.executor import QueryRequest
from coopgraph.web.prefork import ANSWER_KEY
from coopgraph.web.time_limit import TimeLimit

pytestmark = pytest.mark.slow

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""A cartesian product over the shipped graph: ~5e12 rows, far past any time limit."""
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?f }"
"""~3e7 rows: seconds, far past a 0.2 s limit, yet it ends (a query an in-process test may leave running)."""


def _sparql(base: str, query: str) -> tuple[int, bytes]:
    return get(f"{base}/sparql?" + urllib.parse.urlencode({"query": query}))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving("--memory", "--processes", "2", "--query-timeout", "1") as running:
        yield running


def test_timeout_frees_the_cpu_and_others_keep_serving(served: Served) -> None:
    assert wait_until(lambda: len(served.request_processes()) == 2)
    before = served.request_processes()
    outcome: dict[str, Any] = {}

    def endless() -> None:
        url = f"{served.base}/sparql?" + urllib.parse.urlencode({"query": ENDLESS})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=60)
        with caught.value as error:
            outcome.update(endless=(error.code, error.read()), headers=error.headers)

    runner = threading.Thread(target=endless)
    runner.start()
    meanwhile = _sparql(served.base, "ASK {}")  # another connection, while the endless query runs
    runner.join()
    answered = time.monotonic()
    assert meanwhile == (200, b'{"head":{},"boolean":true}')
    status, body = outcome["endless"]
    assert status == 503
    error = json.loads(body)["error"]
    assert error["title"] == "Query timeout" and "time limit" in error["message"]
    assert outcome["headers"]["Content-Type"] == "application/json"  # answered by the request process's watchdog
    assert outcome["headers"]["X-Content-Type-Options"] == "nosniff"
    assert outcome["headers"]["Access-Control-Allow-Origin"] == "*"
    assert wait_until(lambda: not all(alive(pid) for pid in before), 5)
    retired = {pid for pid in before if not alive(pid)}
    assert len(retired) == 1  # only the process that ran the endless query
    assert time.monotonic() - answered < 2  # gone within the grace (0.5 s), with room for a loaded machine
    assert "retires (a query overran the time limit)" in served.stderr()


def test_a_replacement_process_serves_after_a_timeout(served: Served) -> None:
    assert wait_until(lambda: len(served.request_processes()) == 2)
    before = served.request_processes()
    assert _sparql(served.base, ENDLESS)[0] == 503
    assert wait_until(lambda: len(served.request_processes() - before) == 1 and len(served.request_processes()) == 2)
    for _ in range(20):  # every connection lands on a live process
        assert _sparql(served.base, "ASK {}")[0] == 200


def test_request_processes_exit_with_the_supervisor() -> None:
    with serving("--memory", "--processes", "2") as running:
        processes = running.request_processes()
        assert len(processes) == 2
        os.kill(running.process.pid, signal.SIGKILL)  # no chance to clean up: the lifeline must do it
        assert wait_until(lambda: not any(alive(pid) for pid in processes), 30)


def test_sigterm_stops_everything_and_removes_the_snapshot(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving("--data-dir", str(tmp_path / "store"), "--processes", "1", env={"TMPDIR": str(temp)}) as running:
        processes = running.request_processes()
        assert len(processes) == 1 and [p.name[:19] for p in temp.iterdir()] == ["coopgraph-snapshot-"]
        running.process.terminate()
        assert running.process.wait(timeout=30) == 0
        assert not any(alive(pid) for pid in processes) and children(running.process.pid) == set()
        assert list(temp.iterdir()) == []


# --- In one process (create_app): the client still gets its timeout error ------------------------------------


def test_in_process_timeout_answers_503_and_reports_the_overrun(shipped_store: OxigraphStore) -> None:
    overruns: list[float] = []
    app = create_app({"query_timeout_s": 0.2}, store=shipped_store, on_overrun=overruns.append)
    response = app.test_client().get("/sparql", query_string={"query": SLOW})
    assert response.status_code == 503 and response.json["error"]["title"] == "Query timeout"
    assert overruns == [0.2]
    assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).json == {"head": {}, "boolean": True}


def test_query_errors_come_back_as_client_errors(app: Flask) -> None:
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * {"})
    assert response.status_code == 400 and response.json["error"]["line"] == 1
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


def test_a_request_process_that_dies_is_replaced(served: Served) -> None:
    assert wait_until(lambda: len(served.request_processes()) == 2)
    victim = min(served.request_processes())
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in served.request_processes() and len(served.request_processes()) == 2)
    for _ in range(20):
        assert _sparql(served.base, "ASK {}")[0] == 200
    assert f"request process {victim} exited unexpectedly" in served.stderr()


def test_the_watchdog_answers_through_the_server_and_never_twice(shipped_store: OxigraphStore) -> None:
    """In the request thread (a server offering ANSWER_KEY): past the limit the watchdog answers, and the
    request thread never returns an answer of its own."""
    answers: list[tuple[str, dict[str, str], bytes]] = []
    overruns: list[float] = []
    limit = TimeLimit(0.2, overruns.append)
    environ = {
        ANSWER_KEY: lambda env, status, headers, body: answers.append((status, dict(headers), body)),
        "PATH_INFO": "/sparql",
        "REQUEST_METHOD": "GET",
    }
    returned: list[object] = []
    runner = threading.Thread(
        target=lambda: returned.append(limit.run(shipped_store, QueryRequest(SLOW), environ)), daemon=True
    )
    runner.start()
    assert wait_until(lambda: bool(answers), 10)
    status, headers, body = answers[0]
    assert status.startswith("503") and json.loads(body)["error"]["title"] == "Query timeout"
    assert headers["Content-Type"] == "application/json" and headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Length"] == str(len(body)) and overruns == [0.2]
    runner.join(timeout=8)  # the slow query ends within seconds here; its thread must then stay put
    assert runner.is_alive() and returned == [] and len(answers) == 1
