"""Load and validation times at study scale and with synthetic actors, measured side by side.

Run from the repository root (after `make test` has built .venv):

    .venv/bin/python bench/bench_load.py                      # study, 10k
    .venv/bin/python bench/bench_load.py --actors 10000 100000 --validate-max 10000

For each size it writes the synthetic graph, then measures in the same run:
loading it (with the shipped graphs) into the embedded store on disk and in
memory, loading the same files with rdflib (the peer, for a ratio), and full
SHACL validation of the whole store (skipped above --validate-max, since
pyshacl's cost grows with the graph). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import rdflib

from bench.report import markdown
from coopgraph.core.loading import DATA_GRAPH, ensure_loaded, shipped_sources
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic
from coopgraph.core.validation import validate_store

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def load_oxigraph(store: OxigraphStore, synth: Path | None) -> OxigraphStore:
    ensure_loaded(store)
    if synth is not None:
        store.load([synth], graph=SYNTH_GRAPH, bulk=True)
    return store


def load_rdflib(synth: Path | None) -> rdflib.Graph:
    graph = rdflib.Graph()
    for paths in shipped_sources().values():
        for path in paths:
            graph.parse(path)
    if synth is not None:
        graph.parse(synth, format="nt")
    return graph


def measure(actors: int, *, seed: int, validate: bool, workdir: Path) -> dict[str, object]:
    synth = None
    if actors:
        synth = workdir / f"synth-{actors}.nt"
        with synth.open("w", encoding="utf-8") as out:
            write_synthetic(out, actors=actors, seed=seed, format="ntriples")
    disk_s, disk = timed(lambda: load_oxigraph(OxigraphStore.open(workdir / f"store-{actors}"), synth))
    mem_s, memory = timed(lambda: load_oxigraph(OxigraphStore.in_memory(), synth))
    rdflib_s, _ = timed(lambda: load_rdflib(synth))
    row: dict[str, object] = {
        "actors": actors or "study",
        "triples": memory.count(),
        "data triples": memory.count(DATA_GRAPH),
        "load disk s": disk_s,
        "load memory s": mem_s,
        "load rdflib s": rdflib_s,
        "rdflib / oxigraph-memory": rdflib_s / mem_s,
    }
    if validate:
        validate_s, report = timed(lambda: validate_store(memory))
        row["validate s"] = validate_s
        row["violations"] = len([v for v in report.violations if v.severity.endswith("Violation")])
    disk.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--actors", type=int, nargs="+", default=[10_000], help="synthetic sizes (study is always first)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--validate-max", type=int, default=10_000, help="skip full validation above this size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            measure(n, seed=args.seed, validate=n <= args.validate_max, workdir=Path(tmp)) for n in [0, *args.actors]
        ]
    print(markdown(rows))


if __name__ == "__main__":
    main()
