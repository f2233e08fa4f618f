"""Where ours spends the CPU a point request costs over the do-nothing handler, under load, in steps.

bench_sparql.py gives the ratio the service issue targets; bench_request_path.py
gives each piece's cost in a tight loop, where caches stay warm. This one
serves four apps the same way (`coopgraph/web/prefork.py`, the same request
processes and threads), each adding one part of ours to the one before, and
loads them in turn with the point query:

1. noop: the do-nothing Flask handler (bench/peers.py);
2. noop + headers: it, with our security and CORS headers (`coopgraph.web.headers.with_headers`);
3. ours, constant answer: the real `/sparql` app (`coopgraph.web.serve.request_app`)
   with the query's evaluation replaced by a constant SPARQL JSON body: parsing,
   the guard, negotiation, the time limit's bookkeeping, the response;
4. ours: the real app.

Server CPU per request (user + system of the process tree, from /proc) is
what matters on a CPU-bound machine; each step's increment is what that part
costs under load. Rounds alternate over the servers.

    PYTHONPATH=. .venv/bin/python bench/bench_point_parts.py          # ~2 min
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import loadgen, peers
from bench.bench_sparql import ACCEPT, build_data, noop_check, sparql_check, workloads
from bench.report import markdown
from coopgraph.web.prefork import WSGIApp
from coopgraph.web.settings import DEFAULTS

CONSTANT = b'{"head":{"vars":["label"]},"results":{"bindings":[{"label":{"type":"literal","value":"x"}}]}}'
STEPS = {
    "noop": "bench.peers:noop_app",
    "noop + headers": "bench.bench_point_parts:noop_with_headers",
    "ours, constant answer": "bench.bench_point_parts:ours_constant_answer",
    "ours": "coopgraph.web.serve:request_app",
}


def noop_with_headers(config: Mapping[str, Any], retire: Callable[[], None]) -> WSGIApp:
    """The do-nothing handler with our security and CORS headers."""
    from coopgraph.web.headers import with_headers

    app: WSGIApp = with_headers(peers.noop_app(config, retire))
    return app


def ours_constant_answer(config: Mapping[str, Any], retire: Callable[[], None]) -> WSGIApp:
    """Our request process's app, every query answered with CONSTANT instead of being evaluated."""
    from coopgraph.web import time_limit
    from coopgraph.web.executor import Answer
    from coopgraph.web.serve import request_app

    time_limit.execute = lambda store, request: Answer(CONSTANT, "application/sparql-results+json")  # type: ignore[assignment]
    return request_app(config, retire)


def constant_check(status: int, body: bytes, index: int) -> str | None:
    return None if status == 200 and body == CONSTANT else f"HTTP {status}: {body[:200]!r}"


def start(name: str, snapshot: Path, logs: Path, processes: int, threads: int) -> peers.Server:
    """Serve step `name` with `prefork.serve`, ours' settings at their defaults over `snapshot`."""
    config = {**DEFAULTS, "snapshot": str(snapshot)}
    code = (
        "import json, sys; from coopgraph.web import prefork; "
        "prefork.serve(sys.argv[1], json.loads(sys.argv[2]), host=sys.argv[3], port=int(sys.argv[4]), "
        "processes=int(sys.argv[5]), threads=int(sys.argv[6]))"
    )
    return peers.launch(
        name.replace(" ", "").replace(",", "-"),
        lambda port: (
            [
                sys.executable,
                "-c",
                code,
                STEPS[name],
                json.dumps(config),
                peers.HOST,
                str(port),
                str(processes),
                str(threads),
            ]
        ),
        sparql_path="/sparql",
        ready_path="/sparql?query=ASK%7B%7D",
        logs=logs,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000, help="synthetic actors (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per server and round (default 3)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds over the servers (default 6)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections in flight (default 8)")
    parser.add_argument("--processes", type=int, default=DEFAULTS["processes"])
    parser.add_argument("--threads", type=int, default=DEFAULTS["threads"])
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        workdir = Path(tmp)
        _, nquads, store = build_data(workdir, actors=args.actors, seed=args.seed)
        try:
            point = workloads(store, actors=args.actors, seed=args.seed)["point"]
        finally:
            store.close()
        servers: dict[str, peers.Server] = {}
        try:
            for name in STEPS:
                servers[name] = start(name, nquads, workdir, args.processes, args.threads)
            checks = {"noop": noop_check, "noop + headers": noop_check, "ours, constant answer": constant_check}
            tallies = {name: [0, 0.0, 0.0, 0] for name in STEPS}  # requests, seconds, CPU seconds, errors
            for _ in range(args.rounds):
                for name, server in servers.items():
                    requests = [
                        loadgen.get_request(peers.HOST, server.port, "/sparql", params={"query": q}, accept=ACCEPT)
                        for q in point.queries
                    ]
                    target = loadgen.Target(peers.HOST, server.port, requests, checks.get(name, sparql_check(point)))
                    loadgen.run(target, concurrency=args.concurrency, duration=1.0, cap_s=30)
                    before = server.cpu_seconds() or 0.0
                    tally = loadgen.run(target, concurrency=args.concurrency, duration=args.duration, cap_s=30)
                    cell = tallies[name]
                    cell[0] += len(tally.latencies)
                    cell[1] += tally.elapsed
                    cell[2] += (server.cpu_seconds() or 0.0) - before
                    cell[3] += tally.errors
        finally:
            for server in servers.values():
                server.stop()
    rows, previous = [], None
    for name, (count, seconds, cpu, errors) in tallies.items():
        per_request = 1e6 * cpu / count if count else float("nan")
        added = "—" if previous is None else f"{per_request - previous:+.0f}"
        rows.append(
            {
                "server": name,
                "req/s": count / seconds if seconds else 0.0,
                "server CPU µs/req": per_request,
                "added by this step, µs/req": added,
                "errors": errors,
            }
        )
        previous = per_request
    print(
        f"{args.actors} synthetic actors; point query; {args.rounds} rounds x {args.duration:g} s; "
        f"{args.processes} processes x {args.threads} threads\n"
    )
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=2))
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
