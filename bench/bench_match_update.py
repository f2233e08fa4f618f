"""Bringing the match index up to date after a write (`updated_index`) against building it again (`MatchIndex.build`).

Run from the repository root:

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bench_match_update.py                      # study, 10k, 100k
    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bench_match_update.py --actors 0 10000 --writes 20

For each size the shipped graph and N synthetic actors are loaded into an
in-memory store (as bench_match.py does), the index is built once (timed), then
each kind of write is applied through the Store API (one SPARQL update) and
`updated_index` timed on it, the index carried from write to write:
- agreement: a register agreement between two actors, with its parties and
  document link (31 triples, as tests/fixtures/register has them);
- audit: an audit record (prov:Activity, its agent and time) in its own graph;
- actor: a new partner with two sectors, a kind of cooperation, a modality,
  a country and a network (10 triples): its rows of the tables patched
  (update_actors.py), `--actor-writes` times;
- record: a register project (in the register's graph) whose funder is named
  by IATI identifier only, as an import has it: no evidence (8 triples);
- project: the same project funded by an actor of the graph (`cg:actor`):
  evidence in matching, the tables built again: `--actor-writes` times.
The last index is checked against a full build (same tables), so a fast wrong
answer cannot pass. Prints a Markdown table (and --json for the raw numbers).

With `--fork`, each update is first run in a child forked after the write (the
index frozen for the collector, as the data holder of `coopgraph serve` freezes
it before forking workers): the child reports its time and how much its
Private_Dirty memory grew (/proc/self/smaps_rollup), the pages it copied out of
those it shared with its parent, as a worker of `coopgraph serve` does when it
patches its index.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match import load_store

from coopgraph.core.matching import MatchIndex
from coopgraph.core.matching.build import in_tie_order
from coopgraph.core.matching.update import updated_index
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR, DCTERMS, ORG, PROV, RDF_TYPE, RDFS

WRITES = CGR + "graph-bench-writes"
REGISTER = "https://w3id.org/coopgraph/graph/register"
AUDIT = CGR + "graph-bench-audit"
DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
Write = Callable[[MatchIndex, random.Random, int], list[ox.Quad]]


def q(s: str | ox.BlankNode, p: str, o: str | ox.Literal | ox.BlankNode, graph: str = WRITES) -> ox.Quad:
    subject = s if isinstance(s, ox.BlankNode) else ox.NamedNode(s)
    obj = o if isinstance(o, ox.Literal | ox.BlankNode) else ox.NamedNode(o)
    return ox.Quad(subject, ox.NamedNode(p), obj, ox.NamedNode(graph))


def agreement(index: MatchIndex, rng: random.Random, n: int) -> list[ox.Quad]:
    iri = f"{CGR}instrumento/bench-{n}"
    quads = [
        q(iri, RDF_TYPE, CG + "CooperationAgreement"),
        q(iri, RDFS + "label", ox.Literal(f"Convenio de riego {n}", language="es")),
        q(iri, RDFS + "label", ox.Literal(f"Irrigation agreement {n}", language="en")),
        q(iri, DCTERMS + "identifier", ox.Literal(f"BENCH-{n}")),
        q(iri, DCTERMS + "source", CGR + "ref-bench"),
        q(iri, CG + "registerProvince", CGR + "provincia-ec-l"),
        q(iri, CG + "signatureDate", ox.Literal("2024-03-15", datatype=DATE)),
        q(iri, CG + "validFrom", ox.Literal("2024-04-01", datatype=DATE)),
        q(iri, CG + "validUntil", ox.Literal("2026-12-31", datatype=DATE)),
        q(iri, CG + "agreementMechanism", CGR + "mecanismo-proyectos-y-programas"),
        q(iri, CG + "agreementLegalBasis", CGR + "cootad-2010"),
    ]
    actors = sorted(index.kind_of)
    for role in ("1", "4"):
        party = ox.BlankNode()
        actor = rng.choice(actors)
        quads += [
            q(iri, CG + "party", party),
            q(party, RDF_TYPE, CG + "Participation"),
            q(party, CG + "actor", actor),
            q(party, CG + "organisationRole", f"http://iatistandard.org/codelists/OrganisationRole/{role}"),
            q(party, CG + "orgRef", ox.Literal(f"XM-BENCH-{n}-{role}")),
            q(party, CG + "orgType", "http://iatistandard.org/codelists/OrganisationType/10"),
            q(party, CG + "orgName", ox.Literal(index.label(actor, "es"), language="es")),
        ]
    document = ox.BlankNode()
    quads += [
        q(iri, CG + "document", document),
        q(document, RDF_TYPE, CG + "DocumentLink"),
        q(document, CG + "url", ox.Literal(f"https://example.org/bench/{n}.pdf")),
        q(document, DCTERMS + "format", ox.Literal("application/pdf")),
        q(document, DCTERMS + "title", ox.Literal(f"Convenio de riego {n}", language="es")),
    ]
    return quads


def audit(index: MatchIndex, rng: random.Random, n: int) -> list[ox.Quad]:
    activity = f"{CGR}audit/bench-{n}"
    return [
        q(activity, RDF_TYPE, PROV + "Activity", AUDIT),
        q(activity, PROV + "wasAssociatedWith", CGR + "token/bench", AUDIT),
        q(activity, PROV + "startedAtTime", ox.Literal(f"2026-01-01T00:00:{n % 60:02d}Z"), AUDIT),
    ]


def actor(index: MatchIndex, rng: random.Random, n: int) -> list[ox.Quad]:
    iri = f"{CGR}bench-actor-{n}"
    quads = [
        q(iri, RDF_TYPE, CG + "CooperationAgency"),
        q(iri, RDFS + "label", ox.Literal(f"Agencia de prueba {n}", language="es")),
        q(iri, RDFS + "label", ox.Literal(f"Bench agency {n}", language="en")),
        q(iri, CG + "country", rng.choice(sorted(index.countries.values()))),
        q(iri, CG + "cooperationType", rng.choice(sorted(index.cooperation_types))),
        q(iri, CG + "modality", rng.choice(sorted(index.cooperation_types))),
        *(q(iri, CG + "sector", sector) for sector in rng.sample(sorted(index.sectors), 2)),
        q(iri, DCTERMS + "source", CGR + "ref-bench"),
    ]
    networks = sorted(a for a, kind in index.kind_of.items() if kind == "network")
    return [*quads, q(iri, ORG + "memberOf", rng.choice(networks))] if networks else quads


def project(index: MatchIndex, rng: random.Random, n: int, *, named: bool = True) -> list[ox.Quad]:
    """A register project (in the register's graph) funded by an actor of the graph, with a DAC code a sector maps:
    evidence in matching (register.py). Not `named`: the funder by IATI identifier only, as an IATI import has it."""
    iri = f"{CGR}actividad/BENCH-{n}"
    code = rng.choice(sorted({target for entries in index.sector_codes.values() for _, _, target in entries}))
    part, share = ox.BlankNode(), ox.BlankNode()
    funder = q(part, CG + "actor", rng.choice(sorted(index.kind_of)), REGISTER)
    return [
        q(iri, RDF_TYPE, CG + "CooperationActivity", REGISTER),
        q(iri, RDFS + "label", ox.Literal(f"Proyecto de prueba {n}", language="es"), REGISTER),
        q(iri, CG + "registerProvince", CGR + "provincia-ec-l", REGISTER),
        q(iri, CG + "participatingOrg", part, REGISTER),
        funder if named else q(part, CG + "orgRef", ox.Literal(f"XM-BENCH-{n}"), REGISTER),
        q(part, CG + "organisationRole", "https://w3id.org/coopgraph/iati/OrganisationRole/1", REGISTER),
        q(iri, CG + "sectorShare", share, REGISTER),
        q(share, CG + "sectorCode", code, REGISTER),
    ]


def record(index: MatchIndex, rng: random.Random, n: int) -> list[ox.Quad]:
    return project(index, rng, n, named=False)


def apply(store: OxigraphStore, added: list[ox.Quad]) -> None:
    body = " ".join(f"GRAPH {x.graph_name} {{ {x.subject} {x.predicate} {x.object} }}" for x in added)
    store.update(f"INSERT DATA {{ {body} }}")


def private_dirty_kb() -> int:
    """This process's Private_Dirty memory (pages it wrote that no other process shares), in kB."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1])
    raise RuntimeError("no Private_Dirty in /proc/self/smaps_rollup")


def in_child(index: MatchIndex, store: OxigraphStore, added: list[ox.Quad]) -> tuple[float, float]:
    """Run the update in a forked child: its time (ms) and its Private_Dirty growth (MB)."""
    gc.collect()
    gc.freeze()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child ends with os._exit
        status = 1
        try:
            before, start = private_dirty_kb(), time.perf_counter()
            updated_index(index, store, added, [])
            ms = (time.perf_counter() - start) * 1000
            os.write(write, json.dumps([ms, (private_dirty_kb() - before) / 1024]).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as found:
        answer = found.read()
    os.waitpid(pid, 0)
    ms, dirty_mb = json.loads(answer)
    return ms, dirty_mb


def measure(
    actors: int, *, seed: int, writes: int, actor_writes: int, workdir: Path, fork: bool = False
) -> dict[str, object]:
    store = load_store(actors, seed=seed, workdir=workdir)
    rng = random.Random(seed)
    start = time.perf_counter()
    index = MatchIndex.build(store)
    row: dict[str, object] = {"actors": actors, "quads": store.count(), "build_s": time.perf_counter() - start}
    n = 0
    for name, write, count in (
        ("agreement", agreement, writes),
        ("audit", audit, writes),
        ("actor", actor, actor_writes),
        ("record", record, writes),
        ("project", project, actor_writes),
    ):
        times, triples, forked = [], 0, []
        for _ in range(count):
            added = write(index, rng, n)
            n += 1
            triples = len(added)
            apply(store, added)
            if fork:
                forked.append(in_child(index, store, added))
            start = time.perf_counter()
            index = updated_index(index, store, added, [])
            times.append(time.perf_counter() - start)
        row[name] = {"triples": triples, "ms": [t * 1000 for t in times]}
        if fork:
            row[name]["child_ms"] = [ms for ms, _ in forked]  # type: ignore[index]
            row[name]["child_dirty_mb"] = [mb for _, mb in forked]  # type: ignore[index]
    built = MatchIndex.build(store)
    if in_tie_order(index.order) != in_tie_order(built.order):  # spaced positions: only their order is equal
        raise AssertionError(f"the tie order differs from a full build at {actors} actors")
    for table in ("labels", "kind_of", "postings", "values", "way_postings", "chan_mask", "members", "track"):
        if getattr(index, table) != getattr(built, table):
            raise AssertionError(f"{table} differs from a full build at {actors} actors")
    if index.vocabulary.parts != built.vocabulary.parts or index.graph != built.graph:
        raise AssertionError(f"the vocabulary or the path graph differs from a full build at {actors} actors")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, nargs="+", default=[0, 10000, 100000], help="synthetic actors")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--writes", type=int, default=20, help="agreement and audit writes per size")
    parser.add_argument("--actor-writes", type=int, default=2, help="new-actor and register-project writes per size")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON too")
    parser.add_argument(
        "--fork", action="store_true", help="also run each update in a forked child: its time and copied pages"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for actors in args.actors:
            rows.append(
                measure(
                    actors,
                    seed=args.seed,
                    writes=args.writes,
                    actor_writes=args.actor_writes,
                    workdir=Path(workdir),
                    fork=args.fork,
                )
            )
    print(
        "| actors | quads | full build (s) | agreement p50 / max (ms) | audit p50 / max (ms) | new actor p50 (ms) "
        "| register record, no actor p50 / max (ms) | register project, actor funds p50 (ms) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cells = []
        for name in ("agreement", "audit", "actor", "record", "project"):
            ms = row[name]["ms"]  # type: ignore[index]
            many = name in ("agreement", "audit", "record")
            cells.append(f"{statistics.median(ms):.1f} / {max(ms):.1f}" if many else f"{statistics.median(ms):.0f}")
        print(f"| {row['actors'] or 'study'} | {row['quads']} | {row['build_s']:.2f} | " + " | ".join(cells) + " |")
    if args.fork:
        print_forked(rows)
    if args.json:
        print(json.dumps(rows, indent=1))


def print_forked(rows: list[dict[str, object]]) -> None:
    """The forked children's figures: time and Private_Dirty growth, median and max per kind of write."""
    print("\n| actors | write | child p50 / max (ms) | child Private_Dirty growth p50 / max (MB) |")
    print("|---|---|---|---|")
    for row in rows:
        for name in ("agreement", "audit", "actor", "record", "project"):
            ms, mb = row[name]["child_ms"], row[name]["child_dirty_mb"]  # type: ignore[index]
            print(
                f"| {row['actors'] or 'study'} | {name} | {statistics.median(ms):.1f} / {max(ms):.1f} "
                f"| {statistics.median(mb):.1f} / {max(mb):.1f} |"
            )


if __name__ == "__main__":
    main()
