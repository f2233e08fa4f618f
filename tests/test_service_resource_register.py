"""Over real HTTP (waitress): `/api/resource`, the explorer's side panel, lists the register's two-hop links.

A record lists its organisations with their IATI roles, an organisation the records it takes part in with its role,
and an organisation only the registers name (a stand-in node the projection mints, no triple of its own) has a
panel of its own; an IRI that is neither in the graph nor implied by a record is a 404.

Data: tests/fixtures/register/network-records.ttl and tests/fixtures/iati/loja-activities.xml (imported), over the
shipped graphs. What each panel should list is asked of the service's SPARQL endpoint and of `/api/export` (the
projection's edges), never of the panel's code.
"""

from __future__ import annotations

import datetime as dt
import io
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from test_service_writes import send

from coopgraph.core.iati import REGISTER_GRAPH, import_iati
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR, IATI
from coopgraph.web.app import create_app
from coopgraph.web.testing import live_server

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = CGR + "actividad/EC-GADPL-2025-001"
AGREEMENT = CGR + "instrumento/ec-l-2025-010"
IMPORTED = CGR + "actividad/EC-GADPL-2023-RIEGO-01"
AECID, LOJA = CGR + "aecid", CGR + "gadp-loja"
NAMED = CGR + "organizacion-nombrada/"
AGENCY = NAMED + "ref/XM-EXAMPLE-AGENCY"  # an imported participation names it by IATI identifier only
MANCOMUNIDAD = NAMED + "nombre/mancomunidad-del-sur-de-ejemplo"  # a party the form names by name only
ORGANISATIONS = ("participatingOrg", "party", "reportingOrg")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load([FIXTURES / "register" / "network-records.ttl"], graph=REGISTER_GRAPH)
        xml = (FIXTURES / "iati" / "loja-activities.xml").read_bytes()
        when = dt.datetime(2025, 3, 2, tzinfo=dt.UTC)
        import_iati(store, xml, file="loja-activities.xml", recorded_by="marta", recorded_at=when, province="EC-L")
        with live_server(create_app(store=store)) as url:
            yield url


def resource(base: str, iri: str, lang: str) -> dict[str, Any]:
    answer = send(base, "GET", "/api/resource?" + urllib.parse.urlencode({"iri": iri, "lang": lang}))
    assert answer.status == 200, answer.body
    return answer.json()


def select(base: str, query: str) -> list[dict[str, str]]:
    answer = send(
        base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), Accept="application/sparql-results+json"
    )
    assert answer.status == 200, answer.body
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def role_labels(base: str, lang: str) -> dict[str, str]:
    """The IATI organisation roles' labels in `lang`, by code, from the graph."""
    rows = select(
        base,
        f"""SELECT ?role ?label WHERE {{ ?role <http://www.w3.org/2004/02/skos/core#prefLabel> ?label
            FILTER(STRSTARTS(STR(?role), "{IATI}OrganisationRole/") && LANG(?label) = "{lang}") }}""",
    )
    return {row["role"].rsplit("/", 1)[1]: row["label"] for row in rows}


def two_hop(body: dict[str, Any]) -> set[tuple[str, str, str, str, str]]:
    """(direction, relation, other end, role code, role label) of the panel's links to or from organisations."""
    found = set()
    for link in body["links"]:
        if link["relation"] in ORGANISATIONS:
            qualifiers = {q["attribute"]: q["value"] for q in link.get("qualifiers", [])}
            found.add(
                (
                    link["direction"],
                    link["relation"],
                    link["target"],
                    qualifiers.get("role_code", ""),
                    qualifiers.get("role", ""),
                )
            )
    return found


def drawn(base: str, iri: str) -> set[tuple[str, str, str, str]]:
    """The two-hop edges touching `iri` in its ego network as /api/export draws it: (direction, relation, other end,
    role code)."""
    query = urllib.parse.urlencode({"format": "graphml", "focus": iri, "radius": "1"})
    answer = send(base, "GET", "/api/export?" + query)
    assert answer.status == 200, answer.body
    graph = nx.read_graphml(io.BytesIO(answer.body))
    return {
        ("out" if u == iri else "in", d["relation"], v if u == iri else u, d.get("role_code", ""))
        for u, v, d in graph.edges(data=True)
        if d["relation"] in ORGANISATIONS and iri in (u, v)
    }


def participations(base: str, pattern: str) -> set[tuple[str, str, str]]:
    """(record, relation key, role code) of the register's participations matching `pattern` (on ?part)."""
    rows = select(
        base,
        f"""SELECT ?record ?p ?role WHERE {{ GRAPH <{REGISTER_GRAPH}> {{
            VALUES ?p {{ <{CG}participatingOrg> <{CG}party> <{CG}reportingOrg> }}
            ?record ?p ?part . {pattern} OPTIONAL {{ ?part <{CG}organisationRole> ?role }} }} }}""",
    )
    return {(r["record"], r["p"].removeprefix(CG), r.get("role", "").rsplit("/", 1)[-1]) for r in rows}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_records_panel_lists_its_organisations_with_their_roles(base: str, lang: str) -> None:
    body = resource(base, PROJECT, lang)
    roles = role_labels(base, lang)
    rows = select(
        base,
        f"""SELECT ?p ?actor ?role WHERE {{ <{PROJECT}> ?p ?part . ?part <{CG}actor> ?actor
            VALUES ?p {{ <{CG}participatingOrg> <{CG}reportingOrg> }} OPTIONAL {{ ?part <{CG}organisationRole> ?role }} }}""",
    )
    expected = set()
    for row in rows:
        code = row.get("role", "").rsplit("/", 1)[-1]
        expected.add(("out", row["p"].removeprefix(CG), row["actor"], code, roles.get(code, "")))
    assert len(expected) == 3 and two_hop(body) == expected  # AECID funds, Loja implements and reports
    assert ("out", "participatingOrg", AECID, "1", roles["1"]) in two_hop(body)
    assert {(d, r, t, c) for d, r, t, c, _ in two_hop(body)} == drawn(base, PROJECT)
    funder = next(link for link in body["links"] if link["target"] == AECID)
    assert funder["target_kind"] == "agency" and funder["via"] == CG + "actor"
    assert [q["label"] for q in funder["qualifiers"]] == (
        ["rol", "código del rol"] if lang == "es" else ["role", "role code"]
    )


def test_an_actors_panel_lists_the_records_it_takes_part_in_with_its_role(base: str) -> None:
    roles = role_labels(base, "es")
    for actor in (AECID, LOJA):
        body = resource(base, actor, "es")
        expected = {
            ("in", relation, record, code, roles.get(code, ""))
            for record, relation, code in participations(base, f"?part <{CG}actor> <{actor}> .")
        }
        assert expected and two_hop(body) == expected, actor
        assert {(d, r, t, c) for d, r, t, c, _ in two_hop(body)} == drawn(base, actor)
    aecid = two_hop(resource(base, AECID, "en"))
    assert ("in", "participatingOrg", PROJECT, "1", role_labels(base, "en")["1"]) in aecid
    track = resource(base, AECID, "es")["track"]  # the track record is still there
    assert PROJECT in {record["iri"] for record in track["records"]}


@pytest.mark.parametrize(
    ("iri", "pattern"),
    [
        (AGENCY, f'?part <{CG}orgRef> "XM-EXAMPLE-AGENCY" FILTER NOT EXISTS {{ ?part <{CG}actor> ?any }}'),
        (
            MANCOMUNIDAD,
            f'?part <{CG}orgName> "Mancomunidad del Sur de Ejemplo"@es FILTER NOT EXISTS {{ ?part <{CG}actor> ?any }}',
        ),
    ],
)
def test_an_organisation_only_the_registers_name_has_a_panel(base: str, iri: str, pattern: str) -> None:
    assert select(base, f"SELECT * WHERE {{ <{iri}> ?p ?o }}") == []  # the store says nothing about it
    roles = role_labels(base, "en")
    body = resource(base, iri, "en")
    assert (body["iri"], body["kind"], body["class"]) == (iri, "named-organisation", CG + "NamedOrganisation")
    expected = {
        ("in", relation, record, code, roles.get(code, "")) for record, relation, code in participations(base, pattern)
    }
    assert expected and two_hop(body) == expected
    assert {(d, r, t, c) for d, r, t, c, _ in two_hop(body)} == drawn(base, iri)
    assert all(link["target_kind"] in ("activity", "agreement") for link in body["links"])
    assert not body["track"] and not body["demand_match"]


def test_a_stand_in_panel_says_its_name_ref_and_type(base: str) -> None:
    es, en = resource(base, AGENCY, "es"), resource(base, AGENCY, "en")
    names = select(
        base,
        f"""SELECT DISTINCT ?name ?type WHERE {{ ?part <{CG}orgRef> "XM-EXAMPLE-AGENCY" ; <{CG}orgName> ?name ;
            <{CG}orgType> ?code . ?code <http://www.w3.org/2004/02/skos/core#prefLabel> ?type
            FILTER(LANG(?type) = LANG(?name) || LANG(?name) = "") }}""",
    )
    assert {es["label"], en["label"]} == {row["name"] for row in names} and es["label"] != en["label"]
    facts = {fact["property"]: fact["value"] for fact in en["facts"]}
    assert facts[CG + "orgRef"] == "XM-EXAMPLE-AGENCY"
    assert facts[CG + "orgType"] in {row["type"] for row in names}
    assert CG + "organisationRole" not in facts and CG + "orgName" not in facts  # roles are on the links
    named = resource(base, MANCOMUNIDAD, "es")
    assert named["label"] == "Mancomunidad del Sur de Ejemplo"
    assert CG + "orgRef" not in {fact["property"] for fact in named["facts"]}


@pytest.mark.parametrize(
    "iri",
    [
        NAMED + "ref/NADIE",  # no record names it
        NAMED + "nombre/aecid",  # a record names AECID, but as the graph's actor: no stand-in
        NAMED + "ref/EC-GADPL/extra",
        NAMED,
        CGR + "no-such-resource",
    ],
)
def test_an_iri_neither_in_the_graph_nor_named_by_a_record_is_a_404(base: str, iri: str) -> None:
    answer = send(base, "GET", "/api/resource?" + urllib.parse.urlencode({"iri": iri}))
    assert answer.status == 404, answer.body
    assert answer.json()["error"]["message"]


def test_a_malformed_iri_is_a_400(base: str) -> None:
    answer = send(base, "GET", "/api/resource?" + urllib.parse.urlencode({"iri": NAMED + "ref/a b"}))
    assert answer.status == 400 and answer.json()["error"]["message"]
