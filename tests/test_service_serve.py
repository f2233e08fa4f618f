"""`coopgraph serve`: the real command, in a subprocess, answers /healthz and /sparql over HTTP.

Embedded only: the command line itself; `--store sparql` is tests/test_service_remote.py's (and every module
marked `backends` serves through it).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from served import MAIN, ROOT, get, serving

from coopgraph.cli.main import cli

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`coopgraph serve` with an on-disk store in tmp_path, one worker, 3 rows at most; its base URL."""
    with serving("--data-dir", str(tmp_path / "store"), "--workers", "1", "--max-rows", "3") as running:
        yield running.base


def test_serve_binds_the_port_it_is_given(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serving("--memory", "--workers", "1", "--port", str(port)) as running:
        assert running.base == f"http://127.0.0.1:{port}"
        assert get(f"{running.base}/healthz")[0] == 200
    assert "Warning" not in running.stderr() and "Traceback" not in running.stderr(), running.stderr()
    assert "sandbox: network namespace + seccomp" in running.stderr() or "sandbox: seccomp" in running.stderr()


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-c", MAIN, "serve", "--memory", "--port", port],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "in use" in result.stderr.lower()
    assert "--port" in result.stderr


def test_serve_answers_sparql(served: str) -> None:
    assert get(f"{served}/healthz") == (200, b'{"status":"ok"}\n')
    query = 'ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }'
    status, body = get(f"{served}/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body = get(f"{served}/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"}))
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3  # --max-rows reached the app


def test_serve_help_lists_the_limits() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--data-dir",
        "--query-timeout",
        "--max-rows",
        "--max-result-bytes",
        "--max-body-bytes",
        "--max-query-bytes",
        "--max-query-depth",
        "--query-memory",
        "--workers",
        "--long-workers",
        "--max-connections",
        "--client-connections",
        "--no-sandbox",
    ):
        assert option in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output


def test_serve_refuses_memory_with_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--memory", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "exclude each other" in result.output
