"""The register forms over real HTTP (waitress on loopback): the actor lookup behind the party picker, a project's
sector percentages held to 100 by the shapes, and a project edited in one write that a stale form cannot overwrite.

The app runs on its own in-memory copy of the shipped graph with a token of Loja in its data folder; each test
checks what was written through SPARQL and the audit (/api/writes), as any client would.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from served import serving, shipped_site
from test_service_writes import Answer, ask, bearer, send

from coopgraph.core.writes.tokens import TokenBook

ID = "https://w3id.org/coopgraph/id/"
CG = "https://w3id.org/coopgraph/def#"
DAC = "https://w3id.org/coopgraph/iati/Sector/"
REGISTER = "https://w3id.org/coopgraph/graph/register"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROJECT = {
    "kind": "activity",
    "province": "EC-L",
    "title_es": "Agua y saneamiento en Zapotillo",
    "title_en": "Water and sanitation in Zapotillo",
    "description_es": "Agua potable y alcantarillado para Zapotillo.",
    "activity_status": "2",
    "planned_start": "2025-03-01",
    "planned_end": "2027-03-01",
    "participants": [
        {"name": "AECID", "role": "1", "actor": ID + "aecid"},
        {"name": "Gobierno Provincial de Loja", "role": "4", "actor": ID + "gadp-loja"},
    ],
    "sectors": [{"sector": DAC + "14030", "percentage": "70"}, {"sector": DAC + "14022", "percentage": "30"}],
    "territory": ID + "provincia-ec-l",
}


@dataclass
class Site:
    base: str
    secret: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("register-forms")
    secret = TokenBook(folder).add("marta", "EC-L")
    with shipped_site(folder) as base:
        yield Site(base, secret)


def _get(site: Site, path: str, **params: str) -> Answer:
    return send(site.base, "GET", f"{path}?{urllib.parse.urlencode(params)}", Accept="application/json")


def _post(site: Site, form: dict[str, Any], **headers: str) -> Answer:
    body = json.dumps(form)
    return send(
        site.base,
        "POST",
        "/api/register/records",
        body,
        Content_Type="application/json",
        **bearer(site.secret),
        **headers,
    )


def _writes(site: Site) -> list[dict[str, Any]]:
    return list(_get(site, "/api/writes").json()["writes"])


def test_the_actor_lookup_finds_actors_by_part_of_a_name_in_either_language_or_an_acronym(site: Site) -> None:
    def found(q: str, lang: str = "es", limit: str = "10") -> list[dict[str, str]]:
        answer = _get(site, "/api/register/actors", q=q, lang=lang, limit=limit)
        assert answer.status == 200, answer.body
        return list(answer.json()["actors"])

    assert found("aecid")[0]["iri"] == ID + "aecid"  # an acronym, any case
    loja = found("PREFECTURA loja")  # every word, accents and case ignored
    assert [row["iri"] for row in loja] == [ID + "gadp-loja"] and loja[0]["matched"] == "Prefectura de Loja"
    assert loja[0]["label"] == "Gobierno Autónomo Descentralizado Provincial de Loja"
    english = found("provincial government of loja", lang="en")
    assert english[0]["iri"] == ID + "gadp-loja" and english[0]["label"] == "Provincial Government of Loja"
    assert len(found("agencia", limit="3")) == 3 and len(found("agencia")) > 3  # bounded by limit
    assert found("no existe ningún actor así") == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "loja", "limit": "0"},
        {"q": "loja", "limit": "51"},
        {"q": "a", "limit": "diez"},
    ],
)
def test_the_actor_lookup_refuses_bad_parameters_with_400(site: Site, params: dict[str, str]) -> None:
    answer = _get(site, "/api/register/actors", **params)
    assert answer.status == 400 and answer.json()["error"]["message_es"]


def test_sector_percentages_not_adding_up_to_100_are_refused_and_nothing_is_written(site: Site) -> None:
    before = _writes(site)
    title = "Proyecto con sectores al 90 por ciento"
    shares = [{"sector": DAC + "14030", "percentage": "60"}, {"sector": DAC + "14022", "percentage": "30"}]
    refused = _post(site, PROJECT | {"title_es": title, "sectors": shares})
    assert refused.status == 422, refused.body
    fields = refused.json()["error"]["fields"]
    assert list(fields) == ["sectors"] and "no suman 100" in fields["sectors"][0]["message_es"]
    assert "do not add up to 100" in fields["sectors"][0]["message_en"]
    assert _writes(site) == before
    assert not ask(site.base, f'?r <{LABEL}> "{title}"@es')
    unread = _post(site, PROJECT | {"sectors": [{"sector": DAC + "14030", "percentage": "setenta"}]})
    assert unread.status == 422 and list(unread.json()["error"]["fields"]) == ["sectors"]
    saved = _post(site, PROJECT | {"title_es": "Proyecto con sectores al 100 por ciento"})
    assert saved.status == 201, saved.body
    record = saved.json()["record"]
    assert len(_writes(site)) == len(before) + 1
    for code, percentage in (("14030", 70), ("14022", 30)):
        assert ask(
            site.base,
            f"GRAPH <{REGISTER}> {{ <{record}> <{CG}sectorShare> [ <{CG}sectorCode> <{DAC}{code}> ; "
            f"<{CG}percentage> ?p ] FILTER(?p = {percentage}) }}",
        )


def test_a_project_is_edited_in_one_revertable_write_and_a_stale_form_gets_409(site: Site) -> None:
    created = _post(site, PROJECT | {"title_es": "Proyecto que se edita"})
    assert created.status == 201, created.body
    record = created.json()["record"]
    read = _get(site, "/api/register/record", iri=record)
    version = read.json()["version"]
    assert read.status == 200 and read.headers["etag"] == f'"{version}"'
    fields = read.json()["fields"]
    assert fields["sectors"] == [
        {"sector": DAC + "14022", "percentage": "30"},
        {"sector": DAC + "14030", "percentage": "70"},
    ]
    assert {p["actor"] for p in fields["participants"]} == {ID + "aecid", ID + "gadp-loja"}
    edit = {"kind": "activity", "province": "EC-L", "iri": record, **fields, "title_es": "Proyecto ya editado"}
    missing = _post(site, edit)  # an edit that does not say which version it edits
    assert missing.status == 428 and missing.json()["error"]["message_es"]
    before = _writes(site)
    edited = _post(site, edit | {"version": version})
    assert edited.status == 200 and edited.json()["record"] == record, edited.body
    (write, *older) = _writes(site)
    assert older == before  # one audit entry
    assert ask(site.base, f'GRAPH <{REGISTER}> {{ <{record}> <{LABEL}> "Proyecto ya editado"@es }}')
    assert not ask(site.base, f'<{record}> <{LABEL}> "Proyecto que se edita"@es')
    assert _get(site, "/api/register/records", province="EC-L", q="Proyecto").json()["total"] >= 1
    assert [row["iri"] for row in _get(site, "/api/register/records", q="ya editado").json()["records"]] == [record]
    stale = _post(site, edit | {"version": version, "title_es": "Edición desde un formulario viejo"})
    error = stale.json()["error"]
    assert stale.status == 409 and error["reason"] == "edited-since" and error["record"] == record
    assert _writes(site)[0] == write  # nothing written
    assert not ask(site.base, f'?r <{LABEL}> "Edición desde un formulario viejo"@es')
    fresh = _get(site, "/api/register/record", iri=record).headers["etag"]
    by_header = _post(site, edit | {"title_es": "Editado con If-Match"}, If_Match=fresh)
    assert by_header.status == 200, by_header.body
    reverted = send(site.base, "POST", f"/api/writes/{_writes(site)[0]['id']}/revert", "", **bearer(site.secret))
    assert reverted.status == 200, reverted.body
    assert ask(site.base, f'GRAPH <{REGISTER}> {{ <{record}> <{LABEL}> "Proyecto ya editado"@es }}')
    assert not ask(site.base, f'<{record}> <{LABEL}> "Editado con If-Match"@es')


@pytest.mark.slow
def test_coopgraph_serve_edits_a_project_once_and_refuses_the_stale_edit(tmp_path: Path) -> None:
    """Under `coopgraph serve` (workers prepare, the front commits): the lookup, an edit, then the same stale edit."""
    secret = TokenBook(tmp_path).add("marta", "EC-L")
    with serving("--data-dir", str(tmp_path), "--workers", "2") as running:
        site = Site(running.base, secret)
        assert _get(site, "/api/register/actors", q="aecid").json()["actors"][0]["iri"] == ID + "aecid"
        created = _post(site, PROJECT | {"title_es": "Proyecto servido"})
        assert created.status == 201, created.body
        record = created.json()["record"]
        read = _get(site, "/api/register/record", iri=record).json()
        edit = {"kind": "activity", "province": "EC-L", "iri": record, "version": read["version"], **read["fields"]}
        before = _writes(site)
        first = _post(site, edit | {"title_es": "Proyecto servido y editado"})
        assert first.status == 200 and first.json()["record"] == record, first.body
        second = _post(site, edit | {"title_es": "Proyecto servido, edición vieja"})
        assert second.status == 409 and second.json()["error"]["reason"] == "edited-since", second.body
        assert len(_writes(site)) == len(before) + 1
        assert ask(site.base, f'<{record}> <{LABEL}> "Proyecto servido y editado"@es')
        assert not ask(site.base, f'<{record}> <{LABEL}> "Proyecto servido, edición vieja"@es')
