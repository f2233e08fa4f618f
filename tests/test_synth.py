"""Synthetic data: deterministic, the study's shape, the vocabulary contract, practical at scale."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.synth import CG, SYNTH, synth_vocabulary, write_synthetic

IS_ACTOR = f"FILTER(STRSTARTS(STR(?a), '{SYNTH}actor-'))"
ACTOR_CLASSES = {"Network", "SubnationalGovernment", "CooperationAgency", "GovernmentAssociation"}
PREFIXES = """
PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def synth_text(*, actors: int, seed: int, format: str = "turtle", standalone: bool = True) -> str:
    out = io.StringIO()
    write_synthetic(out, actors=actors, seed=seed, format=format, vocabulary=synth_vocabulary(standalone=standalone))
    return out.getvalue()


def as_store(text: str, format: ox.RdfFormat = ox.RdfFormat.TURTLE) -> ox.Store:
    store = ox.Store()
    store.load(text.encode("utf-8"), format=format)
    return store


def select(store: ox.Store, body: str) -> list[ox.QuerySolution]:
    return list(store.query(PREFIXES + body))


@pytest.fixture(scope="module")
def standalone() -> ox.Store:
    """500 actors whose output declares every concept it uses."""
    return as_store(synth_text(actors=500, seed=7))


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = synth_text(actors=300, seed=42)
    assert synth_text(actors=300, seed=42) == first
    assert synth_text(actors=300, seed=43) != first
    assert first.startswith("# Synthetic coopgraph data (not from the study): 300 actors, seed 42.\n")


def test_turtle_and_ntriples_hold_the_same_graph() -> None:
    turtle = as_store(synth_text(actors=200, seed=1))
    ntriples = as_store(synth_text(actors=200, seed=1, format="ntriples"), ox.RdfFormat.N_TRIPLES)
    assert set(turtle) == set(ntriples)


def test_exactly_n_actors_of_the_contract_classes(standalone: ox.Store) -> None:
    rows = select(standalone, "SELECT ?a ?c WHERE { ?a a ?c . FILTER(STRSTARTS(STR(?a), STR(cg:) )) }")
    assert rows == []  # nothing typed in the ontology namespace
    actors = select(standalone, f"SELECT ?a ?c WHERE {{ ?a a ?c FILTER(STRSTARTS(STR(?a), '{SYNTH}actor-')) }}")
    assert len(actors) == 500
    classes = {row["c"].value.removeprefix(CG) for row in actors}
    assert classes == ACTOR_CLASSES
    counts = {c: sum(1 for row in actors if row["c"].value == CG + c) for c in classes}
    assert counts["SubnationalGovernment"] == max(counts.values())  # mostly subnational governments


CONTRACT_PROBLEMS = {
    "no Spanish and English label": """FILTER NOT EXISTS { ?a rdfs:label ?es, ?en
        FILTER(LANG(?es) = 'es' && LANG(?en) = 'en') }""",
    "country not a cg:Country with an ISO alpha-2 notation": """FILTER NOT EXISTS { ?a cg:country ?c .
        ?c a cg:Country ; skos:notation ?n FILTER(REGEX(?n, '^[A-Z]{2}$')) }""",
    "sector count outside 1-4": """{ SELECT ?a (COUNT(?s) AS ?k) WHERE { ?a cg:sector ?s } GROUP BY ?a }
        FILTER(?k < 1 || ?k > 4)""",
    "sector not a skos:Concept with es/en prefLabels": """?a cg:sector ?s FILTER NOT EXISTS {
        ?s a skos:Concept ; skos:prefLabel ?es, ?en FILTER(LANG(?es) = 'es' && LANG(?en) = 'en') }""",
    "membership of a non-network": "?a org:memberOf ?n FILTER NOT EXISTS { ?n a cg:Network }",
    "no cooperation type": "FILTER NOT EXISTS { ?a cg:cooperationType ?t }",
    "homepage not an IRI": "FILTER NOT EXISTS { ?a foaf:homepage ?h FILTER(isIRI(?h)) }",
    "source not a labelled cg:Reference": """FILTER NOT EXISTS { ?a dcterms:source ?r .
        ?r a cg:Reference ; rdfs:label ?l }""",
}


@pytest.mark.parametrize("problem", CONTRACT_PROBLEMS)
def test_every_actor_follows_the_vocabulary_contract(standalone: ox.Store, problem: str) -> None:
    query = f"SELECT DISTINCT ?a WHERE {{ ?a a ?class {IS_ACTOR} {CONTRACT_PROBLEMS[problem]} }} LIMIT 3"
    assert select(standalone, query) == []


def test_levels_only_where_the_contract_puts_them(standalone: ox.Store) -> None:
    missing = select(
        standalone,
        """SELECT ?a WHERE { VALUES ?c { cg:SubnationalGovernment cg:GovernmentAssociation }
        ?a a ?c FILTER NOT EXISTS { ?a cg:governmentLevel ?l } }""",
    )
    assert missing == []
    stray = select(
        standalone,
        """SELECT ?a WHERE { VALUES ?c { cg:Network cg:CooperationAgency }
        ?a a ?c ; cg:governmentLevel ?l }""",
    )
    assert stray == []


def test_actors_are_members_of_a_few_networks(standalone: ox.Store) -> None:
    query = f"""SELECT ?a (COUNT(?n) AS ?k) WHERE {{ ?a a ?c {IS_ACTOR} FILTER(?c != cg:Network)
        OPTIONAL {{ ?a org:memberOf ?n }} }} GROUP BY ?a"""
    rows = select(standalone, query)
    assert {int(row["k"].value) for row in rows} <= {1, 2, 3}
    assert len(rows) > 400


def test_synthetic_iris_stay_in_their_namespace(standalone: ox.Store) -> None:
    declared_elsewhere = {q.subject.value for q in standalone if not q.subject.value.startswith(SYNTH)}
    # only the fallback concept declarations (countries, concepts, schemes) live outside synth/
    assert all(
        re.match(r"https://w3id.org/coopgraph/id/(pais|sector|nivel|tipo|esquema)-", iri) for iri in declared_elsewhere
    ), sorted(declared_elsewhere)[:5]


def test_default_mode_points_at_the_shipped_concepts() -> None:
    vocabulary = synth_vocabulary()
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        declared_types = {(s, o) for s, p, o in vocabulary.declarations if p.endswith("#type")}
        shipped_sectors = [
            row["s"].value for row in store.query("SELECT ?s WHERE { ?s a <https://w3id.org/coopgraph/def#Sector> }")
        ]
        assert shipped_sectors, "the shipped data declares no cg:Sector"
        assert set(vocabulary.sectors) <= set(shipped_sectors)
        assert not any(o == CG + "Sector" for _, o in declared_types)  # reused, not redeclared


def test_large_output_streams(tmp_path: Path) -> None:
    out = tmp_path / "big.nt"
    with out.open("w", encoding="utf-8") as handle:
        count = write_synthetic(
            handle, actors=10_000, seed=1, format="ntriples", vocabulary=synth_vocabulary(standalone=True)
        )
    assert count == sum(1 for line in out.read_text("utf-8").splitlines() if not line.startswith("#"))
    assert count > 10 * 10_000


@pytest.mark.slow
def test_conforms_to_the_project_shapes(tmp_path: Path) -> None:
    from coopgraph.core import validation as validate
    from coopgraph.core.resources import resource_dir

    assert any(resource_dir("shapes").glob("*.ttl")), "no shapes/*.ttl shipped"
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        path = tmp_path / "synth.ttl"
        with path.open("w", encoding="utf-8") as handle:
            write_synthetic(handle, actors=300, seed=5)
        store.load([path], graph="https://w3id.org/coopgraph/graph/synth")
        report = validate.validate_store(store, lang="en")
    assert report.conforms, report.text("en")
