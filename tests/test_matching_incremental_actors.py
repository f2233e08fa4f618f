"""Writes that add, change or delete actors only (update.py step 3b, update_actors.py): `patched_index` patches the
per-actor tables instead of building them again, shares the tables the write leaves alone, and equals
`MatchIndex.build` on the written store; writes that change another table still build them again."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from test_matching_incremental import CGR, LABEL, apply, assert_same, drop_sector, quad, rows

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import MAX_LIMIT, MatchIndex, match
from coopgraph.core.matching.update import patched_index, updated_index
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import write_synthetic
from coopgraph.core.vocab import CG, ORG, RDF_TYPE, RDFS, SKOS, SYNTH

SHARED = ("sectors", "ancestors", "cooperation_types", "roles", "space_kind", "channels", "sector_matcher")
"""Tables no actor's write changes: a patched index holds the very same objects as the index before."""


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    """The shipped graph and 200 synthetic actors."""
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        out = io.StringIO()
        write_synthetic(out, actors=200, seed=11, format="ntriples")
        store.oxigraph.load(
            out.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(SYNTH + "graph")
        )
        yield store


def partner(index: MatchIndex, iri: str, kind: str, sectors: list[str], country: str) -> list[ox.Quad]:
    """A new partner of `kind` with `sectors`, a country, a kind of cooperation and a network."""
    networks = sorted(a for a, k in index.kind_of.items() if k == "network")
    return [
        quad(iri, RDF_TYPE, CG + kind),
        quad(iri, LABEL, ox.Literal(f"Socio de prueba {iri.rsplit('-', 1)[-1]}", language="es")),
        quad(iri, CG + "country", country),
        quad(iri, CG + "cooperationType", sorted(index.cooperation_types)[0]),
        *(quad(iri, CG + "sector", sector) for sector in sectors),
        *([quad(iri, ORG + "memberOf", networks[0])] if networks else []),
    ]


def patched(store: OxigraphStore, index: MatchIndex, added: list[ox.Quad], removed: list[ox.Quad]) -> MatchIndex:
    """The write applied and the index patched (not built again), checked against a full build."""
    apply(store, added, removed)
    found = patched_index(index, store, added, removed)
    assert found is not None, "the write was not patched"
    assert found.is_current(store)
    for table in SHARED:
        assert getattr(found, table) is getattr(index, table), table
    built = MatchIndex.build(store)
    for (term, allowed), ranking in found._static.items():  # patched, not sorted again
        assert ranking == built.static_ranking(term, allowed), term
    assert_same(found, built, sorted({q.subject.value for q in (*added, *removed) if q.subject.value in built.kind_of}))
    return found


def actor_quads(store: OxigraphStore, actor: str) -> list[ox.Quad]:
    """Every quad whose subject is `actor`."""
    return [
        ox.Quad(ox.NamedNode(actor), p, o, g)  # type: ignore[arg-type]
        for p, o, g in rows(store, f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{actor}> ?p ?o }} }}")
    ]


def test_a_new_partner_with_sectors_and_a_country(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    sectors = sorted(index.sectors)[:2]
    added = partner(index, CGR + "test-partner-1", "CooperationAgency", sectors, sorted(index.countries.values())[0])
    updated = patched(store, index, added, [])
    assert updated.kind_of[CGR + "test-partner-1"] == "agency"
    assert all(CGR + "test-partner-1" in updated.postings[s] for s in sectors)
    assert CGR + "test-partner-1" not in index.kind_of  # the old index is left as it was


def test_a_new_peer_is_grouped_with_the_association_of_its_country(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    peers = [a for a, by in index.derived[CG + "groupedBy"].items() if by]
    assert peers, "the shipped graph groups some subnational governments"
    level, country = (index.facts.rel(CG + p)[peers[0]][0] for p in ("governmentLevel", "country"))
    iri = CGR + "test-peer-1"
    added = [*partner(index, iri, "SubnationalGovernment", [], country), quad(iri, CG + "governmentLevel", level)]
    updated = patched(store, index, added, [])
    assert updated.derived[CG + "groupedBy"][iri] == index.derived[CG + "groupedBy"][peers[0]]
    assert updated.graph[iri] >= set(updated.derived[CG + "groupedBy"][iri])


def test_an_actors_sector_removed(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    added, removed = drop_sector(store, index, random.Random(5), 0)
    patched(store, index, added, removed)


def test_an_actor_deleted(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    synthetic = sorted(a for a in index.kind_of if a.startswith(SYNTH) and a in index.sectors_of and a in index.graph)
    actor = next(a for a in synthetic if a not in index.channels and a not in index.channel_of)
    updated = patched(store, index, [], actor_quads(store, actor))
    assert actor not in updated.kind_of and actor not in updated.order


def test_two_actors_in_one_write_then_one_changed_again(store: OxigraphStore) -> None:
    """Two partners, one the parent of the other and linked to it; then the child's parent and a sector go: the
    path edge between them stays, the parent's link still states it."""
    index = MatchIndex.build(store)
    countries, sectors = sorted(index.countries.values()), sorted(index.sectors)
    first, second = CGR + "test-partner-1", CGR + "test-partner-2"
    added = [
        *partner(index, first, "Fund", sectors[:1], countries[0]),
        *partner(index, second, "InternationalOrganisation", sectors[1:3], countries[1]),
        quad(second, ORG + "subOrganizationOf", first),
        quad(first, CG + "linkedTo", second),
    ]
    index = patched(store, index, added, [])
    assert index.group_of[second] == first
    removed = [quad(second, CG + "sector", sectors[1]), quad(second, ORG + "subOrganizationOf", first)]
    updated = patched(store, index, [quad(second, CG + "sector", sectors[3])], removed)
    assert second not in updated.group_of and first in updated.graph[second]


def test_a_new_partner_is_found_by_a_match_request(store: OxigraphStore) -> None:
    index = MatchIndex.build(store)
    sector, country = sorted(index.sectors)[5], sorted(index.countries.values())[2]
    iri = CGR + "test-partner-9"
    before = match(index, sectors=[sector], kind="company", country=country, limit=MAX_LIMIT)
    assert iri not in {p.iri for p in before.results}
    updated = patched(store, index, partner(index, iri, "Company", [sector], country), [])
    after = match(updated, sectors=[sector], kind="company", country=country, limit=MAX_LIMIT)
    assert iri in {p.iri for p in after.results}


def test_a_new_sector_or_subclass_is_built_again(store: OxigraphStore) -> None:
    """A new sector concept (a table of concepts changes) and a new subclass of an actor class (the hierarchy):
    patched_index declines, updated_index builds, equal to a full build."""
    index = MatchIndex.build(store)
    broader = sorted(index.sectors)[0]
    writes = [
        [
            quad(CGR + "test-sector", RDF_TYPE, CG + "Sector"),
            quad(CGR + "test-sector", LABEL, ox.Literal("Sector de prueba", language="es")),
            quad(CGR + "test-sector", SKOS + "broader", broader),
        ],
        [
            quad(CG + "TestAgency", RDFS + "subClassOf", CG + "CooperationAgency"),
            quad(CGR + "test-subclassed", RDF_TYPE, CG + "TestAgency"),
            quad(CGR + "test-subclassed", CG + "sector", broader),
        ],
        [
            quad(CGR + "test-channel", RDF_TYPE, CG + "CooperationAgency"),
            quad(CGR + "test-channel", CG + "channelOf", sorted(index.countries.values())[0]),
        ],
    ]
    for added in writes:
        apply(store, added, [])
        assert patched_index(index, store, added, []) is None
        index = updated_index(index, store, added, [])
        assert_same(index, MatchIndex.build(store), [])
