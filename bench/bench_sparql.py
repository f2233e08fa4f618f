"""Throughput and p50/p99 latency of our /sparql against peers, at 10k synthetic actors, in one run.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python bench/bench_sparql.py                  # 10k actors, 5 rounds x 4 s a cell
    PYTHONPATH=. .venv/bin/python bench/bench_sparql.py --actors 50 --requests 20 --rounds 1 --json out.json

The shipped graph plus N synthetic actors (coopgraph.core.synth) go into an on-disk
store; its N-Quads dump feeds the peers, so every server holds the same
quads. Servers, each its own process on 127.0.0.1 (see bench/peers.py):
ours (`coopgraph serve`, default settings), rdflib-endpoint (uvicorn) and `oxigraph serve`.
A peer that is not installed is skipped, with the reason printed.

Two queries, sent as GET ?query= with Accept: application/sparql-results+json,
same text everywhere: (a) point: the Spanish label of one actor by IRI;
(b) ranking: the 20 actors sharing most network memberships with one actor
(GROUP BY, ORDER BY, LIMIT 20). Each request names another actor,
round-robin over a pool larger than any query cache. Every response must be
a 200 whose rows equal the answer computed beforehand with pyoxigraph;
anything else counts as an error.

Each cell (server x query) runs a warm-up, then keeps --concurrency
keep-alive connections busy for --duration seconds (or --requests requests),
in each of --rounds rounds; rounds visit the servers in turn so drift on a
noisy machine spreads over all of them. --cap-s bounds any one cell's round
(rdflib-endpoint's ranking is slow): a capped cell says so. Prints a Markdown
table and the ratios the service issue targets; --json writes them all.
Exit status 1 when any response was wrong.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import loadgen, peers
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic
from coopgraph.core.vocab import SYNTH
from coopgraph.web.settings import DEFAULTS

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"
ACCEPT = "application/sparql-results+json"
POINT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE {{ <{actor}> rdfs:label ?label FILTER(lang(?label) = "es") }}"""
RANKING = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?partner (COUNT(?network) AS ?shared) WHERE {{
  <{actor}> org:memberOf ?network .
  ?partner org:memberOf ?network .
  FILTER(?partner != <{actor}>)
}}
GROUP BY ?partner
ORDER BY DESC(?shared) ?partner
LIMIT 20"""
"""Partners ranked by shared network memberships: a few hundred joined rows at 10k actors. Shared sectors
too (a UNION) made it ~10x dearer, which on `oxigraph serve`'s on-disk store meant ~0.3 s a query."""
POOL = {"point": 1000, "ranking": 200}
"""Distinct actors per query kind: more than rdflib-endpoint's 128-entry cache of parsed queries."""
TARGETS = {"ranking": ("ours", "rdflib-endpoint", 10.0)}
"""The service issue's target: (numerator, denominator, minimum ratio of req/s)."""

Rows = list[tuple[str | None, ...]]


@dataclass(frozen=True)
class Workload:
    """One query kind: its texts (one per actor) and the rows each must return."""

    kind: str
    queries: list[str]
    expected: list[Rows]
    variables: list[str]


@dataclass
class Cell:
    """One server x query measurement, over all rounds."""

    server: str
    query: str
    tally: loadgen.Tally
    round_rates: list[float] = field(default_factory=list)
    cpu_s: float | None = 0.0
    """CPU seconds the server's processes used during the measured phases (None where /proc is missing)."""

    def row(self) -> dict[str, Any]:
        latencies = self.tally.latencies
        ok = len(latencies)
        return {
            "server": self.server,
            "query": self.query,
            "requests": ok + self.tally.errors,
            "req_s": ok / self.tally.elapsed if self.tally.elapsed else 0.0,
            "p50_ms": 1000 * loadgen.percentile(latencies, 0.50) if latencies else None,
            "p99_ms": 1000 * loadgen.percentile(latencies, 0.99) if latencies else None,
            "errors": self.tally.errors,
            "error_reasons": self.tally.reasons,
            "seconds": self.tally.elapsed,
            "capped": self.tally.capped,
            "server_cpu_us_per_request": 1e6 * self.cpu_s / ok if self.cpu_s is not None and ok else None,
            "round_req_s": self.round_rates,
        }


def build_data(workdir: Path, *, actors: int, seed: int) -> tuple[Path, Path, OxigraphStore]:
    """The on-disk store for ours (shipped graphs + synthetic actors) and its N-Quads dump for the peers."""
    synth = workdir / "synth.nt"
    with synth.open("w", encoding="utf-8") as out:
        write_synthetic(out, actors=actors, seed=seed, format="ntriples")
    data_dir = workdir / "store"
    store = OxigraphStore.open(data_dir)
    ensure_loaded(store)
    store.load([synth], graph=SYNTH_GRAPH, bulk=True)
    nquads = workdir / "all.nq"
    nquads.write_bytes(store.dump(format="nquads"))
    return data_dir, nquads, store


def workloads(store: OxigraphStore, *, actors: int, seed: int) -> dict[str, Workload]:
    """The query pools, with the answers pyoxigraph gives (the reference every server must match)."""
    rng = random.Random(seed)
    networks = max(1, actors // 100)  # coopgraph.core.synth: the first actors are networks (no sectors of their own)
    members = range(networks + 1, actors + 1) or range(1, actors + 1)
    actor_pools = {
        "point": [rng.randint(1, actors) for _ in range(POOL["point"])],
        "ranking": [rng.choice(members) for _ in range(POOL["ranking"])],
    }
    result = {}
    for kind, template in (("point", POINT), ("ranking", RANKING)):
        queries = [template.format(actor=f"{SYNTH}actor-{i}") for i in actor_pools[kind]]
        expected, variables = [], []
        for text in queries:
            solutions = store.oxigraph.query(text, use_default_graph_as_union=True)
            assert isinstance(solutions, ox.QuerySolutions)
            variables = [v.value for v in solutions.variables]
            expected.append([tuple(None if s[v] is None else s[v].value for v in variables) for s in solutions])
        result[kind] = Workload(kind, queries, expected, variables)
    return result


def sparql_check(workload: Workload) -> loadgen.Check:
    """A 200 with SPARQL JSON results whose rows equal the reference answer, in order.

    A body already found correct for the same request is known correct by a
    byte comparison: the client shares the CPU with the server it measures,
    and parsing every answer again would count its own work against the server.
    """
    verified: dict[int, bytes] = {}  # request index -> a body found correct (one store per key: atomic under the GIL)

    def check(status: int, body: bytes, index: int) -> str | None:
        if status == 200 and verified.get(index) == body:
            return None
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        try:
            bindings = json.loads(body)["results"]["bindings"]
            rows = [tuple(b.get(v, {}).get("value") for v in workload.variables) for b in bindings]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return f"unreadable SPARQL JSON ({error}): {body[:200]!r}"
        expected = workload.expected[index]
        if len(rows) != len(expected):
            return f"{len(rows)} rows, expected {len(expected)}"
        if rows != expected:
            return "rows differ from the reference answer"
        verified[index] = body
        return None

    return check


def targets_for(server: peers.Server, loads: dict[str, Workload]) -> dict[str, loadgen.Target]:
    """What each server is asked: the point and the ranking requests."""
    targets = {}
    for kind in ("point", "ranking"):
        load = loads[kind]
        requests = [
            loadgen.get_request(peers.HOST, server.port, server.sparql_path, params={"query": q}, accept=ACCEPT)
            for q in load.queries
        ]
        targets[kind] = loadgen.Target(peers.HOST, server.port, requests, sparql_check(load))
    return targets


def start_servers(
    stack: ExitStack,
    *,
    data_dir: Path,
    nquads: Path,
    workdir: Path,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> tuple[list[peers.Server], dict[str, str]]:
    """Start every server not skipped; a peer not installed is skipped with its reason."""
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    starters: dict[str, Callable[[], peers.Server]] = {
        "ours": lambda: peers.start_ours(data_dir=data_dir, logs=logs, options=("--workers", str(args.workers))),
        "oxigraph": lambda: peers.start_oxigraph(nquads=nquads, workdir=workdir, logs=logs),
        "rdflib-endpoint": lambda: peers.start_rdflib_endpoint(nquads=nquads, logs=logs),
    }
    servers, skipped = [], {}
    for name, start in starters.items():
        if name in args.skip:
            skipped[name] = "skipped by --skip"
            continue
        began = time.perf_counter()
        try:
            server = start()
        except peers.Unavailable as reason:
            skipped[name] = str(reason)
            log(f"skipping {name}: {reason}")
            continue
        stack.callback(server.stop)
        servers.append(server)
        log(f"{name} ready on port {server.port} in {time.perf_counter() - began:.1f} s")
    return servers, skipped


def measure(
    servers: Sequence[peers.Server], loads: dict[str, Workload], args: argparse.Namespace, log: Callable[[str], None]
) -> list[Cell]:
    """Every server x query, warm-up then measured, in each round; rounds alternate over the servers."""
    plan = [(server, kind, target) for server in servers for kind, target in targets_for(server, loads).items()]
    cells = {(s.name, kind): Cell(s.name, kind, loadgen.Tally()) for s, kind, _ in plan}
    for round_ in range(1, args.rounds + 1):
        for server, kind, target in plan:
            if args.warmup > 0:
                loadgen.run(target, concurrency=args.concurrency, duration=args.warmup, cap_s=args.cap_s)
            cpu_before = server.cpu_seconds()
            tally = loadgen.run(
                target, concurrency=args.concurrency, duration=args.duration, requests=args.requests, cap_s=args.cap_s
            )
            cpu_after = server.cpu_seconds()
            cell = cells[(server.name, kind)]
            cell.tally.merge(tally)
            rate = len(tally.latencies) / tally.elapsed if tally.elapsed else 0.0
            cell.round_rates.append(rate)
            if cell.cpu_s is not None and cpu_before is not None and cpu_after is not None:
                cell.cpu_s += cpu_after - cpu_before
            else:
                cell.cpu_s = None
            log(f"round {round_}: {server.name} {kind}: {rate:.1f} req/s, {tally.errors} errors")
    return list(cells.values())


def ratios(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets' ratios of req/s (and ours against oxigraph, for context), overall and per round."""
    by = {(r["server"], r["query"]): r for r in rows}
    wanted: list[tuple[str, str, str, float | None]] = [
        (kind, num, den, target) for kind, (num, den, target) in TARGETS.items()
    ]
    wanted += [(kind, "ours", "oxigraph", None) for kind in ("point", "ranking")]
    out = []
    for kind, num, den, target in wanted:
        if (num, kind) not in by or (den, kind) not in by or not by[(den, kind)]["req_s"]:
            continue
        top, bottom = by[(num, kind)], by[(den, kind)]
        value = top["req_s"] / bottom["req_s"]
        per_round = [a / b for a, b in zip(top["round_req_s"], bottom["round_req_s"], strict=True) if b]
        out.append(
            {
                "query": kind,
                "ratio": f"{num} / {den}",
                "value": value,
                "round_min": min(per_round, default=None),
                "round_max": max(per_round, default=None),
                "target": target,
                "met": None if target is None else value >= target,
            }
        )
    return out


def markdown(rows: Sequence[dict[str, Any]], ratio_rows: Sequence[dict[str, Any]]) -> str:
    """The results table and the ratios table."""
    out = io.StringIO()
    out.write(
        "| server | query | requests | req/s | p50 ms | p99 ms | errors | server CPU µs/req |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n"
    )
    for r in rows:
        ms = [f"{r[k]:.1f}" if r[k] is not None else "—" for k in ("p50_ms", "p99_ms")]
        cpu = r["server_cpu_us_per_request"]
        capped = " (capped)" if r["capped"] else ""
        out.write(
            f"| {r['server']} | {r['query']} | {r['requests']}{capped} | {r['req_s']:.1f} | {ms[0]} | {ms[1]} "
            f"| {r['errors']} | {'—' if cpu is None else f'{cpu:.0f}'} |\n"
        )
    out.write("\n| query | ratio of req/s | value | rounds (min-max) | target | met |\n|---|---|---:|---:|---:|---|\n")
    for r in ratio_rows:
        target = f"≥ {r['target']:g}" if r["target"] is not None else "—"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "no")
        spread = "—" if r["round_min"] is None else f"{r['round_min']:.2f}-{r['round_max']:.2f}"
        out.write(f"| {r['query']} | {r['ratio']} | {r['value']:.2f} | {spread} | {target} | {met} |\n")
    return out.getvalue()


def environment(args: argparse.Namespace, triples: int) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "waitress", "uvicorn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "actors": args.actors,
        "triples": triples,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "requests": args.requests,
        "warmup_s": args.warmup,
        "cap_s": args.cap_s,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000, help="synthetic actors (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--duration", type=float, help="seconds per cell and round (default 4)")
    amount.add_argument("--requests", type=int, help="requests per cell and round, instead of a duration")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections in flight (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over all servers (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell and round (default 1)")
    parser.add_argument("--cap-s", type=float, default=30.0, help="most seconds of one cell's round (default 30)")
    servers = ["ours", "oxigraph", "rdflib-endpoint"]
    parser.add_argument("--skip", action="append", default=[], choices=servers, help="a server not to run (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--workers", type=int, default=DEFAULTS["workers"], help="worker processes of ours")
    args = parser.parse_args(argv)
    if args.requests is None and args.duration is None:
        args.duration = 4.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(f"[bench_sparql] {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        log(f"writing {args.actors} synthetic actors and loading the store")
        data_dir, nquads, store = build_data(workdir, actors=args.actors, seed=args.seed)
        try:
            triples = store.count()
            loads = workloads(store, actors=args.actors, seed=args.seed)
        finally:
            store.close()  # `coopgraph serve` opens the same folder
        servers, skipped = start_servers(stack, data_dir=data_dir, nquads=nquads, workdir=workdir, args=args, log=log)
        cells = measure(servers, loads, args, log)
    rows = [cell.row() for cell in cells]
    ratio_rows = ratios(rows)
    env = environment(args, triples)
    print(
        f"{env['actors']} synthetic actors, {triples} quads; concurrency {args.concurrency}; {args.rounds} round(s) of "
        + (f"{args.duration:g} s" if args.duration is not None else f"{args.requests} requests")
        + f" per cell after {args.warmup:g} s warm-up; {env['cpus']} CPUs\n"
    )
    print(markdown(rows, ratio_rows))
    for name, reason in skipped.items():
        print(f"- skipped {name}: {reason}")
    for r in rows:
        for reason, count in r["error_reasons"].items():
            print(f"- {r['server']} {r['query']}: {count} x {reason}")
    if args.json:
        args.json.write_text(
            json.dumps({"environment": env, "results": rows, "ratios": ratio_rows, "skipped": skipped}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
