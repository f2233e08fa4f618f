"""`coopgraph serve` on the embedded store vs `coopgraph serve --store sparql` over `oxigraph serve` vs bare
`oxigraph serve`, at N synthetic actors (default 100,000), side by side in one run (issue #19).

Run from the repository root:

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bench_serve_remote.py --actors 100000 --json serve_remote.json
    PYTHONPATH=. .venv/bin/python bench/bench_serve_remote.py --actors 300 --rounds 1 --duration 1   # smoke

Data: the shipped graphs plus N synthetic actors go into an on-disk store
(timed: the embedded store's load); its N-Quads dump goes into a fresh
location with `oxigraph load` (timed: the engine's load). Three servers are
then up at once, each its own process tree on 127.0.0.1:

- embedded: `coopgraph serve --data-dir D` (default settings);
- remote: `coopgraph serve --store sparql --query-url … --update-url … --gsp-url …`
  on `oxigraph serve --union-default-graph` (tokens in a folder of its own);
- engine: that same `oxigraph serve` process, queried directly at its /query.

For each: start to a first /healthz answer and to a first /api/match answer
(the matching index is built by then); bench_sparql.py's point and ranking
workloads through bench/loadgen.py (every answer checked against pyoxigraph's,
rounds alternate over the servers); one validated write (POST /data of
tests/fixtures/writes/agreement-loja.ttl with a token; the engine gets the
same triples as INSERT DATA) and its latency; resident memory of each process
at the end (RSS per role and the proportional set size of the whole tree:
workers share pages with the data holder, copy-on-write). Apache Jena Fuseki
is not measured: Maven Central is not reachable from this machine.
Exit status 1 when any answer or write was wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import peers
from bench.bench_sparql import Cell, measure, workloads
from bench.bench_writes import REGISTER, agreement, agreement_iri, ask, request, waited
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic
from coopgraph.core.writes.tokens import TokenBook

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"
MATCH_PATH = "/api/match?need=riego&limit=3"
FUSEKI = "Apache Jena Fuseki: not measured (Maven Central is not reachable from this machine: DNS fails)"


def log(message: str) -> None:
    print(f"[bench_serve_remote] {message}", file=sys.stderr, flush=True)


def build(workdir: Path, *, actors: int, seed: int) -> tuple[Path, Path, Path, dict[str, float]]:
    """The embedded store and the engine's location, same quads in both; the seconds each load took."""
    synth = workdir / "synth.nt"
    began = time.perf_counter()
    with synth.open("w", encoding="utf-8") as out:
        write_synthetic(out, actors=actors, seed=seed, format="ntriples")
    times = {"synth_s": time.perf_counter() - began}
    data_dir = workdir / "store"
    began = time.perf_counter()
    with OxigraphStore.open(data_dir) as store:
        ensure_loaded(store)
        store.load([synth], graph=SYNTH_GRAPH, bulk=True)
        times["embedded_load_s"] = time.perf_counter() - began
        times["quads"] = store.count()
        nquads = workdir / "all.nq"
        nquads.write_bytes(store.dump(format="nquads"))
    location = workdir / "engine"
    began = time.perf_counter()
    with (workdir / "logs" / "oxigraph-load.log").open("wb") as out:
        subprocess.run(
            [peers.oxigraph_binary(), "load", "--location", str(location), "--file", str(nquads)],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    times["engine_load_s"] = time.perf_counter() - began
    return data_dir, nquads, location, times


def _kb(path: Path, field: str) -> float:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_mb(root: int) -> dict[str, float]:
    """RSS of the root (front), its children (data holder), the largest grandchild (worker), and the PSS of all."""
    depth = peers.tree(root)
    rss = {pid: _kb(Path(f"/proc/{pid}/status"), "VmRSS") for pid in depth}
    workers = [pid for pid, d in depth.items() if d >= 2]
    return {
        "front": round(rss[root]),
        "holder": round(sum(rss[pid] for pid, d in depth.items() if d == 1)),
        "worker_max": round(max((rss[pid] for pid in workers), default=0.0)),
        "workers": len(workers),
        "rss_sum": round(sum(rss.values())),
        "pss_sum": round(sum(_kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss") for pid in depth)),
    }


def start_ours(
    name: str, options: list[str], *, logs: Path, env: dict[str, str]
) -> tuple[peers.Server, dict[str, Any]]:
    """`coopgraph serve OPTIONS --port P`; the seconds from its start to a first /healthz and /api/match answer."""
    began = time.perf_counter()
    server = peers.launch(
        name,
        lambda port: [sys.executable, "-c", peers.SERVE_MAIN, "serve", "--port", str(port), *options],
        sparql_path="/sparql",
        ready_path="/healthz",
        logs=logs,
        env=env,
    )
    healthz = time.perf_counter() - began
    return server, {"healthz_s": healthz, "match_s": until_match(server, began)}


def until_match(server: peers.Server, began: float) -> float | None:
    """Seconds from `began` (the process start) to a first 200 from /api/match; None past 15 minutes."""

    def answers() -> bool:
        try:
            return request(server.port, "GET", MATCH_PATH)[0] == 200
        except OSError:
            return False

    return None if waited(answers, 900) is None else time.perf_counter() - began


def write_ours(server: peers.Server, secret: str, number: int) -> dict[str, Any]:
    """One validated write of the fixture agreement; its latency and the time until SPARQL sees it."""
    sent = time.perf_counter()
    status, _ = request(
        server.port,
        "POST",
        "/data?" + urllib.parse.urlencode({"graph": REGISTER}),
        agreement(number).encode(),
        **{"Content-Type": "text/turtle", "Authorization": f"Bearer {secret}"},
    )
    latency = time.perf_counter() - sent
    visible = waited(lambda: ask(server.port, "/sparql", f"<{agreement_iri(number)}> ?p ?o"))
    ok = status in (200, 201) and visible is not None
    return {"status": status, "ok": ok, "ms": 1000 * latency, "visible_ms": None if visible is None else 1000 * visible}


def write_engine(server: peers.Server, number: int) -> dict[str, Any]:
    """The same triples to the engine as INSERT DATA (no validation, no audit)."""
    quads = ox.parse(agreement(number).encode(), format=ox.RdfFormat.TURTLE)
    triples = (ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    sent = time.perf_counter()
    status, _ = request(
        server.port,
        "POST",
        "/update",
        f"INSERT DATA {{ GRAPH <{REGISTER}> {{ {triples} }} }}".encode(),
        **{"Content-Type": "application/sparql-update"},
    )
    latency = time.perf_counter() - sent
    visible = waited(lambda: ask(server.port, "/query", f"<{agreement_iri(number)}> ?p ?o"))
    ok = status in (200, 204) and visible is not None
    return {"status": status, "ok": ok, "ms": 1000 * latency, "visible_ms": None if visible is None else 1000 * visible}


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| server | load s | start to /healthz s | start to first match s | point req/s | point p99 ms "
        "| ranking req/s | ranking p99 ms | errors | write ms (visible ms) | memory MB (RSS; PSS of the tree) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        q = r["queries"]
        w = r["write"]
        m = r["memory_mb"]
        if "holder" in m and m["workers"]:
            memory = (
                f"front {m['front']}, holder {m['holder']}, worker ≤ {m['worker_max']} (x{m['workers']}); "
                f"PSS {m['pss_sum']}"
            )
        else:
            memory = f"{m['rss_sum']}; PSS {m['pss_sum']}"
        write = f"{fmt(w['ms'])} ({fmt(w['visible_ms'])})" + ("" if w["ok"] else f" FAILED {w['status']}")
        lines.append(
            f"| {r['server']} | {fmt(r.get('load_s'))} | {fmt(r.get('healthz_s'))} | {fmt(r.get('match_s'))} "
            f"| {fmt(q['point']['req_s'])} | {fmt(q['point']['p99_ms'])} "
            f"| {fmt(q['ranking']['req_s'])} | {fmt(q['ranking']['p99_ms'])} "
            f"| {q['point']['errors'] + q['ranking']['errors']} | {write} | {memory} |"
        )
    lines.append(f"| {FUSEKI.split(':')[0]} | not measured: Maven Central unreachable (DNS fails) |||||||||")
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=100_000, help="synthetic actors (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per cell and round (default 4)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections in flight (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all servers (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell and round (default 1)")
    parser.add_argument("--cap-s", type=float, default=30.0, help="most seconds of one cell's round (default 30)")
    parser.add_argument("--store-timeout", type=float, default=300.0, help="--store-timeout of the remote serve")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    args.requests = None  # bench_sparql.measure's options: by duration only
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-remote-") as folder, ExitStack() as stack:
        workdir = Path(folder)
        logs = workdir / "logs"
        logs.mkdir()
        log(f"{args.actors} synthetic actors: embedded load, N-Quads dump, oxigraph load")
        data_dir, _, location, times = build(workdir, actors=args.actors, seed=args.seed)
        log(json.dumps(times))
        with OxigraphStore.open(data_dir) as store:
            loads = workloads(store, actors=args.actors, seed=args.seed)
        binary = peers.oxigraph_binary()
        engine = peers.launch(
            "engine",
            lambda port: [
                binary,
                "serve",
                "--location",
                str(location),
                "--bind",
                f"{peers.HOST}:{port}",
                "--union-default-graph",  # no --timeout-s: it leaks a thread per query (README below)
            ],
            sparql_path="/query",
            ready_path="/query?query=ASK%7B%7D",
            logs=logs,
        )
        stack.callback(engine.stop)
        url = f"http://{peers.HOST}:{engine.port}"
        tokens = workdir / "tokens"
        tokens.mkdir()
        secrets = {"embedded": TokenBook(data_dir).add("bench", "all"), "remote": TokenBook(tokens).add("bench", "all")}
        ready: dict[str, dict[str, Any]] = {}
        log("coopgraph serve, embedded store")  # one after the other: each builds its matching index alone
        embedded, ready["embedded"] = start_ours("embedded", ["--data-dir", str(data_dir)], logs=logs, env={})
        stack.callback(embedded.stop)
        log(f"embedded: {ready['embedded']}")
        log("coopgraph serve --store sparql")
        remote_options = [
            "--store",
            "sparql",
            "--query-url",
            f"{url}/query",
            "--update-url",
            f"{url}/update",
            "--gsp-url",
            f"{url}/store",
            "--store-timeout",
            str(args.store_timeout),
        ]
        remote, ready["remote"] = start_ours(
            "remote", remote_options, logs=logs, env={"COOPGRAPH_DATA_DIR": str(tokens)}
        )
        stack.callback(remote.stop)
        log(f"remote: {ready['remote']}")
        servers = [embedded, remote, engine]
        cells: list[Cell] = measure(servers, loads, args, log)
        by = {(c.server, c.query): c.row() for c in cells}
        writes = {
            "embedded": write_ours(embedded, secrets["embedded"], 1),
            "remote": write_ours(remote, secrets["remote"], 2),
            "engine": write_engine(engine, 3),
        }
        loaded = {"embedded": times["embedded_load_s"], "remote": None, "engine": times["engine_load_s"]}
        labels = {
            "embedded": "coopgraph serve (embedded store)",
            "remote": "coopgraph serve --store sparql (over the engine)",
            "engine": "oxigraph serve (bare, /query)",
        }
        for server in servers:
            rows.append(
                {
                    "server": labels[server.name],
                    "load_s": loaded[server.name],
                    **ready.get(server.name, {}),
                    "queries": {kind: by[(server.name, kind)] for kind in ("point", "ranking")},
                    "write": writes[server.name],
                    "memory_mb": memory_mb(server.process.pid),
                }
            )
    table = markdown(rows)
    print(table)
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "actors": args.actors,
        "quads": times["quads"],
        "synth_s": times["synth_s"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pyoxigraph": ox.__version__,
        "settings": {k: getattr(args, k) for k in ("duration", "concurrency", "rounds", "warmup", "cap_s")},
        "fuseki": FUSEKI,
        "rows": rows,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    wrong = any(r["queries"][k]["errors"] for r in rows for k in ("point", "ranking")) or not all(
        r["write"]["ok"] for r in rows
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
