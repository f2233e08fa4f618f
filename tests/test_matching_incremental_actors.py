"""Writes that add, change or delete actors only (update.py step 3b, update_actors.py): `patched_index` patches the
per-actor tables of the index in place instead of building them again, leaves the tables the write does not
concern as they were, and equals `MatchIndex.build` on the written store; writes that change another table still
build them again, and `patched_index` then leaves the index as it was. An app whose patch fails drops its index."""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from test_matching_incremental import CGR, LABEL, TABLES, apply, assert_same, drop_sector, quad, rows, with_synthetic

from coopgraph.core.matching import MAX_LIMIT, MatchIndex, match
from coopgraph.core.matching.build import ORDER_GAP, in_tie_order
from coopgraph.core.matching.text import normalise
from coopgraph.core.matching.update import patched_index, updated_index
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, ORG, RDF_TYPE, RDFS, SKOS, SYNTH

SHARED = ("sectors", "ancestors", "cooperation_types", "roles", "space_kind", "channels")
"""Tables no actor's write changes: a patched index holds them as they were."""


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    """The shipped graph and 200 synthetic actors."""
    with with_synthetic(200, seed=11) as store:
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
    index.names()  # built (as in a served process), so that the patch, not a new build, gives the ones compared
    index.actor_names()
    apply(store, added, removed)
    shared = snapshot(index, SHARED)
    found = patched_index(index, store, added, removed)
    assert found is index, "the write was not patched in place"
    assert found.is_current(store)
    assert snapshot(found, SHARED) == shared
    built = MatchIndex.build(store)
    for (term, allowed), ranking in found._static.items():  # patched, not sorted again
        assert ranking == built.static_ranking(term, allowed), term
    assert_same(found, built, sorted({q.subject.value for q in (*added, *removed) if q.subject.value in built.kind_of}))
    return found


def snapshot(index: MatchIndex, tables: tuple[str, ...]) -> dict[str, object]:
    """Deep copies of some tables of `index`, to tell whether a patch changed them."""
    return {table: copy.deepcopy(getattr(index, table)) for table in tables}


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
        before = snapshot(index, TABLES)
        assert patched_index(index, store, added, []) is None
        assert snapshot(index, TABLES) == before, "patched_index changed an index it declined"
        index = updated_index(index, store, added, [])
        assert_same(index, MatchIndex.build(store), [])


def test_an_actor_renamed_moves_in_the_tie_order(store: OxigraphStore) -> None:
    """A new Spanish label changes the actor's place in the tie order (by label) and its names."""
    index = MatchIndex.build(store)
    actor = min(index.order, key=index.order.__getitem__)  # the first by label: renamed to come last
    old = [quad for quad in actor_quads(store, actor) if quad.predicate.value == LABEL]
    spanish = [q for q in old if isinstance(q.object, ox.Literal) and q.object.language == "es"]
    assert spanish, actor
    renamed = ox.Literal("Zzz socio renombrado", language="es")
    new = ox.Quad(spanish[0].subject, spanish[0].predicate, renamed, spanish[0].graph_name)
    updated = patched(store, index, [new], spanish[:1])
    assert in_tie_order(updated.order)[-1] == actor


def test_new_actors_between_the_same_two_neighbours_space_the_tie_order_again(store: OxigraphStore) -> None:
    """The tie order's positions are spaced (build.ORDER_GAP) and a new actor takes the one halfway between its
    neighbours: actors written one after another between the same two neighbours use up the free positions, then
    the actors around them are spread out again, and only those; at every step the order is a full build's, its
    positions distinct."""
    index = MatchIndex.build(store)
    ranked = in_tie_order(index.order)
    first, second = next(
        (a, b)
        for a, b in itertools.pairwise(ranked)
        if normalise(index.label(a, "es")) != normalise(index.label(b, "es"))
    )
    assert ranked.index(first) < len(ranked) // 4, "the pair is at the start: the end is far from it"
    assert index.order[second] - index.order[first] == ORDER_GAP, "a build spaces the positions"
    far, far_position = ranked[-1], index.order[ranked[-1]]
    label = ox.Literal(index.label(first, "es"), language="es")
    for n in range(2 * ORDER_GAP.bit_length()):  # each takes half the free positions left after `first`
        iri = f"{first}-{chr(ord('z') - n)}"  # `first`'s label, an IRI after it and before the one written before
        added = partner(index, iri, "CooperationAgency", [], sorted(index.countries.values())[0])
        added = [quad(iri, LABEL, label) if q.predicate.value == LABEL else q for q in added]
        index = patched(store, index, added, [])
        assert in_tie_order(index.order)[ranked.index(first) + 1] == iri
        assert len(set(index.order.values())) == len(index.order)
    assert index.order[second] != ORDER_GAP * (ranked.index(first) + 1), "the positions were never spaced again"
    assert index.order[far] == far_position, "spacing again moved actors far from the crowded place"


def test_one_actor_written_twice_then_deleted(store: OxigraphStore) -> None:
    """A new partner, then its sectors changed and a network added, then the partner deleted: each write patched,
    each equal to a full build, and nothing of it is left at the end."""
    index = MatchIndex.build(store)
    sectors, country = sorted(index.sectors), sorted(index.countries.values())[3]
    iri = CGR + "test-partner-7"
    index = patched(store, index, partner(index, iri, "Company", sectors[:2], country), [])
    index = patched(store, index, [quad(iri, CG + "sector", sectors[5])], [quad(iri, CG + "sector", sectors[0])])
    assert iri in index.postings[sectors[5]] and iri not in index.postings.get(sectors[0], {})
    index = patched(store, index, [], actor_quads(store, iri))
    assert iri not in index.kind_of and iri not in index.graph and iri not in index.chan_mask


def test_an_app_drops_an_index_whose_patch_failed(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A patch that raises midway may leave the index half patched: the app drops it (and builds it again on
    first use) rather than serving it; `after_write` says it was not patched."""
    from coopgraph.core.matching import update_actors
    from coopgraph.core.writes.delta import Delta
    from coopgraph.web.app import create_app
    from coopgraph.web.state import EXTENSION, INDEX_KEY, SERVED_KEY

    app = create_app({SERVED_KEY: True}, store=store)
    state = app.extensions[EXTENSION]
    state.cache[INDEX_KEY] = index = MatchIndex.build(store)
    added = partner(
        index, CGR + "test-partner-8", "Company", sorted(index.sectors)[:1], sorted(index.countries.values())[0]
    )

    def fail(*args: object) -> None:
        raise RuntimeError("half way")

    monkeypatch.setattr(update_actors, "_rewire", fail)  # after the facts and most tables were patched
    assert state.apply(Delta(set(added), set()), 1) is False  # as the data holder applies a committed write
    assert INDEX_KEY not in state.cache


def test_an_app_serving_in_threads_patches_a_copy(store: OxigraphStore) -> None:
    """Outside `coopgraph serve` requests run in threads and may be reading the index: a write patches a copy,
    the index they hold is left as it was."""
    from coopgraph.core.writes.delta import Delta
    from coopgraph.web.app import create_app
    from coopgraph.web.state import EXTENSION, INDEX_KEY, SERVED_KEY

    app = create_app({SERVED_KEY: True}, store=store)
    state = app.extensions[EXTENSION]
    state.served = False  # as an app that commits its own writes (no journal needed for after_write)
    state.cache[INDEX_KEY] = index = MatchIndex.build(store)
    iri = CGR + "test-partner-6"
    added = partner(index, iri, "Company", sorted(index.sectors)[:1], sorted(index.countries.values())[0])
    assert state.apply(Delta(set(added), set()), 1) is True
    updated = state.cache[INDEX_KEY]
    assert updated is not index and iri in updated.kind_of and iri not in index.kind_of
    assert_same(updated, MatchIndex.build(store), [iri])
