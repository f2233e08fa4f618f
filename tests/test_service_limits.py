"""The time limit frees the CPU (the worker running the query is killed) while other requests are served."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from graph.store import OxigraphStore
from service import create_app
from service.state import EXTENSION
from service.workers import WorkerPool

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""A cartesian product over the shipped graph: ~5e12 rows, far past any time limit."""


@pytest.fixture
def app(shipped_store: OxigraphStore) -> Iterator[Flask]:
    app = create_app({"workers": 2, "query_timeout_s": 1}, store=shipped_store)
    yield app
    app.extensions[EXTENSION].close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_timeout_kills_the_worker_and_others_keep_serving(app: Flask) -> None:
    pool: WorkerPool = app.extensions[EXTENSION].pool
    before = set(pool.pids())
    assert len(before) == 2 and all(_alive(pid) for pid in before)
    outcome: dict[str, object] = {}

    def endless() -> None:
        outcome["response"] = app.test_client().get("/sparql", query_string={"query": ENDLESS})

    runner = threading.Thread(target=endless)
    runner.start()
    while len(pool.pids()) == 2:  # wait until the endless query holds a worker
        time.sleep(0.01)
    meanwhile = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    runner.join()
    assert meanwhile.status_code == 200 and meanwhile.json == {"head": {}, "boolean": True}
    response = outcome["response"]
    assert response.status_code == 503  # type: ignore[attr-defined]
    error = json.loads(response.data)["error"]  # type: ignore[attr-defined]
    assert error["title"] == "Query timeout" and "time limit" in error["message"]
    killed = before - set(pool.pids())
    assert len(killed) == 1 and not _alive(killed.pop())  # the CPU is freed: the process is gone


def test_a_replacement_worker_starts_after_a_timeout(app: Flask) -> None:
    pool: WorkerPool = app.extensions[EXTENSION].pool
    assert app.test_client().get("/sparql", query_string={"query": ENDLESS}).status_code == 503
    for _ in range(600):  # a bounded wait for the background start, not a timing assertion
        if len(pool.pids()) == 2:
            break
        time.sleep(0.05)
    assert len(pool.pids()) == 2
    assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_worker_errors_come_back_as_client_errors(app: Flask) -> None:
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * {"})
    assert response.status_code == 400 and response.json["error"]["line"] == 1
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
