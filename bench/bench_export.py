"""Export time and peak memory per format, at study scale and with synthetic actors, beside networkx's own writers.

Run from the repository root (after `make test` has built .venv):

    PYTHONPATH=. .venv/bin/python bench/bench_export.py                    # study, 100k actors
    PYTHONPATH=. .venv/bin/python bench/bench_export.py --actors 10000 100000

For each size it loads the shipped graph plus `coopgraph synth` actors into an
on-disk store once, then, for each format, starts a fresh process that opens
the store, projects the whole graph (timed) and writes the export to a file
(timed), then writes it again under `tracemalloc` to get the peak of Python
memory the writer itself allocates (streaming writers stay flat; writers that
build the whole document grow with it). "graph MB" is the resident memory the
projection added; "peak RSS" is the process's peak (store, graph and writer
together, before the tracemalloc run), from /proc/self/status. The peers are networkx's
`write_graphml`, `write_gexf` and `node_link_data` + `json.dump` on the same
graph. SVG is drawn only up to `coopgraph.core.export.graphviz.SVG_MAX_NODES` nodes.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from bench.report import markdown

SYNTH_GRAPH = "https://w3id.org/coopgraph/graph/synth"
FORMATS = ("graphml", "gexf", "cyjs", "nodelink", "dot", "svg", "csv", "ttl", "jsonld")
PEERS = ("networkx graphml", "networkx gexf", "networkx nodelink")


class Counting(io.RawIOBase):
    """A sink that only counts bytes (the tracemalloc run measures the writer, not a buffer)."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def rss_mb(field: str = "VmRSS") -> float:
    """The process's resident memory now (`VmRSS`) or its peak (`VmHWM`), in MB (Linux).

    Not `getrusage`'s ru_maxrss: a child inherits its parent's maximum across fork and exec.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def prepare(actors: int, *, seed: int, workdir: Path) -> Path:
    """An on-disk store with the shipped graph and `actors` synthetic actors."""
    from coopgraph.core.loading import ensure_loaded
    from coopgraph.core.store import OxigraphStore
    from coopgraph.core.synth import write_synthetic

    folder = workdir / f"store-{actors}"
    with OxigraphStore.open(folder) as store:
        ensure_loaded(store)
        if actors:
            synth = workdir / f"synth-{actors}.nt"
            with synth.open("w", encoding="utf-8") as out:
                write_synthetic(out, actors=actors, seed=seed, format="ntriples")
            store.load([synth], graph=SYNTH_GRAPH, bulk=True)
            synth.unlink()
    return folder


def writer(name: str, store: Any) -> Callable[[nx.MultiDiGraph, BinaryIO], None]:
    from coopgraph.core import export

    if name == "networkx graphml":
        return lambda graph, out: nx.write_graphml(graph, out)
    if name == "networkx gexf":
        return lambda graph, out: nx.write_gexf(graph, out)
    if name == "networkx nodelink":
        return lambda graph, out: out.write(json.dumps(nx.node_link_data(graph, edges="links")).encode())
    return lambda graph, out: export.write(graph, name, out, store=store)


def worker(store_dir: str, name: str, out_dir: str) -> dict[str, Any]:
    """In a fresh process: project, export to a file (timed), export again under tracemalloc."""
    from coopgraph.core.export import ExportError
    from coopgraph.core.projection import project
    from coopgraph.core.store import OxigraphStore

    store = OxigraphStore.open(store_dir)
    before = rss_mb()
    start = time.perf_counter()
    graph = project(store)
    row: dict[str, Any] = {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "project s": time.perf_counter() - start,
        "graph MB (RSS growth)": rss_mb() - before,
    }
    write = writer(name, store)
    path = Path(out_dir) / "export.out"
    try:
        start = time.perf_counter()
        with path.open("wb") as out:
            write(graph, out)
        row["export s"] = time.perf_counter() - start
        row["MB written"] = path.stat().st_size / 1e6
        row["peak RSS MB"] = rss_mb("VmHWM")  # before the tracemalloc run, which costs memory of its own
        path.unlink()
        sink = Counting()
        tracemalloc.start()
        write(graph, sink)  # type: ignore[arg-type]
        row["writer peak MB (tracemalloc)"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    except ExportError as error:
        row["export s"] = f"refused: {str(error).split(';')[0]}"
    store.close()
    return row


def measure(store_dir: Path, name: str, *, actors: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out_dir:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(store_dir), name, out_dir],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", ".")},
        )
    return {"actors": actors or "study", "format": name, **json.loads(done.stdout)}


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, nargs="+", default=[100_000], help="synthetic sizes (study is first)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", nargs="+", default=[*FORMATS, *PEERS], help="formats and peers to measure")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for actors in [0, *args.actors]:
            store_dir = prepare(actors, seed=args.seed, workdir=Path(tmp))
            for name in args.formats:
                rows.append(measure(store_dir, name, actors=actors))
                print(f"measured {name} at {actors or 'study'}", file=sys.stderr, flush=True)
    print(markdown(rows))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs; load average at the end (1, 5, 15 min): {load}")


if __name__ == "__main__":
    main()
