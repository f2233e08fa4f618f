"""The provinces' registers in the projection: records as nodes, their organisations through the participations
(two hops, with the IATI role on the edge), the organisations only the registers name, the records' own links.

Data: tests/fixtures/register/network-records.ttl (four records as the register form writes them) and
tests/fixtures/iati/loja-activities.xml imported by the IATI importer, over the shipped graphs. Expectations are
asked of the store in SPARQL, never of the projection code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from coopgraph.core.iati import REGISTER_GRAPH, import_iati
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.projection import Selection, SelectionError, UnknownResource, project
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR, IATI

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = CGR + "actividad/EC-GADPL-2025-001"
AGREEMENT = CGR + "instrumento/ec-l-2025-010"
DEMAND = CGR + "demanda/ec-l-2025-002"
REPORT = CGR + "informe/ec-l-2025-003"
IMPORTED = CGR + "actividad/EC-GADPL-2023-RIEGO-01"
AECID, LOJA, PROVINCE = CGR + "aecid", CGR + "gadp-loja", CGR + "provincia-ec-l"
NAMED = CGR + "organizacion-nombrada/"
ROLES = {"1": ("Financiadora", "Funding"), "2": ("Responsable", "Accountable"), "4": ("Ejecutora", "Implementing")}


@pytest.fixture(scope="module")
def register_store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load([FIXTURES / "register" / "network-records.ttl"], graph=REGISTER_GRAPH)
        xml = (FIXTURES / "iati" / "loja-activities.xml").read_bytes()
        when = dt.datetime(2025, 3, 2, tzinfo=dt.UTC)
        import_iati(store, xml, file="loja-activities.xml", recorded_by="marta", recorded_at=when, province="EC-L")
        yield store


@pytest.fixture(scope="module")
def nets(register_store: OxigraphStore) -> dict[str, nx.MultiDiGraph]:
    return {lang: project(register_store, lang=lang) for lang in ("es", "en")}


def edges_from(net: nx.MultiDiGraph, source: str, relation: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for _, target, data in net.out_edges(source, data=True):
        if data["relation"] == relation:
            found.setdefault(target, []).append(data)
    return found


def role_labels(store: OxigraphStore, lang: str) -> dict[str, str]:
    """IATI role code -> label in `lang`, asked of the codelist in the store."""
    rows = store.query(
        f"SELECT ?code ?label WHERE {{ ?c <http://www.w3.org/2004/02/skos/core#inScheme> <{IATI}OrganisationRole> ;"
        f" <http://www.w3.org/2004/02/skos/core#notation> ?code ; <http://www.w3.org/2000/01/rdf-schema#label> ?label"
        f' FILTER(LANG(?label) = "{lang}") }}'
    )
    return {row["code"].value: row["label"].value for row in rows}


def test_records_are_nodes_of_their_kind_with_their_dates_and_status(nets: dict[str, nx.MultiDiGraph]) -> None:
    es, en = nets["es"], nets["en"]
    assert {iri: es.nodes[iri]["kind"] for iri in (PROJECT, AGREEMENT, DEMAND, REPORT, IMPORTED)} == {
        PROJECT: "activity",
        AGREEMENT: "agreement",
        DEMAND: "demand",
        REPORT: "report",
        IMPORTED: "activity",
    }
    assert (es.nodes[PROJECT]["label"], en.nodes[PROJECT]["label"]) == (
        "Riego comunitario en Zapotillo",
        "Community irrigation in Zapotillo",
    )
    assert (es.nodes[PROJECT]["kind_label"], en.nodes[PROJECT]["kind_label"]) == (
        "Programa o proyecto de cooperación",
        "Cooperation programme or project",
    )
    project_en = en.nodes[PROJECT]
    assert (project_en["planned_start"], project_en["planned_end"], project_en["status"]) == (
        "2025-04-01",
        "2026-09-30",
        "Implementation",
    )
    assert project_en["iati_identifier"] == "EC-GADPL-2025-001"
    assert en.nodes[AGREEMENT]["class_label"] == "Cooperation agreement"
    assert (en.nodes[AGREEMENT]["signed"], en.nodes[AGREEMENT]["valid_until"]) == ("2025-02-14", "2027-02-13")
    assert (es.nodes[DEMAND]["priority"], es.nodes[DEMAND]["status"]) == ("Alta", "Atendida")
    assert en.nodes[REPORT]["report_date"] == "2025-04-15"
    assert en.nodes[IMPORTED]["hierarchy"] == 1 and en.nodes[IMPORTED]["actual_start"] == "2023-04-15"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_project_links_its_funder_and_implementer_with_their_roles(
    nets: dict[str, nx.MultiDiGraph], register_store: OxigraphStore, lang: str
) -> None:
    net, labels = nets[lang], role_labels(register_store, lang)
    orgs = edges_from(net, PROJECT, "participatingOrg")
    assert sorted(orgs) == [AECID, LOJA]
    assert [(d["role_code"], d["role"]) for d in orgs[AECID]] == [("1", labels["1"])]
    assert [(d["role_code"], d["role"]) for d in orgs[LOJA]] == [("4", labels["4"])]
    assert {code: labels[code] for code in ROLES} == {code: pair[lang == "en"] for code, pair in ROLES.items()}
    edge = orgs[AECID][0]
    assert (edge["property"], edge["via"]) == (CG + "participatingOrg", CG + "actor")
    assert edge["label"] == {"es": "organización participante", "en": "participating organisation"}[lang]
    assert list(edges_from(net, PROJECT, "reportingOrg")) == [LOJA]


def test_an_agreement_links_both_parties_one_of_them_named_only(nets: dict[str, nx.MultiDiGraph]) -> None:
    net = nets["en"]
    named = NAMED + "nombre/mancomunidad-del-sur-de-ejemplo"
    parties = edges_from(net, AGREEMENT, "party")
    assert sorted(parties) == [LOJA, named]
    assert {target: [d["role"] for d in data] for target, data in parties.items()} == {
        LOJA: ["Accountable"],
        named: ["Accountable"],
    }
    node = net.nodes[named]
    assert (node["kind"], node["label"], node["kind_label"]) == (
        "named-organisation",
        "Mancomunidad del Sur de Ejemplo",
        "Organisation named in a record",
    )


def test_organisations_an_iati_file_names_become_nodes_shared_by_the_records(
    nets: dict[str, nx.MultiDiGraph], register_store: OxigraphStore
) -> None:
    """Imported participations name no actor: by IATI identifier when they have one, else by name."""
    es, en = nets["es"], nets["en"]
    agency, region = NAMED + "ref/XM-EXAMPLE-AGENCY", NAMED + "ref/XM-EXAMPLE-REGION"
    junta = NAMED + "nombre/junta-de-regantes-de-malacatos"
    gadpl = NAMED + "ref/EC-GADPL"
    orgs = edges_from(en, IMPORTED, "participatingOrg")
    assert {target: sorted(d["role_code"] for d in data) for target, data in orgs.items()} == {
        agency: ["1"],
        gadpl: ["2"],
        junta: ["4"],
    }
    assert list(edges_from(en, IMPORTED, "reportingOrg")) == [gadpl]  # the same organisation, one node
    assert (es.nodes[agency]["label"], en.nodes[agency]["label"]) == (
        "Agencia de cooperación de ejemplo",
        "Example cooperation agency",
    )
    assert (en.nodes[agency]["org_ref"], en.nodes[agency]["org_type"]) == ("XM-EXAMPLE-AGENCY", "Government")
    assert en.nodes[junta]["label"] == "Junta de regantes de Malacatos" and "org_ref" not in en.nodes[junta]
    assert [d["role"] for _, _, d in en.in_edges(region, data=True)] == ["Funding"]  # the file's other activity
    # every organisation an imported participation names without an actor is a node (asked of the store)
    rows = register_store.query(
        f"""SELECT DISTINCT ?ref ?name WHERE {{ GRAPH <{REGISTER_GRAPH}> {{
            ?record <{CG}participatingOrg>|<{CG}reportingOrg>|<{CG}party> ?part .
            FILTER NOT EXISTS {{ ?part <{CG}actor> ?actor }}
            OPTIONAL {{ ?part <{CG}orgRef> ?ref }} OPTIONAL {{ ?part <{CG}orgName> ?name FILTER(LANG(?name) = "es") }}
        }} }}"""
    )
    expected = {row["ref"].value if row["ref"] else row["name"].value for row in rows}
    named = {d.get("org_ref") or d["label"] for _, d in es.nodes(data=True) if d["kind"] == "named-organisation"}
    assert len(expected) >= 5 and named == expected


def test_two_hop_edges_match_the_sparql_account(
    nets: dict[str, nx.MultiDiGraph], register_store: OxigraphStore
) -> None:
    rows = register_store.query(
        f"""SELECT ?record ?p ?actor ?role WHERE {{
            VALUES ?p {{ <{CG}participatingOrg> <{CG}party> }}
            ?record ?p ?part . ?part <{CG}actor> ?actor ; <{CG}organisationRole> ?role }}"""
    )
    expected = Counter(
        (row["record"].value, row["p"].value, row["actor"].value, row["role"].value.rsplit("/", 1)[1]) for row in rows
    )
    drawn = Counter(
        (u, d["property"], v, d["role_code"])
        for u, v, d in nets["es"].edges(data=True)
        if d["relation"] in ("participatingOrg", "party") and not v.startswith(NAMED)
    )
    assert sum(expected.values()) == 3 and drawn == expected  # the fixture names three actors


def test_records_link_to_what_they_execute_answer_report_and_where(nets: dict[str, nx.MultiDiGraph]) -> None:
    net = nets["en"]
    assert list(edges_from(net, PROJECT, "executes")) == [AGREEMENT]
    assert list(edges_from(net, DEMAND, "answeredBy")) == [PROJECT]
    assert list(edges_from(net, REPORT, "reportOn")) == [AGREEMENT]
    assert list(edges_from(net, DEMAND, "demandTheme")) == [CGR + "sector-riego-y-drenaje"]
    assert list(edges_from(net, PROJECT, "activityTerritory")) == [PROVINCE]
    assert all(list(edges_from(net, record, "registerProvince")) == [PROVINCE] for record in (PROJECT, REPORT))
    assert list(edges_from(net, PROJECT, "sectorCode")) == [IATI + "Sector/31140"]  # through its sector share
    assert net.nodes[IATI + "Sector/31140"]["kind"] == "iati-code"


def test_an_actors_ego_network_reaches_its_records(register_store: OxigraphStore) -> None:
    ego = project(register_store, Selection(focus=AECID, radius=1), lang="es")
    assert PROJECT in ego and ego.has_edge(PROJECT, AECID)
    wider = project(register_store, Selection(focus=AECID, radius=2, kinds=("activity", "agreement", "agency")))
    assert {PROJECT, AGREEMENT} <= set(wider)
    named = NAMED + "nombre/mancomunidad-del-sur-de-ejemplo"
    around = project(register_store, Selection(focus=named, radius=1))
    assert set(around) == {named, AGREEMENT}
    with pytest.raises(SelectionError, match="named-organisation"):
        project(register_store, Selection(focus=named, kinds=("activity",)))
    with pytest.raises(UnknownResource):
        project(register_store, Selection(focus=NAMED + "ref/NO-SUCH-ORG"))


def test_kinds_select_records_and_the_organisations_they_name(register_store: OxigraphStore) -> None:
    net = project(register_store, Selection(kinds=("activity", "named-organisation")), lang="en")
    assert {d["kind"] for _, d in net.nodes(data=True)} == {"activity", "named-organisation"}
    assert net.has_edge(IMPORTED, NAMED + "ref/XM-EXAMPLE-AGENCY")
    assert PROJECT in net and not edges_from(net, PROJECT, "participatingOrg")  # its actors are of other kinds


def test_a_construct_query_keeps_a_two_hop_edge_by_its_shortcut_triple(register_store: OxigraphStore) -> None:
    sparql = f"""CONSTRUCT {{ ?record <{CG}participatingOrg> ?actor }} WHERE {{
        ?record <{CG}participatingOrg>/<{CG}actor> ?actor FILTER(?actor = <{AECID}>) }}"""
    net = project(register_store, Selection(sparql=sparql), lang="en")
    assert set(net) == {PROJECT, AECID}
    assert [(d["relation"], d["role_code"]) for *_, d in net.edges(data=True)] == [("participatingOrg", "1")]


class _RemoteLike:
    """A store that only answers SPARQL (no native pattern reads), like a remote endpoint would."""

    def __init__(self, store: OxigraphStore) -> None:
        self._store = store

    def query(self, sparql: str, **options: Any) -> Any:
        return self._store.query(sparql, **options)


def test_a_remote_store_gives_the_same_register_network(register_store: OxigraphStore) -> None:
    """The participations are blank nodes: over SPARQL alone, one query reads each two-hop relation."""
    selection = Selection(focus=LOJA, radius=1)
    remote = project(_RemoteLike(register_store), selection)  # type: ignore[arg-type]
    native = project(register_store, selection)
    assert PROJECT in native and AGREEMENT in native
    assert dict(remote.nodes(data=True)) == dict(native.nodes(data=True))
    assert sorted(remote.edges(keys=True, data="role_code")) == sorted(native.edges(keys=True, data="role_code"))
