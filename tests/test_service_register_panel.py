"""The register in the explorer's side panel (`/api/resource`, coopgraph/core/register_view.py): a partner's track
record (projects it funded or implemented, agreements it is a party to, by sector and province) and the one-click
search of partners for an open demand (`match_url`, read back by /match and answered by /api/match).

The store holds the shipped graph and a register: tests/fixtures/register/loja-pichincha-register.ttl (signed
instruments, demands) and tests/fixtures/register/loja-project-aecid.ttl (a project AECID funds, executing an
agreement the Andalusian agency signed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from backends import Backend
from flask import Flask
from flask.testing import FlaskClient

from coopgraph.core.iati import REGISTER_GRAPH
from coopgraph.core.store import Store
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION

CGR = "https://w3id.org/coopgraph/id/"
REGISTER = Path(__file__).parent / "fixtures" / "register"
PROJECT = CGR + "actividad/EC-GADPL-2025-RIEGO-07"
AGREEMENT = CGR + "instrumento/ec-l-2025-004"
IRRIGATION = CGR + "sector-riego-y-drenaje"


pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def register_store(backend: Backend) -> Iterator[Store]:
    """The shipped graphs and two register files, on a store of the module's own on each backend."""
    with backend.fresh() as own:
        own.store.load(
            [REGISTER / "loja-pichincha-register.ttl", REGISTER / "loja-project-aecid.ttl"], graph=REGISTER_GRAPH
        )
        yield own.store


@pytest.fixture
def register_client(register_store: Store) -> Iterator[FlaskClient]:
    app: Flask = create_app({}, store=register_store)
    yield app.test_client()
    app.extensions[EXTENSION].close()


def resource(client: FlaskClient, iri: str, lang: str = "es") -> dict[str, object]:
    response = client.get("/api/resource?" + urlencode({"iri": iri, "lang": lang}))
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, object] = response.get_json()
    return body


def test_a_funder_has_its_track_record(register_client: FlaskClient) -> None:
    track = resource(register_client, CGR + "aecid")["track"]
    assert isinstance(track, dict) and track["total"] == 1
    (record,) = track["records"]
    assert (record["iri"], record["label"], record["kind"]) == (PROJECT, "Riego tecnificado en Catamayo", "activity")
    assert [role["code"] for role in record["roles"]] == ["1"]
    assert record["province"] == {"iri": CGR + "provincia-ec-l", "label": "Loja"}
    assert [s["iri"] for s in record["sectors"]] == [IRRIGATION]
    assert [c["iri"] for c in record["codes"]] == ["https://w3id.org/coopgraph/iati/Sector/31140"]
    assert (record["start"], record["end"]) == ("2025-03-01", "2026-12-31")
    assert track["by_sector"] == [{"iri": IRRIGATION, "label": "Riego y drenaje", "records": 1}]
    assert track["by_province"] == [{"iri": CGR + "provincia-ec-l", "label": "Loja", "records": 1}]


def test_an_agreement_party_gets_the_sectors_of_the_projects_executing_it(register_client: FlaskClient) -> None:
    track = resource(register_client, CGR + "aacid", "en")["track"]
    assert isinstance(track, dict)
    (record,) = track["records"]
    assert (record["iri"], record["kind"], record["kind_label"]) == (AGREEMENT, "agreement", "Signed instrument")
    assert [s["label"] for s in record["sectors"]] == ["Irrigation and drainage"]


def test_the_provincial_government_has_both(register_client: FlaskClient) -> None:
    track = resource(register_client, CGR + "gadp-loja")["track"]
    assert isinstance(track, dict)
    kinds = {(r["iri"], r["kind"]) for r in track["records"]}
    assert {(PROJECT, "activity"), (AGREEMENT, "agreement"), (CGR + "instrumento/ec-l-2023-001", "agreement")} <= kinds


def test_an_actor_the_registers_do_not_name_has_none(register_client: FlaskClient) -> None:
    body = resource(register_client, CGR + "giz")
    assert body["track"] is None and body["demand_match"] is None and "match_url" not in body


def test_an_open_demand_is_matched_in_one_click(register_client: FlaskClient) -> None:
    body = resource(register_client, CGR + "demanda/ec-l-2024-002")
    assert body["demand_match"] == {
        "sector": [CGR + "sector-cambio-climatico", CGR + "sector-gestion-de-riesgos"],
        "requester": "EC-L",
        "cooperation": CGR + "tipo-tecnica",
    }
    link = urlsplit(str(body["match_url"]))
    params = parse_qs(link.query)
    assert link.path == "/match" and params["sector"] == body["demand_match"]["sector"]  # type: ignore[index]
    assert (params["requester"], params["cooperation"], params["lang"]) == (["EC-L"], [CGR + "tipo-tecnica"], ["es"])
    page = register_client.get(str(body["match_url"]))
    assert page.status_code == 200 and "sector-gestion-de-riesgos" in page.get_data(as_text=True)  # the prefill
    answer = register_client.get("/api/match?" + link.query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    found = answer.get_json()
    assert found["requester"]["code"] == "EC-L" and found["results"]
    assert found["filters"]["cooperation"]["iri"] == CGR + "tipo-tecnica"
    themes = {theme["iri"] for theme in found["need"]["themes"]}
    assert themes == {CGR + "sector-cambio-climatico", CGR + "sector-gestion-de-riesgos"}


def test_an_answered_demand_offers_no_search(register_client: FlaskClient) -> None:
    body = resource(register_client, CGR + "demanda/ec-l-2022-001")
    assert body["demand_match"] is None and "match_url" not in body


def test_the_explorer_has_the_strings(register_client: FlaskClient) -> None:
    for lang, words in (("es", "Buscar socios para esta demanda"), ("en", "Track record in the provincial registers")):
        assert words in register_client.get(f"/explore?lang={lang}").get_data(as_text=True)
