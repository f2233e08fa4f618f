"""The side panel's two-hop links read the same from a remote SPARQL store as from the embedded one.

`through.hops_of` reads a record's participations (blank nodes) by pattern on Oxigraph and in one query per row
on a remote store (`Patterns.through`, `Patterns.through_to`): the two must give the same panel. Data: the
ontology, the IATI code lists, tests/fixtures/register/network-records.ttl and two actors it names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engines import OxigraphServer

from coopgraph.core.iati import REGISTER_GRAPH
from coopgraph.core.loading import CODELISTS_GRAPH, DATA_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.projection import UnknownResource
from coopgraph.core.resource_view import describe_resource
from coopgraph.core.store import OxigraphStore, Store
from coopgraph.core.vocab import CGR

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
ACTORS = """@prefix cg: <https://w3id.org/coopgraph/def#> . @prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
cgr:aecid a cg:CooperationAgency ; rdfs:label "AECID" .
cgr:gadp-loja a cg:SubnationalGovernment ; rdfs:label "Gobierno Provincial de Loja"@es ."""
PANELS = (
    CGR + "actividad/EC-GADPL-2025-001",
    CGR + "instrumento/ec-l-2025-010",
    CGR + "aecid",
    CGR + "gadp-loja",
    CGR + "organizacion-nombrada/nombre/mancomunidad-del-sur-de-ejemplo",
)


def fill(store: Store, folder: Path) -> None:
    actors = folder / "actors.ttl"
    actors.write_text(ACTORS, encoding="utf-8")
    store.load(sorted((ROOT / "ontology").glob("*.ttl")), graph=ONTOLOGY_GRAPH)
    store.load(sorted((ROOT / "graph" / "codelists").glob("*.ttl")), graph=CODELISTS_GRAPH)
    store.load([actors], graph=DATA_GRAPH)
    store.load([FIXTURES / "register" / "network-records.ttl"], graph=REGISTER_GRAPH)


def test_a_remote_store_gives_the_same_panels(oxigraph_server: OxigraphServer, tmp_path: Path) -> None:
    remote = oxigraph_server.store()
    remote.clear()
    try:
        with OxigraphStore.in_memory() as embedded:
            fill(embedded, tmp_path)
            fill(remote, tmp_path)
            for iri in PANELS:
                for lang in ("es", "en"):
                    here, there = describe_resource(embedded, iri, lang=lang), describe_resource(remote, iri, lang=lang)
                    assert any(link.get("via") for link in here["links"]), iri
                    assert there["links"] == here["links"] and there["facts"] == here["facts"], (iri, lang)
                    assert (there["kind"], there["label"]) == (here["kind"], here["label"])
            for store in (embedded, remote):
                with pytest.raises(UnknownResource):
                    describe_resource(store, CGR + "organizacion-nombrada/ref/NADIE")
    finally:
        remote.clear()
        remote.close()
