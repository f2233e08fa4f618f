"""An acknowledged write survives `kill -9` of `coopgraph serve`, and no write is ever half there.

A client writes graph after graph (each write: one graph of FIVE triples,
through /data) while the front process, which owns the store and commits
every write, is killed with SIGKILL at a random moment, twenty times. After
each restart: every write the client saw acknowledged is there whole, every
graph there is whole (five triples, never fewer), and each has its audit
record.

Embedded only: it kills the holder of the embedded store and its journal. On
a SPARQL engine the engine keeps the data: a write is one update request,
acknowledged once the engine answered (tests/test_service_remote_writes.py
stops and freezes the engine at the commit).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from served import serving
from test_service_writes import bearer, send

from coopgraph.core.writes.tokens import TokenBook

KILLS = 20
FIVE = 5
PREFIX = "http://example.org/durable/"


def _body(number: int) -> str:
    subject = f"<{PREFIX}record/{number}>"
    return "".join(f'{subject} <{PREFIX}p{i}> "{number}-{i}" .\n' for i in range(FIVE))


def _graphs(base: str) -> dict[str, int]:
    query = (
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{PREFIX}')) }} "
        "GROUP BY ?g"
    )
    answer = send(
        base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), Accept="application/sparql-results+json"
    )
    assert answer.status == 200, answer.body
    return {row["g"]["value"]: int(row["n"]["value"]) for row in answer.json()["results"]["bindings"]}


def _audited(base: str) -> set[str]:
    return {graph for write in send(base, "GET", "/api/writes").json()["writes"] for graph in write["graphs"]}


@pytest.mark.slow
def test_twenty_kills_lose_no_acknowledged_write_and_leave_none_half_done(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    secret = TokenBook(folder).add("durability", "all")
    acknowledged: set[str] = set()
    number = 0
    rng = random.Random(20261206)
    for _round in range(KILLS):
        with serving("--data-dir", str(folder), "--workers", "2") as running:
            graphs = _graphs(running.base)
            assert acknowledged <= set(graphs), f"acknowledged writes lost: {sorted(acknowledged - set(graphs))[:5]}"
            assert all(count == FIVE for count in graphs.values()), f"half writes: {graphs}"
            assert set(graphs) <= _audited(running.base), "a write without its audit record"
            stop = threading.Event()

            def writer(base: str = running.base, stop: threading.Event = stop) -> None:
                nonlocal number
                while not stop.is_set():
                    number += 1
                    graph = f"{PREFIX}{number}"
                    try:
                        answer = send(
                            base,
                            "PUT",
                            "/data?" + urllib.parse.urlencode({"graph": graph}),
                            _body(number),
                            Content_Type="application/n-triples",
                            **bearer(secret),
                        )
                    except OSError:  # killed mid-request: not acknowledged
                        return
                    if answer.status == 201:
                        acknowledged.add(graph)

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(rng.uniform(0.05, 1.5))
            os.kill(running.process.pid, signal.SIGKILL)
            running.process.wait(timeout=30)
            stop.set()
            thread.join(timeout=150)
            assert not thread.is_alive()
    with serving("--data-dir", str(folder)) as running:
        graphs = _graphs(running.base)
        assert acknowledged <= set(graphs)
        assert all(count == FIVE for count in graphs.values())
        assert set(graphs) <= _audited(running.base)
    assert len(acknowledged) >= KILLS, f"too few writes were acknowledged to test anything: {len(acknowledged)}"
