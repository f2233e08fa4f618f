"""`/api/export` and `/api/resource`: media types, download names, counts against SPARQL, and every bad request."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any

import networkx as nx
import pytest
from backends import Backend
from flask.testing import FlaskClient
from network_oracle import Network, expected_network
from tools import dot_program

from coopgraph.core import export
from coopgraph.core.export import graphviz
from coopgraph.core.projection import Selection, project
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR, IATI
from coopgraph.web.app import create_app

LOJA = CGR + "gadp-loja"
REGIONS4 = CGR + "regions4"
pytestmark = pytest.mark.backends
MEDIA_TYPES = {
    "graphml": "application/graphml+xml; charset=utf-8",
    "gexf": "application/gexf+xml; charset=utf-8",
    "cyjs": "application/json",
    "nodelink": "application/json",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "svg": "image/svg+xml; charset=utf-8",
    "csv": "application/zip",
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
}


@pytest.fixture(scope="module")
def oracle(shipped_store: OxigraphStore) -> Network:
    return expected_network(shipped_store, lang="en")


def url(path: str, **params: Any) -> str:
    return f"{path}?{urllib.parse.urlencode(params, doseq=True)}"


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    return error


def test_formats_match_the_documented_table() -> None:
    assert {name: fmt.media_type for name, fmt in export.FORMATS.items()} == {
        name: media.split(";")[0] for name, media in MEDIA_TYPES.items()
    }


@pytest.mark.parametrize("name", list(MEDIA_TYPES))
def test_each_format_downloads_with_its_media_type_and_name(client: FlaskClient, oracle: Network, name: str) -> None:
    if name == "svg":
        dot_program()
    response = client.get(url("/api/export", format=name, focus=LOJA, radius=2, lang="en"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == MEDIA_TYPES[name]
    extension = export.FORMATS[name].extension
    assert response.headers["Content-Disposition"] == f"attachment; filename=coopgraph-ego-gadp-loja-r2.{extension}"
    expected = oracle.ego(LOJA, 2)
    assert int(response.headers["X-Coopgraph-Nodes"]) == len(expected.nodes)
    assert int(response.headers["X-Coopgraph-Edges"]) == sum(expected.edges.values())
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"X-Coopgraph-Nodes", "X-Coopgraph-Edges", "Content-Disposition"} <= exposed  # readable by scripts
    body = response.get_data()
    if name == "csv":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
    elif name == "graphml":
        read = nx.read_graphml(io.BytesIO(body))
        assert {n: d["label"] for n, d in read.nodes(data=True)} == expected.nodes
    elif name in ("cyjs", "nodelink", "jsonld"):
        json.loads(body)


def test_cyjs_for_the_explorer_matches_the_contract(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    """The cyjs shape the /explore page reads (README, Exports), whole graph, Spanish by default."""
    response = client.get("/api/export?format=cyjs&focus=&radius=&kind=&query=&lang=")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=coopgraph-all.cyjs"
    document = response.get_json()
    expected = expected_network(shipped_store, lang="es")
    nodes = document["elements"]["nodes"]
    assert {node["data"]["id"]: node["data"]["label"] for node in nodes} == expected.nodes
    assert all({"id", "label", "kind", "country", "sectors"} <= set(node["data"]) for node in nodes)
    assert all({"id", "source", "target", "relation", "label"} <= set(e["data"]) for e in document["elements"]["edges"])
    assert len(document["elements"]["edges"]) == sum(expected.edges.values())
    assert document["data"]["lang"] == "es" and document["data"]["selection"] == "all"


def test_kind_may_repeat_or_be_comma_separated(client: FlaskClient) -> None:
    one = client.get("/api/export?format=nodelink&kind=network,country").get_json()
    two = client.get("/api/export?format=nodelink&kind=network&kind=country").get_json()
    assert one == two
    assert {node["kind"] for node in one["nodes"]} == {"network", "country"}


def test_stored_query_with_its_parameters(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    response = client.get(
        url("/api/export", format="nodelink", query="partners-by-sector", sector=CGR + "sector-salud", lang="en")
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == "attachment; filename=coopgraph-query-partners-by-sector.json"
    expected = project(
        shipped_store, Selection(query="partners-by-sector", params={"sector": CGR + "sector-salud"}), lang="en"
    )
    assert {node["id"] for node in response.get_json()["nodes"]} == set(expected.nodes) != set()


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("format=xlsx", 400, "valid formats: graphml, gexf, cyjs, nodelink, dot, svg, csv, ttl, jsonld"),
        ("", 400, "'format' parameter is required"),
        ("format=gexf&format=csv", 400, "once"),
        (f"format=gexf&focus={CGR}no-such-thing", 404, "no node"),
        (f"format=gexf&focus={CGR}ref-estudio", 404, "no node"),
        (f"format=gexf&focus={IATI}AidType/A01", 404, "links to it"),
        ("format=gexf&focus=not%20an%20iri", 400, "not a valid absolute IRI"),
        (f"format=gexf&focus={LOJA}&radius=two", 400, "radius"),
        (f"format=gexf&focus={LOJA}&radius=-1", 400, "radius"),
        (f"format=gexf&focus={LOJA}&radius=6", 400, "radius"),
        ("format=gexf&kind=planet", 400, "unknown kind"),
        (f"format=gexf&kind=network&focus={LOJA}", 400, "not one of the selected kinds"),
        ("format=gexf&query=no-such-query", 400, "no stored query"),
        ("format=gexf&query=partners-by-sector&sector=health", 400, "not a valid absolute IRI"),
        ("format=gexf&sector=x", 400, "unknown parameter"),
        ("format=gexf&colour=red", 400, "unknown parameter"),
        ("format=gexf&lang=fr", 400, "unknown language"),
    ],
)
def test_bad_requests(client: FlaskClient, query: str, status: int, fragment: str) -> None:
    error = error_of(client.get(f"/api/export?{query}"), status)
    assert fragment in error["message"]


def test_bad_format_lists_the_valid_ones_as_data(client: FlaskClient) -> None:
    assert error_of(client.get("/api/export?format=pdf"), 400)["formats"] == list(export.FORMATS)


def test_selections_past_the_cap_are_refused(backend: Backend) -> None:
    small = create_app({"max_rows": 60}, store=backend.store).test_client()
    error = error_of(small.get("/api/export?format=gexf"), 400)
    assert error["title"] == "Selection too large" and error["limit"] == 60 and error["nodes"] > 60
    assert small.get(url("/api/export", format="gexf", focus=LOJA, radius=1)).status_code == 200


def test_svg_without_graphviz_is_a_clear_503(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "DOT_PROGRAM", "coopgraph-no-such-dot-program")
    error = error_of(client.get(url("/api/export", format="svg", focus=LOJA, radius=1)), 503)
    assert "Graphviz" in error["message"] and "apt-get install graphviz" in error["message"]


@pytest.mark.usefixtures("needs_dot")
def test_svg_past_its_time_limit_is_a_clear_503(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "SVG_TIMEOUT_S", 0.001)
    error = error_of(client.get(url("/api/export", format="svg")), 503)
    assert "narrow the selection" in error["message"]


def test_svg_too_large_to_draw_is_a_400(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "SVG_MAX_NODES", 5)
    assert "at most 5 nodes" in error_of(client.get(url("/api/export", format="svg", focus=LOJA)), 400)["message"]


def test_download_streams_over_real_http(backend: Backend, shipped_store: OxigraphStore) -> None:
    with backend.live() as base:
        with urllib.request.urlopen(f"{base}/api/export?format=gexf&lang=en", timeout=60) as response:
            assert response.headers["Content-Disposition"] == "attachment; filename=coopgraph-all.gexf"
            read = nx.read_gexf(io.BytesIO(response.read()))
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}/api/export?format=nope", timeout=60)
        assert caught.value.code == 400
    assert read.number_of_nodes() == len(expected_network(shipped_store).nodes)


# --- /api/resource -------------------------------------------------------------------------------------------------


def test_resource_facts_links_and_sources(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    response = client.get(url("/api/resource", iri=REGIONS4, lang="en"))
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert {"iri", "label", "kind", "facts", "links", "sources"} <= set(body)
    assert (body["iri"], body["label"], body["kind"]) == (REGIONS4, "Regions4", "network")
    assert all({"property", "label", "value"} <= set(fact) for fact in body["facts"])
    founded = [f for f in body["facts"] if f["property"] == CG + "foundingYear"]
    assert [(f["label"], f["value"]) for f in founded] == [("founding year", "2002")]
    assert all(link["direction"] in ("out", "in") and link["target_label"] for link in body["links"])
    assert "Regions4, 2022" in [source["label"] for source in body["sources"]]
    net = project(shipped_store, Selection(focus=REGIONS4, radius=1), lang="en")
    drawn = {(d["relation"], v, "out") for _, v, d in net.out_edges(REGIONS4, data=True)}
    drawn |= {(d["relation"], u, "in") for u, _, d in net.in_edges(REGIONS4, data=True)}
    assert {(link["relation"], link["target"], link["direction"]) for link in body["links"]} == drawn


def test_resource_follows_the_projected_direction(client: FlaskClient, shipped_store: OxigraphStore) -> None:
    row = next(iter(shipped_store.query(f"SELECT ?space ?actor WHERE {{ ?space <{CG}participant> ?actor }} LIMIT 1")))
    space, actor = row["space"].value, row["actor"].value
    of_space = client.get(url("/api/resource", iri=space)).get_json()["links"]
    of_actor = client.get(url("/api/resource", iri=actor)).get_json()["links"]
    link = ("participatesIn", actor, "in")
    assert link in [(x["relation"], x["target"], x["direction"]) for x in of_space]
    assert ("participatesIn", space, "out") in [(x["relation"], x["target"], x["direction"]) for x in of_actor]


def test_resource_in_spanish_by_default(client: FlaskClient) -> None:
    body = client.get(url("/api/resource", iri=CGR + "mremh")).get_json()
    assert body["label"] == "Ministerio de Relaciones Exteriores y Movilidad Humana"
    assert body["kind_label"] == "Entidad de gobierno"


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("", 400, "'iri' parameter is required"),
        ("iri=", 400, "'iri' parameter is required"),
        ("iri=not%20an%20iri", 400, "not a valid absolute IRI"),
        (f"iri={CGR}no-such-thing", 404, "no facts"),
        (f"iri={REGIONS4}&lang=de", 400, "unknown language"),
        (f"iri={REGIONS4}&format=json", 400, "unknown parameter"),
    ],
)
def test_resource_bad_requests(client: FlaskClient, query: str, status: int, fragment: str) -> None:
    assert fragment in error_of(client.get(f"/api/resource?{query}"), status)["message"]


def test_resource_links_are_capped(backend: Backend) -> None:
    small = create_app({"max_rows": 5}, store=backend.store).test_client()
    body = small.get(url("/api/resource", iri=CGR + "pais-ec")).get_json()
    assert len(body["links"]) == 5 and body["truncated"] is True
