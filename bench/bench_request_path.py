"""CPU cost of one `/sparql` point request inside a request process, piece by piece (no HTTP, no load).

Complements bench_sparql.py (throughput over HTTP under load): it says where
a point request's time goes, by direct WSGI calls to the real app over an
in-memory store of the shipped graphs plus N synthetic actors. Every figure
is the best of 3 repetitions of `--n` calls, side by side in one run:

- the do-nothing Flask view (bench/peers.py's) and our `/sparql`, both through WSGI;
- a minimal Flask view doing the same work as `/sparql` for this request (parse,
  guard, query, JSON, headers) and nothing else: the floor any trimming of our
  view could reach;
- `/sparql` with the query in the request thread under the watchdog (as
  `coopgraph serve` runs it) and handed to a companion thread (as when the
  app is embedded elsewhere): the hand-off's cost;
- `execute()` and pyoxigraph's `Store.query` alone; our JSON writer against
  the TSV round trip through pyoxigraph it replaced;
- `coopgraph/web/urlencoded.py` against werkzeug's `request.args`.

Each row is measured twice, in two processes: with glibc's malloc defaults
and with the request processes' environment (`coopgraph.web.prefork.child_environment`:
a deeper per-thread malloc cache, which only takes effect from process start).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from werkzeug.wrappers import Request

from bench.bench_match import load_store
from bench.bench_sparql import POINT, SYNTH
from bench.peers import noop_app
from bench.report import markdown
from coopgraph.web import create_app, urlencoded
from coopgraph.web.executor import QueryRequest, _json_body, execute
from coopgraph.web.guard import check_query
from coopgraph.web.headers import with_headers
from coopgraph.web.prefork import ANSWER_KEY, MALLOC_TUNABLES, child_environment

ACCEPT = "application/sparql-results+json"


def best_us(call: Callable[[int], object], n: int) -> float:
    """Microseconds per call: the best of 3 runs of `n` calls after a warm-up."""
    for i in range(min(n, 300)):
        call(i)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for i in range(n):
            call(i)
        best = min(best, (time.perf_counter() - start) / n)
    return 1e6 * best


def environ(query: str, *, answer: bool) -> dict[str, Any]:
    """A GET /sparql?query=... environ as waitress builds it (with the request process's ANSWER_KEY or not)."""
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/sparql",
        "QUERY_STRING": "query=" + quote(query, safe=""),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": ACCEPT,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
    }
    if answer:
        env[ANSWER_KEY] = lambda *_: None  # never called: no query here comes near the time limit
    return env


def wsgi_call(app: Callable[..., Any], env: dict[str, Any]) -> bytes:
    statuses: list[str] = []
    body = b"".join(app({**env, "wsgi.input": io.BytesIO()}, lambda status, *_: statuses.append(status)))
    if not statuses[0].startswith("200"):
        raise RuntimeError(f"{statuses[0]}: {body[:200]!r}")
    return body


def minimal_app(raw: ox.Store, base_iri: str) -> Callable[..., Any]:
    """A Flask app whose one view does only the work `/sparql` does for a GET point query, inline.

    Its base IRI is fixed (every request here has the same one): a floor, not a server.
    """
    from flask import Flask, Response, request

    app = Flask("minimal")

    @app.route("/sparql")
    def sparql() -> Response:
        query = urlencoded.parse(request.environ["QUERY_STRING"])["query"][0]
        check_query(query)
        result = raw.query(query, base_iri=base_iri, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        body = _json_body(result.variables, list(islice(result, 10_001)), None)
        response = Response(body, content_type=f"{ACCEPT}; charset=utf-8")
        response.headers.add("Vary", "Accept")
        return response

    return with_headers(app.wsgi_app)


def tsv_round_trip(result: ox.QuerySolutions, cap: int) -> bytes:
    """What executor did before the JSON writer: rebuild the capped rows as TSV, parse, serialise."""
    variables = result.variables
    lines = ["\t".join(str(v) for v in variables)]
    for row in islice(result, cap):
        lines.append("\t".join("" if value is None else str(value) for value in row))
    capped = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    return capped.serialize(format=ox.QueryResultsFormat.JSON)


def measure(actors: int, n: int, seed: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        store = load_store(actors, seed=seed, workdir=Path(folder))
    rng = random.Random(seed)
    queries = [POINT.format(actor=f"{SYNTH}actor-{rng.randint(1, max(actors, 1))}") for _ in range(1000)]
    app = create_app(store=store)
    noop = noop_app({}, lambda: None)
    inline = [environ(q, answer=True) for q in queries]
    companion = [environ(q, answer=False) for q in queries]
    requests = [QueryRequest(q, accept=ACCEPT, base_iri="http://127.0.0.1:8000/sparql") for q in queries]
    raw = store.oxigraph

    def query(i: int) -> ox.QuerySolutions:
        result = raw.query(queries[i % 1000], use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        return result

    def json_writer(i: int) -> bytes:
        result = query(i)
        return _json_body(result.variables, list(islice(result, 10_001)), None)

    noop_env = {**inline[0], "QUERY_STRING": ""}
    minimal = minimal_app(raw, Request(inline[0]).base_url)
    if wsgi_call(minimal, inline[0]) != wsgi_call(app, inline[0]):
        raise RuntimeError("the minimal view's answer differs from /sparql's")
    rows = [
        ("do-nothing Flask view (WSGI call)", lambda i: wsgi_call(noop, noop_env)),
        ("/sparql point, query in the request thread", lambda i: wsgi_call(app, inline[i % 1000])),
        ("minimal Flask view doing the same work", lambda i: wsgi_call(minimal, inline[i % 1000])),
        ("/sparql point, query on a companion thread", lambda i: wsgi_call(app, companion[i % 1000])),
        ("execute()", lambda i: execute(store, requests[i % 1000])),
        ("pyoxigraph query + iterate", lambda i: list(query(i))),
        ("pyoxigraph query + JSON writer", json_writer),
        ("pyoxigraph query + TSV round trip (before)", lambda i: tsv_round_trip(query(i), 10_000)),
        ("query string: service/urlencoded", lambda i: urlencoded.parse(inline[i % 1000]["QUERY_STRING"])),
        ("query string: werkzeug request.args (before)", lambda i: Request(inline[i % 1000]).args.to_dict(flat=False)),
    ]
    return [{"what": label, "µs per call": best_us(call, n)} for label, call in rows]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=10_000, help="synthetic actors (default 10000)")
    parser.add_argument("--n", type=int, default=3000, help="calls per repetition (default 3000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--rows-to", type=Path, help=argparse.SUPPRESS)  # one measuring process's output
    return parser.parse_args(argv)


def glibc_defaults(environ: dict[str, str]) -> dict[str, str]:
    """`environ` without the GLIBC_TUNABLES items the request processes add (MALLOC_TUNABLES)."""
    env = dict(environ)
    ours = {item.partition("=")[0] for item in MALLOC_TUNABLES}
    kept = [item for item in env.pop("GLIBC_TUNABLES", "").split(":") if item and item.partition("=")[0] not in ours]
    if kept:
        env["GLIBC_TUNABLES"] = ":".join(kept)
    return env


def measure_in(env: dict[str, str], args: argparse.Namespace, folder: Path, name: str) -> list[dict[str, Any]]:
    """`measure` in a fresh process with environment `env` (malloc settings apply from process start)."""
    out = folder / f"{name}.json"
    command = [sys.executable, "-m", "bench.bench_request_path", "--actors", str(args.actors), "--n", str(args.n)]
    subprocess.run([*command, "--seed", str(args.seed), "--rows-to", str(out)], env=env, check=True)
    rows: list[dict[str, Any]] = json.loads(out.read_text("utf-8"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rows_to:
        args.rows_to.write_text(json.dumps(measure(args.actors, args.n, args.seed)), "utf-8")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        default = measure_in(glibc_defaults(dict(os.environ)), args, Path(folder), "default")
        served = measure_in(child_environment(os.environ), args, Path(folder), "served")
    rows = [
        {"what": d["what"], "µs, glibc malloc defaults": d["µs per call"], "µs, as served": s["µs per call"]}
        for d, s in zip(default, served, strict=True)
    ]
    print(f"{args.actors} synthetic actors; best of 3 x {args.n} calls; Python {sys.version.split()[0]}")
    print(f"as served: GLIBC_TUNABLES={child_environment(os.environ)['GLIBC_TUNABLES']}\n")
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps({"actors": args.actors, "n": args.n, "rows": rows}, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
