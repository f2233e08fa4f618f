"""The SHACL gate of a write, without HTTP: what pyshacl costs for nothing, and for one agreement.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python bench/bench_gate.py --runs 200

On the shipped graphs in an in-memory store (the cost is in the shapes, not
in the store's size: the gate validates a small graph either way), after
`warm_validation()` as a server's data holder calls it, each case runs
`--runs` times and p50 / p99 / max are printed in milliseconds:

- empty: pyshacl on an empty data graph with the shipped shapes
  (`validate_graph(Graph(), ontology=Graph())`): the shapes' fixed cost per
  run. (`validate_submission` and `check_write` return before pyshacl when
  there is nothing to validate: `empty check_write` times that too.)
- loja `validate_submission`: tests/fixtures/writes/agreement-loja.ttl
  (one agreement of Loja's register and its source) against the shipped
  graphs as context, as a submission.
- loja `check_write`: the gate of the same write after it is applied to the
  store (graphs, scope `EC-L`, shapes), as `POST /data` runs it.

The verdicts are checked (the agreement conforms) so a fast wrong gate cannot pass.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import rdflib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.validation import validate_graph, validate_submission
from coopgraph.core.validation.run import warm_validation
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.gate import check_write
from coopgraph.core.writes.graph_store import read_body
from coopgraph.core.writes.view import union_graph

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "writes" / "agreement-loja.ttl"
REGISTER = ox.NamedNode("https://w3id.org/coopgraph/graph/register")


def timed(run: Callable[[], object], runs: int) -> dict[str, float]:
    """p50, p99 and max of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
        "max": times[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs of each case (default 200)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    start = time.perf_counter()
    warm_validation()
    print(f"warm_validation: {(time.perf_counter() - start) * 1000:.0f} ms", file=sys.stderr)

    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        quads = read_body(FIXTURE.read_bytes(), "text/turtle", REGISTER)
        submission = rdflib.Graph().parse(FIXTURE, format="turtle")
        context = union_graph(store.oxigraph)
        assert validate_submission(submission, context=context).conforms
        store.oxigraph.extend(quads)  # the write applied: check_write reads the store after it
        delta = Delta(added=set(quads))
        check_write(store.oxigraph, delta, scope="EC-L")  # raises on a refusal

        cases: dict[str, Callable[[], object]] = {
            "empty (pyshacl, no data)": lambda: validate_graph(rdflib.Graph(), ontology=rdflib.Graph()),
            "empty check_write": lambda: check_write(store.oxigraph, Delta(), scope="EC-L"),
            "loja validate_submission": lambda: validate_submission(submission, context=context),
            "loja check_write": lambda: check_write(store.oxigraph, delta, scope="EC-L"),
        }
        figures = {name: timed(run, args.runs) for name, run in cases.items()}

    print(f"| case ({args.runs} runs) | p50 (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|")
    for name, row in figures.items():
        print(f"| {name} | {row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "figures": figures}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
