"""The register as evidence in partner matching (coopgraph/core/matching/register.py, explain_register.py).

A project of Loja's register (tests/fixtures/register/loja-project-aecid.ttl), written through the write path's
core functions (`prepare`: the gate with the SHACL shapes and the token's province), makes AECID, which it says
funded irrigation, the first partner for an irrigation need; the Andalusian agency, a party to the agreement the
project executes, follows; the explanation names the record and says it is the province's, not the study's. The
shipped graph alone has neither as an irrigation partner.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from engines import OxigraphServer

from coopgraph.core.iati import REGISTER_GRAPH, import_iati
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MatchIndex, match, register, updated_index
from coopgraph.core.matching.register import TrackRow, patched_track, read_track
from coopgraph.core.matching.weights import RECORD_ROLE
from coopgraph.core.store import OxigraphStore, Store
from coopgraph.core.writes.delta import change
from coopgraph.core.writes.graph_store import merge_graph, read_body
from coopgraph.core.writes.plan import prepare

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


# --- the track after a write: only the rows of what it touched read again (register.patched_track) ----------------

REG = ox.NamedNode(REGISTER_GRAPH)
CG = "https://w3id.org/coopgraph/def#"
SECTOR = "https://w3id.org/coopgraph/iati/Sector/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def rq(subject: ox.NamedNode | ox.BlankNode, name: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Quad:
    return ox.Quad(subject, ox.NamedNode(CG + name), obj, REG)


def record_quads(rng: random.Random, n: int) -> list[ox.Quad]:
    """An agreement with two parties naming actors (one an IRI node, one blank), and a project executing it with a
    sector share and, half the time, a participating organisation naming an actor: every link the track reads."""
    agreement, project = ox.NamedNode(f"{CGR}instrumento/t-{n}"), ox.NamedNode(f"{CGR}actividad/t-{n}")
    quads = [rq(agreement, "registerProvince", ox.NamedNode(CGR + "provincia-ec-l"))]
    for role in ("1", "4"):
        part = ox.BlankNode() if role == "4" else ox.NamedNode(f"{agreement.value}/party")  # parts of both kinds
        quads += [
            rq(agreement, "party", part),
            rq(part, "actor", ox.NamedNode(f"{CGR}actor-{rng.randrange(12)}")),
            rq(part, "organisationRole", ox.NamedNode(f"https://w3id.org/coopgraph/iati/OrganisationRole/{role}")),
        ]
    share = ox.BlankNode()
    quads += [
        rq(project, "executes", agreement),
        rq(project, "sectorShare", share),
        rq(share, "sectorCode", ox.NamedNode(SECTOR + rng.choice(["31140", "14030", "12220"]))),
        rq(project, "registerProvince", ox.NamedNode(CGR + rng.choice(["provincia-ec-l", "provincia-ec-p"]))),
    ]
    if rng.random() < 0.5:
        part = ox.BlankNode()
        quads += [rq(project, "participatingOrg", part), rq(part, "actor", ox.NamedNode(f"{CGR}actor-{n % 12}"))]
    return quads


def register_write(store: OxigraphStore, rng: random.Random, n: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """One write a register sees (added, removed), applied to `store`: a new agreement and project; a party's or a
    share's blank node changed alone (its owner's link not in the write); an `executes` link or a province
    changed; a whole record deleted; or a write of no track predicate."""
    in_register = list(store.oxigraph.quads_for_pattern(None, None, None, REG))

    def some(name: str) -> list[ox.Quad]:
        return [q for q in in_register if q.predicate.value == CG + name]

    kind = rng.choice(["new", "new", "actor", "code", "executes", "province", "delete", "label"])
    added: list[ox.Quad] = []
    removed: list[ox.Quad] = []
    if kind == "actor" and some("actor"):
        old = rng.choice(some("actor"))
        removed = [old]
        added = [ox.Quad(old.subject, old.predicate, ox.NamedNode(f"{CGR}actor-{rng.randrange(12)}"), REG)][
            : rng.randrange(2)
        ]
    elif kind == "code" and some("sectorCode"):
        old = rng.choice(some("sectorCode"))
        removed, added = [old], [ox.Quad(old.subject, old.predicate, ox.NamedNode(SECTOR + "99999"), REG)]
    elif kind == "executes" and some("executes"):
        removed = [rng.choice(some("executes"))]
    elif kind == "province" and some("registerProvince"):
        old = rng.choice(some("registerProvince"))
        removed, added = [old], [ox.Quad(old.subject, old.predicate, ox.NamedNode(CGR + "provincia-ec-g"), REG)]
    elif kind == "delete" and some("executes"):
        project = rng.choice(some("executes")).subject
        removed = [q for q in in_register if q.subject == project]
        owned = {q.object for q in removed if isinstance(q.object, ox.BlankNode)}
        removed += [q for q in in_register if q.subject in owned]
    elif kind == "label":
        added = [ox.Quad(ox.NamedNode(f"{CGR}actividad/t-0"), ox.NamedNode(RDFS_LABEL), ox.Literal(f"t {n}"), REG)]
    else:
        added = record_quads(rng, n)
    change(store.oxigraph, remove=set(removed), add=set(added))
    return added, removed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_patched_track_is_the_track_read_again(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the embedded store every write, a blank node's alone included, reads only the rows it touched."""

    def whole_track(store: object) -> None:
        raise AssertionError("patched_track read the whole track")

    monkeypatch.setattr(register, "read_track", whole_track)  # `read_track` here is still the real one
    rng = random.Random(seed)
    with OxigraphStore.in_memory() as store:
        for n in range(20):
            store.oxigraph.extend(record_quads(rng, n))
        track = read_track(store)
        assert len(track) > 40
        changed = 0
        for n in range(20, 80):
            added, removed = register_write(store, rng, n)
            patched = patched_track(store, track, [*added, *removed])
            assert patched == read_track(store), f"write {n}: {added} {removed}"
            changed += patched != track
            track = patched
        assert changed > 20  # the writes did change the track, in every way the sequence has


@pytest.mark.slow
def test_on_an_engine_only_a_blank_node_written_alone_reads_the_whole_track(
    oxigraph_server: OxigraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store on a SPARQL engine cannot be asked who links to a blank node: a write that does not say reads the
    whole track. One whose links are in the write (a new record), or whose nodes are IRIs (the engine is asked
    who links to them), reads only its rows."""
    store = oxigraph_server.store()
    store.clear()
    real = register.read_track
    whole: list[int] = []

    def counted(store: Store) -> tuple[TrackRow, ...]:
        whole.append(1)
        return real(store)

    monkeypatch.setattr(register, "read_track", counted)
    try:
        new = record_quads(random.Random(5), 0)
        triples = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in new)
        store.update(f"INSERT DATA {{ GRAPH <{REGISTER_GRAPH}> {{ {triples} }} }}")
        track = patched_track(store, (), new)
        assert track == read_track(store) != () and not whole
        party = ox.NamedNode(f"{CGR}instrumento/t-0/party")  # the IRI participation: its actor removed
        actor = next(q.object for q in new if q.subject == party and q.predicate.value == CG + "actor")
        store.update(f"DELETE DATA {{ GRAPH <{REGISTER_GRAPH}> {{ {party} <{CG}actor> {actor} }} }}")
        patched = patched_track(store, track, [rq(party, "actor", actor)])
        assert patched == read_track(store) != track and not whole
        store.update(
            f"DELETE {{ GRAPH <{REGISTER_GRAPH}> {{ ?part <{CG}actor> ?actor }} }} WHERE {{ GRAPH <{REGISTER_GRAPH}> "
            f"{{ <{CGR}instrumento/t-0> <{CG}party> ?part . ?part <{CG}actor> ?actor FILTER(isBlank(?part)) }} }}"
        )
        alone = [rq(ox.BlankNode(), "actor", ox.NamedNode(CGR + "actor-1"))]  # as a delta names an engine's node
        assert patched_track(store, patched, alone) == read_track(store) != patched and whole == [1]
    finally:
        store.clear()
        store.close()
