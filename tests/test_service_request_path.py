"""The /sparql request path: security and CORS headers, relative IRIs per request, decoding of the query string
and form, one Vary header."""

from __future__ import annotations

import urllib.parse

import pytest
from backends import Backend
from flask import Flask, Response

from coopgraph.web.app import create_app

pytestmark = pytest.mark.backends


@pytest.fixture
def app(app: Flask) -> Flask:
    """The shared app, with a route that sets its own frame and CORS headers."""

    @app.route("/sparql/own-frame-options")
    def own_frame_options() -> Response:
        return Response("x", headers={"X-Frame-Options": "SAMEORIGIN", "Access-Control-Allow-Origin": "https://a.b"})

    return app


def test_a_views_own_security_header_wins_and_cors_is_set(app: Flask) -> None:
    response = app.test_client().get("/sparql/own-frame-options")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"]  # replaced, as before
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("path", "cors"), [("/sparql", True), ("/sparql/", True), ("/", False), ("/sparqlx", False)])
def test_security_headers_everywhere_cors_on_its_paths(app: Flask, path: str, cors: bool) -> None:
    response = app.test_client().get(path)
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"):
        assert len(response.headers.getlist(name)) == 1
    assert ("Access-Control-Allow-Origin" in response.headers) is cors


def test_cors_exposes_only_the_headers_a_response_carries(backend: Backend) -> None:
    """Nothing to expose on a plain answer; the truncation header, and only it, on a truncated one."""
    client = create_app({"max_rows": 2}, store=backend.store).test_client()
    plain = client.get("/sparql", query_string={"query": "ASK {}"})
    assert plain.status_code == 200 and "Access-Control-Expose-Headers" not in plain.headers
    truncated = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"})
    assert truncated.headers["X-Coopgraph-Truncated"] == "true"
    assert truncated.headers.getlist("Access-Control-Expose-Headers") == ["X-Coopgraph-Truncated"]


def test_relative_iris_resolve_against_each_requests_own_url(app: Flask) -> None:
    """The base IRI is remembered per host and path: a second host must not get the first one's."""
    query = {"query": "SELECT ?x { BIND(<rel> AS ?x) }"}
    for host in ("a.example", "b.example:8080", "a.example"):
        response = app.test_client().get("/sparql", query_string=query, headers={"Host": host})
        assert response.json["results"]["bindings"][0]["x"]["value"] == f"http://{host}/rel"


def test_vary_accept_once(app: Flask) -> None:
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.headers.getlist("Vary") == ["Accept"]


def test_a_query_string_that_is_not_utf8_is_a_400(app: Flask) -> None:
    raw = "query=ASK%20{}&x=\xff"  # WSGI hands the raw bytes over as latin-1 (PEP 3333): one byte 0xFF
    response = app.test_client().get("/sparql", environ_overrides={"QUERY_STRING": raw})
    assert response.status_code == 400 and "UTF-8" in response.json["error"]["message"]


def test_a_form_that_is_not_utf8_is_a_400(app: Flask) -> None:
    response = app.test_client().post(
        "/sparql", data=b"query=ASK%20{}\xff", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and "UTF-8" in response.json["error"]["message"]


def test_percent_escapes_plus_and_repeated_parameters_reach_the_query(app: Flask) -> None:
    query = 'SELECT ?x { BIND("a+b %41 é" AS ?x) }'
    encoded = "query=" + urllib.parse.quote(query, safe="") + "&format=json&format=csv"
    response = app.test_client().get("/sparql", query_string=encoded)
    assert response.json["results"]["bindings"][0]["x"]["value"] == "a+b %41 é"
    response = app.test_client().get("/sparql", query_string="query=ASK+%7B%7D")
    assert response.json == {"head": {}, "boolean": True}
