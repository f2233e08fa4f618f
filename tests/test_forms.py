"""coopgraph/core/forms: a form's JSON read field by field, the record's quads (IRIs minted as the register mints
them, a cg:ManualEntry source) passing the write gate, a record read back into the same form, and SHACL results
placed at their fields. The page itself is tested in Chromium (tests/test_page_register.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.core.forms import FormError, field_of, read_form, read_record, record_change
from coopgraph.core.forms.records import REGISTER, EditedSince, RecordMissing, record_quads
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.gate import Refusal
from coopgraph.core.writes.plan import prepare

FIXTURE = Path(__file__).parent / "fixtures" / "writes" / "agreement-loja.ttl"
PROJECT_FIXTURE = Path(__file__).parent / "fixtures" / "register" / "loja-project-aecid.ttl"
CG = "https://w3id.org/coopgraph/def#"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
AGREEMENT = {
    "kind": "agreement",
    "province": "EC-L",
    "instrument": "CooperationAgreement",
    "title_es": "Convenio de riego tecnificado en Catamayo",
    "title_en": "Technified irrigation agreement in Catamayo",
    "parties": [
        {"name": "Gobierno Provincial de Loja", "role": "4"},
        {"name": "Agencia de cooperación de ejemplo", "role": "1"},
        {"name": "", "role": ""},  # an empty row of the form
    ],
    "signed": "2026-11-20",
    "valid_from": "2026-12-01",
    "valid_until": "2028-11-30",
}
DEMAND = {
    "kind": "demand",
    "province": "EC-L",
    "title_es": "Vialidad rural",
    "title_en": "Rural roads",
    "themes": ["https://w3id.org/coopgraph/id/sector-vialidad"],
    "territories": ["https://w3id.org/coopgraph/id/provincia-ec-l"],
    "priority": "MediumPriority",
    "status": "DemandPrioritised",
    "pdot_es": "Objetivo 3 del PDOT: conectividad",
    "stated": "2024-03-01",
}

PROJECT = {
    "kind": "activity",
    "province": "EC-L",
    "title_es": "Riego tecnificado en Catamayo",
    "title_en": "Technified irrigation in Catamayo",
    "description_es": "Riego por goteo para 200 familias de Catamayo.",
    "activity_status": "2",
    "planned_start": "2026-02-01",
    "planned_end": "2027-12-31",
    "participants": [
        {"name": "Agencia de ejemplo", "role": "1", "actor": "https://w3id.org/coopgraph/id/aecid"},
        {"name": "Gobierno Provincial de Loja", "role": "4"},
    ],
    "sectors": [
        "https://w3id.org/coopgraph/id/sector-riego-y-drenaje",  # the graph's sector: DAC 31140 (closeMatch)
        "https://w3id.org/coopgraph/iati/Sector/43040",
        "https://w3id.org/coopgraph/iati/Sector/31140",  # the same code again: one share
        "https://w3id.org/coopgraph/iati/Sector/15110",
    ],
    "territory": "https://w3id.org/coopgraph/id/provincia-ec-l",
    "executes": "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007",
}


@pytest.fixture(scope="module")
def loaded() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load([FIXTURE], graph=REGISTER.value)  # instrumento/ec-l-2026-007 and its entry
        yield store


def _prepared(store: OxigraphStore, data: dict[str, object], *, scope: str = "EC-L") -> tuple[str, set[ox.Quad]]:
    """Run the form's write through the gate (as the service does), leaving the store as it was."""
    minted: list[str] = []

    def operation(oxigraph: ox.Store) -> object:
        iri, delta = record_change(oxigraph, read_form(data), who="marta", now=NOW)
        minted.append(iri)
        return delta

    plan = prepare(store.oxigraph, operation, who="marta", scope=scope, name="Register form")  # type: ignore[arg-type]
    return minted[0], plan.changed.added


def test_an_agreement_passes_the_gate_with_the_next_number_and_its_manual_entry(loaded: OxigraphStore) -> None:
    iri, added = _prepared(loaded, AGREEMENT)
    assert iri == "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-008"  # after the fixture's 007
    subjects = {quad.subject.value for quad in added if isinstance(quad.subject, ox.NamedNode)}
    entry = "https://w3id.org/coopgraph/id/anotacion/ec-l-20261201T090000Z-2"  # the fixture's entry has that second
    assert subjects == {iri, entry}
    assert (
        ox.Quad(ox.NamedNode(entry), ox.NamedNode("http://purl.org/dc/terms/creator"), ox.Literal("marta"), REGISTER)
        in added
    )
    parties = [q for q in added if q.predicate.value.endswith("#party")]
    assert len(parties) == 2  # the empty row is left out


def test_a_demand_passes_the_gate(loaded: OxigraphStore) -> None:
    iri, _ = _prepared(loaded, DEMAND)
    assert iri == "https://w3id.org/coopgraph/id/demanda/ec-l-2024-001"


def test_the_gate_refuses_what_the_shapes_refuse_and_another_provinces_token(loaded: OxigraphStore) -> None:
    with pytest.raises(Refusal) as refused:
        _prepared(loaded, AGREEMENT | {"parties": AGREEMENT["parties"][:1], "title_en": ""})  # type: ignore[index]
    assert refused.value.status == 422 and refused.value.report is not None
    fields = {field_of("agreement", v) for v in refused.value.report.as_dict()["violations"]}
    assert fields == {"parties", "title_en"}
    with pytest.raises(Refusal) as other:
        _prepared(loaded, AGREEMENT, scope="EC-P")
    assert other.value.status == 403


def test_unreadable_fields_are_named() -> None:
    with pytest.raises(FormError) as error:
        read_form(
            AGREEMENT
            | {
                "signed": "20/11/2026",
                "instrument": "Treaty",
                "mechanism": "http://example.org/x",
                "parties": [{"name": "X", "role": "9"}],
                "province": "Loja",
            }
        )
    assert set(error.value.fields) == {"signed", "instrument", "mechanism", "parties", "province"}
    assert "AAAA-MM-DD" in error.value.fields["signed"].es
    with pytest.raises(FormError):
        read_form({"kind": "treaty"})


def test_a_stored_record_reads_back_into_the_same_form(loaded: OxigraphStore) -> None:
    record = read_record(loaded.oxigraph, "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007")
    assert record is not None and record["kind"] == "agreement" and record["province"] == "EC-L"
    fields = record["fields"]
    assert fields["instrument"] == "CooperationAgreement" and fields["signed"] == "2026-11-20"
    assert sorted((p["name"], p["role"]) for p in fields["parties"]) == [
        ("Agencia de cooperación de ejemplo", "1"),
        ("Gobierno Provincial de Loja", "4"),
    ]
    form = read_form({"kind": "agreement", "province": "EC-L", "iri": record["iri"], **fields})
    scratch = ox.Store()
    for quad in loaded.oxigraph.quads_for_pattern(None, None, None, REGISTER):
        scratch.add(quad)
    before = record_quads(scratch, ox.NamedNode(record["iri"]))
    record_change(scratch, form, who="marta", now=NOW)
    after = record_quads(scratch, ox.NamedNode(record["iri"]))
    unchanged = {(q.predicate, q.object) for q in before if not isinstance(q.object, ox.BlankNode)} - {
        (q.predicate, q.object) for q in after if not isinstance(q.object, ox.BlankNode)
    }
    assert {p.value for p, _ in unchanged} == {"http://purl.org/dc/terms/source"}  # only the entry it cites changed
    assert len(after) == len(before)


def test_editing_a_record_of_another_kind_is_refused(loaded: OxigraphStore) -> None:
    form = read_form(DEMAND | {"iri": "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007"})
    with pytest.raises(RecordMissing):
        record_change(loaded.oxigraph, form, who="marta", now=NOW)  # raises before it changes anything


def test_a_project_passes_the_gate_as_an_iati_activity_of_the_provinces_government(loaded: OxigraphStore) -> None:
    iri, added = _prepared(loaded, PROJECT)
    assert iri == "https://w3id.org/coopgraph/id/actividad/EC-GADPL-2026-001"
    values = {(q.predicate.value.rsplit("#", 1)[-1], q.object.value) for q in added}
    assert ("iatiIdentifier", "EC-GADPL-2026-001") in values and ("orgRef", "EC-GADPL") in values
    assert ("actor", "https://w3id.org/coopgraph/id/gadp-loja") in values  # the reporting government
    assert ("executes", PROJECT["executes"]) in values
    assert ("activityStatus", "https://w3id.org/coopgraph/iati/ActivityStatus/2") in values
    codes = sorted(v for p, v in values if p == "sectorCode")
    assert codes == [f"https://w3id.org/coopgraph/iati/Sector/{c}" for c in ("15110", "31140", "43040")]
    percentages = sorted(float(q.object.value) for q in added if q.predicate.value.endswith("#percentage"))
    assert percentages == [33.33, 33.33, 33.34]  # even shares adding up to 100
    assert len([q for q in added if q.predicate.value.endswith("#participatingOrg")]) == 2


def test_a_bad_project_is_refused_at_its_fields(loaded: OxigraphStore) -> None:
    with pytest.raises(Refusal) as refused:
        _prepared(
            loaded,
            PROJECT | {"sectors": [], "participants": [], "planned_end": "2025-01-01", "activity_status": ""},
        )
    assert refused.value.report is not None
    fields = {field_of("activity", v) for v in refused.value.report.as_dict()["violations"]}
    assert fields == {"sectors", "participants", "planned_end", "activity_status"}
    with pytest.raises(FormError) as unmatched:  # a sector of the graph with no DAC code
        _prepared(loaded, PROJECT | {"sectors": ["https://w3id.org/coopgraph/id/sector-salud-x"]})
    assert set(unmatched.value.fields) == {"sectors"}
    with pytest.raises(FormError) as unread:
        read_form(PROJECT | {"activity_status": "9", "iri": "http://example.org/actividad/x"})
    assert set(unread.value.fields) == {"activity_status", "iri"}
    with pytest.raises(FormError) as percentage:
        read_form(PROJECT | {"sectors": [{"sector": PROJECT["sectors"][1], "percentage": "cuarenta"}]})  # type: ignore[index]
    assert set(percentage.value.fields) == {"sectors"} and "porcentaje" in percentage.value.fields["sectors"].es


SHARED = [
    {"sector": "https://w3id.org/coopgraph/iati/Sector/43040", "percentage": "60"},
    {"sector": "https://w3id.org/coopgraph/id/sector-riego-y-drenaje", "percentage": "25,5"},  # DAC 31140
    {"sector": "https://w3id.org/coopgraph/iati/Sector/31140", "percentage": 14.5},  # the same code: one share
    {"sector": "", "percentage": ""},  # an empty row of the form
]


def test_a_projects_sector_percentages_are_written_as_given_and_the_shapes_hold_them_to_100(
    loaded: OxigraphStore,
) -> None:
    _, added = _prepared(loaded, PROJECT | {"sectors": SHARED})
    shares = {q.subject: q.object.value for q in added if q.predicate.value.endswith("#sectorCode")}
    given = {shares[q.subject]: q.object.value for q in added if q.predicate.value.endswith("#percentage")}
    assert given == {
        "https://w3id.org/coopgraph/iati/Sector/43040": "60",
        "https://w3id.org/coopgraph/iati/Sector/31140": "40",
    }
    with pytest.raises(Refusal) as refused:
        _prepared(loaded, PROJECT | {"sectors": [SHARED[0], SHARED[1]]})  # 60 + 25.5
    assert refused.value.report is not None
    violations = refused.value.report.as_dict()["violations"]
    assert {field_of("activity", v) for v in violations} == {"sectors"}
    assert any("no suman 100" in v["message_es"] for v in violations)
    with pytest.raises(Refusal):
        _prepared(loaded, PROJECT | {"sectors": [{"sector": SHARED[0]["sector"], "percentage": "90"}]})  # one, not 100


def test_a_project_is_edited_in_place_keeping_what_its_form_does_not_ask_for(loaded: OxigraphStore) -> None:
    scratch = ox.Store()
    for quad in loaded.oxigraph.quads_for_pattern(None, None, None, None):
        scratch.add(quad)
    scratch.load(path=str(PROJECT_FIXTURE), format=ox.RdfFormat.TURTLE, to_graph=REGISTER)
    iri = "https://w3id.org/coopgraph/id/actividad/EC-GADPL-2025-RIEGO-07"
    record = read_record(scratch, iri)
    assert record is not None and record["kind"] == "activity" and len(record["version"]) == 64
    fields = record["fields"]
    assert fields["sectors"] == [{"sector": "https://w3id.org/coopgraph/iati/Sector/31140", "percentage": "100"}]
    assert {p["actor"] for p in fields["participants"]} == {
        "https://w3id.org/coopgraph/id/aecid",
        "https://w3id.org/coopgraph/id/gadp-loja",
    }
    edited = fields | {"title_en": "Drip irrigation in Catamayo", "sectors": SHARED}
    form = read_form({"kind": "activity", "province": "EC-L", "iri": iri, "version": record["version"], **edited})
    assert record_change(scratch, form, who="marta", now=NOW)[0] == iri  # the same record, not a new one
    after = read_record(scratch, iri)
    assert after is not None and after["fields"]["title_en"] == "Drip irrigation in Catamayo"
    assert len(after["fields"]["sectors"]) == 2 and after["version"] != record["version"]
    node = ox.NamedNode(iri)
    kept = {
        q.predicate.value.rsplit("#", 1)[-1]: q.object.value
        for q in scratch.quads_for_pattern(node, None, None, REGISTER)
    }
    assert kept["actualStart"] == "2025-03-01" and kept["hierarchy"] == "2"  # not the form's: kept
    assert kept["iatiIdentifier"] == "EC-GADPL-2025-RIEGO-07"
    assert len(list(scratch.quads_for_pattern(node, ox.NamedNode(CG + "participatingOrg"), None, REGISTER))) == 2
    with pytest.raises(EditedSince) as stale:  # a second edit from the form filled before the first one
        record_change(scratch, form, who="pablo", now=NOW)
    assert stale.value.version == after["version"]
