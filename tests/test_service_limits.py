"""The time limit under `coopgraph serve`: its client gets a 503 and the CPU is freed (the worker running the query
is killed and replaced) while other requests are served; the processes go away with the front.

Embedded only: the limit is met by a query running in the worker. On a SPARQL engine the request waits 90 % of
the limit for the engine and is answered 504 first (tests/test_service_remote.py freezes the engine for that)."""

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
from served import Served, alive, children, get, serving, wait_until

pytestmark = pytest.mark.slow

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""A cartesian product over the shipped graph: ~5e12 rows, far past any time limit."""


def _sparql(base: str, query: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    return get(f"{base}/sparql?" + urllib.parse.urlencode({"query": query}))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving("--memory", "--workers", "3", "--query-timeout", "1") as running:
        yield running


def test_timeout_frees_the_cpu_and_others_keep_serving(served: Served) -> None:
    assert wait_until(lambda: len(served.request_processes()) == 3)
    before = served.request_processes()
    outcome: dict[str, Any] = {}

    def endless() -> None:
        outcome["endless"] = _sparql(served.base, ENDLESS)

    runner = threading.Thread(target=endless)
    runner.start()
    time.sleep(0.2)
    meanwhile = [_sparql(served.base, "ASK {}") for _ in range(20)]  # while the endless query runs
    runner.join()
    assert meanwhile == [(200, b'{"head":{},"boolean":true}')] * 20
    status, body = outcome["endless"]
    assert status == 503
    error = json.loads(body)["error"]
    assert error["title"] == "Query timeout" and "time limit" in error["message"] and error["timeout_s"] == 1
    assert wait_until(lambda: not all(alive(pid) for pid in before), 10)
    assert len({pid for pid in before if not alive(pid)}) == 1  # only the worker that ran the endless query
    assert wait_until(lambda: len(served.request_processes()) == 3, 10)  # and it was replaced


def test_the_timeout_answer_has_the_services_headers(served: Served) -> None:
    url = f"{served.base}/sparql?" + urllib.parse.urlencode({"query": ENDLESS})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=60)
    with caught.value as error:
        assert error.code == 503
        assert error.headers["Content-Type"] == "application/json"
        assert error.headers["X-Content-Type-Options"] == "nosniff"
        assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_a_worker_that_dies_is_replaced(served: Served) -> None:
    assert wait_until(lambda: len(served.request_processes()) == 3)
    victim = min(served.request_processes())
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in served.request_processes() and len(served.request_processes()) == 3)
    for _ in range(20):
        assert _sparql(served.base, "ASK {}")[0] == 200


def test_every_process_exits_with_the_front() -> None:
    with serving("--memory", "--workers", "2") as running:
        holder = running.holder()
        workers = running.request_processes()
        assert len(workers) == 2
        os.kill(running.process.pid, signal.SIGKILL)  # no chance to clean up: closed sockets must do it
        assert wait_until(lambda: not alive(holder) and not any(alive(pid) for pid in workers), 30)


def test_sigterm_stops_everything_and_writes_nothing_to_disk(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with serving("--data-dir", str(tmp_path / "store"), "--workers", "1", env={"TMPDIR": str(temp)}) as running:
        processes = {running.holder(), *running.request_processes()}
        assert len(processes) == 2 and list(temp.iterdir()) == []  # no snapshot file: the data went down a pipe
        running.process.terminate()
        assert running.process.wait(timeout=30) == 0
        assert not any(alive(pid) for pid in processes) and children(running.process.pid) == set()
        assert list(temp.iterdir()) == []
