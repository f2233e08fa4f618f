"""The register page's API: `/api/writes/whoami`, `/api/register/options|records|record`, and a form saved through
the write path, both by `create_app` alone (Flask's client) and by `coopgraph serve` (whose front commits the write
the worker prepared: the answer must still name the record)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import Backend
from flask.testing import FlaskClient
from test_service_writes import bearer, send

from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION

SIGNED = (dt.date.today() - dt.timedelta(days=5)).isoformat()
FORM = {
    "kind": "agreement",
    "province": "EC-L",
    "instrument": "MemorandumOfUnderstanding",
    "title_es": "Memorándum de entendimiento sobre turismo",
    "title_en": "Memorandum of understanding on tourism",
    "parties": [{"name": "Gobierno Provincial de Loja", "role": "2"}, {"name": "Región de ejemplo", "role": "2"}],
    "signed": SIGNED,
}


pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[tuple[FlaskClient, str]]:
    """The app on a store of the module's own on each backend (its tests write), with a token for Loja."""
    folder = tmp_path_factory.mktemp("register-api")
    secret = TokenBook(folder).add("marta", "EC-L")
    with backend.fresh() as own:
        app = create_app({"data_dir": str(folder)}, store=own.store)
        try:
            yield app.test_client(), secret
        finally:
            app.extensions[EXTENSION].close()


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_whoami_names_the_token_and_its_scope_and_nothing_without_one(client: tuple[FlaskClient, Any]) -> None:
    app, secret = client
    assert app.get("/api/writes/whoami", headers=_auth(secret)).get_json() == {"name": "marta", "scope": "EC-L"}
    answer = app.get("/api/writes/whoami", headers=_auth("cgt_unknown"))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert app.get("/api/writes/whoami").status_code == 401


def test_the_options_come_from_the_graph_in_both_languages(client: tuple[FlaskClient, Any]) -> None:
    app, _ = client
    es, en = (app.get(f"/api/register/options?lang={lang}").get_json() for lang in ("es", "en"))
    loja = next(province for province in es["provinces"] if province["code"] == "EC-L")
    assert len(es["provinces"]) == 24 and loja["label"] == "Loja"
    assert es["roles"][0]["label"] == "Financiadora" and en["roles"][0]["label"] == "Funding"
    assert "https://w3id.org/coopgraph/id/sector-riego-y-drenaje" in {sector["iri"] for sector in es["sectors"]}
    assert {item["value"] for item in es["priorities"]} == {"HighPriority", "MediumPriority", "LowPriority"}
    assert (
        next(i["label"] for i in es["instruments"] if i["value"] == "TwinningAgreement") == "Acuerdo de hermanamiento"
    )


def test_a_form_is_saved_listed_and_read_back(client: tuple[FlaskClient, Any]) -> None:
    app, secret = client
    saved = app.post("/api/register/records", json=FORM, headers=_auth(secret))
    assert saved.status_code == 201, saved.get_json()
    record = saved.get_json()["record"]
    assert record.startswith(f"https://w3id.org/coopgraph/id/instrumento/ec-l-{SIGNED[:4]}-")
    listed = app.get("/api/register/records?province=EC-L&lang=en").get_json()["records"]
    assert {"iri": record, "kind": "agreement", "typeLabel": "Memorandum of understanding"}.items() <= next(
        row for row in listed if row["iri"] == record
    ).items()
    back = app.get("/api/register/record", query_string={"iri": record}).get_json()
    assert back["fields"]["title_en"] == FORM["title_en"] and back["fields"]["signed"] == SIGNED
    assert app.get("/api/register/record", query_string={"iri": "https://w3id.org/coopgraph/id/x"}).status_code == 404
    assert app.get("/api/register/records?province=Loja").status_code == 400


def test_refusals_name_their_fields(client: tuple[FlaskClient, Any]) -> None:
    app, secret = client
    unread = app.post("/api/register/records", json=FORM | {"signed": "ayer"}, headers=_auth(secret))
    assert unread.status_code == 422 and set(unread.get_json()["error"]["fields"]) == {"signed"}
    shapes = app.post("/api/register/records", json=FORM | {"title_es": ""}, headers=_auth(secret))
    error = shapes.get_json()["error"]
    assert shapes.status_code == 422 and error["report"]["counts"]["Violation"] >= 1
    assert list(error["fields"]) == ["title_es"] and "español" in error["fields"]["title_es"][0]["message_es"]
    assert app.post("/api/register/records", json=FORM).status_code == 401
    assert app.post("/api/register/records", data="x", headers=_auth(secret)).status_code == 400
    other = app.post("/api/register/records", json=FORM | {"province": "EC-P"}, headers=_auth(secret))
    assert other.status_code == 403


def test_a_second_post_of_the_same_form_fill_changes_nothing(client: tuple[FlaskClient, Any]) -> None:
    app, secret = client
    fill = FORM | {"submission": str(uuid.uuid4()), "title_es": "Memorándum sobre turismo comunitario"}
    first = app.post("/api/register/records", json=fill, headers=_auth(secret))
    assert first.status_code == 201, first.get_json()
    record = first.get_json()["record"]
    writes = app.get("/api/writes").get_json()["writes"]
    listed = app.get("/api/register/records?province=EC-L").get_json()["records"]
    again = app.post("/api/register/records", json=fill, headers=_auth(secret) | {"Accept-Language": "en"})
    error = again.get_json()["error"]
    assert again.status_code == 409 and error["record"] == record and error["reason"] == "already-submitted"
    assert record in error["message_es"] and record in error["message_en"] and "already saved" in error["message"]
    assert app.get("/api/writes").get_json()["writes"] == writes  # no second write
    assert app.get("/api/register/records?province=EC-L").get_json()["records"] == listed  # no second record
    other = app.post("/api/register/records", json=fill | {"submission": str(uuid.uuid4())}, headers=_auth(secret))
    assert other.status_code == 201 and other.get_json()["record"] != record  # another fill is another record
    bad = app.post("/api/register/records", json=fill | {"submission": "twice"}, headers=_auth(secret))
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"submission"}


@pytest.mark.slow
def test_coopgraph_serve_commits_a_form_and_names_the_record(backend: Backend, tmp_path: Path) -> None:
    secret = TokenBook(tmp_path).add("marta", "EC-L")
    with backend.fresh() as own, own.serve({"data_dir": str(tmp_path), "workers": 2}) as running:
        body = json.dumps(FORM)
        answer = send(
            running.base, "POST", "/api/register/records", body, Content_Type="application/json", **bearer(secret)
        )
        assert answer.status == 201, answer.body
        record = answer.json()["record"]
        listed = send(running.base, "GET", "/api/register/records?province=EC-L").json()["records"]
        assert record in {row["iri"] for row in listed}
        refused = send(
            running.base,
            "POST",
            "/api/register/records",
            json.dumps(FORM | {"parties": FORM["parties"][:1]}),  # type: ignore[index]
            Content_Type="application/json",
            **bearer(secret),
        )
        assert refused.status == 422 and "parties" in refused.json()["error"]["fields"]
