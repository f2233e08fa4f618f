"""`coopgraph serve`: the real command, in a subprocess, answers /healthz and /sparql over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli

MAIN = "from service.cli import main; main()"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`coopgraph serve` on a free port with an on-disk store in tmp_path; its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        MAIN,
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "store"),
        "--workers",
        "1",
        "--max-rows",
        "3",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=Path(__file__).parents[1]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # a bounded wait for start-up (first start loads the shipped graph)
            if process.poll() is not None:
                raise AssertionError(f"serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()  # type: ignore[union-attr]


def test_serve_answers_sparql(served: str) -> None:
    assert _get(f"{served}/healthz") == (200, b'{"status":"ok"}\n')
    query = 'ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }'
    status, body = _get(f"{served}/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body = _get(f"{served}/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"}))
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
        "--max-body-bytes",
        "--service-allow",
        "--workers",
        "--threads",
    ):
        assert option in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output


def test_serve_refuses_memory_with_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--memory", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "exclude each other" in result.output
