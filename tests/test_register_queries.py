"""The register's stored queries (queries/register-*.rq) over a register made of test fixtures.

The shipped graph has no register records (they are the provinces' own), so
these queries cannot have goldens over it (tests/test_queries.py leaves the
queries tagged `register` out). Here the store holds the shipped graphs plus
a register: the IATI file tests/fixtures/iati/loja-activities.xml, imported
with `import_iati`, and tests/fixtures/register/loja-pichincha-register.ttl
(signed instruments, demands, a report), which must itself pass the shapes.
Goldens: tests/golden/register/<name>.json, in tests/test_queries.py's form,
with the parameters they were run with; regenerate with

    COOPGRAPH_REGEN_GOLDEN=1 pytest tests/test_register_queries.py
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from test_queries import REGEN, dump_golden, golden_document, rows_of

from coopgraph.core.iati import REGISTER_GRAPH, context_for, import_iati
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.queries import load_queries, run
from coopgraph.core.store import OxigraphStore
from coopgraph.core.validation import validate_submission

FIXTURES = Path(__file__).parent / "fixtures"
IATI_FILE = FIXTURES / "iati" / "loja-activities.xml"
REGISTER_FILE = FIXTURES / "register" / "loja-pichincha-register.ttl"
GOLDEN_DIR = Path(__file__).parent / "golden" / "register"
QUERIES = {name: query for name, query in load_queries().items() if "register" in query.tags}
PARAMETERS: dict[str, dict[str, str]] = {"register-agreements-expiring": {"asOf": "2024-06-01"}}
"""Parameters the goldens are computed with (the default of asOf is today, which a golden cannot be)."""


@pytest.fixture(scope="module")
def register_store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        import_iati(
            store,
            IATI_FILE.read_bytes(),
            file=IATI_FILE.name,
            recorded_by="ana",
            recorded_at=dt.datetime(2024, 4, 20, 15, tzinfo=dt.UTC),
            province="EC-L",
        )
        store.load([REGISTER_FILE], graph=REGISTER_GRAPH)
        yield store


def test_the_register_queries_are_found() -> None:
    assert set(QUERIES) == {
        "register-portfolio-by-status",
        "register-funding-by-partner-year",
        "register-agreements-expiring",
        "register-projects-per-province",
    }
    assert all(name.startswith("register-") for name in QUERIES)


def test_the_register_fixture_passes_the_shapes(register_store: OxigraphStore) -> None:
    data = rdflib.Graph().parse(REGISTER_FILE, format="turtle")
    report = validate_submission(data, context=context_for(register_store, data), replaces=True)
    assert report.violations == [], report.text("en")
    kinds = {str(o) for o in data.objects(None, rdflib.RDF.type)}
    assert {"CooperationDemand", "FollowUpReport", "TwinningAgreement"} <= {k.rsplit("#", 1)[1] for k in kinds}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_golden(name: str, register_store: OxigraphStore) -> None:
    query = QUERIES[name]
    parameters = PARAMETERS.get(name, {})
    document = golden_document(query, run(register_store, query, parameters))
    document["parameters"] = {**query.defaults, **parameters}
    path = GOLDEN_DIR / f"{name}.json"
    if REGEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(dump_golden(document), encoding="utf-8")
    assert path.is_file(), f"no golden for {name}; run COOPGRAPH_REGEN_GOLDEN=1 pytest {__file__} and review it"
    assert document["rows"], f"{name} returns no rows over the test register: its golden would check nothing"
    assert document == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "name", sorted(name for name, query in QUERIES.items() if any(p.name == "lang" for p in query.params))
)
def test_english_labels(name: str, register_store: OxigraphStore) -> None:
    """With lang=en a register question that takes `lang` returns as many rows, its labels in English."""
    query = QUERIES[name]
    parameters = PARAMETERS.get(name, {})
    spanish = rows_of(run(register_store, query, parameters))
    english = rows_of(run(register_store, query, {**parameters, "lang": "en"}))
    assert len(english) == len(spanish)
    tagged = [value for row in english for value in row.values() if value and re.search(r"@[a-z]{2}$", value)]
    assert tagged and all(value.endswith("@en") for value in tagged)


def test_expiring_follows_the_window(register_store: OxigraphStore) -> None:
    query = QUERIES["register-agreements-expiring"]
    one_month = rows_of(run(register_store, query, {"asOf": "2024-06-01", "months": "1"}))
    two_months = rows_of(run(register_store, query, {"asOf": "2024-06-01", "months": "2"}))
    assert one_month == []
    assert [row["agreement"] for row in two_months] == ["https://w3id.org/coopgraph/id/instrumento/ec-p-2022-007"]


def test_expiring_counts_from_today_by_default(register_store: OxigraphStore) -> None:
    query = QUERIES["register-agreements-expiring"]
    today = dt.date.today()
    rows = rows_of(run(register_store, query, {"months": "1200"}))
    assert all(row["validUntil"] is not None and row["validUntil"] >= today.isoformat() for row in rows)


def test_funding_of_another_transaction_type(register_store: OxigraphStore) -> None:
    query = QUERIES["register-funding-by-partner-year"]
    rows = rows_of(run(register_store, query, {"type": "https://w3id.org/coopgraph/iati/TransactionType/2"}))
    assert [(row["partner"], row["year"], row["currency"], row["total"]) for row in rows] == [
        ("XM-EXAMPLE-AGENCY", "2023^^xsd:integer", "USD", "430000^^xsd:decimal")
    ]
