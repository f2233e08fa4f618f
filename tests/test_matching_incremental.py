"""The incremental match index (coopgraph/core/matching/update.py): after random realistic writes, `updated_index`
answers `match` and `similar` exactly as `MatchIndex.build` on the written store, and holds the same tables.

Writes are chained (each updates the index the previous one returned) on a store holding the shipped graph, and
on one holding a small synthetic graph: a new actor with sectors and a modality, a new register agreement between
two actors, a new register project with an actor of the graph in a role and DAC sector codes (evidence in
matching: register.py), sometimes executing an earlier agreement, a participation's actor or a project's sector
share removed, an actor's sector deleted, a label changed, an audit record and a source (which matching does not
read), a new subclass of an actor class with a resource of it.
"""

from __future__ import annotations

import copy
import io
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MatchError, MatchIndex, UnknownResource, match, similar
from coopgraph.core.matching.build import in_tie_order
from coopgraph.core.matching.evaluation import DEFAULT_SET, DEV_SET, load_eval_set
from coopgraph.core.matching.update import patched_index, updated_index, written_subjects
from coopgraph.core.matching.weights import SHIFT
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic
from coopgraph.core.vocab import CG, DCTERMS, ORG, PROV, RDF_TYPE, RDFS, SYNTH

CGR = "https://w3id.org/coopgraph/id/"
REGISTER = "https://w3id.org/coopgraph/graph/register"
IATI = "https://w3id.org/coopgraph/iati/"
WRITES = CGR + "graph-test-writes"
AUDIT = CGR + "graph-test-audit"
LABEL = RDFS + "label"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
NEEDS = load_eval_set(DEFAULT_SET) + load_eval_set(DEV_SET)
TABLES = (
    "labels",
    "kind_of",
    "present_kinds",
    "order",
    "provinces",
    "countries",
    "code_of",
    "governed_by",
    "home_country",
    "sectors",
    "ancestors",
    "descendants",
    "sector_codes",
    "dac_links",
    "cooperation_types",
    "cooperation_narrower",
    "scope_types",
    "scope_accepted",
    "competence_of_sector",
    "roles",
    "actor_roles",
    "space_kind",
    "by_partner_country",
    "peer_spaces",
    "country_of",
    "chan_mask",
    "coop_of",
    "channel_of",
    "channels",
    "group_of",
    "members",
    "place_of",
    "contacts",
    "derived",
    "postings",
    "sectors_of",
    "direct_members",
    "members_of",
    "way_postings",
    "track",
    "values",
)
Quads = tuple[list[ox.Quad], list[ox.Quad]]


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def quad(s: str | ox.BlankNode, p: str, o: str | ox.Literal | ox.BlankNode, graph: str = WRITES) -> ox.Quad:
    subject = s if isinstance(s, ox.BlankNode) else nn(s)
    obj = o if isinstance(o, ox.Literal | ox.BlankNode) else nn(o)
    return ox.Quad(subject, nn(p), obj, nn(graph))


def apply(store: OxigraphStore, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
    """One write through the Store API (so its generation moves), as the write path commits it."""

    def block(quads: list[ox.Quad]) -> str:
        return " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)

    parts = []
    if removed:
        parts.append(f"DELETE DATA {{ {block(removed)} }}")
    if added:
        parts.append(f"INSERT DATA {{ {block(added)} }}")
    store.update(" ; ".join(parts))


def rows(store: OxigraphStore, query: str) -> list[tuple[ox.Quad, ...]]:
    return [tuple(solution) for solution in store.query(query)]  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------- the writes


def new_actor(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A new partner with two sectors, a kind of cooperation, a modality, a country and a network."""
    iri = f"{CGR}test-actor-{n}"
    kind = rng.choice(["CooperationAgency", "SubnationalGovernment", "InternationalOrganisation", "Fund"])
    sectors = rng.sample(sorted(index.sectors), 2)
    added = [
        quad(iri, RDF_TYPE, CG + kind),
        quad(iri, LABEL, ox.Literal(f"Agencia de prueba {n} para riego", language="es")),
        quad(iri, LABEL, ox.Literal(f"Test agency {n} for irrigation", language="en")),
        quad(iri, CG + "country", rng.choice(sorted(index.countries.values()))),
        quad(iri, CG + "cooperationType", rng.choice(sorted(index.cooperation_types))),
        quad(iri, CG + "modality", rng.choice(sorted(index.cooperation_types))),
        *(quad(iri, CG + "sector", sector) for sector in sectors),
        quad(iri, DCTERMS + "source", CGR + "ref-test"),
    ]
    networks = sorted(a for a, kind in index.kind_of.items() if kind == "network")
    if networks:
        added.append(quad(iri, ORG + "memberOf", rng.choice(networks)))
    return added, []


def new_agreement(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A register agreement between two actors (as tests/fixtures/register has them), in the register's graph:
    ~30 triples."""
    first, second = rng.sample(sorted(index.kind_of), 2)
    iri = f"{CGR}instrumento/test-{n}"
    words = rng.choice(["Convenio de riego", "Comisión mixta de prueba", "Hermanamiento", "Memorando de gestión"])
    added = [
        quad(iri, RDF_TYPE, CG + "CooperationAgreement"),
        quad(iri, LABEL, ox.Literal(f"{words} {n}", language="es")),
        quad(iri, LABEL, ox.Literal(f"Agreement {n}", language="en")),
        quad(iri, DCTERMS + "identifier", ox.Literal(f"TEST-{n}")),
        quad(iri, DCTERMS + "source", CGR + "ref-test"),
        quad(iri, CG + "registerProvince", CGR + "provincia-ec-l"),
        quad(iri, CG + "signatureDate", ox.Literal("2024-03-15", datatype=nn("http://www.w3.org/2001/XMLSchema#date"))),
        quad(iri, CG + "validUntil", ox.Literal("2026-12-31", datatype=nn("http://www.w3.org/2001/XMLSchema#date"))),
        quad(iri, CG + "agreementMechanism", CGR + "mecanismo-proyectos-y-programas"),
    ]
    for number, actor in enumerate((first, second)):
        party: str | ox.BlankNode = ox.BlankNode() if number else f"{iri}/party-{number}"  # one blank, one IRI
        added += [
            quad(iri, CG + "party", party),
            quad(party, RDF_TYPE, CG + "Participation"),
            quad(party, CG + "actor", actor),
            quad(party, CG + "organisationRole", "http://iatistandard.org/codelists/OrganisationRole/1"),
            quad(party, CG + "orgName", ox.Literal(index.label(actor, "es"), language="es")),
        ]
    document = ox.BlankNode()
    added += [
        quad(iri, CG + "document", document),
        quad(document, RDF_TYPE, CG + "DocumentLink"),
        quad(document, DCTERMS + "title", ox.Literal(f"{words} {n}", language="es")),
    ]
    return [ox.Quad(q.subject, q.predicate, q.object, nn(REGISTER)) for q in added], []


def new_project(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A register project naming one or two actors of the graph in IATI roles, with one or two DAC codes some
    sector maps (and sometimes one no sector maps), sometimes executing an earlier test agreement: the register as
    evidence. One participation is an IRI node (so a later write can remove its actor), the others blank."""
    iri = f"{CGR}actividad/TEST-{n}"
    codes = sorted({target for entries in index.sector_codes.values() for _, _, target in entries})
    chosen = rng.sample(codes, rng.choice([1, 2])) + ([IATI + "Sector/99810"] if rng.random() < 0.3 else [])
    added = [
        quad(iri, RDF_TYPE, CG + "CooperationActivity", REGISTER),
        quad(iri, LABEL, ox.Literal(f"Proyecto de prueba {n}", language="es"), REGISTER),
        quad(iri, CG + "registerProvince", CGR + "provincia-ec-l", REGISTER),
        quad(iri, CG + "hierarchy", ox.Literal(str(rng.choice([1, 2])), datatype=nn(XSD_INTEGER)), REGISTER),
    ]
    for number, actor in enumerate(rng.sample(sorted(index.kind_of), rng.choice([1, 2]))):
        part: str | ox.BlankNode = f"{iri}/participation-{number}" if number == 0 else ox.BlankNode()
        added += [
            quad(iri, CG + "participatingOrg", part, REGISTER),
            quad(part, CG + "actor", actor, REGISTER),
            quad(part, CG + "organisationRole", IATI + f"OrganisationRole/{rng.choice('1234')}", REGISTER),
        ]
    for code in chosen:
        share = ox.BlankNode()
        added += [quad(iri, CG + "sectorShare", share, REGISTER), quad(share, CG + "sectorCode", code, REGISTER)]
    agreements = rows(store, f"SELECT ?a WHERE {{ GRAPH <{REGISTER}> {{ ?a <{CG}party> ?p }} }}")
    if agreements and rng.random() < 0.6:
        added.append(quad(iri, CG + "executes", rng.choice(agreements)[0].value, REGISTER))  # type: ignore[union-attr]
    return added, []


def drop_participation(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A test project's (IRI) participation loses its actor, or an executes link is removed."""
    found = rows(
        store,
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{REGISTER}> {{ VALUES ?p {{ <{CG}actor> <{CG}executes> }} ?s ?p ?o "
        "FILTER(isIRI(?s)) } }",
    )
    if not found:
        return new_project(store, index, rng, n)
    subject, predicate, obj = rng.choice(sorted(found, key=str))
    return [], [ox.Quad(subject, predicate, obj, nn(REGISTER))]  # type: ignore[arg-type]


def drop_sector(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """An actor's declared sector deleted (in every graph that states it)."""
    found = rows(store, f"SELECT ?a ?s ?g WHERE {{ GRAPH ?g {{ ?a <{CG}sector> ?s }} }}")
    actor, sector, graph = rng.choice([row for row in found if row[0].value in index.kind_of])
    return [], [ox.Quad(actor, nn(CG + "sector"), sector, graph)]  # type: ignore[arg-type]


def relabel(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A Spanish label replaced: of an actor, a sector, a way of cooperating or anything else labelled."""
    found = rows(store, f'SELECT ?x ?l ?g WHERE {{ GRAPH ?g {{ ?x <{LABEL}> ?l FILTER(lang(?l) = "es") }} }}')
    pools = [
        [row for row in found if row[0].value in index.kind_of],
        [row for row in found if row[0].value in index.sectors],
        [row for row in found if row[0].value in index.vocabulary.ways],
        found,
    ]
    subject, old, graph = rng.choice(rng.choice([pool for pool in pools if pool]))
    new = ox.Literal(f"{old.value} renovado {n}", language="es")  # type: ignore[union-attr]
    return [ox.Quad(subject, nn(LABEL), new, graph)], [ox.Quad(subject, nn(LABEL), old, graph)]  # type: ignore[arg-type]


def unrelated(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """An audit record, and a source added to an actor: nothing matching reads."""
    activity = f"{CGR}audit/test-{n}"
    actor = rng.choice(sorted(index.kind_of))
    return [
        quad(activity, RDF_TYPE, PROV + "Activity", AUDIT),
        quad(activity, PROV + "wasAssociatedWith", CGR + "token/test", AUDIT),
        quad(activity, PROV + "startedAtTime", ox.Literal("2026-01-01T00:00:00Z"), AUDIT),
        quad(actor, DCTERMS + "source", CGR + f"ref-test-{n}"),
    ], []


def new_subclass(store: OxigraphStore, index: MatchIndex, rng: random.Random, n: int) -> Quads:
    """A new class under cooperation agencies (the class hierarchy changes) and a resource of it."""
    cls, iri = f"{CG}TestAgency{n}", f"{CGR}test-subclassed-{n}"
    return [
        quad(cls, RDFS + "subClassOf", CG + "CooperationAgency"),
        quad(iri, RDF_TYPE, cls),
        quad(iri, LABEL, ox.Literal(f"Organismo de prueba {n}", language="es")),
        quad(iri, CG + "sector", rng.choice(sorted(index.sectors))),
    ], []


WRITERS: list[Callable[[OxigraphStore, MatchIndex, random.Random, int], Quads]] = [
    new_actor,
    new_agreement,
    new_project,
    drop_participation,
    drop_sector,
    relabel,
    unrelated,
    new_subclass,
]


# ---------------------------------------------------------------------------------------------- comparing


def answers(index: MatchIndex, actors: list[str]) -> list[object]:
    """What matching answers for every need of both evaluation sets, and `similar` for `actors`."""
    found: list[object] = []
    for need in NEEDS:
        try:
            found.append(
                match(
                    index,
                    need.text,
                    sectors=need.sectors,
                    requester=need.requester,
                    kind=need.kind,
                    country=need.country,
                    cooperation=need.cooperation,
                    limit=10,
                    lang=need.lang,
                )
            )
        except (MatchError, UnknownResource) as error:
            found.append(("error", str(error)))
    for actor in actors:
        found.append(similar(index, actor, limit=10))
    return found


def assert_same(updated: MatchIndex, built: MatchIndex, actors: list[str]) -> None:
    for name in TABLES:
        if name == "order":  # spaced positions: a patch gives a new actor a free one, so only their order is equal
            assert in_tie_order(updated.order) == in_tie_order(built.order), name
            assert all(0 <= position < SHIFT for position in updated.order.values()), name
            continue
        assert getattr(updated, name) == getattr(built, name), name
    for name in ("types", "superclasses", "literals", "relations", "subjects", "track"):
        assert getattr(updated.facts, name) == getattr(built.facts, name), f"facts.{name}"
    assert updated.vocabulary.parts == built.vocabulary.parts
    assert updated.vocabulary.ways == built.vocabulary.ways
    assert updated.vocabulary.frequency == built.vocabulary.frequency
    assert updated.vocabulary.candidates == built.vocabulary.candidates
    assert updated.vocabulary.families == built.vocabulary.families
    assert updated.graph == built.graph
    assert updated.names() == built.names()
    phrases = updated.actor_names().entries()
    assert Counter(phrases) == Counter(built.actor_names().entries()), "actor names"
    assert all(
        len(before[0]) >= len(after[0]) for before, after in itertools.pairwise(phrases) if before[0][0] == after[0][0]
    ), "a patched list of actor names is no longer longest first"
    assert answers(updated, actors) == answers(built, actors)


def chained_writes(store: OxigraphStore, seed: int, steps: int) -> Iterator[tuple[str, MatchIndex, MatchIndex]]:
    """Random writes one after another: (what was written, the index updated, the index built)."""
    rng = random.Random(seed)
    index = MatchIndex.build(store)
    for n in range(steps):
        writer = WRITERS[n % len(WRITERS)] if n < len(WRITERS) else rng.choice(WRITERS)
        added, removed = writer(store, index, rng, n)
        apply(store, added, removed)
        index = updated_index(index, store, added, removed)
        assert index.is_current(store)
        yield writer.__name__, index, MatchIndex.build(store)


def touched_actors(index: MatchIndex, rng: random.Random) -> list[str]:
    test_actors = sorted(a for a in index.kind_of if a.startswith(CGR + "test-"))
    return test_actors[-2:] + rng.sample(sorted(index.kind_of), 3)


# ---------------------------------------------------------------------------------------------- the tests


@pytest.fixture
def shipped() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


@contextmanager
def with_synthetic(actors: int, seed: int) -> Iterator[OxigraphStore]:
    """An in-memory store of the shipped graph and `actors` synthetic actors (also test_matching_incremental_actors)."""
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        out = io.StringIO()
        write_synthetic(out, actors=actors, seed=seed, format="ntriples")
        store.oxigraph.load(out.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=nn(SYNTH + "graph"))
        yield store


@pytest.fixture
def synthetic() -> Iterator[OxigraphStore]:
    """The shipped graph and 300 synthetic actors."""
    with with_synthetic(300, seed=7) as store:
        yield store


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_on_the_shipped_graph(shipped: OxigraphStore, seed: int) -> None:
    rng = random.Random(seed)
    for name, updated, built in chained_writes(shipped, seed, steps=10):
        try:
            assert_same(updated, built, touched_actors(built, rng))
        except AssertionError as error:
            raise AssertionError(f"after {name}: {error}") from error


def test_random_writes_on_a_synthetic_graph(synthetic: OxigraphStore) -> None:
    rng = random.Random(3)
    for name, updated, built in chained_writes(synthetic, 3, steps=8):
        try:
            assert_same(updated, built, touched_actors(built, rng))
        except AssertionError as error:
            raise AssertionError(f"after {name}: {error}") from error


def test_a_write_matching_does_not_read_keeps_the_index(shipped: OxigraphStore) -> None:
    index = MatchIndex.build(shipped)
    added, removed = unrelated(shipped, index, random.Random(0), 0)
    added = [q for q in added if q.predicate.value != RDF_TYPE]  # the audit record's type is read (`exists`)
    apply(shipped, added, removed)
    assert not index.is_current(shipped)
    assert updated_index(index, shipped, added, removed) is index
    assert index.is_current(shipped)


def test_an_agreement_patches_the_names_in_place(shipped: OxigraphStore) -> None:
    """An agreement no project executes is no evidence in matching: the index is patched in place (labels, facts,
    name counts), every other table is the very same object and equal to what it was (the register's track is read
    again, and found the same)."""
    index = MatchIndex.build(shipped)
    postings, graph, order = index.postings, index.graph, index.order
    before = (dict(postings), dict(graph), dict(order))
    added, removed = new_agreement(shipped, index, random.Random(0), 0)
    apply(shipped, added, removed)
    updated = updated_index(index, shipped, added, removed)
    assert updated is index
    assert updated.postings is postings and updated.graph is graph and updated.order is order
    assert (postings, graph, order) == before
    assert CGR + "instrumento/test-0" in updated.labels
    assert_same(updated, MatchIndex.build(shipped), [])


def test_patched_index_patches_an_agreement_as_updated_index_does(shipped: OxigraphStore) -> None:
    """What a worker of `coopgraph serve` applies in place: an agreement needs no new tables."""
    index = MatchIndex.build(shipped)
    added, removed = new_agreement(shipped, index, random.Random(1), 0)
    apply(shipped, added, removed)
    patched = patched_index(index, shipped, added, removed)
    assert patched is index and patched.is_current(shipped)
    assert_same(patched, MatchIndex.build(shipped), [])


def test_patched_index_patches_a_new_partner(shipped: OxigraphStore) -> None:
    """A new actor changes its own rows of the tables only: patched_index patches them in place
    (update_actors.py), as updated_index does."""
    index = MatchIndex.build(shipped)
    facts = index.facts
    added, removed = new_actor(shipped, index, random.Random(2), 0)
    apply(shipped, added, removed)
    patched = patched_index(index, shipped, added, removed)
    assert patched is index and patched.facts is facts and f"{CGR}test-actor-0" in patched.kind_of
    assert_same(patched, MatchIndex.build(shipped), [f"{CGR}test-actor-0"])


def test_a_project_naming_an_actor_changes_its_postings(shipped: OxigraphStore) -> None:
    """A register project is evidence: the postings of its sectors change, equal to a full build."""
    index = MatchIndex.build(shipped)
    track, postings = index.facts.track, copy.deepcopy(index.postings)  # the index may be patched in place
    added, removed = new_project(shipped, index, random.Random(4), 0)
    apply(shipped, added, removed)
    updated = updated_index(index, shipped, added, removed)
    assert updated.facts.track and updated.facts.track != track
    assert updated.postings != postings
    assert_same(updated, MatchIndex.build(shipped), sorted(updated.track)[:2])


@pytest.mark.parametrize("seed", range(4))
def test_a_project_naming_actors_is_patched_in_place(shipped: OxigraphStore, seed: int) -> None:
    """The evidence a project gives the actors it names changes their rows only: the index is patched in place
    (no tables built again, as a worker of `coopgraph serve` could not), and equals a full build."""
    index = MatchIndex.build(shipped)
    rng = random.Random(seed)
    for n in range(3):  # the later projects may execute an earlier one's agreement
        added, removed = (new_agreement if n == 1 else new_project)(shipped, index, rng, n)
        apply(shipped, added, removed)
        track = index.facts.track
        patched = patched_index(index, shipped, added, removed)
        assert patched is index, f"write {n} was not patched in place"
        index = patched
    assert index.facts.track != () and track != ()
    built = MatchIndex.build(shipped)
    assert_same(index, built, sorted(index.track))


def named_like_a_theme(cls: str, n: int) -> list[ox.Quad]:
    """A resource of class `cls` whose Spanish name holds the part "acción humanitaria" of a theme's name."""
    iri = f"{CGR}test-humanitaria-{n}"
    return [quad(iri, RDF_TYPE, cls), quad(iri, LABEL, ox.Literal(f"Acción humanitaria en Loja {n}", language="es"))]


def test_names_crossing_the_share_of_a_part_rebuild_the_vocabulary(shipped: OxigraphStore) -> None:
    """Documents named like a theme make a distinctive part of its name common: the part is no longer read."""
    index = MatchIndex.build(shipped)
    part = ("accion", "humanitari")
    assert part in index.vocabulary.parts, sorted(index.vocabulary.parts)[:20]
    for n in range(6):
        added = named_like_a_theme(CG + "Reference", n)
        apply(shipped, added, [])
        index = updated_index(index, shipped, added, [])
    assert part not in index.vocabulary.parts
    assert_same(index, MatchIndex.build(shipped), [])


@pytest.mark.parametrize("cls", ["CooperationAgreement", "CooperationActivity", "CooperationDemand", "ManualEntry"])
def test_register_records_named_like_a_theme_leave_the_vocabulary_alone(shipped: OxigraphStore, cls: str) -> None:
    """The register's records are the users' data: however many name a theme's part, it stays distinctive (a need
    is read the same whatever the size of a province's register), and no write of them builds the vocabulary."""
    index = MatchIndex.build(shipped)
    part, vocabulary = ("accion", "humanitari"), index.vocabulary
    for n in range(6):
        added = named_like_a_theme(CG + cls, n)
        apply(shipped, added, [])
        index = updated_index(index, shipped, added, [])
    assert part in index.vocabulary.parts
    assert index.vocabulary is vocabulary, "a register write built the vocabulary again"
    assert_same(index, MatchIndex.build(shipped), [])


def test_written_subjects_reads_only_what_read_facts_reads() -> None:
    blank = ox.BlankNode()
    subjects, hierarchy = written_subjects(
        [
            quad(CGR + "a", LABEL, ox.Literal("x", language="es")),
            quad(CGR + "b", CG + "sector", CGR + "s"),
            quad(CGR + "c", CG + "sector", ox.Literal("not an IRI")),
            quad(CGR + "d", DCTERMS + "source", CGR + "ref"),
            quad(blank, CG + "sector", CGR + "s"),
        ]
    )
    assert subjects == {CGR + "a", CGR + "b"} and not hierarchy
    assert written_subjects([quad(CG + "X", RDFS + "subClassOf", CG + "Actor")]) == (set(), True)
