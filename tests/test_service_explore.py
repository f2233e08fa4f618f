"""The explorer page's server side: the page renders in both languages and vis-network comes from pyvis's files."""

from __future__ import annotations

import importlib.resources
import re
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from coopgraph.web.explore import VIS_VERSION, vendor_files

pytestmark = pytest.mark.backends
VIS_DIR = importlib.resources.files("pyvis") / "templates" / "lib" / f"vis-{VIS_VERSION}"


def test_allow_list_is_exactly_the_shipped_files() -> None:
    shipped = {entry.name for entry in VIS_DIR.iterdir() if entry.is_file()}
    assert "vis-network.min.js" in shipped, "pyvis no longer ships vis-network where the explorer expects it"
    assert vendor_files() == shipped


def test_serves_vis_network_js_from_pyvis(client: FlaskClient) -> None:
    response = client.get("/vendor/vis-network/vis-network.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == (VIS_DIR / "vis-network.min.js").read_bytes()
    assert f"@version {VIS_VERSION}" in response.get_data(as_text=True)[:2000]
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_serves_css_with_css_type(client: FlaskClient) -> None:
    response = client.get("/vendor/vis-network/vis-network.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_etag_answers_not_modified(client: FlaskClient) -> None:
    first = client.get("/vendor/vis-network/vis-network.min.js")
    again = client.get("/vendor/vis-network/vis-network.min.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/vis-network/..%2f..%2fsetup.py",
        "/vendor/vis-network/..%2F..%2F..%2F__init__.py",
        "/vendor/vis-network/../../../__init__.py",
        "/vendor/vis-network/%2e%2e/vis-9.0.4/vis-network.min.js",
        "/vendor/vis-network/..%5c..%5c__init__.py",
        "/vendor/vis-network//etc/passwd",
        "/vendor/vis-network/%2fetc%2fpasswd",
        "/vendor/vis-network/./vis-network.min.js",
        "/vendor/vis-network/VIS-NETWORK.MIN.JS",
    ],
)
def test_refuses_traversal_and_variants(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)  # werkzeug merges "//" with a redirect first
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["status"] == 404
    assert b"vis.js" not in response.data and b"import" not in response.data


@pytest.mark.parametrize("name", ["nothing.js", "vis-network.js", "utils.js", "tom-select.css", ""])
def test_unknown_files_are_404_json(client: FlaskClient, name: str) -> None:
    response = client.get(f"/vendor/vis-network/{name}")
    assert response.status_code == 404
    assert response.is_json


def test_page_renders_spanish_by_default(client: FlaskClient) -> None:
    response = client.get("/explore")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Explorar la red de cooperación" in html
    assert "/vendor/vis-network/vis-network.min.js" in html
    assert "/static/explore.js" in html


def test_page_names_as_actors_exactly_the_kinds_partner_matching_compares(client: FlaskClient) -> None:
    """The page's actor kinds (where it offers "find similar partners") are the kinds whose nodes
    /api/partners/<IRI>/similar accepts: one node of every kind in the graph is asked."""
    html = client.get("/explore").get_data(as_text=True)
    found = re.search(r'data-actor-kinds="([^"]*)"', html)
    assert found is not None
    actor_kinds = set(found.group(1).split(","))
    nodes = client.get("/api/export?format=cyjs").get_json()["elements"]["nodes"]
    one_of_each = {}
    for node in sorted(nodes, key=lambda node: node["data"]["id"]):
        one_of_each.setdefault(node["data"]["kind"], node["data"]["id"])
    assert {"subnational-government", "network", "country"} <= actor_kinds
    assert not actor_kinds & {"province", "sector", "legal-provision", "modality"}
    for kind, iri in one_of_each.items():
        response = client.get(f"/api/partners/{quote(iri, safe=':/')}/similar")
        assert (response.status_code == 200) == (kind in actor_kinds), (kind, iri, response.status_code)


def test_page_in_english(client: FlaskClient) -> None:
    html = client.get("/explore?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Explore the cooperation network" in html
    assert "Explorar la red de cooperación" not in html


def test_page_has_no_inline_script_or_style(client: FlaskClient) -> None:
    """CSP is default-src 'self': scripts by src (or JSON data blocks) only, no style attributes or <style>."""
    html = client.get("/explore").get_data(as_text=True)
    for match in re.finditer(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL):
        attrs, body = match.groups()
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline script: {match.group(0)[:120]}"
        if "src=" in attrs:
            assert not body.strip()
            assert re.search(r'src="/', attrs), f"script from outside the site: {attrs}"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://cdn" not in html


def test_page_carries_focus_and_radius(client: FlaskClient) -> None:
    iri = "https://w3id.org/coopgraph/id/gadp-loja"
    html = client.get("/explore", query_string={"focus": iri, "radius": "2"}).get_data(as_text=True)
    assert f'data-focus="{iri}"' in html
    assert 'data-radius="2"' in html


@pytest.mark.parametrize("radius", ["0", "9", "x", "-1"])
def test_page_falls_back_to_default_radius(client: FlaskClient, radius: str) -> None:
    html = client.get("/explore", query_string={"radius": radius}).get_data(as_text=True)
    assert 'data-radius="1"' in html


def test_page_escapes_focus(client: FlaskClient) -> None:
    html = client.get("/explore", query_string={"focus": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in html
