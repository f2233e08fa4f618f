"""Searching and filtering the register list: `GET /api/register/records` with `q`, `partner`, `sector`, `status`,
`year`, `kind`, `province` and `limit`/`offset`, against an app of its own holding a few records saved by forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from backends import Backend
from flask.testing import FlaskClient

from coopgraph.core.iati.model import REGISTER_GRAPH
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION

ID = "https://w3id.org/coopgraph/id/"
CG = "https://w3id.org/coopgraph/def#"
RIEGO = ID + "sector-riego-y-drenaje"
GADP_LOJA = ID + "gadp-loja"
FORMS: dict[str, dict[str, Any]] = {
    "education": {
        "kind": "agreement",
        "province": "EC-L",
        "instrument": "CooperationAgreement",
        "title_es": "Convenio de Educación Rural",
        "title_en": "Rural education agreement",
        "parties": [
            {"name": "", "role": "2", "actor": GADP_LOJA},
            {"name": "Agencia Vasca de Cooperación", "role": "1"},
        ],
        "signed": "2024-03-01",
    },
    "irrigation": {
        "kind": "demand",
        "province": "EC-L",
        "title_es": "Riego en Zapotillo",
        "title_en": "Irrigation in Zapotillo",
        "themes": [RIEGO],
        "priority": "HighPriority",
        "status": "DemandIdentified",
        "stated": "2025-02-10",
        "territories": [ID + "provincia-ec-l"],
        "pdot_es": "Objetivo 2: soberanía alimentaria",
    },
    "canals": {
        "kind": "activity",
        "province": "EC-L",
        "title_es": "Canales de riego de Macará",
        "title_en": "Irrigation canals of Macará",
        "description_es": "Canales de riego para las comunidades de Macará.",
        "activity_status": "2",
        "planned_start": "2025-06-01",
        "planned_end": "2027-06-01",
        "participants": [
            {"name": "Fundación Ejemplo", "role": "1"},
            {"name": "Gobierno Provincial de Loja", "role": "4"},
        ],
        "sectors": [RIEGO],
        "territory": ID + "provincia-ec-l",
    },
    "tourism": {
        "kind": "agreement",
        "province": "EC-P",
        "instrument": "MemorandumOfUnderstanding",
        "title_es": "Memorándum sobre turismo comunitario",
        "title_en": "Memorandum on community tourism",
        "parties": [{"name": "Agencia Vasca de Cooperación", "role": "1"}, {"name": "Prefectura", "role": "2"}],
        "signed": "2025-01-15",
    },
}


pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[tuple[FlaskClient, dict[str, str]]]:
    """The app on a store of its own on each backend with the four records of FORMS saved through the form API;
    their IRIs by name."""
    folder = tmp_path_factory.mktemp("register-search")
    secret = TokenBook(folder).add("ana", "all")
    with backend.fresh() as own:
        app = create_app({"data_dir": str(folder)}, store=own.store)
        try:
            client = app.test_client()
            iris: dict[str, str] = {}
            for name, form in FORMS.items():
                if name == "canals":
                    form = {**form, "executes": iris["education"]}
                answer = client.post("/api/register/records", json=form, headers={"Authorization": f"Bearer {secret}"})
                assert answer.status_code == 201, (name, answer.get_json()["error"].get("fields"))
                iris[name] = answer.get_json()["record"]
            yield client, iris
        finally:
            app.extensions[EXTENSION].close()


def _found(client: FlaskClient, iris: dict[str, str], **query: str) -> set[str]:
    answer = client.get("/api/register/records", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    names = {name for name, iri in iris.items() if iri in {row["iri"] for row in body["records"]}}
    assert body["total"] == len(body["records"]) == len(names)
    return names


def test_without_filters_every_record_of_every_province_or_of_one(saved: tuple[FlaskClient, dict[str, str]]) -> None:
    client, iris = saved
    assert _found(client, iris) == set(FORMS)
    assert _found(client, iris, province="EC-L") == {"education", "irrigation", "canals"}
    assert _found(client, iris, province="ec-p") == {"tourism"}


def test_the_text_search_ignores_accents_and_case_and_needs_every_word(
    saved: tuple[FlaskClient, dict[str, str]],
) -> None:
    client, iris = saved
    assert _found(client, iris, q="EDUCACION") == {"education"}
    assert _found(client, iris, q="educación rural") == {"education"}
    assert _found(client, iris, q="educación turismo") == set()
    assert _found(client, iris, q="riego") == {"irrigation", "canals"}
    assert _found(client, iris, q="macara") == {"canals"}
    assert _found(client, iris, q="community tourism") == {"tourism"}  # the English title too


def test_partner_by_actor_iri_or_by_name(saved: tuple[FlaskClient, dict[str, str]]) -> None:
    client, iris = saved
    assert _found(client, iris, partner=GADP_LOJA) == {"education"}
    assert _found(client, iris, partner="agencia vasca") == {"education", "tourism"}
    assert _found(client, iris, partner="Provincial de Loja") == {"education", "canals"}  # the actor's label, a name
    assert _found(client, iris, partner="nadie") == set()


def test_sector_status_year_and_kind(saved: tuple[FlaskClient, dict[str, str]]) -> None:
    client, iris = saved
    assert _found(client, iris, sector=RIEGO) == {"irrigation", "canals"}  # the activity by the DAC code it matches
    assert _found(client, iris, sector="https://w3id.org/coopgraph/iati/Sector/31140") == {"canals"}
    assert _found(client, iris, status=CG + "DemandIdentified") == {"irrigation"}
    assert _found(client, iris, status="DemandIdentified") == {"irrigation"}
    assert _found(client, iris, status="2") == {"canals"}
    assert _found(client, iris, status="https://w3id.org/coopgraph/iati/ActivityStatus/3") == set()
    assert _found(client, iris, year="2025") == {"irrigation", "canals", "tourism"}
    assert _found(client, iris, year="2024") == {"education"}
    assert _found(client, iris, kind="agreement") == {"education", "tourism"}
    assert _found(client, iris, kind="activity", province="EC-L", q="riego", year="2025") == {"canals"}
    years = client.get("/api/register/records?province=EC-L&year=2024").get_json()["years"]
    assert years == ["2025", "2024"]  # whatever the year picked, to pick another


def test_paging_gives_the_total_and_a_slice(saved: tuple[FlaskClient, dict[str, str]]) -> None:
    client, _ = saved
    whole = client.get("/api/register/records").get_json()
    assert whole["limit"] == 100 and whole["offset"] == 0 and whole["total"] == 4
    pages = [client.get(f"/api/register/records?limit=3&offset={start}").get_json() for start in (0, 3)]
    assert [len(page["records"]) for page in pages] == [3, 1] and {page["total"] for page in pages} == {4}
    assert [row["iri"] for page in pages for row in page["records"]] == [row["iri"] for row in whole["records"]]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1001", "limit=x", "offset=-1", "year=25", "kind=report2", "province=Loja"]
)
def test_bad_parameters_are_400(saved: tuple[FlaskClient, dict[str, str]], query: str) -> None:
    client, _ = saved
    assert client.get(f"/api/register/records?{query}").status_code == 400


def test_a_records_view_has_its_links_into_the_graph_and_its_writes(saved: tuple[FlaskClient, dict[str, str]]) -> None:
    client, iris = saved
    education = client.get("/api/register/view", query_string={"iri": iris["education"], "lang": "en"}).get_json()
    assert education["kind"] == "agreement" and education["title"] == "Rural education agreement"
    assert education["province"] == {"iri": ID + "provincia-ec-l", "code": "EC-L", "label": "Loja"}
    assert education["dates"] == {"signed": "2024-03-01"}
    loja = next(partner for partner in education["partners"] if partner["actor"] == GADP_LOJA)
    assert loja["actorLabel"] == "Provincial Government of Loja" and loja["roleLabel"]
    assert education["executedBy"] == [{"iri": iris["canals"], "label": "Irrigation canals of Macará"}]
    assert [source["creator"] for source in education["sources"]] == ["ana"]
    assert [w["operation"] for w in education["writes"]] == ["Register form"]
    canals = client.get("/api/register/view", query_string={"iri": iris["canals"]}).get_json()
    assert canals["executes"] == [{"iri": iris["education"], "label": "Convenio de Educación Rural"}]
    assert canals["status"]["label"] == "En ejecución" and canals["identifier"].startswith("EC-GADPL-2025-")
    assert [sector["iri"] for sector in canals["sectors"]] == ["https://w3id.org/coopgraph/iati/Sector/31140"]
    assert canals["territories"][0]["iri"] == ID + "provincia-ec-l"
    demand = client.get("/api/register/view", query_string={"iri": iris["irrigation"]}).get_json()
    assert demand["sectors"] == [{"iri": RIEGO, "label": "Riego y drenaje"}] and demand["priority"]["label"]
    assert client.get("/api/register/view?iri=" + ID + "gadp-loja").status_code == 404  # not a register record
    assert client.get("/api/register/view").status_code == 404


def test_the_list_a_write_changes_is_read_again(tmp_path: Any) -> None:
    """The list is kept between requests (coopgraph.core.forms.listing): a new record, or a record's title changed
    by SPARQL Update, shows in the very next list request."""
    secret = TokenBook(tmp_path).add("ana", "all")
    bearer = {"Authorization": f"Bearer {secret}"}
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        app = create_app({"data_dir": str(tmp_path)}, store=store)
        try:
            client = app.test_client()
            first = client.post("/api/register/records", json=FORMS["education"], headers=bearer)
            assert first.status_code == 201
            education = first.get_json()["record"]
            assert _found(client, {"education": education}, q="educacion") == {"education"}
            assert _found(client, {}, q="zapotillo") == set()
            second = client.post("/api/register/records", json=FORMS["irrigation"], headers=bearer)
            assert second.status_code == 201
            assert _found(client, {"irrigation": second.get_json()["record"]}, q="zapotillo") == {"irrigation"}
            assert _found(client, {}, q="alfabetizacion") == set()
            renamed = client.post(
                "/sparql",
                data={
                    "update": f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
                    WITH <{REGISTER_GRAPH}>
                    DELETE {{ <{education}> rdfs:label ?old }} INSERT {{ <{education}> rdfs:label "Convenio de alfabetización"@es }}
                    WHERE {{ <{education}> rdfs:label ?old FILTER(lang(?old) = "es") }}"""
                },
                headers=bearer,
            )
            assert renamed.status_code in (200, 204), renamed.get_data(as_text=True)
            assert _found(client, {"education": education}, q="alfabetizacion") == {"education"}
            english = {"education"}  # the English title stays
            assert _found(client, {"education": education}, q="rural education") == english
        finally:
            app.extensions[EXTENSION].close()
