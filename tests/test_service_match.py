"""The partner matching API (coopgraph/web/match.py): answers and their shape, every bad input, the cached index.

Over Flask's test client and over real HTTP (waitress). Expected values come
from the store (provinces, labels, cooperation types), not from this file.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from backends import Backend
from flask import Flask
from flask.testing import FlaskClient

from coopgraph.core.store import OxigraphStore, Store
from coopgraph.web import match
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION
from coopgraph.web.testing import live_server

CGR = "https://w3id.org/coopgraph/id/"
EXPLANATION_TYPES = {"sector", "way", "place", "actor", "kind", "path", "mechanism", "space", "legal", "cooperation"}
NEEDS = ("educación", "cambio climático", "climate change", "empoderamiento de la mujer", "salud")
"""Needs in the study's wording (es) and in English; each must give partners."""
PROVINCE = "EC-L"
ACTOR = CGR + "regions4"
PROVINCES = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?province ?code ?label ?lang WHERE {
  ?province a cg:Province ; skos:notation ?code ; rdfs:label ?label . FILTER(LANG(?label) = ?lang)
} ORDER BY ?code"""
COOPERATION_TYPES = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?type ?label WHERE { ?type a cg:CooperationType ; skos:prefLabel ?label . FILTER(LANG(?label) = "en") }"""
PREF_LABEL = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label ?iri ?lang WHERE { ?iri skos:prefLabel ?label . FILTER(LANG(?label) = ?lang) }"""
EXISTS = "ASK { { ?iri ?p ?o } UNION { ?s ?p ?iri } }"


# --- fixtures ------------------------------------------------------------------------------------------------------


SETTINGS = {"max_body_bytes": 4_000}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return SETTINGS


pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def base_url(backend: Backend) -> Iterator[str]:
    """The service over real HTTP on each backend, shared by the module's HTTP tests."""
    with backend.live(SETTINGS) as url:
        yield url


@pytest.fixture
def own_store(backend: Backend) -> Iterator[Store]:
    """A store of this test's own with the shipped graphs, on the backend (tests that change the graph use it)."""
    with backend.fresh() as own:
        yield own.store


def _get(client: FlaskClient, path: str, **params: Any) -> Any:
    return client.get(path, query_string=params)


def _exists(store: Store, iri: str) -> bool:
    return bool(store.query(EXISTS, substitutions={ox.Variable("iri"): ox.NamedNode(iri)}))


def _error(response: Any, status: int) -> dict[str, Any]:
    """The JSON error body, after checking the status and the shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["title"] and error["message"]
    return error  # type: ignore[no-any-return]


class _Replay:
    """A socket stand-in that replays received bytes to http.client's response parser."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, *args: Any, **kwargs: Any) -> io.BytesIO:
        return io.BytesIO(self.data)


def _http(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One raw HTTP request; (status, headers, parsed JSON body).

    Reads until the server closes the connection (`Connection: close`), so no
    server-side socket is left open when the test's server stops.
    """
    parsed = urllib.parse.urlsplit(base)
    head = {"Host": parsed.netloc, "Connection": "close", **(headers or {})}
    if body is not None:
        head["Content-Length"] = str(len(body))
    lines = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in head.items())
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        sock.sendall((lines + "\r\n").encode("latin-1") + (body or b""))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = http.client.HTTPResponse(_Replay(b"".join(chunks)), method=method)  # type: ignore[arg-type]
    response.begin()
    data = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(data) if data else None


def _check_result(answer: dict[str, Any], *, limit: int = match.DEFAULT_LIMIT) -> None:
    """The contract's shape: results ranked by score in [0, 1], each with a non-empty explanation."""
    assert set(answer) >= {"need", "requester", "filters", "results"}
    results = answer["results"]
    assert results, "no partner for a need the study covers"
    assert len(results) <= limit
    scores = [result["score"] for result in results]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True), "results are not ranked by score"
    assert len({result["partner"] for result in results}) == len(results), "a partner is listed twice"
    for result in results:
        assert result["partner"].startswith("https://") and result["label"]
        assert result["explanation"], f"{result['partner']} has no stated basis"
        for item in result["explanation"]:
            assert item["type"] in EXPLANATION_TYPES and item["text"].strip() and item["resources"]


def _resources(answer: dict[str, Any]) -> set[str]:
    """Every IRI an answer names: partners, countries, themes' sectors, the requester, explanation resources."""
    iris = {theme["sector"] for theme in (answer.get("need") or {}).get("themes", [])}
    if answer.get("requester"):
        iris.add(answer["requester"]["iri"])
    for result in answer["results"]:
        iris.add(result["partner"])
        if result.get("country"):
            iris.add(result["country"]["iri"])
        iris.update(iri for item in result["explanation"] for iri in item["resources"])
    return iris


# --- answers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("need", NEEDS)
def test_match_answers_ranked_explained_partners(client: FlaskClient, need: str) -> None:
    response = _get(client, "/api/match", need=need, requester=PROVINCE)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    _check_result(answer)
    assert answer["need"]["text"] == need and answer["need"]["themes"]
    assert answer["requester"]["code"] == PROVINCE


@pytest.mark.parametrize(("method", "lang"), [("GET", "es"), ("POST", "en")])
def test_riego_reaches_partners_through_the_dac_chain(
    client: FlaskClient, shipped_store: OxigraphStore, method: str, lang: str
) -> None:
    """'riego': the study names no partner for irrigation, but DAC 31140 lies in category 311 (agriculture), on
    which Brazil's cooperation (its channels folded under it) and ORU-Fogar work: 200, ranked partners, each chain
    named resource by resource."""
    options = {"need": "riego", "requester": PROVINCE, "cooperation": "tecnica", "lang": lang}
    response = client.post("/api/match", json=options) if method == "POST" else _get(client, "/api/match", **options)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert [theme["sector"] for theme in answer["need"]["themes"]] == [CGR + "sector-riego-y-drenaje"]
    _check_result(answer)
    brazil = next(result for result in answer["results"] if result["partner"] == CGR + "pais-br")
    assert CGR + "abc" in {member["iri"] for member in brazil["group"]["members"]}
    chain = [
        CGR + "sector-riego-y-drenaje",
        "https://w3id.org/coopgraph/iati/Sector/31140",
        "https://w3id.org/coopgraph/iati/SectorCategory/311",
    ]
    for result in answer["results"]:
        first = result["explanation"][0]
        assert first["type"] == "sector" and first["resources"][:3] == chain
        assert first["resources"][-1] == result["partner"]
        assert ("CAD 31140" if lang == "es" else "DAC 31140") in first["text"]
    missing = sorted(iri for iri in _resources(answer) if not _exists(shipped_store, iri))
    assert not missing, missing


def test_a_theme_the_study_names_no_partner_for(client: FlaskClient) -> None:
    """'vialidad' is recognised (the competence's sector); no partner works on it or on a DAC-related sector: 200, none invented."""
    answer = _get(client, "/api/match", need="vialidad", requester=PROVINCE).get_json()
    assert [theme["sector"] for theme in answer["need"]["themes"]] == [CGR + "sector-vialidad"]
    assert answer["results"] == []


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("need", NEEDS)
def test_every_explanation_resource_exists_in_the_graph(
    client: FlaskClient, shipped_store: OxigraphStore, need: str, lang: str
) -> None:
    answer = _get(client, "/api/match", need=need, requester=PROVINCE, lang=lang, limit=match.MAX_LIMIT).get_json()
    iris = _resources(answer)
    assert len(iris) > len(answer["results"])
    missing = sorted(iri for iri in iris if not _exists(shipped_store, iri))
    assert not missing, f"IRIs named by the answer that the graph does not hold: {missing}"


def test_language_changes_labels_from_the_graph(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    answers = {lang: _get(client, "/api/match", need="educación", lang=lang).get_json() for lang in ("es", "en")}
    assert [r["partner"] for r in answers["es"]["results"]] == [r["partner"] for r in answers["en"]["results"]]
    for lang, answer in answers.items():
        for theme in answer["need"]["themes"]:
            labels = {
                row["label"].value  # type: ignore[index]
                for row in shipped_store.query(PREF_LABEL, substitutions={ox.Variable("lang"): ox.Literal(lang)})
                if row["iri"].value == theme["sector"]  # type: ignore[index]
            }
            assert theme["label"] in labels, (lang, theme)


def test_post_json_answers_like_get(client: FlaskClient) -> None:
    params = {"need": "cambio climático", "requester": PROVINCE, "limit": 5, "lang": "en"}
    got = _get(client, "/api/match", **params)
    posted = client.post("/api/match", json=params)
    assert got.status_code == posted.status_code == 200
    assert posted.get_json() == got.get_json()
    as_text = client.post("/api/match", json={**params, "limit": "5"})
    assert as_text.get_json() == got.get_json()


def test_sectors_alone_are_a_need(client: FlaskClient) -> None:
    sectors = [CGR + "sector-educacion", CGR + "sector-salud"]
    by_get = client.get("/api/match", query_string=[("sector", sectors[0]), ("sector", sectors[1])])
    by_post = client.post("/api/match", json={"sector": sectors})
    assert by_get.status_code == by_post.status_code == 200, by_get.get_data(as_text=True)
    _check_result(by_get.get_json())
    assert by_post.get_json() == by_get.get_json()
    single = client.post("/api/match", json={"sector": sectors[0]})
    assert single.status_code == 200 and single.get_json()["results"]


@pytest.mark.parametrize("limit", [1, 3, match.MAX_LIMIT])
def test_limit_is_respected(client: FlaskClient, limit: int) -> None:
    answer = _get(client, "/api/match", need="educación", limit=limit).get_json()
    _check_result(answer, limit=limit)


def test_no_requester_gives_null(client: FlaskClient) -> None:
    answer = _get(client, "/api/match", need="educación").get_json()
    assert answer["requester"] is None


def test_options_list_the_graphs_provinces_kinds_and_cooperation(
    client: FlaskClient, shipped_store: OxigraphStore
) -> None:
    for lang in ("es", "en"):
        options = _get(client, "/api/match/options", lang=lang).get_json()
        provinces = [
            (row["province"].value, row["code"].value, row["label"].value)  # type: ignore[index]
            for row in shipped_store.query(PROVINCES, substitutions={ox.Variable("lang"): ox.Literal(lang)})
        ]
        assert len(provinces) == 24
        offered = {(r["iri"], r["code"], r["label"]) for r in options["requesters"]}
        assert offered >= set(provinces)
        assert options["kinds"] and all(kind["key"] and kind["label"] for kind in options["kinds"])
        assert options["limit"] == {"default": match.DEFAULT_LIMIT, "max": match.MAX_LIMIT}
    english = {(r["type"].value, r["label"].value) for r in shipped_store.query(COOPERATION_TYPES)}  # type: ignore[index]
    assert {(c["iri"], c["label"]) for c in options["cooperation"]} == english


def test_every_offered_kind_and_province_is_accepted(client: FlaskClient) -> None:
    options = _get(client, "/api/match/options").get_json()
    for kind in options["kinds"]:
        response = _get(client, "/api/match", need="educación", kind=kind["key"])
        assert response.status_code == 200, (kind, response.get_data(as_text=True))
        assert all(result["kind"] == kind["key"] for result in response.get_json()["results"])
    for cooperation in options["cooperation"]:
        response = _get(client, "/api/match", need="educación", cooperation=cooperation["iri"])
        assert response.status_code == 200, (cooperation, response.get_data(as_text=True))
    for requester in options["requesters"]:
        response = _get(client, "/api/match", need="educación", requester=requester["iri"])
        assert response.status_code == 200, (requester, response.get_data(as_text=True))
        assert response.get_json()["requester"]["iri"] == requester["iri"]


def test_cooperation_a_province_cannot_manage_is_400(client: FlaskClient) -> None:
    """The study: a provincial government manages only non-reimbursable and technical cooperation."""
    error = _error(
        _get(client, "/api/match", need="educación", requester=PROVINCE, cooperation=CGR + "tipo-financiera"), 400
    )
    assert error["message_es"] != error["message"]
    assert (
        _get(client, "/api/match", need="educación", requester=PROVINCE, cooperation=CGR + "tipo-tecnica").status_code
        == 200
    )


# --- ways of cooperating, grouping, suggestions, CSV, the options of the page ------------------------------------


@pytest.mark.parametrize(
    "need",
    [
        "hermanamiento",
        "twinning",
        "GAD-GAD",
        "cooperación sur-sur",
        "triangular",
        "becas",
        "asistencia técnica",
        "fondos concursables",
    ],
)
def test_a_way_of_cooperating_alone_is_a_need(client: FlaskClient, need: str) -> None:
    """Needs that name only a way of cooperating were 400 "no theme matches"; they are read and answered."""
    response = _get(client, "/api/match", need=need, requester=PROVINCE)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["need"]["ways"] and not answer["need"]["themes"]
    _check_result(answer)
    for result in answer["results"]:
        assert result["strength"] in ("direct", "indirect", "weak") and result["why"]
        assert set(result["components"]) >= {"way", "relevance", "proximity", "channel"}


def test_an_unreadable_need_is_400_with_suggestions_in_its_language(client: FlaskClient) -> None:
    error = _error(_get(client, "/api/match", need="xqzvw plumbus", lang="en"), 400)
    suggestions = error["suggestions"]
    assert suggestions and all(set(s) == {"iri", "label", "facet"} for s in suggestions)
    assert {s["facet"] for s in suggestions} == {"theme", "way"}
    for suggestion in suggestions:
        assert _get(client, "/api/match", need=suggestion["label"], lang="en").status_code == 200
    spanish = _error(_get(client, "/api/match", need="reparación de zapatos", lang="en"), 400)
    options = {s["iri"]: s["label"] for s in _get(client, "/api/match/options", lang="es").get_json()["sectors"]}
    themes = [s for s in spanish["suggestions"] if s["iri"] in options]
    assert themes, "some suggestion is a sector of the picker"
    assert [s["label"] for s in themes] == [options[s["iri"]] for s in themes], "a Spanish need gets Spanish names"


def test_group_parameter(client: FlaskClient) -> None:
    grouped = _get(client, "/api/match", need="salud", limit=5).get_json()
    flat = _get(client, "/api/match", need="salud", limit=5, group="false").get_json()
    assert grouped["filters"]["group"] is True and flat["filters"]["group"] is False
    assert any(result["group"] for result in grouped["results"])
    assert all(result["group"] is None for result in flat["results"])
    for result in grouped["results"]:
        if result["group"]:
            assert result["group"]["members"] and {"iri", "label", "contact"} <= set(result["group"]["members"][0])
    spain = _get(client, "/api/match", need="salud", country="ES").get_json()
    assert spain["filters"]["group"] is False
    again = client.post("/api/match", json={"need": "salud", "limit": 5, "group": False}).get_json()
    assert again == flat


def test_csv_of_the_list(client: FlaskClient) -> None:
    """UTF-8 with a BOM (Excel on Windows reads the accents), one row per partner in the JSON answer's order."""
    params = {"need": "salud", "requester": PROVINCE, "limit": 5}
    answer = _get(client, "/api/match", **params).get_json()
    response = _get(client, "/api/match", format="csv", **params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="socios.csv"'
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["n.º", "socio", "IRI"]
    assert [row[2] for row in rows[1:]] == [result["partner"] for result in answer["results"]]
    assert [row[1] for row in rows[1:]] == [result["label"] for result in answer["results"]]
    assert [float(row[header.index("puntuación")]) for row in rows[1:]] == [r["score"] for r in answer["results"]]
    english = _get(client, "/api/match", format="csv", lang="en", **params)
    assert english.headers["Content-Disposition"] == 'attachment; filename="partners.csv"'
    assert english.get_data().decode("utf-8-sig").startswith("rank,partner,IRI")
    post = client.post("/api/match", json={**params, "format": "csv"})
    assert post.get_data() == data


def test_csv_of_similar_actors(client: FlaskClient) -> None:
    answer = client.get(f"/api/partners/{ACTOR}/similar", query_string={"limit": 5}).get_json()
    response = client.get(f"/api/partners/{ACTOR}/similar", query_string={"limit": 5, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == [result["partner"] for result in answer["results"]]


def test_options_for_a_province_offer_only_what_it_may_use(client: FlaskClient) -> None:
    everything = _get(client, "/api/match/options").get_json()
    scoped = _get(client, "/api/match/options", requester=PROVINCE).get_json()
    assert everything["cooperation_scope"] is None
    scope = {item["iri"] for item in scoped["cooperation_scope"]}
    assert scope == {CGR + "tipo-no-reembolsable", CGR + "tipo-tecnica"}
    offered = {item["iri"] for item in scoped["cooperation"]}
    assert scope <= offered < {item["iri"] for item in everything["cooperation"]}
    for item in scoped["cooperation"]:
        response = _get(client, "/api/match", need="educación", requester=PROVINCE, cooperation=item["iri"])
        assert response.status_code == 200, item
    for item in everything["cooperation"]:
        if item["iri"] not in offered:
            _error(_get(client, "/api/match", need="educación", requester=PROVINCE, cooperation=item["iri"]), 400)
    foreign = _get(client, "/api/match/options", requester="cgr:gore-antofagasta").get_json()
    assert foreign["cooperation_scope"] is None and foreign["cooperation"] == everything["cooperation"]
    _error(_get(client, "/api/match/options", requester="Lojaa"), 404)


def test_options_offer_sectors_with_partners(client: FlaskClient) -> None:
    sectors = _get(client, "/api/match/options", lang="en").get_json()["sectors"]
    assert len(sectors) >= 20 and all(set(s) == {"iri", "label", "broader"} for s in sectors)
    known = {s["iri"] for s in sectors}
    for sector in sectors:
        assert sector["broader"] is None or sector["broader"].startswith(CGR)
        response = _get(client, "/api/match", sector=sector["iri"], lang="en")
        assert response.status_code == 200 and response.get_json()["results"], sector
    assert CGR + "sector-vialidad" not in known, "a sector no partner relates to would only give an empty list"


def test_similar_actors(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    response = client.get(f"/api/partners/{ACTOR}/similar", query_string={"limit": 5})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    results = answer["results"]
    assert 0 < len(results) <= 5 and ACTOR not in {result["partner"] for result in results}
    for result in results:
        assert 0.0 <= result["score"] <= 1.0 and result["explanation"]
    missing = sorted(iri for iri in _resources(answer) if not _exists(shipped_store, iri))
    assert not missing
    encoded = client.get(f"/api/partners/{urllib.parse.quote(ACTOR, safe='')}/similar", query_string={"limit": 5})
    assert encoded.get_json() == answer


# --- bad input -----------------------------------------------------------------------------------------------------

BAD_GET: list[tuple[str, dict[str, Any]]] = [
    ("no parameters", {}),
    ("empty need", {"need": ""}),
    ("blank need", {"need": "   "}),
    ("need matching nothing", {"need": "xqzvw plumbus"}),
    ("need too long", {"need": "riego " * 200}),
    ("limit not an int", {"need": "educación", "limit": "ten"}),
    ("limit a float", {"need": "educación", "limit": "2.5"}),
    ("limit 0", {"need": "educación", "limit": "0"}),
    ("limit negative", {"need": "educación", "limit": "-3"}),
    ("limit over the max", {"need": "educación", "limit": str(match.MAX_LIMIT + 1)}),
    ("bad kind", {"need": "educación", "kind": "spaceship"}),
    ("bad lang", {"need": "educación", "lang": "fr"}),
    ("bad country", {"need": "educación", "country": "ZZ"}),
    ("unknown parameter", {"need": "educación", "needs": "x"}),
    ("bad group", {"need": "educación", "group": "maybe"}),
    ("bad format", {"need": "educación", "format": "xlsx"}),
]


@pytest.mark.parametrize(("case", "params"), BAD_GET, ids=[case for case, _ in BAD_GET])
def test_bad_get_is_400_with_a_message(client: FlaskClient, case: str, params: dict[str, Any]) -> None:
    _error(_get(client, "/api/match", **params), 400)


def test_repeated_parameter_is_400(client: FlaskClient) -> None:
    error = _error(client.get("/api/match", query_string=[("need", "salud"), ("need", "educación")]), 400)
    assert "need" in error["message"]


@pytest.mark.parametrize("requester", ["EC-QQ", "Lojaa", CGR + "gadp-atlantida"])
def test_unknown_requester_is_404_with_suggestions(client: FlaskClient, requester: str) -> None:
    error = _error(_get(client, "/api/match", need="educación", requester=requester), 404)
    assert isinstance(error["suggestions"], list)
    for suggestion in error["suggestions"]:
        assert suggestion["iri"].startswith("https://") and suggestion["label"]


def test_requester_suggestions_are_close_matches(client: FlaskClient) -> None:
    error = _error(_get(client, "/api/match", need="educación", requester="Lojaa"), 404)
    labels = [suggestion["label"] for suggestion in error["suggestions"]]
    assert any("Loja" in label for label in labels), labels


BAD_POST: list[tuple[str, int, dict[str, Any]]] = [
    ("text body", 415, {"data": "need=riego", "content_type": "text/plain"}),
    ("form body", 415, {"data": {"need": "riego"}}),
    ("no content type", 415, {"data": b"{}"}),
    ("malformed JSON", 400, {"data": '{"need": "riego",', "content_type": "application/json"}),
    ("not UTF-8", 400, {"data": b'{"need": "\xff"}', "content_type": "application/json"}),
    ("latin-1 charset", 415, {"data": '{"need": "riego"}', "content_type": "application/json; charset=latin-1"}),
    ("JSON array", 400, {"json": ["riego"]}),
    ("JSON string", 400, {"json": "riego"}),
    ("empty object", 400, {"json": {}}),
    ("need a number", 400, {"json": {"need": 42}}),
    ("sector list of numbers", 400, {"json": {"sector": [1, 2]}}),
    ("limit a bool", 400, {"json": {"need": "educación", "limit": True}}),
    ("limit a float", 400, {"json": {"need": "educación", "limit": 2.5}}),
    ("limit over the max", 400, {"json": {"need": "educación", "limit": match.MAX_LIMIT + 1}}),
    ("limit 0", 400, {"json": {"need": "educación", "limit": 0}}),
    ("bad kind", 400, {"json": {"need": "educación", "kind": "spaceship"}}),
    ("bad lang", 400, {"json": {"need": "educación", "lang": "de"}}),
    ("unknown key", 400, {"json": {"need": "educación", "province": "EC-L"}}),
    ("unknown requester", 404, {"json": {"need": "educación", "requester": "EC-QQ"}}),
    ("oversize body", 413, {"json": {"need": "riego " * 2_000}}),
]


@pytest.mark.parametrize(("case", "status", "kwargs"), BAD_POST, ids=[case for case, _, _ in BAD_POST])
def test_bad_post_is_refused_clearly(client: FlaskClient, case: str, status: int, kwargs: dict[str, Any]) -> None:
    _error(client.post("/api/match", **kwargs), status)


def test_post_with_url_parameters_is_400(client: FlaskClient) -> None:
    _error(client.post("/api/match?lang=en", json={"need": "salud"}), 400)


def test_unknown_requester_names_the_value(client: FlaskClient) -> None:
    error = _error(_get(client, "/api/match", need="salud", requester="EC-QQ"), 404)
    assert error["value"] == "EC-QQ" and "EC-QQ" in error["message"] and error["message_es"]


def test_malformed_json_says_where(client: FlaskClient) -> None:
    error = _error(client.post("/api/match", data='{\n "need": riego}', content_type="application/json"), 400)
    assert (error["line"], error["column"]) == (2, 10)


@pytest.mark.parametrize(
    ("params", "status"),
    [({"limit": "x"}, 400), ({"limit": "0"}, 400), ({"limit": "51"}, 400), ({"lang": "fr"}, 400), ({"foo": "1"}, 400)],
)
def test_bad_similar_parameters(client: FlaskClient, params: dict[str, str], status: int) -> None:
    _error(client.get(f"/api/partners/{ACTOR}/similar", query_string=params), status)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [({"need": "salud", "group": "perhaps"}, "'group'"), ({"need": "salud", "format": 3}, "'format'")],
)
def test_bad_post_values_are_400(client: FlaskClient, body: dict[str, Any], fragment: str) -> None:
    assert fragment in _error(client.post("/api/match", json=body), 400)["message"]


def test_bad_similar_format_is_400(client: FlaskClient) -> None:
    error = _error(client.get(f"/api/partners/{ACTOR}/similar", query_string={"format": "pdf"}), 400)
    assert "'format'" in error["message"]


@pytest.mark.parametrize("actor", [CGR + "no-such-actor", "aecidd", CGR + "sector-educacion-x"])
def test_unknown_similar_actor_is_404_with_suggestions(client: FlaskClient, actor: str) -> None:
    error = _error(client.get(f"/api/partners/{urllib.parse.quote(actor, safe='')}/similar"), 404)
    assert isinstance(error["suggestions"], list)


def test_bad_options_lang(client: FlaskClient) -> None:
    _error(_get(client, "/api/match/options", lang="xx"), 400)


@pytest.mark.parametrize(
    "params",
    [
        {"need": "riego\x00y drenaje"},
        {"need": "💧 agua"},
        {"need": "<script>alert(1)</script>"},
        {"need": "educación", "sector": "not a sector"},
        {"need": "educación", "cooperation": "tipo-no-existe"},
        {"need": "educación", "country": "https://example.org/x"},
        {"need": "educación", "requester": "'; DROP"},
    ],
)
def test_odd_input_never_fails_the_server(client: FlaskClient, params: dict[str, str]) -> None:
    response = _get(client, "/api/match", **params)
    assert response.status_code in (200, 400, 404), response.get_data(as_text=True)
    if response.status_code != 200:
        _error(response, response.status_code)


def test_wrong_method_is_405(client: FlaskClient) -> None:
    _error(client.delete("/api/match"), 405)
    _error(client.post(f"/api/partners/{ACTOR}/similar"), 405)


def test_every_route_is_documented(app: Flask) -> None:
    """service/README.md's "Partner matching" section lists each route of the blueprint."""
    readme = (Path(__file__).parents[1] / "service" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Partner matching", 1)[1].split("\n## ", 1)[0]
    rules = [
        rule.rule.replace("<path:iri>", "<IRI>")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("match.")
    ]
    assert len(rules) == 4
    for rule in rules:
        assert f" {rule}`" in section, rule


# --- the cached index ----------------------------------------------------------------------------------------------


def test_index_is_built_once_and_kept(app: Flask, client: FlaskClient) -> None:
    _get(client, "/api/match/options")
    first = app.extensions[EXTENSION].cache[match.INDEX_KEY]
    _get(client, "/api/match", need="salud")
    assert app.extensions[EXTENSION].cache[match.INDEX_KEY] is first


def test_index_is_rebuilt_when_the_graph_changes(own_store: Store) -> None:
    app = create_app(store=own_store)
    client = app.test_client()
    before = _get(client, "/api/match/options").get_json()
    first = app.extensions[EXTENSION].cache[match.INDEX_KEY]
    own_store.update(
        """PREFIX cg: <https://w3id.org/coopgraph/def#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX cgr: <https://w3id.org/coopgraph/id/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        INSERT DATA { GRAPH <https://w3id.org/coopgraph/graph/local> {
          cgr:provincia-ec-test a cg:Province ; skos:notation "EC-TEST" ;
            rdfs:label "Provincia de prueba"@es, "Test province"@en ; cg:inCountry cgr:pais-ec ;
            dcterms:source cgr:ref-estudio .
        } }"""
    )
    after = _get(client, "/api/match/options").get_json()
    second = app.extensions[EXTENSION].cache[match.INDEX_KEY]
    assert second is not first and second.is_current(own_store)
    assert len(after["requesters"]) == len(before["requesters"]) + 1
    assert "EC-TEST" in {requester["code"] for requester in after["requesters"]}


def test_concurrent_requests_build_the_index_once(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real_build = match.MatchIndex.build
    started = threading.Barrier(8, timeout=30)

    def counting_build(store: Store) -> Any:
        builds.append(1)
        return real_build(store)

    monkeypatch.setattr(match.MatchIndex, "build", staticmethod(counting_build))
    app = create_app(store=backend.store)
    statuses: list[int] = []

    def ask(base: str) -> None:
        started.wait()
        statuses.append(_http(base, "GET", "/api/match?need=salud")[0])

    with live_server(app, threads=8) as base:
        threads = [threading.Thread(target=ask, args=(base,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert statuses == [200] * 8
    assert len(builds) == 1


# --- over real HTTP ------------------------------------------------------------------------------------------------


def test_http_get_and_post(base_url: str) -> None:
    query = urllib.parse.urlencode({"need": "empoderamiento de la mujer", "requester": PROVINCE, "limit": 5})
    status, headers, got = _http(base_url, "GET", f"/api/match?{query}")
    assert status == 200 and headers["content-type"].startswith("application/json")
    _check_result(got, limit=5)
    body = json.dumps({"need": "empoderamiento de la mujer", "requester": PROVINCE, "limit": 5}).encode()
    status, _, posted = _http(base_url, "POST", "/api/match", body, {"Content-Type": "application/json"})
    assert status == 200 and posted == got


@pytest.mark.parametrize(
    ("case", "status", "body", "content_type"),
    [
        ("not JSON", 415, b"need=riego", "application/x-www-form-urlencoded"),
        ("malformed JSON", 400, b'{"need": ', "application/json"),
        ("oversize body", 413, json.dumps({"need": "riego " * 2_000}).encode(), "application/json"),
        ("empty need", 400, b'{"need": ""}', "application/json"),
        ("unknown requester", 404, b'{"need": "salud", "requester": "EC-QQ"}', "application/json"),
    ],
)
def test_http_errors(base_url: str, case: str, status: int, body: bytes, content_type: str) -> None:
    got, headers, answer = _http(base_url, "POST", "/api/match", body, {"Content-Type": content_type})
    assert got == status and headers["content-type"].startswith("application/json")
    assert answer["error"]["status"] == status and answer["error"]["message"]


@pytest.mark.parametrize("path", [ACTOR, urllib.parse.quote(ACTOR, safe="")])
def test_http_similar_takes_the_iri_in_the_path(base_url: str, path: str) -> None:
    status, _, answer = _http(base_url, "GET", f"/api/partners/{path}/similar?limit=3")
    assert status == 200, answer
    assert 0 < len(answer["results"]) <= 3


def test_http_bad_limit_and_unknown_actor(base_url: str) -> None:
    assert _http(base_url, "GET", "/api/match?need=salud&limit=abc")[0] == 400
    status, _, answer = _http(base_url, "GET", f"/api/partners/{CGR}no-such-actor/similar")
    assert status == 404 and isinstance(answer["error"]["suggestions"], list)


@pytest.mark.parametrize("path", ["/api/match?need=salud", f"/api/partners/{ACTOR}/similar", "/api/match/options"])
def test_http_cors_is_open_for_reads(base_url: str, path: str) -> None:
    status, headers, _ = _http(base_url, "GET", path, headers={"Origin": "https://example.org"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = _http(
        base_url,
        "OPTIONS",
        path.split("?")[0],
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert "Content-Type" in headers["access-control-allow-headers"]
