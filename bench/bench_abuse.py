"""Availability under abuse: cheap queries' throughput and p99 while the service is attacked, beside `oxigraph serve`.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python bench/bench_abuse.py --json abuse.json          # 10k actors, ~6 min
    PYTHONPATH=. .venv/bin/python bench/bench_abuse.py --actors 50 --duration 2 --settle 0.5 --idle 40   # smoke

Each server (ours: `coopgraph serve`, default settings; the peer: `oxigraph serve`, its defaults, on the same
quads) is measured in four scenarios, started afresh for each (a runaway query of the peer's goes on after its
client is gone). `oxigraph serve` has no time limit by default; with `--timeout-s` (--oxigraph-timeout here) the
0.5.13 server starts a thread per query and, under the cheap load of (a) alone, answers 500s ("Resource
temporarily unavailable") and then dies, so the peer runs without it:

  (a) nothing else: CHEAP_CLIENTS well-behaved clients in a closed loop of point queries (the Spanish label of
      one actor by IRI; every answer checked against pyoxigraph's);
  (b) the same, plus RUNAWAY_CLIENTS clients each sending a runaway query (a cross product) again as soon as it
      is answered, ignoring Retry-After: 8 runaway clients among 64;
  (c) the same as (a), plus --idle (1,000) idle connections held open (reopened when the server closes them);
  (d) the same as (a), plus a crash-shaped query (5,000 nested parentheses, 10 KB) every 0.1 s.

Every client comes from its own loopback address (127.0.0.0/8), as different machines would; the attacks run in
a process of their own, so that they do not take the measuring client's GIL. A cheap client pauses 50 ms after an
error before its next request (as a well-behaved client would). Each scenario lets the attack settle
(--settle seconds) before the --duration seconds measured. Throughput counts correct answers; anything else from
a well-behaved client is an error. Peak memory: the largest sum of PSS (proportional set size: shared pages
counted once) over the server's processes, sampled every 0.25 s through all four scenarios.

Targets (the service issue): in (b), (c) and (d) cheap queries keep at least half of (a)'s throughput, a p99 at
most ten times (a)'s, and no error; peak memory at most 2 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import loadgen, peers
from bench.bench_sparql import ACCEPT, build_data, environment, sparql_check, workloads

CHEAP_CLIENTS = 56
RUNAWAY_CLIENTS = 8
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CRASH = "SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
SCENARIOS = {
    "a": "nothing else",
    "b": f"{RUNAWAY_CLIENTS} runaway clients",
    "c": "idle connections",
    "d": "crash-shaped query every 0.1 s",
}


# --- the attacks (run in a process of their own: `python -m bench.bench_abuse attack ...`) -----------------------


def _get(host: str, port: int, path: str, query: str, source: str, timeout: float) -> int | str:
    request = loadgen.get_request(host, port, path, params={"query": query}, accept=ACCEPT)
    connection = loadgen.Connection(host, port, timeout=timeout, source=source)
    try:
        return connection.exchange(request)[0]
    except (OSError, ValueError, IndexError, loadgen.HttpError) as error:
        return type(error).__name__
    finally:
        connection.close()


def attack(kind: str, host: str, port: int, path: str, idle: int, stop: threading.Event) -> dict[str, int]:
    """Run attack `kind` (b, c, d) until `stop`; the count of each outcome."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def count(outcome: object) -> None:
        with lock:
            counts[str(outcome)] = counts.get(str(outcome), 0) + 1

    threads: list[threading.Thread] = []
    if kind == "b":

        def runaway(number: int) -> None:
            while not stop.is_set():
                outcome = _get(host, port, path, RUNAWAY, f"127.0.20.{number}", 60)
                count(outcome)
                if isinstance(outcome, str):  # no answer at all: no tight loop of failed connections either
                    stop.wait(loadgen.ERROR_PAUSE_S)

        threads = [threading.Thread(target=runaway, args=(n,), daemon=True) for n in range(1, RUNAWAY_CLIENTS + 1)]
    elif kind == "c":

        def hold() -> None:
            sockets: list[socket.socket | None] = [None] * idle
            while not stop.is_set():
                for index, sock in enumerate(sockets):
                    if sock is not None:
                        try:
                            if sock.recv(1, socket.MSG_DONTWAIT) != b"":
                                continue
                        except BlockingIOError:
                            continue
                        except OSError:
                            pass
                        sock.close()
                        count("closed by the server")
                    try:
                        fresh = socket.socket()
                        fresh.bind((f"127.0.{21 + index // 250}.{1 + index % 250 // 10}", 0))
                        fresh.connect((host, port))
                        sockets[index] = fresh
                        count("opened")
                    except OSError as error:
                        sockets[index] = None
                        count(type(error).__name__)
                stop.wait(1.0)
            for sock in sockets:
                if sock is not None:
                    sock.close()

        threads = [threading.Thread(target=hold, daemon=True)]
    elif kind == "d":

        def crash() -> None:
            while not stop.wait(0.1):
                threading.Thread(
                    target=lambda: count(_get(host, port, path, CRASH, "127.0.22.1", 10)), daemon=True
                ).start()

        threads = [threading.Thread(target=crash, daemon=True)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=2)
    with lock:
        return dict(counts)


def attack_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description="One attack of bench_abuse (runs until SIGTERM).")
    parser.add_argument("kind", choices=["b", "c", "d"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    counts = attack(args.kind, peers.HOST, args.port, args.path, args.idle, stop)
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(counts), flush=True)


class Attack:
    """An attack process against one server."""

    def __init__(self, kind: str, server: peers.Server, idle: int) -> None:
        command = [sys.executable, "-m", "bench.bench_abuse", "attack", kind, "--port", str(server.port)]
        command += ["--path", server.sparql_path, "--idle", str(idle)]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(peers.ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=peers.ROOT, env=env)

    def stop(self) -> dict[str, int]:
        self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        try:
            counts: dict[str, int] = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            counts = {"no report": 1}
        return counts


# --- memory -------------------------------------------------------------------------------------------------------


def tree_pss_bytes(root: int) -> int:
    """PSS of `root` and its live descendants (shared pages counted once, in proportion), from Linux's /proc."""
    proc = Path("/proc")
    parent_of: dict[int, int] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parent_of[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in (proc / str(pid) / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
        stack.extend(child for child, parent in parent_of.items() if parent == pid)
    return total


class MemorySampler:
    """The peak of `tree_pss_bytes` of a server, sampled every 0.25 s until stopped."""

    def __init__(self, server: peers.Server) -> None:
        self.server, self.peak = server, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, tree_pss_bytes(self.server.process.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


# --- the run ------------------------------------------------------------------------------------------------------


def measure(
    start: Callable[[], peers.Server],
    name: str,
    loads: dict[str, Any],
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> tuple[list[dict[str, Any]], int]:
    """The four scenarios against one server, started afresh for each (a runaway query of the peer's goes on after
    its client is gone); the rows and the peak memory over all four."""
    load = loads["point"]
    sources = [f"127.0.10.{n}" for n in range(1, CHEAP_CLIENTS + 1)]
    rows, peak = [], 0
    for kind, label in SCENARIOS.items():
        server = start()
        sampler = MemorySampler(server)
        try:
            requests = [
                loadgen.get_request(peers.HOST, server.port, server.sparql_path, params={"query": q}, accept=ACCEPT)
                for q in load.queries
            ]
            target = loadgen.Target(peers.HOST, server.port, requests, sparql_check(load))
            attacker = Attack(kind, server, args.idle) if kind != "a" else None
            time.sleep(args.settle)
            tally = loadgen.run(
                target,
                concurrency=CHEAP_CLIENTS,
                duration=args.duration,
                cap_s=args.duration * 3,
                timeout=30,
                sources=sources,
            )
            attacks = attacker.stop() if attacker is not None else {}
            died = server.process.poll() is not None
        finally:
            peak = max(peak, sampler.stop())
            server.stop()
        ok = len(tally.latencies)
        rows.append(
            {
                "server": name,
                "scenario": f"({kind}) {label}" + (f" ({args.idle})" if kind == "c" else ""),
                "answers": ok,
                "req_s": ok / tally.elapsed if tally.elapsed else 0.0,
                "p50_ms": 1000 * loadgen.percentile(tally.latencies, 0.5) if ok else None,
                "p99_ms": 1000 * loadgen.percentile(tally.latencies, 0.99) if ok else None,
                "errors": tally.errors,
                "error_reasons": dict(sorted(tally.reasons.items(), key=lambda item: -item[1])[:5]),
                "attack": attacks,
                "server_died": died,
            }
        )
        log(
            f"{name} ({kind}): {rows[-1]['req_s']:.1f} req/s, p99 {rows[-1]['p99_ms']} ms, {tally.errors} errors "
            f"{rows[-1]['error_reasons']}; attack saw {attacks}; load average {os.getloadavg()[0]:.1f}"
        )
    return rows, peak


def compare(rows: list[dict[str, Any]]) -> None:
    """Add to each row its throughput as a share of (a) and its p99 as a multiple of (a)'s, and the verdict."""
    base = {row["server"]: row for row in rows if row["scenario"].startswith("(a)")}
    for row in rows:
        a = base[row["server"]]
        row["share_of_a"] = row["req_s"] / a["req_s"] if a["req_s"] else None
        row["p99_x_a"] = row["p99_ms"] / a["p99_ms"] if a["p99_ms"] and row["p99_ms"] else None
        if row["scenario"].startswith("(a)"):
            row["met"] = None
        else:
            row["met"] = bool(
                row["share_of_a"] is not None
                and row["share_of_a"] >= 0.5
                and row["p99_x_a"] is not None
                and row["p99_x_a"] <= 10
                and row["errors"] == 0
            )


def markdown(rows: list[dict[str, Any]], peaks: dict[str, int]) -> str:
    out = io.StringIO()
    out.write(
        "| server | scenario | cheap answers | req/s | p50 ms | p99 ms | errors | share of (a) | p99 / (a) p99 | target met |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    for r in rows:
        ms = [f"{r[k]:.1f}" if r[k] is not None else "—" for k in ("p50_ms", "p99_ms")]
        share = "—" if r["share_of_a"] is None else f"{r['share_of_a']:.0%}"
        times = "—" if r["p99_x_a"] is None else f"{r['p99_x_a']:.1f}"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "no")
        died = " (server died)" if r["server_died"] else ""
        out.write(
            f"| {r['server']} | {r['scenario']}{died} | {r['answers']} | {r['req_s']:.1f} | {ms[0]} | {ms[1]} "
            f"| {r['errors']} | {share} | {times} | {met} |\n"
        )
    out.write("\n| server | peak memory (PSS, all processes) | target (≤ 2 GB) |\n|---|---:|---|\n")
    for name, peak in peaks.items():
        out.write(f"| {name} | {peak / 1e6:.0f} MB | {'yes' if peak <= 2e9 else 'no'} |\n")
    return out.getvalue()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000, help="synthetic actors (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per scenario (default 30)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds an attack runs before measuring (5)")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections of scenario (c) (default 1000)")
    parser.add_argument("--skip", action="append", default=[], choices=["ours", "oxigraph"], help="a server not to run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--oxigraph-timeout",
        type=float,
        help="give oxigraph serve --timeout-s (default: none, its default; with one, 0.5.13 starts a thread per "
        "query and fails under the cheap load alone)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["attack"]:
        attack_main(arguments[1:])
        return 0
    args = parse_args(arguments)

    def log(message: str) -> None:
        print(f"[bench_abuse] {message}", file=sys.stderr, flush=True)

    rows: list[dict[str, Any]] = []
    peaks: dict[str, int] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp, ExitStack():
        workdir = Path(tmp)
        logs = workdir / "logs"
        logs.mkdir()
        log(f"writing {args.actors} synthetic actors and loading the store")
        data_dir, nquads, store = build_data(workdir, actors=args.actors, seed=args.seed)
        try:
            triples = store.count()
            loads = workloads(store, actors=args.actors, seed=args.seed)
        finally:
            store.close()
        starters: dict[str, Callable[[], peers.Server]] = {
            "ours": lambda: peers.start_ours(data_dir=data_dir, logs=logs),
            "oxigraph": lambda: peers.start_oxigraph(
                nquads=nquads, workdir=workdir, logs=logs, timeout_s=args.oxigraph_timeout
            ),
        }
        for name, start in starters.items():
            if name in args.skip:
                skipped[name] = "skipped by --skip"
                continue
            try:
                server_rows, peak = measure(start, name, loads, args, log)
            except peers.Unavailable as reason:
                skipped[name] = str(reason)
                log(f"skipping {name}: {reason}")
                continue
            rows += server_rows
            peaks[name] = peak
    compare(rows)
    env = environment(
        argparse.Namespace(
            actors=args.actors,
            concurrency=CHEAP_CLIENTS,
            workers=None,
            rounds=1,
            duration=args.duration,
            requests=None,
            warmup=args.settle,
            cap_s=None,
        ),
        triples,
    )
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        env["load_average_after"] = loadavg.read().split()[:3]
    print(
        f"{args.actors} synthetic actors, {triples} quads; {CHEAP_CLIENTS} cheap clients, {args.duration:g} s measured "
        f"after {args.settle:g} s of attack; {env['cpus']} CPUs; load average after the run {' '.join(env['load_average_after'])}\n"
    )
    print(markdown(rows, peaks))
    for name, why in skipped.items():
        print(f"- skipped {name}: {why}")
    for r in rows:
        if r["error_reasons"] or r["attack"]:
            print(f"- {r['server']} {r['scenario']}: errors {r['error_reasons']}; attack saw {r['attack']}")
    if args.json:
        args.json.write_text(
            json.dumps({"environment": env, "results": rows, "peak_memory_bytes": peaks, "skipped": skipped}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
