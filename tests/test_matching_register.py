"""The register as evidence in partner matching (coopgraph/core/matching/register.py, explain_register.py).

A project of Loja's register (tests/fixtures/register/loja-project-aecid.ttl), written through the write path's
core functions (`prepare`: the gate with the SHACL shapes and the token's province), makes AECID, which it says
funded irrigation, the first partner for an irrigation need; the Andalusian agency, a party to the agreement the
project executes, follows; the explanation names the record and says it is the province's, not the study's. The
shipped graph alone has neither as an irrigation partner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.core.iati import REGISTER_GRAPH, import_iati
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MatchIndex, match, updated_index
from coopgraph.core.matching.register import TrackRow, read_track
from coopgraph.core.matching.weights import RECORD_ROLE
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes import prepare
from coopgraph.core.writes.delta import change
from coopgraph.core.writes.graph_store import merge_graph, read_body

CGR = "https://w3id.org/coopgraph/id/"
FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_FILE = FIXTURES / "register" / "loja-project-aecid.ttl"
IATI_FILE = FIXTURES / "iati" / "loja-activities.xml"
IRRIGATION = CGR + "sector-riego-y-drenaje"
PROJECT = CGR + "actividad/EC-GADPL-2025-RIEGO-07"
AGREEMENT = CGR + "instrumento/ec-l-2025-004"


@pytest.fixture(scope="module")
def shipped_index() -> Iterator[MatchIndex]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield MatchIndex.build(store)


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


def write_project(store: OxigraphStore) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The fixture written as `POST /data?graph=<register>` would: through the gate, then applied."""
    target = ox.NamedNode(REGISTER_GRAPH)
    quads = read_body(PROJECT_FILE.read_bytes(), "text/turtle", target)
    plan = prepare(store.oxigraph, lambda s: merge_graph(s, target, quads), who="marta", scope="EC-L", name="POST")
    change(store.oxigraph, remove=plan.changed.removed, add=plan.changed.added)
    store.changed()
    return list(plan.changed.added), list(plan.changed.removed)


def test_without_the_register_neither_agency_is_an_irrigation_partner(shipped_index: MatchIndex) -> None:
    assert shipped_index.facts.track == ()
    assert CGR + "aecid" not in shipped_index.postings[IRRIGATION]
    assert CGR + "aacid" not in shipped_index.postings[IRRIGATION]


def test_a_funded_project_is_evidence_explained_by_its_record(store: OxigraphStore) -> None:
    write_project(store)
    index = MatchIndex.build(store)
    found = match(index, "riego", requester="EC-L", limit=5, lang="es")
    first, second = found.results[0], found.results[1]
    assert (first.iri, second.iri) == (CGR + "aecid", CGR + "aacid")
    assert first.strength == "direct" and first.score > second.score
    record = next(e for e in first.explanation if e.type == "register")
    assert record.resources[:2] == (CGR + "aecid", PROJECT) and IRRIGATION in record.resources
    assert "financió «Riego tecnificado en Catamayo» (proyecto del registro de Loja)" in record.text
    assert "CAD 31140" in record.text and "no del estudio" in record.text
    assert first.why == record.text  # the strongest reason: the shipped graph gives AECID no irrigation
    through = next(e for e in second.explanation if e.type == "register")
    assert AGREEMENT in through.resources and "es parte de «Convenio de riego con la Agencia Andaluza»" in through.text
    english = match(index, "irrigation", requester="EC-L", limit=5, lang="en").results[0]
    text = next(e.text for e in english.explanation if e.type == "register")
    assert text.startswith("AECID funded “Technified irrigation in Catamayo” (a project in the register of Loja)")
    assert "not the study" in text


def test_the_weights_follow_the_role(store: OxigraphStore) -> None:
    write_project(store)
    index = MatchIndex.build(store)
    close = 0.9  # cgr:sector-riego-y-drenaje skos:closeMatch DAC 31140
    assert index.postings[IRRIGATION][CGR + "aecid"] == pytest.approx(RECORD_ROLE["1"] * close)
    assert index.postings[IRRIGATION][CGR + "aacid"] == pytest.approx(RECORD_ROLE["party"] * close)
    assert RECORD_ROLE["1"] > RECORD_ROLE["party"] > RECORD_ROLE["2"]


def test_the_write_updates_the_index_incrementally(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    added, removed = write_project(store)
    updated = updated_index(index, store, added, removed)
    built = MatchIndex.build(store)
    assert updated.facts.track == built.facts.track != ()
    assert updated.postings == built.postings and updated.track == built.track
    assert updated.values == built.values


def test_records_naming_no_actor_are_no_evidence(store: OxigraphStore) -> None:
    """An IATI import names organisations by IATI identifier, not actors of the graph: nothing changes."""
    before = MatchIndex.build(store)
    import_iati(
        store,
        IATI_FILE.read_bytes(),
        file=IATI_FILE.name,
        recorded_by="ana",
        recorded_at=dt.datetime(2024, 4, 20, 15, tzinfo=dt.UTC),
        province="EC-L",
    )
    assert read_track(store) == ()
    assert MatchIndex.build(store).postings == before.postings


def test_only_the_register_graph_counts(store: OxigraphStore) -> None:
    """The same record in another graph (the study's, a test graph) is not the register's."""
    store.load([PROJECT_FILE], graph=CGR + "graph-elsewhere")
    assert read_track(store) == ()
    store.load([PROJECT_FILE], graph=REGISTER_GRAPH)
    assert TrackRow(
        actor=CGR + "aecid",
        record=PROJECT,
        role="1",
        code="https://w3id.org/coopgraph/iati/Sector/31140",
        province=CGR + "provincia-ec-l",
        programme=False,
        agreement="",
    ) in read_track(store)
