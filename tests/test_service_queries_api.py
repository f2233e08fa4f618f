"""/api/queries: the stored queries listed with their headers, and run with typed, safely bound parameters.

Expected answers come from `coopgraph.core.queries.run` on the same store, so the API is checked against the binding
it must reuse. Runs over the Flask test client (every format, every refusal) and over real HTTP with
SPARQLWrapper over real HTTP (the path /sparql takes: time limit, row cap, formats).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from backends import Backend
from flask import Flask
from flask.testing import FlaskClient
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from coopgraph.core.queries import StoredQuery, load_queries, parse_query, run
from coopgraph.core.store import OxigraphStore
from coopgraph.web.app import create_app
from coopgraph.web.guard import statement_form
from coopgraph.web.queries_api import stored_queries
from coopgraph.web.state import EXTENSION
from coopgraph.web.testing import live_server

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
NAME = "partners-by-sector"
SECTOR = "https://w3id.org/coopgraph/id/sector-cambio-climatico"
VALUES = {"sector": SECTOR, "lang": "en"}
SRX = "{http://www.w3.org/2005/sparql-results#}"
AZUAY = "Gobierno Autónomo Descentralizado Provincial de Azuay"
HEADER = """# title@es: Prueba
# title@en: Test
# description@es: Una consulta de prueba.
# description@en: A test query.
"""
ECHO = parse_query(
    HEADER
    + """# param: text string "Texto / Text" default=x
# tags: test
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?text ?thing WHERE { OPTIONAL { ?thing rdfs:label ?label . FILTER(STR(?label) = ?text) } }
""",
    name="test-echo",
)
"""A string parameter echoed in every answer: what a value turns into is visible."""
PROVINCE_CODES = parse_query(
    HEADER
    + """# tags: test
PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?p skos:notation ?code } WHERE { ?p a cg:Province ; skos:notation ?code }
""",
    name="test-construct",
)


def _add(app: Flask, *queries: StoredQuery) -> None:
    """Make test-only stored queries available to `app` (its cached list is a plain dict)."""
    with app.app_context():
        listed = stored_queries()
        for query in queries:
            listed[query.name] = query


pytestmark = pytest.mark.backends


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"max_rows": 500}


@pytest.fixture
def app(app: Flask) -> Flask:
    """The shared app, with two stored queries of this module's own added."""
    _add(app, ECHO, PROVINCE_CODES)
    return app


@pytest.fixture(scope="module")
def expected(shipped_store: OxigraphStore) -> list[tuple[str, str]]:
    """(sector, partner) rows of partners-by-sector for a non-default sector, in English, from coopgraph.core.queries."""
    query = load_queries()[NAME]
    rows = [(r["sector"].value, r["partner"].value) for r in run(shipped_store, query, VALUES)]
    default = [r["partner"].value for r in run(shipped_store, query)]
    assert rows and [partner for _, partner in rows] != default  # the parameter changes the answer
    return rows


def _error(response, status: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data
    assert b"Traceback" not in response.data
    error: dict[str, object] = response.json["error"]
    assert error["status"] == status and error["message"]
    return error


# --- The list ---------------------------------------------------------------------------------------------------


def test_list_has_every_stored_query_with_its_header(client: FlaskClient) -> None:
    response = client.get("/api/queries")
    assert response.status_code == 200 and response.mimetype == "application/json"
    listed = {item["name"]: item for item in response.json["queries"]}
    on_disk = load_queries()
    assert set(on_disk) == {path.stem for path in QUERIES_DIR.glob("*.rq")}
    assert set(listed) >= set(on_disk)
    for name, query in on_disk.items():
        item = listed[name]
        assert item["title"] == dict(query.title) and all(item["title"][lang] for lang in ("es", "en"))
        assert item["description"] == dict(query.description) and all(
            item["description"][lang] for lang in ("es", "en")
        )
        assert item["kind"] in ("select", "ask", "construct", "describe")
        assert item["category"] == query.kind
        assert item["query"] == query.path.read_text(encoding="utf-8")
        assert item["url"] == f"/api/queries/{name}"
        assert [p["name"] for p in item["parameters"]] == [p.name for p in query.params]
        for param, declared in zip(item["parameters"], query.params, strict=False):
            assert param["type"] == declared.type and param["default"] == declared.default
            assert param["allowed"] == list(declared.enum) and param["required"] is declared.required
            assert param["description"]["es"] and param["description"]["en"]


def test_list_describes_a_query_s_parameters(client: FlaskClient) -> None:
    item = next(q for q in client.get("/api/queries").json["queries"] if q["name"] == NAME)
    assert item["kind"] == "select" and item["category"] == "competency"
    sector, lang = item["parameters"]
    assert sector == {
        "name": "sector",
        "type": "iri",
        "default": "https://w3id.org/coopgraph/id/sector-medio-ambiente",
        "required": False,
        "description": {"es": "Sector o tema", "en": "Sector or theme"},
        "allowed": [],
    }
    assert lang["allowed"] == ["es", "en"] and lang["default"] == "es"


def test_violation_checks_are_listed_after_the_questions(client: FlaskClient) -> None:
    categories = [item["category"] for item in client.get("/api/queries").json["queries"]]
    assert "violation" in categories and categories == sorted(categories, key=lambda c: c != "competency")


def test_each_listed_kind_is_the_parsers_form_of_the_text(client: FlaskClient) -> None:
    for item in client.get("/api/queries").json["queries"]:
        assert item["kind"] == statement_form(item["query"])
    assert {item["kind"] for item in client.get("/api/queries").json["queries"]} >= {"select", "construct"}


# --- Running, in every format -----------------------------------------------------------------------------------


def _rows_from(body: bytes, fmt: str) -> list[tuple[str, str]]:
    """(sector, partner) rows of a SPARQL result in `fmt`."""
    if fmt == "json":
        return [(b["sector"]["value"], b["partner"]["value"]) for b in json.loads(body)["results"]["bindings"]]
    if fmt == "xml":
        rows = []
        for result in ET.fromstring(body).iter(f"{SRX}result"):
            cells = {b.get("name"): b[0].text for b in result.iter(f"{SRX}binding")}
            rows.append((cells["sector"], cells["partner"]))
        return rows
    if fmt == "csv":
        table = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        return [(row["sector"], row["partner"]) for row in table]
    lines = body.decode("utf-8").splitlines()
    header = lines[0].split("\t")
    cells = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]
    return [(row["?sector"].strip("<>"), row["?partner"].strip("<>")) for row in cells]


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_run_with_parameters_in_each_format(
    client: FlaskClient, expected: list[tuple[str, str]], fmt: str, media_type: str
) -> None:
    by_name = client.get(f"/api/queries/{NAME}", query_string={**VALUES, "format": fmt})
    by_accept = client.get(f"/api/queries/{NAME}", query_string=VALUES, headers={"Accept": media_type})
    for response in (by_name, by_accept):
        assert response.status_code == 200 and response.mimetype == media_type
        assert _rows_from(response.data, fmt) == expected
    assert "Accept" in by_accept.headers["Vary"]


def test_post_form_gives_the_same_answer_as_get(client: FlaskClient) -> None:
    get = client.get(f"/api/queries/{NAME}", query_string=VALUES)
    post = client.post(f"/api/queries/{NAME}", data=VALUES)
    mixed = client.post(f"/api/queries/{NAME}?lang=en", data={"sector": SECTOR})
    assert get.status_code == post.status_code == mixed.status_code == 200
    assert get.data == post.data == mixed.data


def test_defaults_fill_missing_parameters(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    body = client.get(f"/api/queries/{NAME}").json
    default = [r["partner"].value for r in run(shipped_store, load_queries()[NAME])]
    assert [b["partner"]["value"] for b in body["results"]["bindings"]] == default
    assert {b["lang"]["value"] for b in body["results"]["bindings"]} == {"es"}


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
        ("nquads", ox.RdfFormat.N_QUADS),
        ("trig", ox.RdfFormat.TRIG),
    ],
)
def test_a_construct_stored_query_in_each_rdf_format(client: FlaskClient, fmt: str, rdf_format: ox.RdfFormat) -> None:
    response = client.get(f"/api/queries/{PROVINCE_CODES.name}", query_string={"format": fmt})
    assert response.status_code == 200 and response.mimetype == rdf_format.media_type
    triples = list(ox.parse(response.data, format=rdf_format))
    assert len(triples) == 24
    pichincha = ox.NamedNode("https://w3id.org/coopgraph/id/provincia-ec-p")
    assert ox.Literal("EC-P") in [t.object for t in triples if t.subject == pichincha]


def test_listed_kind_of_a_construct_query(client: FlaskClient) -> None:
    item = next(q for q in client.get("/api/queries").json["queries"] if q["name"] == PROVINCE_CODES.name)
    assert item["kind"] == "construct"


@pytest.mark.parametrize(
    ("name", "args", "headers"),
    [
        (NAME, {"format": "turtle"}, {}),
        (NAME, {}, {"Accept": "text/turtle"}),
        (PROVINCE_CODES.name, {"format": "csv"}, {}),
        (PROVINCE_CODES.name, {}, {"Accept": "application/sparql-results+json"}),
    ],
)
def test_no_acceptable_format_is_406(
    client: FlaskClient, name: str, args: dict[str, str], headers: dict[str, str]
) -> None:
    error = _error(client.get(f"/api/queries/{name}", query_string=args, headers=headers), 406)
    assert "available" in str(error["message"])


def test_row_cap_truncates_and_says_so(backend: Backend, expected: list[tuple[str, str]]) -> None:
    capped = create_app({"max_rows": 2}, store=backend.store).test_client()
    assert len(expected) > 2
    response = capped.get(f"/api/queries/{NAME}", query_string=VALUES)
    assert response.status_code == 200 and response.headers["X-Coopgraph-Truncated"] == "true"
    assert len(response.json["results"]["bindings"]) == 2
    assert response.json["head"]["coopgraph"] == {"truncated": True, "max_rows": 2, "max_result_bytes": 16_000_000}
    assert response.headers["Access-Control-Expose-Headers"] == "X-Coopgraph-Truncated"  # scripts can read it
    whole = capped.get("/api/queries/sources-usage", query_string={"format": "csv"})
    assert whole.headers.get("X-Coopgraph-Truncated") == "true"  # CSV says it in the header only


def test_untruncated_answers_have_no_truncation_header(client: FlaskClient) -> None:
    assert "X-Coopgraph-Truncated" not in client.get(f"/api/queries/{NAME}").headers


def test_cors_is_open_on_the_query_api(client: FlaskClient) -> None:
    assert client.get("/api/queries").headers["Access-Control-Allow-Origin"] == "*"
    response = client.get(f"/api/queries/{NAME}")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Expose-Headers" not in response.headers  # it carries nothing to expose
    assert "Access-Control-Allow-Origin" not in client.get("/healthz").headers


# --- Bad input --------------------------------------------------------------------------------------------------


def test_unknown_query_is_404_naming_close_ones(client: FlaskClient) -> None:
    error = _error(client.get("/api/queries/partners-by-sectr"), 404)
    assert error["suggestions"][0] == NAME  # type: ignore[index]
    assert NAME in str(error["message"]) and "/api/queries" in str(error["message"])
    nothing_close = _error(client.get("/api/queries/zzzz"), 404)
    assert nothing_close["suggestions"] == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"sector": "not an iri"}, "not a valid absolute IRI"),
        ({"lang": "fr"}, "not one of the allowed values"),
        ({"lang": "e$"}, "not a language tag"),
        ({"country": "https://w3id.org/coopgraph/id/pais-it"}, "unknown parameter"),
        ({"sector": [SECTOR, SECTOR]}, "give each parameter once"),
        ({"query": "SELECT * WHERE { ?s ?p ?o }"}, "runs the stored query"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(
    client: FlaskClient, args: dict[str, object], fragment: str
) -> None:
    error = _error(client.get(f"/api/queries/{NAME}", query_string=args), 400)
    assert fragment in str(error["message"])


def test_bad_typed_values_for_each_type(app: Flask) -> None:
    typed = parse_query(
        HEADER
        + "# param: n integer default=1\n# param: d decimal default=1.5\n# param: y year default=2019\n"
        + "# tags: test\nSELECT ?n ?d ?y WHERE {}\n",
        name="test-typed",
    )
    _add(app, typed)
    client = app.test_client()
    assert client.get("/api/queries/test-typed", query_string={"n": "-3", "d": ".5", "y": "2020"}).status_code == 200
    for args, fragment in (({"n": "1.5"}, "not an integer"), ({"d": "1e3"}, "not a decimal"), ({"y": "20"}, "year")):
        assert fragment in str(_error(client.get("/api/queries/test-typed", query_string=args), 400)["message"])


def test_post_with_another_media_type_is_415(client: FlaskClient) -> None:
    response = client.post(f"/api/queries/{NAME}", data=json.dumps(VALUES), content_type="application/json")
    assert "application/x-www-form-urlencoded" in str(_error(response, 415)["message"])


def test_other_methods_are_405(client: FlaskClient) -> None:
    assert _error(client.put(f"/api/queries/{NAME}"), 405)


# --- Values are values, never code ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '"} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
        "?x",
        '" || true || "',
        'x") } UNION { ?thing ?p ?o } #',
    ],
)
def test_string_values_that_look_like_sparql_stay_literals(client: FlaskClient, backend: Backend, value: str) -> None:
    before = backend.store.count()  # on an engine the values are written into the text as VALUES: still literals
    response = client.get(f"/api/queries/{ECHO.name}", query_string={"text": value})
    assert response.status_code == 200
    (row,) = response.json["results"]["bindings"]  # formatted into the text, these would match many things or fail
    assert row["text"] == {"type": "literal", "value": value} and "thing" not in row
    assert backend.store.count() == before


def test_a_string_value_is_matched_as_the_value_it_is(client: FlaskClient) -> None:
    (row,) = client.get(f"/api/queries/{ECHO.name}", query_string={"text": AZUAY}).json["results"]["bindings"]
    assert row["thing"]["value"] == "https://w3id.org/coopgraph/id/gadp-azuay"


@pytest.mark.parametrize(
    "value",
    [
        "https://w3id.org/coopgraph/id/congope> } ; DROP ALL ; #",
        'https://x/a"} UNION { ?s ?p ?o',
        "?x",
        "<https://w3id.org/coopgraph/id/sector-medio-ambiente>",
    ],
)
def test_iri_values_that_look_like_sparql_are_refused(client: FlaskClient, value: str) -> None:
    error = _error(client.get(f"/api/queries/{NAME}", query_string={"sector": value}), 400)
    assert "not a valid absolute IRI" in str(error["message"]) and error["query"] == NAME


# --- Over real HTTP: SPARQLWrapper, and the time limit ---------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(backend: Backend) -> Iterator[str]:
    """The app over each backend's store, served by waitress (not `coopgraph serve`, which cannot be given this
    module's test-only stored query): parameters cross real HTTP."""
    app = create_app(store=backend.store)
    _add(app, ECHO)
    try:
        with live_server(app) as base:
            yield base
    finally:
        app.extensions[EXTENSION].close()


def _wrapper(base_url: str, fmt: str, values: dict[str, str] = VALUES, name: str = NAME) -> SPARQLWrapper:
    """SPARQLWrapper on a stored query: it always sends a query, so it sends the stored text; values as parameters."""
    client = SPARQLWrapper(f"{base_url}/api/queries/{name}", returnFormat=fmt)
    client.setQuery({**load_queries(), ECHO.name: ECHO}[name].text)
    for key, value in values.items():
        client.addParameter(key, value)
    return client


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_runs_a_stored_query_with_parameters(
    base_url: str, expected: list[tuple[str, str]], fmt: str
) -> None:
    result = _wrapper(base_url, fmt).query()
    body = result.response.read()
    assert _rows_from(body, fmt.lower()) == expected


def test_sparqlwrapper_json_converts(base_url: str) -> None:
    converted = _wrapper(base_url, JSON, {"text": "?x"}, ECHO.name).queryAndConvert()
    assert converted["results"]["bindings"] == [{"text": {"type": "literal", "value": "?x"}}]


def test_sparqlwrapper_gets_a_bad_parameter_as_a_bad_request(base_url: str) -> None:
    with pytest.raises(QueryBadFormed, match="not one of the allowed values"):
        _wrapper(base_url, JSON, {"lang": "fr"}).query()
