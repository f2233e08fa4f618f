"""Embedded store vs `oxigraph serve` through the Store API (OxigraphStore vs SparqlStore), at N synthetic actors.

Measures, for each: loading the shipped graphs plus the synthetic N-Triples
(`ensure_loaded` + `load`, timed), point and ranking query throughput and
p50/p99 from one sequential client (bench_sparql.py's queries, the actor
bound by `substitutions`, every answer checked against the embedded store's),
and memory: the peak RSS of this process (the embedded store lives in it) and
of the server process. The two stores run one after the other, not at once.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bench_store_remote.py --actors 100000 --json store_remote.json
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import peers
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore, SparqlStore, Store
from coopgraph.core.synth import write_synthetic
from coopgraph.core.vocab import SYNTH

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"
POINT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?actor ?label WHERE { ?actor rdfs:label ?label FILTER(lang(?label) = "es") }"""
RANKING = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?actor ?partner (COUNT(?network) AS ?shared) WHERE {
  ?actor org:memberOf ?network .
  ?partner org:memberOf ?network .
  FILTER(?partner != ?actor)
}
GROUP BY ?actor ?partner
ORDER BY DESC(?shared) ?partner
LIMIT 20"""
ACTOR = ox.Variable("actor")


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM (peak resident set) of a process, from Linux's /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rows(result: Any) -> list[tuple[str | None, ...]]:
    return [tuple(None if s[v] is None else s[v].value for v in result.variables) for s in result]


def timed(store: Store, text: str, pool: list[int], expected: dict[int, Any] | None, seconds: float) -> dict[str, Any]:
    """Sequential queries over `pool` for `seconds`; every answer compared with `expected` when given."""
    latencies: list[float] = []
    wrong = 0
    answers: dict[int, Any] = {}
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline or (i < len(pool) and expected is None):
        actor = pool[i % len(pool)]
        started = time.perf_counter()
        answer = rows(store.query(text, substitutions={ACTOR: ox.NamedNode(f"{SYNTH}actor-{actor}")}))
        latencies.append(time.perf_counter() - started)
        if expected is None:
            answers.setdefault(actor, answer)
        elif expected.get(actor, answer) != answer:
            wrong += 1
        i += 1
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_s": round(len(latencies) / sum(latencies), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        "wrong": wrong,
        "answers": answers,
    }


def measure(
    name: str, store: Store, synth: Path, pools: dict[str, list[int]], expected: dict[str, Any], seconds: float
) -> dict[str, Any]:
    started = time.perf_counter()
    ensure_loaded(store)
    store.load([synth], graph=SYNTH_GRAPH)
    load_s = time.perf_counter() - started
    result: dict[str, Any] = {"store": name, "load_s": round(load_s, 1), "quads": store.count()}
    for kind, text in (("point", POINT), ("ranking", RANKING)):
        stats = timed(store, text, pools[kind], expected.get(kind), seconds)
        expected.setdefault(kind, stats.pop("answers"))
        stats.pop("answers", None)
        result[kind] = stats
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per query kind and store")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--engine-timeout",
        type=float,
        default=600.0,
        help="SparqlStore's timeout: the final MOVE of a large load is long",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    rng = random.Random(args.seed)
    networks = max(1, args.actors // 100)
    pools = {
        "point": [rng.randint(1, args.actors) for _ in range(1000)],
        "ranking": [rng.randint(networks + 1, args.actors) for _ in range(200)],
    }
    results: list[dict[str, Any]] = []
    expected: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-store-remote-") as tmp:
        work = Path(tmp)
        synth = work / "synth.nt"
        with synth.open("w", encoding="utf-8") as out:
            write_synthetic(out, actors=args.actors, seed=args.seed, format="ntriples")
        log(f"synthetic data: {synth.stat().st_size / 1e6:.0f} MB")
        before = peak_rss_mb()
        with OxigraphStore.open(work / "embedded") as embedded:
            row = measure("embedded (OxigraphStore, on disk)", embedded, synth, pools, expected, args.seconds)
        row["memory_mb"] = {"this process (peak)": round(peak_rss_mb()), "before": round(before)}
        results.append(row)
        log(json.dumps(row))
        binary = peers.oxigraph_binary()
        server = peers.launch(
            "oxigraph",
            lambda port: [
                binary,
                "serve",
                "--location",
                str(work / "served"),
                "--bind",
                f"{peers.HOST}:{port}",
                "--union-default-graph",
            ],
            sparql_path="/query",
            ready_path="/query?query=ASK%7B%7D",
            logs=work,
        )
        try:
            url = f"http://{peers.HOST}:{server.port}"
            with SparqlStore(
                query_url=f"{url}/query",
                update_url=f"{url}/update",
                gsp_url=f"{url}/store",
                timeout=args.engine_timeout,
            ) as remote:
                row = measure("oxigraph serve (SparqlStore)", remote, synth, pools, expected, args.seconds)
            row["memory_mb"] = {"server (peak)": round(peak_rss_mb(server.process.pid))}
        finally:
            server.stop()
        results.append(row)
        log(json.dumps(row))
    report = {
        "actors": args.actors,
        "seconds": args.seconds,
        "python": platform.python_version(),
        "pyoxigraph": ox.__version__,
        "results": results,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 1 if any(row[kind]["wrong"] for row in results for kind in ("point", "ranking")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
