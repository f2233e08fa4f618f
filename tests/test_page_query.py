"""The SPARQL query page at `/`, in headless Chromium (Playwright) against the app over real HTTP.

The `page` fixture (tests/conftest.py) fails a test whose page requests anything outside the site: the page
must work offline. The HTML checks at the end use the Flask test client and need no browser.
"""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from browser_tabs import site_tab
from flask.testing import FlaskClient
from tools import missing

from coopgraph.core.queries import load_queries, run
from coopgraph.core.store import OxigraphStore
from coopgraph.web import create_app
from coopgraph.web.pages import EXAMPLE
from coopgraph.web.testing import live_server

pytestmark = pytest.mark.slow

AZUAY_ES = "Gobierno Autónomo Descentralizado Provincial de Azuay"
AZUAY_EN = "Provincial Government of Azuay"
GADS = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?gad ?label WHERE {
  ?gad a cg:SubnationalGovernment ; cg:governs ?province ; rdfs:label ?label .
  FILTER(lang(?label) = "es")
} ORDER BY ?label"""
STORED = "partners-by-sector"
SECTOR = "https://w3id.org/coopgraph/id/sector-cambio-climatico"


@pytest.fixture
def expect() -> Any:
    """Playwright's auto-waiting assertions (imported here: the module loads without playwright)."""
    try:
        from playwright.sync_api import expect
    except ImportError:
        missing("browser test: playwright is not installed (pip install -e '.[test]')")
    return expect


def _open(page: Any, path: str = "/") -> None:
    """Go to `path` and wait until the stored queries are loaded (the form says so with data-ready)."""
    page.goto(path)
    page.wait_for_selector("#query-form[data-ready='true']", state="attached")


# --- Language -----------------------------------------------------------------------------------------------


def test_page_is_spanish_by_default(page: Any, expect: Any) -> None:
    _open(page)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Consulta SPARQL")
    expect(page.locator("#run")).to_have_text("Ejecutar")
    title_es = load_queries()[STORED].title["es"]
    expect(page.locator(f"#stored option[value='{STORED}']")).to_have_text(title_es)
    assert 'lang(?label) = "es"' in page.locator("#editor").input_value()


def test_page_in_english_with_lang_en(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    count = len(list(shipped_store.query(EXAMPLE["en"])))
    _open(page, "/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("SPARQL query")
    expect(page.locator("#run")).to_have_text("Run")
    title_en = load_queries()[STORED].title["en"]
    expect(page.locator(f"#stored option[value='{STORED}']")).to_have_text(title_en)
    page.locator("#run").click()
    expect(page.locator("table.results")).to_contain_text(AZUAY_EN)
    expect(page.locator("#status")).to_contain_text(f"{count} rows")


# --- Typed queries ------------------------------------------------------------------------------------------


def test_a_typed_query_shows_its_rows(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    expected = [row["label"].value for row in shipped_store.query(GADS)]
    assert AZUAY_ES in expected
    _open(page)
    page.locator("#editor").fill(GADS)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    expect(page.locator("#status")).to_contain_text(f"{len(expected)} filas")
    cells = page.locator("table.results tbody td:nth-child(2) .literal").all_inner_texts()
    assert cells == expected
    row = page.locator("table.results tbody tr", has_text=AZUAY_ES)
    expect(row.locator(".lang")).to_have_text("@es")  # the language tag, shown apart from the text
    # the graph's own resources open in the explorer, in the page language
    expect(row.locator("a.iri")).to_have_attribute(
        "href", "/explore?focus=https%3A%2F%2Fw3id.org%2Fcoopgraph%2Fid%2Fgadp-azuay&lang=es"
    )
    expect(row.locator("a.iri")).to_have_attribute("title", "https://w3id.org/coopgraph/id/gadp-azuay")
    expect(row.locator("a.iri")).to_have_text("cgr:gadp-azuay")
    expect(page.locator("th")).to_have_text(["gad", "label"])


def test_ctrl_enter_runs_the_query(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#editor").fill('ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-A" }')
    page.locator("#editor").press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("sí (true)")


def test_a_syntax_error_shows_the_message_and_position(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#editor").fill("SELECT * WHERE {\n  ?s ?p \n}")
    page.locator("#run").click()
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error.locator(".error-title")).to_contain_text("SPARQL syntax error (línea 3, columna")
    expect(error.locator(".error-message")).to_contain_text("error at 3:")
    expect(error.locator(".error-context")).to_contain_text("^")
    expect(page.locator("table.results")).to_have_count(0)


def test_a_refused_query_shows_the_service_s_reason(page: Any, expect: Any) -> None:
    _open(page, "/?lang=en")
    page.locator("#editor").fill("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    page.locator("#run").click()
    expect(page.locator("#error")).to_contain_text("SERVICE is refused")
    expect(page.locator("#error .error-title")).to_contain_text("(line 1, column")


def test_download_link_yields_csv(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    expected = [row["label"].value for row in shipped_store.query(GADS)]
    _open(page)
    page.locator("#editor").fill(GADS)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    expect(page.locator("#downloads a.download")).to_have_text(["JSON", "XML", "CSV", "TSV"])
    with page.expect_download() as info:
        page.locator("#downloads a[data-format='csv']").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as handle:
        table = list(csv.reader(io.StringIO(handle.read())))
    assert table[0] == ["gad", "label"] and [row[1] for row in table[1:]] == expected


def test_a_construct_query_is_shown_as_turtle_with_rdf_downloads(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#editor").fill("DESCRIBE <https://w3id.org/coopgraph/id/gadp-azuay>")
    page.locator("#run").click()
    expect(page.locator("pre.graph-text")).to_contain_text(AZUAY_ES)
    expect(page.locator("#downloads a.download")).to_have_text(["Turtle", "N-Triples", "JSON-LD", "RDF/XML"])


def test_query_in_the_url_prefills_and_runs(page: Any, expect: Any) -> None:
    _open(page, "/?" + urllib.parse.urlencode({"query": GADS}))
    assert page.locator("#editor").input_value() == GADS
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)


def test_running_keeps_the_query_in_the_address(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#editor").fill(GADS)
    page.locator("#run").click()
    expect(page.locator("table.results")).to_be_visible()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["query"] == [GADS]
    page.locator("#lang-switch").click()  # the other language keeps the query, and runs it
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)


# --- Stored queries -----------------------------------------------------------------------------------------


def test_a_stored_query_with_a_parameter_shows_its_rows(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    query = load_queries()[STORED]
    expected = [row["partnerLabel"].value for row in run(shipped_store, query, {"sector": SECTOR, "lang": "es"})]
    assert expected
    _open(page)
    page.locator("#stored").select_option(STORED)
    assert page.locator("#editor").input_value() == query.text
    expect(page.locator("#stored-description")).to_have_text(query.description["es"])
    expect(page.locator("#param-sector")).to_have_value(query.param("sector").default)
    expect(page.locator("#param-lang option")).to_have_count(2)
    page.locator("#param-sector").fill(SECTOR)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    column = query.text.split("SELECT DISTINCT", 1)[1].split("WHERE")[0].split().index("?partnerLabel") + 1
    cells = page.locator(f"table.results tbody td:nth-child({column}) .literal").all_inner_texts()
    assert cells == expected
    csv_link = page.locator("#downloads a[data-format='csv']").get_attribute("href")
    parts = urllib.parse.urlsplit(csv_link)
    assert parts.path == f"/api/queries/{STORED}"
    assert urllib.parse.parse_qs(parts.query) == {"sector": [SECTOR], "lang": ["es"], "format": ["csv"]}


def test_a_stored_query_in_english_labels(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    _open(page, "/?lang=en")
    page.locator("#stored").select_option("network-offices")
    page.locator("#param-lang").select_option("en")
    page.locator("#run").click()
    query = load_queries()["network-offices"]
    expected = [row["cityLabel"].value for row in run(shipped_store, query, {"lang": "en"})]
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    expect(page.locator("table.results tbody .lang").first).to_have_text("@en")


def test_name_in_the_url_selects_a_stored_query(page: Any, expect: Any) -> None:
    _open(page, "/?name=network-offices")
    expect(page.locator("#stored")).to_have_value("network-offices")
    assert page.locator("#editor").input_value() == load_queries()["network-offices"].text
    expect(page.locator("#param-network")).to_be_visible()


def test_editing_a_stored_query_runs_the_text_without_parameters(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#stored").select_option("unit-processes")
    page.locator("#editor").fill(GADS)
    expect(page.locator("#edited")).to_be_visible()
    page.locator("#run").click()
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)


# --- Truncation (a server with a small row cap) -------------------------------------------------------------


@pytest.fixture
def capped_page(browser: Any, shipped_store: OxigraphStore) -> Iterator[Any]:
    """A tab on an app whose row cap is 3, that also fails on any request leaving the site."""
    app = create_app({"max_rows": 3}, store=shipped_store)
    with live_server(app) as url, site_tab(browser, url) as tab:
        yield tab


def test_truncated_results_show_a_notice(capped_page: Any, expect: Any) -> None:
    _open(capped_page)
    capped_page.locator("#editor").fill(GADS)
    capped_page.locator("#run").click()
    expect(capped_page.locator("table.results tbody tr")).to_have_count(3)
    expect(capped_page.locator("#notice")).to_contain_text("Resultado truncado")
    expect(capped_page.locator("#notice")).to_contain_text("3 filas")


def test_untruncated_results_show_no_notice(page: Any, expect: Any) -> None:
    _open(page)
    page.locator("#run").click()
    expect(page.locator("table.results")).to_be_visible()
    expect(page.locator("#notice")).to_be_hidden()


# --- The HTML obeys the Content-Security-Policy (no browser needed) -----------------------------------------


class _InlineFinder(HTMLParser):
    """Collects what `default-src 'self'` would block: inline scripts, <style>, style="", on* handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.assets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "style":
            self.problems.append("<style> element")
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
        if tag == "script":
            self._in_script = named.get("type") != "application/json" and not named.get("src")
            if named.get("src"):
                self.assets.append(named["src"] or "")
        if tag == "link" and named.get("rel") == "stylesheet":
            self.assets.append(named.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/?name=network-offices", "/?query=ASK%7B%7D"])
def test_page_html_has_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    finder = _InlineFinder()
    finder.feed(response.data.decode("utf-8"))
    assert finder.problems == []
    assert "/static/query.js" in finder.assets and "/static/query.css" in finder.assets
    for asset in finder.assets:
        assert asset.startswith("/")  # served here, no CDN
        with client.get(asset) as served:
            assert served.status_code == 200


def test_query_text_in_the_url_is_escaped_in_the_html(client: FlaskClient) -> None:
    hostile = "</textarea><script>alert(1)</script>"
    body = client.get("/", query_string={"query": hostile}).data.decode("utf-8")
    assert "<script>alert(1)</script>" not in body and "&lt;/textarea&gt;&lt;script&gt;" in body
