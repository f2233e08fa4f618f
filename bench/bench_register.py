"""Importing IATI activities into the register, side by side with `coopgraph load` of the same triples.

Run from the repository root (after `make test` has built .venv):

    PYTHONPATH=. .venv/bin/python bench/bench_register.py --activities 10000
    PYTHONPATH=. .venv/bin/python bench/bench_register.py --activities 50     # smoke

It writes a deterministic IATI 2.03 file of N activities (each: titles and
a description in Spanish and English, a reporting and two participating
organisations, status, three dates, a country, two sectors, two budgets, two
transactions, a document and a result with an indicator and a period), then
measures, each in a fresh process (so the peak memory is that step's own),
on a fresh on-disk store that already holds the shipped graphs:

- `coopgraph import-iati FILE --province EC-L` (read the XML, check
  conflicts and the SHACL shapes a batch at a time, commit in one transaction);
- `coopgraph load TRIPLES.nt --graph <register>` of the very triples the
  import wrote (dumped from the first store), the baseline: parsing and one
  transaction, no checks.

Wall time is measured around the command; peak memory is its maximum
resident set, read by a wrapper process that runs only that command. Prints a Markdown table
and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import markdown

REGISTER_GRAPH = "https://w3id.org/coopgraph/graph/register"
COOPGRAPH = str(Path(sys.executable).with_name("coopgraph"))


def activity(n: int) -> str:
    """One activity, valid for the register and the IATI 2.03 schema; the numbers vary with n."""
    year = 2015 + n % 8
    sector_a, sector_b = ("31140", "43040") if n % 2 else ("11330", "15112")
    share = 40 + n % 31
    return f"""  <iati-activity xml:lang="es" default-currency="USD" hierarchy="{1 + n % 2}">
    <iati-identifier>EC-BENCH-{n:06d}</iati-identifier>
    <reporting-org ref="EC-GADPL" type="11"><narrative>Gobierno Provincial de Loja</narrative></reporting-org>
    <title><narrative>Proyecto de prueba {n}</narrative><narrative xml:lang="en">Test project {n}</narrative></title>
    <description><narrative>Descripción {n}.</narrative><narrative xml:lang="en">Description {n}.</narrative></description>
    <participating-org ref="XM-BENCH-{n % 97:03d}" type="10" role="1"><narrative>Socio {n % 97}</narrative></participating-org>
    <participating-org ref="EC-GADPL" type="11" role="4"><narrative>Gobierno Provincial de Loja</narrative></participating-org>
    <activity-status code="{2 + n % 3}"/>
    <activity-date type="1" iso-date="{year}-01-15"/>
    <activity-date type="2" iso-date="{year}-02-01"/>
    <activity-date type="3" iso-date="{year + 2}-12-31"/>
    <recipient-country code="EC" percentage="100"/>
    <sector vocabulary="1" code="{sector_a}" percentage="{share}"/>
    <sector vocabulary="1" code="{sector_b}" percentage="{100 - share}"/>
    <budget type="1" status="2">
      <period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>
      <value value-date="{year}-01-01">{10000 + n}</value>
    </budget>
    <budget type="1" status="1">
      <period-start iso-date="{year + 1}-01-01"/><period-end iso-date="{year + 1}-12-31"/>
      <value value-date="{year + 1}-01-01">{20000 + n}.5</value>
    </budget>
    <transaction><transaction-type code="2"/><transaction-date iso-date="{year}-02-01"/>
      <value value-date="{year}-02-01">{30000 + n}</value><provider-org ref="XM-BENCH-{n % 97:03d}"/></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="{year}-06-30"/>
      <value currency="EUR" value-date="{year}-06-30">{5000 + n}</value><provider-org ref="XM-BENCH-{n % 97:03d}"/></transaction>
    <document-link url="https://example.org/bench/{n}.pdf" format="application/pdf">
      <title><narrative>Convenio {n}</narrative></title><category code="A09"/>
    </document-link>
    <result type="1">
      <title><narrative>Resultado {n}</narrative></title>
      <indicator measure="1"><title><narrative>Indicador {n}</narrative></title>
        <baseline year="{year - 1}" value="0"/>
        <period><period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/><target value="{n % 50 + 1}"/></period>
      </indicator>
    </result>
  </iati-activity>
"""


def write_file(path: Path, activities: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for n in range(activities):
            out.write(activity(n))
        out.write("</iati-activities>\n")


_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command, measured in a wrapper process of its own."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, *command], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds, int(done.stdout.split()[-1]) / 1024


def fresh_store(base: Path, name: str) -> Path:
    """A store holding the shipped graphs, copied from a template made once."""
    template = base / "template"
    if not template.exists():
        subprocess.run([COOPGRAPH, "--data-dir", str(template), "load"], capture_output=True, check=True)
    target = base / name
    shutil.copytree(template, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10000)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        xml = base / "activities.xml"
        write_file(xml, args.activities)
        store = fresh_store(base, "import")
        import_s, import_mib = run(
            [
                COOPGRAPH,
                "--data-dir",
                str(store),
                "import-iati",
                str(xml),
                "--province",
                "EC-L",
                "--recorded-by",
                "bench",
            ]
        )
        triples = base / "register.nt"
        dumped = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from coopgraph.core.store import OxigraphStore; "
                "s = OxigraphStore.open(sys.argv[1]); open(sys.argv[2], 'wb').write(s.dump(graph=sys.argv[3], "
                "format='ntriples')); s.close()",
                str(store),
                str(triples),
                REGISTER_GRAPH,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if dumped.returncode != 0:
            raise SystemExit(dumped.stderr)
        count = sum(1 for _ in triples.open("rb"))
        load_store = fresh_store(base, "load")
        load_s, load_mib = run(
            [COOPGRAPH, "--data-dir", str(load_store), "load", str(triples), "--graph", REGISTER_GRAPH]
        )
        rows = [
            {
                "step": "coopgraph import-iati (read, check, commit)",
                "seconds": round(import_s, 1),
                "peak MiB": round(import_mib),
                "time vs load": f"{import_s / load_s:.1f}x",
            },
            {
                "step": "coopgraph load (same triples, N-Triples)",
                "seconds": round(load_s, 1),
                "peak MiB": round(load_mib),
                "time vs load": "1.0x",
            },
        ]
        print(f"\n{args.activities} activities, {xml.stat().st_size / 2**20:.1f} MiB of XML, {count} triples\n")
        print(markdown(rows))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
