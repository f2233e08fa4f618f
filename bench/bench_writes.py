"""The write path, measured side by side: validated writes through `coopgraph serve` and the same writes to
`oxigraph serve`, at N synthetic actors (default 100,000), in one run.

For each server: N_WRITES sequential writes of one new agreement of Loja's
register (the record and its source: 22 triples, as tests/fixtures/writes/
agreement-loja.ttl, each with its own IRIs), p50 and p99 latency and writes
per second; after each acknowledged write, the time until SPARQL (any
worker), the resource view (exports) and, for a new partner, matching
answer with it. Ours runs twice: with the journal's fsync (the default) and
with `--no-sync-writes`. Also: cold start of `coopgraph serve` to a first
answered match request (first on the fresh store, the matching index built
and then saved in the data folder; then a restart, the saved index loaded;
the write runs start with the index saved by the run before; then a start
after `kill -9` right after 5 writes: the saved snapshot and index, and the
writes since applied from the journal's log), and the memory of each
process after the writes (resident; and for the holder and workers, private and proportional). `--json` also keeps each write's
figures in order (`series_ms`), to see which writes make a maximum. `--cold-only`: the cold starts
alone. `--restarts R`: time R restarts in a row (one start's time moves by half a second from one to the
next on this machine: compare versions on several).

Ours: POST /data?graph=<register> with a token (SHACL gate, audit, journal).
oxigraph serve: POST /update with the same triples as `INSERT DATA` (no
validation, no audit: the peer's floor). Apache Jena Fuseki is not measured
when Maven is unreachable (this machine): the run says so.

    PYTHONPATH=. .venv/bin/python bench/bench_writes.py --actors 100000 --json writes.json
    PYTHONPATH=. .venv/bin/python bench/bench_writes.py --actors 100000 --cold-only
    PYTHONPATH=. .venv/bin/python bench/bench_writes.py --actors 100000 --cold-only --restarts 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import peers
from bench.bench_sparql import build_data
from coopgraph.core.matching.saved import INDEX_FILE
from coopgraph.core.writes.tokens import TokenBook

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "writes" / "agreement-loja.ttl"
REGISTER = "https://w3id.org/coopgraph/graph/register"
PARTNERS = "https://w3id.org/coopgraph/graph/partners-local"
AGENCY = """@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/coopgraph/id/agencia-bench-{n}> a cg:CooperationAgency ;
    rdfs:label "Agencia de prueba {n}"@es, "Test agency {n}"@en ;
    dcterms:description "Cooperante de prueba del banco de medidas."@es, "A benchmark's test partner."@en ;
    dcterms:source <https://w3id.org/coopgraph/id/ref-mremh-2020> .
"""


def log(message: str) -> None:
    print(f"[bench_writes] {message}", file=sys.stderr, flush=True)


def agreement(number: int) -> str:
    """The fixture agreement with IRIs of its own."""
    text = FIXTURE.read_text(encoding="utf-8")
    return text.replace("ec-l-2026-007", f"ec-l-2026-b{number:05d}").replace(
        "ec-l-20261201T090000Z", f"ec-l-bench-{number:05d}"
    )


def agreement_iri(number: int) -> str:
    return f"https://w3id.org/coopgraph/id/instrumento/ec-l-2026-b{number:05d}"


def request(port: int, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(peers.HOST, port, timeout=300)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def ask(port: int, path: str, pattern: str) -> bool:
    status, body = request(
        port,
        "GET",
        f"{path}?" + urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"}),
        Accept="application/sparql-results+json",
    )
    return status == 200 and bool(json.loads(body)["boolean"])


def waited(check: Callable[[], bool], limit_s: float = 30.0) -> float | None:
    """Seconds until `check()` is true (polled at once, then every 5 ms); None past `limit_s`."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if check():
            return time.perf_counter() - start
        time.sleep(0.005)
    return None


def summary(latencies: Sequence[float], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "writes": len(ordered),
        "p50_ms": 1000 * statistics.median(ordered) if ordered else None,
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else None,
        "writes_s": len(ordered) / elapsed if elapsed else None,
    }


def memory_mb(root: int) -> dict[str, float]:
    """Memory of `root` and each descendant, by role as `coopgraph serve` names them: resident (RSS), and for the
    holder and the workers their private part (USS: pages no other process maps, what each costs on its own)
    and proportional share (PSS: shared pages divided among the processes mapping them; the PSS of all the
    processes adds up to what they hold together)."""
    proc = Path("/proc")
    parent_of, rss = {}, {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                rss[int(entry.name)] = int(fields[21]) * 4096 / 2**20
                parent_of[int(entry.name)] = int(fields[1])
            except OSError:
                continue
    holders = [pid for pid, parent in parent_of.items() if parent == root]
    workers = [pid for pid, parent in parent_of.items() if parent in holders]
    shares = {pid: _shares_mb(pid) for pid in holders + workers}
    return {
        "front": round(rss.get(root, 0.0), 1),
        "holder": round(sum(rss.get(pid, 0.0) for pid in holders), 1),
        "holder_private": round(sum(shares[pid][0] for pid in holders), 1),
        "worker_max": round(max((rss.get(pid, 0.0) for pid in workers), default=0.0), 1),
        "worker_private_max": round(max((shares[pid][0] for pid in workers), default=0.0), 1),
        "worker_pss_max": round(max((shares[pid][1] for pid in workers), default=0.0), 1),
        "all_pss": round(rss.get(root, 0.0) + sum(pss for _, pss in shares.values()), 1),
        "workers": len(workers),
    }


def _shares_mb(pid: int) -> tuple[float, float]:
    """A process's private memory (Private_Clean + Private_Dirty) and its PSS, in MB (0 if it has ended)."""
    kilobytes = {"Private_Clean:": 0, "Private_Dirty:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(" ")
            if name in kilobytes:
                kilobytes[name] = int(rest.split()[0])
    except OSError:
        return 0.0, 0.0
    return (kilobytes["Private_Clean:"] + kilobytes["Private_Dirty:"]) / 1024, kilobytes["Pss:"] / 1024


def ours(data_dir: Path, logs: Path, *, writes: int, start_number: int, sync: bool) -> dict[str, Any]:
    """Start `coopgraph serve`, time its cold start to a first match answer, then the writes."""
    secret = TokenBook(data_dir).add(f"bench-{start_number}", "all")
    port = peers.free_port()
    command = [sys.executable, "-c", peers.SERVE_MAIN, "serve", "--data-dir", str(data_dir), "--port", str(port)]
    if not sync:
        command.append("--no-sync-writes")
    time.perf_counter()
    with (logs / f"ours-{'sync' if sync else 'nosync'}.log").open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=peers._env())
    try:
        cold = waited(lambda: _match_answers(port), 900)
        auth = {"Authorization": f"Bearer {secret}"}
        latencies, visible_sparql, visible_export = [], [], []
        began = time.perf_counter()
        for number in range(start_number, start_number + writes):
            sent = time.perf_counter()
            status, body = request(
                port,
                "POST",
                "/data?" + urllib.parse.urlencode({"graph": REGISTER}),
                agreement(number).encode(),
                **{"Content-Type": "text/turtle", **auth},
            )
            latencies.append(time.perf_counter() - sent)
            if status not in (200, 201):
                raise RuntimeError(f"write {number} failed: {status} {body[:300]!r}")
            iri = agreement_iri(number)
            visible_sparql.append(waited(lambda iri=iri: ask(port, "/sparql", f"<{iri}> ?p ?o")))
            resource = "/api/resource?" + urllib.parse.urlencode({"iri": iri})
            visible_export.append(waited(lambda resource=resource: request(port, "GET", resource)[0] == 200))
        elapsed = time.perf_counter() - began
        partner_latency, visible_match = [], []
        for number in range(start_number, start_number + min(10, writes)):
            sent = time.perf_counter()
            status, body = request(
                port,
                "POST",
                "/data?" + urllib.parse.urlencode({"graph": PARTNERS}),
                AGENCY.format(n=number).encode(),
                **{"Content-Type": "text/turtle", **auth},
            )
            partner_latency.append(time.perf_counter() - sent)
            if status not in (200, 201):
                raise RuntimeError(f"partner write {number} failed: {status} {body[:300]!r}")
            similar = (
                "/api/partners/"
                + urllib.parse.quote(f"https://w3id.org/coopgraph/id/agencia-bench-{number}", safe="")
                + "/similar"
            )
            visible_match.append(waited(lambda similar=similar: request(port, "GET", similar)[0] == 200))
        memory = memory_mb(process.pid)
        last_write_ns = time.time_ns()
        saved = data_dir / INDEX_FILE  # the next run starts from a saved index and snapshot, as a restart would
        waited(lambda: saved.exists() and saved.stat().st_mtime_ns > last_write_ns, 300)
        return {
            "server": "ours" + ("" if sync else " (no sync)"),
            "cold_start_to_match_s": cold,
            **summary(latencies, elapsed),
            "partner_write_p50_ms": 1000 * statistics.median(partner_latency),
            "visible_sparql_p50_ms": _p50_ms(visible_sparql),
            "visible_sparql_max_ms": _max_ms(visible_sparql),
            "visible_export_max_ms": _max_ms(visible_export),
            "visible_match_max_ms": _max_ms(visible_match),
            "memory_mb": memory,
            "series_ms": {
                "write": _ms(latencies),
                "visible_sparql": _ms(visible_sparql),
                "visible_export": _ms(visible_export),
                "partner_write": _ms(partner_latency),
                "visible_match": _ms(visible_match),
            },
        }
    finally:
        _stop(process)


def cold_start(data_dir: Path, logs: Path, name: str) -> dict[str, Any]:
    """Start `coopgraph serve` on `data_dir`, time it to a first match answer, wait until its matching index is
    saved in the folder (if it built one), stop it."""
    port = peers.free_port()
    command = [sys.executable, "-c", peers.SERVE_MAIN, "serve", "--data-dir", str(data_dir), "--port", str(port)]
    log_file = logs / f"{name}.log"
    saved = data_dir / INDEX_FILE
    before = saved.stat().st_mtime_ns if saved.exists() else None
    with log_file.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=peers._env())
    try:
        cold = waited(lambda: _match_answers(port), 900)
        said = log_file.read_bytes()
        whence = "loaded" if b"index: loaded" in said else "built"
        store = "snapshot" if b"store: read from the saved snapshot" in said else "copied"
        if b"write(s) made since it" in said:
            store += " + the writes since, from the journal"
        if whence == "built" or store != "snapshot":
            waited(lambda: saved.exists() and saved.stat().st_mtime_ns != before, 300)
        return {"server": f"ours, {name}", "cold_start_to_match_s": cold, "index": whence, "store": store}
    finally:
        _stop(process)


def killed_after_writes(data_dir: Path, logs: Path, *, writes: int, start_number: int) -> None:
    """Start `coopgraph serve`, make `writes` writes, `kill -9` its front right after the last one is acknowledged
    (before the holder saves them), and wait until its other processes have ended too."""
    secret = TokenBook(data_dir).add(f"bench-kill-{start_number}", "all")
    port = peers.free_port()
    command = [sys.executable, "-c", peers.SERVE_MAIN, "serve", "--data-dir", str(data_dir), "--port", str(port)]
    with (logs / "killed.log").open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=peers._env())
    try:
        waited(lambda: _match_answers(port), 900)
        for number in range(start_number, start_number + writes):
            status, body = request(
                port,
                "POST",
                "/data?" + urllib.parse.urlencode({"graph": REGISTER}),
                agreement(number).encode(),
                **{"Content-Type": "text/turtle", "Authorization": f"Bearer {secret}"},
            )
            if status not in (200, 201):
                raise RuntimeError(f"write {number} failed: {status} {body[:300]!r}")
        _stop(process, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


def _stop(process: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> None:
    """Send the service's front `how` and wait until all its processes have ended: a start timed next would
    otherwise share the CPU with the holder's and the workers' exit."""
    family = set(peers.tree(process.pid)) - {process.pid}
    if process.poll() is None:
        os.kill(process.pid, how)
    process.wait(timeout=60)
    if waited(lambda: not any(Path(f"/proc/{pid}").exists() for pid in family), 60) is None:
        raise RuntimeError("the service's processes did not end")


def _match_answers(port: int) -> bool:
    try:
        return request(port, "GET", "/api/match?need=riego&limit=3")[0] == 200
    except OSError:
        return False


def oxigraph(nquads: Path, workdir: Path, logs: Path, *, writes: int) -> dict[str, Any]:
    server = peers.start_oxigraph(nquads=nquads, workdir=workdir, logs=logs)
    try:
        latencies, visible = [], []
        began = time.perf_counter()
        for number in range(writes):
            triples = (
                ox.serialize(
                    [q.triple for q in ox.parse(agreement(number).encode(), format=ox.RdfFormat.TURTLE)],
                    format=ox.RdfFormat.N_TRIPLES,
                )
                or b""
            )
            update = f"INSERT DATA {{ GRAPH <{REGISTER}> {{ {triples.decode()} }} }}"
            sent = time.perf_counter()
            status, body = request(
                server.port, "POST", "/update", update.encode(), **{"Content-Type": "application/sparql-update"}
            )
            latencies.append(time.perf_counter() - sent)
            if status not in (200, 204):
                raise RuntimeError(f"oxigraph write failed: {status} {body[:300]!r}")
            iri = agreement_iri(number)
            visible.append(waited(lambda iri=iri: ask(server.port, "/query", f"<{iri}> ?p ?o")))
        elapsed = time.perf_counter() - began
        return {
            "server": "oxigraph serve",
            **summary(latencies, elapsed),
            "visible_sparql_max_ms": _max_ms(visible),
            "memory_mb": memory_mb(server.process.pid),
        }
    finally:
        server.stop()


def _ms(values: Sequence[float | None]) -> list[float | None]:
    """Each write's figure in milliseconds, in order (None: never visible within the limit), for the JSON file."""
    return [None if value is None else round(1000 * value, 2) for value in values]


def _p50_ms(values: Sequence[float | None]) -> float | None:
    if any(value is None for value in values) or not values:
        return None
    return 1000 * statistics.median(v for v in values if v is not None)


def _max_ms(values: Sequence[float | None]) -> float | None:
    if any(value is None for value in values):
        return None  # some write never became visible within the limit
    return 1000 * max(v for v in values if v is not None) if values else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the rows here as JSON")
    parser.add_argument("--cold-only", action="store_true", help="only the cold starts (no measured writes, no peers)")
    parser.add_argument("--restarts", type=int, default=1, help="restarts to time, one after the other")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as folder:
        workdir = Path(folder)
        logs = workdir / "logs"
        logs.mkdir()
        log(f"writing {args.actors} synthetic actors and loading the store")
        data_dir, nquads, store = build_data(workdir, actors=args.actors, seed=args.seed)
        store.close()
        log("ours, cold start (the matching index built, then saved) and a restart (the saved index loaded)")
        rows.append(cold_start(data_dir, logs, "first start"))
        for number in range(1, args.restarts + 1):
            rows.append(cold_start(data_dir, logs, "restart" if args.restarts == 1 else f"restart {number}"))
        log("ours, 5 writes, kill -9, a start (the saved snapshot and index, and the writes since from the journal)")
        killed_after_writes(data_dir, logs, writes=5, start_number=20_000)
        rows.append(cold_start(data_dir, logs, "start after kill -9"))
        if args.cold_only:
            for row in rows:
                print(json.dumps(row, ensure_ascii=False))
            return 0
        log("ours, journal synced")
        rows.append(ours(data_dir, logs, writes=args.writes, start_number=0, sync=True))
        log("ours, --no-sync-writes")
        rows.append(ours(data_dir, logs, writes=args.writes, start_number=10_000, sync=False))
        try:
            log("oxigraph serve")
            rows.append(oxigraph(nquads, workdir, logs, writes=args.writes))
        except peers.Unavailable as error:
            rows.append({"server": "oxigraph serve", "unavailable": str(error)})
        rows.append({"server": "Apache Jena Fuseki", "unavailable": "Maven Central is not reachable from this machine"})
    for row in rows:
        print(json.dumps({key: value for key, value in row.items() if key != "series_ms"}, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({"actors": args.actors, "rows": rows}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
