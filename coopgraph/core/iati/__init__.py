"""IATI 2.03 activity XML in and out of the register.

The register (ontology/register.ttl) keeps programmes and projects as IATI
activities, in the named graph `REGISTER_GRAPH`. This package reads IATI
activity files into register records and writes the register's activities
back as IATI XML that validates against the IATI 2.03 schema.

Reading is safe with input from outside: no DTD or entity is ever expanded,
nothing is fetched, the size and depth are capped, and every problem is
reported with its line and column (`IatiError`, whose `problems` each have a
kind: see `errors`). An import changes nothing unless the whole file passes.

What is where (import everything from this package):

- `xmltree`: the safe XML parser that keeps positions (`parse_xml`, and `iter_children`,
  which hands on the root's children one at a time).
- `download`: `download_iati`, an IATI file over HTTP(S), capped and timed.
- `errors`: `Problem` and `IatiError`.
- `model`: the register graph, IRIs, and the fixed IATI tables (date types…).
- `reader`: `read_iati`, XML -> records (a pure function) with positions; `IatiReading`, the
  same an activity at a time.
- `writer`: `write_iati`, records -> XML.
- `register`: `import_iati` (= `read_iati` + `check` + `commit`) and
  `export_iati`, against a `Store`.

The imports run one way: register -> reader, writer -> model, xmltree -> errors; download -> xmltree.
"""

from __future__ import annotations

from coopgraph.core.iati.download import Timeouts, download_iati, is_url
from coopgraph.core.iati.errors import KINDS, IatiError, Problem
from coopgraph.core.iati.model import REGISTER_GRAPH, activity_iri, province_iri
from coopgraph.core.iati.reader import IatiImport, IatiReading, Positions, Record, read_iati
from coopgraph.core.iati.register import (
    ImportSummary,
    check,
    commit,
    context_for,
    existing_activities,
    export_iati,
    import_iati,
    register_activities,
)
from coopgraph.core.iati.writer import write_iati
from coopgraph.core.iati.xmltree import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, Element, iter_children, parse_xml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "KINDS",
    "REGISTER_GRAPH",
    "Element",
    "IatiError",
    "IatiImport",
    "IatiReading",
    "ImportSummary",
    "Positions",
    "Problem",
    "Record",
    "Timeouts",
    "activity_iri",
    "check",
    "commit",
    "context_for",
    "download_iati",
    "existing_activities",
    "export_iati",
    "import_iati",
    "is_url",
    "iter_children",
    "parse_xml",
    "province_iri",
    "read_iati",
    "register_activities",
    "write_iati",
]
