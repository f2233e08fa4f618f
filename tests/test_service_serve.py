"""`coopgraph serve`: the real command, in a subprocess, answers /healthz and /sparql over HTTP."""

from __future__ import annotations

import json
import platform
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
from coopgraph.web.prefork import MALLOC_TUNABLES, child_environment

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`coopgraph serve` with an on-disk store in tmp_path, one request process, 3 rows at most; its base URL."""
    with serving("--data-dir", str(tmp_path / "store"), "--processes", "1", "--max-rows", "3") as running:
        yield running.base


def test_serve_binds_the_port_it_is_given(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serving("--memory", "--processes", "1", "--port", str(port)) as running:
        assert running.base == f"http://127.0.0.1:{port}"
        assert get(f"{running.base}/healthz")[0] == 200
    assert "Warning" not in running.stderr() and "Traceback" not in running.stderr(), running.stderr()


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


def test_request_processes_start_with_the_malloc_tunables() -> None:
    with serving("--memory", "--processes", "1") as running:
        (pid,) = running.request_processes()
        entries = Path(f"/proc/{pid}/environ").read_text().split("\0")
    # glibc parses GLIBC_TUNABLES in place, cutting it at the first ':': /proc shows the first item only
    assert f"GLIBC_TUNABLES={MALLOC_TUNABLES[0]}" in entries


def _dynamic_loader() -> str | None:
    """The path of this process's glibc dynamic loader (ld-linux*.so), from /proc/self/maps."""
    if platform.libc_ver()[0] != "glibc":
        return None
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if "/ld-linux" in path:
            return path
    return None


def test_glibc_knows_each_malloc_tunable_and_takes_its_value() -> None:
    """A misspelt tunable is silently ignored by glibc: ask its loader what it parsed."""
    loader = _dynamic_loader()
    if loader is None:
        pytest.skip("not a glibc system: the malloc tunables do not apply")
    env = {"GLIBC_TUNABLES": child_environment({})["GLIBC_TUNABLES"]}
    listed = subprocess.run([loader, "--list-tunables"], env=env, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        pytest.skip(f"this glibc's loader cannot list its tunables (glibc < 2.33): {listed.stderr.strip()}")
    values = dict(line.split(": ", 1) for line in listed.stdout.splitlines() if ": " in line)
    for item in MALLOC_TUNABLES:
        name, _, value = item.partition("=")
        assert values[name].split()[0] == hex(int(value)), values.get(name)


def test_a_tunable_the_user_sets_wins_over_ours() -> None:
    name = MALLOC_TUNABLES[0].partition("=")[0]
    env = child_environment({"GLIBC_TUNABLES": f"{name}=7", "PYTHONPATH": "/elsewhere"})
    assert env["GLIBC_TUNABLES"] == f"{name}=7"
    assert env["PYTHONPATH"] == f"{ROOT}:/elsewhere"
    assert child_environment({})["GLIBC_TUNABLES"] == ":".join(MALLOC_TUNABLES)


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
        "--max-body-bytes",
        "--service-allow",
        "--processes",
        "--threads",
    ):
        assert option in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output


def test_serve_refuses_memory_with_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--memory", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "exclude each other" in result.output
