"""The servers bench_sparql.py measures, each started as its own process on 127.0.0.1 with a free port.

- ours: the real `coopgraph serve` command (default settings) on an on-disk store;
- rdflib-endpoint: its FastAPI app over an rdflib Dataset (default union,
  as its own CLI builds it), under uvicorn;
- oxigraph: `oxigraph load` into a temporary location, then `oxigraph serve`.

`python -m bench.peers rdflib-endpoint --port P --data F` runs the one that
needs a Python entry point of its own (the benchmark starts it so).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SERVE_MAIN = "from coopgraph.cli.main import main; main()"


class Unavailable(Exception):
    """A peer is not installed here; the message says what is missing and how to get it."""


@dataclass
class Server:
    """A running server process: its name, port, SPARQL path and log file."""

    name: str
    port: int
    sparql_path: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by this server and its live descendants; None without /proc."""
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 30 s (only this process, by its id)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def tree_cpu_seconds(root: int) -> float | None:
    """User + system CPU seconds of `root` and its live descendants, from Linux's /proc (None elsewhere)."""
    proc = Path("/proc")
    if not (proc / str(root) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    parent_of, used = {}, {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parent_of[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += used.get(pid, 0.0)
        stack.extend(child for child, parent in parent_of.items() if parent == pid)
    return total


def tree(root: int) -> dict[int, int]:
    """`root` and its live descendants: pid -> depth (0 the root, 1 its children, …)."""
    parent_of = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent_of[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    depth, frontier = {root: 0}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parent_of.items():
            if parent == pid and child not in depth:
                depth[child] = depth[pid] + 1
                frontier.append(child)
    return depth


def free_port() -> int:
    """A TCP port free on loopback now (the server binds it a moment later; a clash is retried)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _answers(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError:
        return False
    except OSError:
        return False


def launch(
    name: str,
    command: Callable[[int], list[str]],
    *,
    sparql_path: str,
    ready_path: str,
    logs: Path,
    start_timeout: float = 600.0,
    attempts: int = 3,
    env: dict[str, str] | None = None,
) -> Server:
    """Start `command(port)` and wait until GET `ready_path` answers 200; retry on another port if it exits.

    `env`: variables set for the process on top of this one's (and PYTHONPATH)."""
    log = logs / f"{name}.log"
    for _ in range(attempts):
        port = free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(
                command(port),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**_env(), **(env or {})},
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + start_timeout
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(port, ready_path):
                return Server(name, port, sparql_path, process, log)
            time.sleep(0.2)
        if process.poll() is None:  # still running but never ready: give up
            Server(name, port, sparql_path, process, log).stop()
            break
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{name} did not start (log {log}):\n{tail}")


def start_ours(*, data_dir: Path, logs: Path, options: tuple[str, ...] = ()) -> Server:
    """`coopgraph serve --data-dir DIR --port P OPTIONS`; every other setting at its default."""
    return launch(
        "ours",
        lambda port: [
            sys.executable,
            "-c",
            SERVE_MAIN,
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            *options,
        ],
        sparql_path="/sparql",
        ready_path="/healthz",
        logs=logs,
    )


def start_rdflib_endpoint(*, nquads: Path, logs: Path) -> Server:
    """rdflib-endpoint over `nquads` loaded into an in-memory rdflib Dataset, under uvicorn."""
    for module in ("rdflib_endpoint", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            raise Unavailable(f"{module} is not installed (pip install '.[bench]')")
    data = str(nquads)
    return launch(
        "rdflib-endpoint",
        lambda port: [sys.executable, "-m", "bench.peers", "rdflib-endpoint", "--port", str(port), "--data", data],
        sparql_path="/sparql",
        ready_path="/sparql?query=ASK%7B%7D",
        logs=logs,
    )


def oxigraph_binary() -> str:
    """The `oxigraph` CLI: next to this Python (a venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise Unavailable("the oxigraph CLI is not installed (pip install '.[bench]' gives `oxigraph`)")
    return found


def start_oxigraph(*, nquads: Path, workdir: Path, logs: Path, timeout_s: float | None = None) -> Server:
    """`oxigraph load` the N-Quads into a fresh location, then `oxigraph serve --union-default-graph` on it
    (with `--timeout-s` when given: its own limit on a query's time)."""
    binary = oxigraph_binary()
    location = workdir / "oxigraph-store"
    if location.exists():
        shutil.rmtree(location)
    with (logs / "oxigraph-load.log").open("wb") as out:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(nquads)],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return launch(
        "oxigraph",
        lambda port: [
            binary,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"{HOST}:{port}",
            "--union-default-graph",
            *(["--timeout-s", str(max(1, round(timeout_s)))] if timeout_s else []),
        ],
        sparql_path="/query",
        ready_path="/query?query=ASK%7B%7D",
        logs=logs,
    )


def _serve_rdflib_endpoint(port: int, data: Path) -> None:
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)  # what `rdflib-endpoint serve` builds
    dataset.parse(data, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql")
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)  # no per-request log line


def main(argv: list[str] | None = None) -> None:
    """Entry point of the peer that needs one: `rdflib-endpoint`."""
    parser = argparse.ArgumentParser(description="Run one benchmark peer server.")
    parser.add_argument("peer", choices=["rdflib-endpoint"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True, help="N-Quads file")
    args = parser.parse_args(argv)
    _serve_rdflib_endpoint(args.port, args.data)


if __name__ == "__main__":
    main()
