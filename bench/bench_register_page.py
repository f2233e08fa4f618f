"""The register page's data calls at 10,000 records of one province, over real HTTP.

A store with the shipped graph plus N signed instruments of Loja's register (EC-L), written as Turtle the way the
forms write them (a cg:ManualEntry source, two parties), served by `create_app` under waitress
(`coopgraph.web.testing.live_server`); each of the page's data calls is timed R times: p50, p99, size.
The issue's target: ≤ 200 ms for the list. The list is read from the store once and kept until the next write
(coopgraph.core.forms.listing): the last row times the first list request after each of `--writes` saved agreements.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/bench_register_page.py            # 10,000 records, 50 requests
    PYTHONPATH=. .venv/bin/python bench/bench_register_page.py --records 200 --requests 5   # smoke
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from coopgraph.core.iati.model import REGISTER_GRAPH
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION
from coopgraph.web.testing import live_server

PREFIXES = """@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix iati: <https://w3id.org/coopgraph/iati/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def records_ttl(count: int) -> str:
    """`count` agreements of EC-L, each with its own manual entry, as the forms write them."""
    parts = [PREFIXES]
    for n in range(1, count + 1):
        year = 2000 + n % 25
        entry = f"cgr:anotacion\\/ec-l-bench-{n}"
        parts.append(
            f"""{entry} a cg:ManualEntry ; rdfs:label "Anotación {n}"@es, "Entry {n}"@en ;
    dcterms:creator "bench" ; cg:recordedAt "2026-01-01T00:00:00Z"^^xsd:dateTime ;
    cg:registerProvince cgr:provincia-ec-l .
cgr:instrumento\\/ec-l-{year}-{n:05d} a cg:CooperationAgreement ;
    rdfs:label "Convenio de prueba {n}"@es, "Test agreement {n}"@en ;
    dcterms:source {entry} ; cg:registerProvince cgr:provincia-ec-l ;
    cg:party [ a cg:Participation ; cg:organisationRole iati:OrganisationRole\\/4 ; cg:actor cgr:gadp-loja ] ,
             [ a cg:Participation ; cg:organisationRole iati:OrganisationRole\\/1 ; cg:orgName "Socio {n}"@es ] ;
    cg:signatureDate "{year}-03-01"^^xsd:date ; cg:validUntil "{year + 2}-03-01"^^xsd:date .
"""
        )
    return "".join(parts)


def timed(url: str, requests: int) -> tuple[float, float, int]:
    """p50 and p99 in ms of `requests` GETs of `url` (after one warm-up), and the answer's size in bytes."""
    with urllib.request.urlopen(url) as answer:  # warm-up (and the options' cache)
        size = len(answer.read())
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        with urllib.request.urlopen(url) as answer:
            answer.read()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))], size


AGREEMENT = {
    "kind": "agreement",
    "province": "EC-L",
    "instrument": "CooperationAgreement",
    "title_es": "Convenio registrado durante la medición",
    "title_en": "Agreement saved while measuring",
    "parties": [
        {"name": "", "role": "2", "actor": "https://w3id.org/coopgraph/id/gadp-loja"},
        {"name": "Agencia Vasca de Cooperación", "role": "1"},
    ],
    "signed": "2026-01-15",
}
"""What an officer saves between two list requests (the list is read again after every write)."""


def after_writes(base: str, path: str, secret: str, writes: int) -> tuple[float, float]:
    """p50 and p99 in ms of the first GET of `path` after each of `writes` agreements saved through the form API."""
    times = []
    for _ in range(writes):
        saved = urllib.request.Request(
            base + "/api/register/records",
            data=json.dumps(AGREEMENT).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        )
        with urllib.request.urlopen(saved) as answer:
            answer.read()
        start = time.perf_counter()
        with urllib.request.urlopen(base + path) as answer:
            answer.read()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--writes", type=int, default=10, help="list requests timed right after a write")
    args = parser.parse_args()
    calls = {
        "records (es)": "/api/register/records?province=EC-L",
        "records (en)": "/api/register/records?province=EC-L&lang=en",
        "options": "/api/register/options",
        "actors (lookup)": "/api/register/actors?q=agencia",
        "writes (history)": "/api/writes",
        "page": "/register?province=EC-L",
    }
    with tempfile.TemporaryDirectory() as folder, OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        data = Path(folder) / "records.ttl"
        data.write_text(records_ttl(args.records), encoding="utf-8")
        start = time.perf_counter()
        store.load([data], graph=REGISTER_GRAPH)
        print(f"{args.records} records loaded in {time.perf_counter() - start:.1f} s")
        secret = TokenBook(Path(folder)).add("bench", "EC-L")
        app = create_app({"data_dir": folder}, store=store)
        try:
            with live_server(app) as base:
                print(f"{'call':<28} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>10}")
                for name, path in calls.items():
                    p50, p99, size = timed(base + path, args.requests)
                    print(f"{name:<28} {p50:>8.1f} {p99:>8.1f} {size:>10}")
                p50, p99 = after_writes(base, calls["records (es)"], secret, args.writes)
                print(f"{'records (1st after a write)':<28} {p50:>8.1f} {p99:>8.1f}")
        finally:
            app.extensions[EXTENSION].close()


if __name__ == "__main__":
    main()
