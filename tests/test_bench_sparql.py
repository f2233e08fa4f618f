"""bench/bench_sparql.py and bench/bench_abuse.py: the answer check catches wrong answers, and each bench runs at a
tiny scale.

The smoke run is kept small (50 actors, 20 requests a cell, one round, no
warm-up: about 10 s) and asserts correctness only, never timings. Peers that
are not installed (rdflib-endpoint, the oxigraph CLI: the `bench` extra) must
be reported as skipped with a reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_abuse import SCENARIOS, tree_pss_bytes
from bench.bench_sparql import Workload, sparql_check

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PEERS = ("ours", "oxigraph", "rdflib-endpoint")


def _results(*values: str | None) -> bytes:
    bindings = [{} if v is None else {"x": {"type": "literal", "value": v}} for v in values]
    return json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": bindings}}).encode()


def test_sparql_check_accepts_only_the_reference_rows() -> None:
    check = sparql_check(Workload("point", ["q0"], [[("a",), ("b",)]], ["x"]))
    assert check(200, _results("a", "b"), 0) is None
    assert check(200, _results("a"), 0) == "1 rows, expected 2"
    assert check(200, _results("b", "a"), 0) == "rows differ from the reference answer"
    assert check(200, _results("a", None), 0) == "rows differ from the reference answer"
    assert (check(500, b"boom", 0) or "").startswith("HTTP 500")
    assert (check(200, b"<html/>", 0) or "").startswith("unreadable SPARQL JSON")


def test_sparql_check_remembers_only_exact_correct_bodies() -> None:
    """A body once found correct passes by byte comparison; any other body, status or request is checked again."""
    check = sparql_check(Workload("point", ["q0", "q1"], [[("a",)], [("b",)]], ["x"]))
    good = _results("a")
    assert check(200, good, 0) is None and check(200, good, 0) is None
    assert check(500, good, 0) == f"HTTP 500: {good[:200]!r}"
    assert check(200, good, 1) == "rows differ from the reference answer"  # remembered for request 0 only
    assert check(200, _results("b"), 0) == "rows differ from the reference answer"
    assert check(200, good + b" ", 0) is None  # the same rows in other bytes are parsed, and correct


def test_bench_runs_at_a_tiny_scale(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "bench/bench_sparql.py", "--actors", "50", "--requests", "20", "--rounds", "1"]
    command += ["--warmup", "0", "--json", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # The timeout only guards against a hang; nothing asserts how long the run takes.
    done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    measured = {(r["server"], r["query"]): r for r in report["results"]}
    assert set(measured) >= {("ours", "point"), ("ours", "ranking")}
    for row in measured.values():
        assert row["errors"] == 0, row["error_reasons"]
        assert row["requests"] == 20
    for peer in PEERS:  # every server was measured or skipped with a reason
        assert any(server == peer for server, _ in measured) or report["skipped"].get(peer)
    for peer in ("oxigraph", "rdflib-endpoint"):
        assert ((peer, "ranking") in measured) != (peer in report["skipped"])
    assert "| ours | point |" in done.stdout


def test_abuse_bench_runs_at_a_tiny_scale(tmp_path: Path) -> None:
    """bench/bench_abuse.py: every server that is installed goes through the four scenarios, the cheap clients'
    answers are checked (ours gives no wrong one), and each server gets a peak memory figure."""
    out = tmp_path / "abuse.json"
    command = [sys.executable, "bench/bench_abuse.py", "--actors", "50", "--duration", "1", "--settle", "0.3"]
    command += ["--idle", "30", "--json", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    ours = [row for row in report["results"] if row["server"] == "ours"]
    assert [row["scenario"][:3] for row in ours] == [f"({kind})" for kind in SCENARIOS]
    assert all(row["answers"] > 0 and not row["server_died"] for row in ours)
    assert not any("rows differ" in reason for row in ours for reason in row["error_reasons"])
    assert report["peak_memory_bytes"]["ours"] > 0
    assert ("oxigraph" in report["peak_memory_bytes"]) != ("oxigraph" in report["skipped"])


def test_pss_of_this_process_tree_is_counted() -> None:
    assert tree_pss_bytes(os.getpid()) > 1_000_000
