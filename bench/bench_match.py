"""Partner-matching latency, index build time and memory, beside a SPARQL ranking of the same needs.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python bench/bench_match.py                       # study, 10k, 100k
    PYTHONPATH=. .venv/bin/python bench/bench_match.py --actors 0 10000 --repeat 50

For each size the shipped graph is loaded into an in-memory store
(`ensure_loaded`) with N synthetic actors from coopgraph/core/synth.py, then:
- the index is built (`MatchIndex.build`) and timed; its memory is measured
  on a second build under tracemalloc (Python allocations that stay after the
  build) and as the process's RSS growth over the first build;
- every need of both evaluation sets (tests/match_eval.toml, the study's
  wording, and tests/match_dev.toml, needs as officers type them: text or
  sectors, requester, filters) is matched `--repeat` times, limit 10,
  explanations included, the whole reading of the need included (names,
  thesaurus, parts of names, DAC code names, typos: the semantic layer);
  p50/p99 over all runs, and p50 of needs read as one term and as several;
- the needs that read themes (as the engine read them) are ranked by one
  SPARQL GROUP BY / ORDER BY query on the same store, `--sparql-repeat` times.
  The SPARQL peer scores theme coverage through the sector hierarchy and the
  bilateral channel only (no focus, paths, spaces or explanations): it does
  less work than the engine, so the ratio is a lower bound.
Prints a Markdown table (and --json for the raw numbers).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MatchIndex, match
from coopgraph.core.matching.evaluation import DEFAULT_SET, DEV_SET, EvalNeed, load_eval_set
from coopgraph.core.matching.lookup import parse_need
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"
SPARQL_RANKING = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?actor (0.6 * SUM(?w * ?r) + 0.15 * MAX(?bilateral) AS ?score) WHERE {{
  VALUES (?t ?w) {{ {values} }}
  {{ ?actor cg:sector ?t . BIND(1.0 AS ?r) }}
  UNION {{ ?actor cg:sector ?s . ?s skos:broader+ ?t . BIND(0.8 AS ?r) }}
  UNION {{ ?actor cg:sector ?s . ?t skos:broader+ ?s . BIND(0.6 AS ?r) }}
  OPTIONAL {{ ?actor cg:country ?country . ?space cg:partnerCountry ?country }}
  BIND(IF(BOUND(?space), 0.7, 0.0) AS ?bilateral)
}} GROUP BY ?actor ORDER BY DESC(?score) ?actor LIMIT 10"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def load_store(actors: int, *, seed: int, workdir: Path) -> OxigraphStore:
    store = OxigraphStore.in_memory()
    ensure_loaded(store)
    if actors:
        path = workdir / f"synth-{actors}.nt"
        with path.open("w", encoding="utf-8") as out:
            write_synthetic(out, actors=actors, seed=seed, format="ntriples")
        store.load([path], graph=SYNTH_GRAPH, bulk=True)
    return store


def run_need(index: MatchIndex, need: EvalNeed) -> object:
    return match(
        index,
        need.text,
        sectors=need.sectors,
        requester=need.requester,
        kind=need.kind,
        country=need.country,
        cooperation=need.cooperation,
        limit=10,
        lang=need.lang,
    )


def sparql_query(index: MatchIndex, need: EvalNeed) -> str:
    themes = parse_need(index, need.text, need.sectors, lang=need.lang).themes
    total = sum(theme.strength for theme in themes)
    values = " ".join(f"(<{theme.sector}> {theme.strength / total:.6f})" for theme in themes)
    return SPARQL_RANKING.format(values=values)


def measure(actors: int, *, seed: int, repeat: int, sparql_repeat: int, workdir: Path) -> dict[str, float | int]:
    store = load_store(actors, seed=seed, workdir=workdir)
    quads = store.count()
    needs = load_eval_set(DEFAULT_SET) + load_eval_set(DEV_SET)
    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    start = time.perf_counter()
    index = MatchIndex.build(store)
    build = time.perf_counter() - start
    rss_delta = process.memory_info().rss - rss_before
    check = timed(lambda: index.is_current(store))
    del index
    gc.collect()
    tracemalloc.start()
    index = MatchIndex.build(store)
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    runs: list[float] = []
    single: list[float] = []
    several: list[float] = []
    for need in needs:
        run_need(index, need)  # warm: the requester's neighbourhood is cached per index
        terms = len(parse_need(index, need.text, need.sectors, lang=need.lang).terms)
        for _ in range(repeat):
            elapsed = timed(lambda need=need: run_need(index, need))
            runs.append(elapsed)
            (single if terms == 1 else several).append(elapsed)
    sparql: list[float] = []
    for need in needs:
        if not parse_need(index, need.text, need.sectors, lang=need.lang).themes:
            continue
        query = sparql_query(index, need)
        list(store.query(query))  # warm
        for _ in range(sparql_repeat):
            sparql.append(timed(lambda query=query: list(store.query(query))))
    match_p50 = statistics.median(runs)
    sparql_p50 = statistics.median(sparql)
    return {
        "actors": actors,
        "quads": quads,
        "build_s": build,
        "is_current_ms": check * 1000,
        "index_mb": traced / 1e6,
        "rss_delta_mb": rss_delta / 1e6,
        "match_p50_ms": match_p50 * 1000,
        "match_p99_ms": percentile(runs, 0.99) * 1000,
        "one_theme_p50_ms": statistics.median(single) * 1000 if single else float("nan"),
        "several_themes_p50_ms": statistics.median(several) * 1000 if several else float("nan"),
        "sparql_p50_ms": sparql_p50 * 1000,
        "sparql_p99_ms": percentile(sparql, 0.99) * 1000,
        "ratio": sparql_p50 / match_p50,
        "needs": len(needs),
    }


def table(rows: list[dict[str, float | int]]) -> str:
    head = (
        "| actors | quads | build (s) | index (MB, traced) | RSS growth (MB) | is_current (ms) | match p50 (ms) "
        "| match p99 (ms) | 1-term p50 | 2+-term p50 | SPARQL p50 (ms) | SPARQL p99 (ms) | SPARQL/match |"
    )
    lines = [head, "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"]
    for row in rows:
        lines.append(
            f"| {row['actors'] or 'study'} | {row['quads']} | {row['build_s']:.2f} | {row['index_mb']:.1f} "
            f"| {row['rss_delta_mb']:.1f} | {row['is_current_ms']:.1f} | {row['match_p50_ms']:.2f} "
            f"| {row['match_p99_ms']:.2f} | {row['one_theme_p50_ms']:.2f} | {row['several_themes_p50_ms']:.2f} "
            f"| {row['sparql_p50_ms']:.1f} | {row['sparql_p99_ms']:.1f} | {row['ratio']:.0f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--actors", type=int, nargs="+", default=[0, 10_000, 100_000], help="synthetic actors (0: study only)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each need on the engine")
    parser.add_argument("--sparql-repeat", type=int, default=3, help="runs of each need's SPARQL ranking")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON too")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for actors in args.actors:
            rows.append(
                measure(actors, seed=args.seed, repeat=args.repeat, sparql_repeat=args.sparql_repeat, workdir=Path(tmp))
            )
            print(f"done: {actors or 'study'}", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; "
        f"{rows[0]['needs']} needs x {args.repeat} runs (SPARQL x {args.sparql_repeat}), limit 10, explanations included.\n"
    )
    print(table(rows))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
