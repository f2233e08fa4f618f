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
from coopgraph.web.app import create_app
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


@pytest.fixture
def page(page: Any) -> Iterator[Any]:
    """conftest's tab, also failed by any Content-Security-Policy violation (the editor's styles included) or
    uncaught error."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));"
    )
    yield page
    assert not problems, problems


def _open(page: Any, path: str = "/") -> None:
    """Go to `path` and wait until the stored queries are loaded (the form says so with data-ready)."""
    page.goto(path)
    page.wait_for_selector("#query-form[data-ready='true']", state="attached")


def set_query(page: Any, text: str) -> None:
    """Replace the editor's text (as a paste would; typing is tested where it matters: completion)."""
    page.evaluate("(text) => window.coopgraphQuery.setText(text)", text)


def query_text(page: Any) -> str:
    """The editor's text."""
    return str(page.evaluate("window.coopgraphQuery.getText()"))


# --- Language -----------------------------------------------------------------------------------------------


def test_page_is_spanish_by_default(page: Any, expect: Any) -> None:
    _open(page)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Consulta SPARQL")
    expect(page.locator("#run")).to_have_text("Ejecutar")
    title_es = load_queries()[STORED].title["es"]
    expect(page.locator(f"#stored option[value='{STORED}']")).to_have_text(title_es)
    assert 'lang(?label) = "es"' in query_text(page)


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


@pytest.mark.backends  # also on coopgraph serve --store sparql (tests/backends.py)
def test_a_typed_query_shows_its_rows(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    expected = [row["label"].value for row in shipped_store.query(GADS)]
    assert AZUAY_ES in expected
    _open(page)
    set_query(page, GADS)
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
    set_query(page, 'ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-A" }')
    page.locator(".cm-content").press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("sí (true)")


@pytest.mark.backends  # also on coopgraph serve --store sparql (tests/backends.py)
def test_a_syntax_error_shows_the_message_and_position(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, "SELECT * WHERE {\n  ?s ?p \n}")
    page.locator("#run").click()
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error.locator(".error-title")).to_contain_text("Error de sintaxis SPARQL (línea 3, columna")
    expect(error.locator(".error-message")).to_contain_text("Aquí no se esperaba «}».")
    expect(error.locator("details.parser-message pre")).to_contain_text("error at 3:")  # the parser's words, folded
    expect(error.locator(".error-context")).to_contain_text("^")
    expect(page.locator("table.results")).to_have_count(0)


def test_a_refused_query_shows_the_service_s_reason(page: Any, expect: Any) -> None:
    _open(page, "/?lang=en")
    set_query(page, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    page.locator("#run").click()
    expect(page.locator("#error")).to_contain_text("SERVICE is refused")
    expect(page.locator("#error .error-title")).to_contain_text("(line 1, column")


def test_download_link_yields_csv(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    expected = [row["label"].value for row in shipped_store.query(GADS)]
    _open(page)
    set_query(page, GADS)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    expect(page.locator("#downloads a.download")).to_have_text(["JSON", "XML", "CSV", "TSV"])
    with page.expect_download() as info:
        page.locator("#downloads a[data-format='csv']").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        table = list(csv.reader(io.StringIO(handle.read())))
    assert table[0] == ["gad", "label"] and [row[1] for row in table[1:]] == expected


def test_a_construct_query_is_shown_as_turtle_with_rdf_downloads(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, "DESCRIBE <https://w3id.org/coopgraph/id/gadp-azuay>")
    page.locator("#run").click()
    expect(page.locator("pre.graph-text")).to_contain_text(AZUAY_ES)
    expect(page.locator("#downloads a.download")).to_have_text(["Turtle", "N-Triples", "JSON-LD", "RDF/XML"])


def test_query_in_the_url_prefills_and_runs(page: Any, expect: Any) -> None:
    _open(page, "/?" + urllib.parse.urlencode({"query": GADS}))
    assert query_text(page) == GADS
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)


def test_running_keeps_the_query_in_the_address(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, GADS)
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
    expect(page.locator("#stored-description")).to_have_text(query.description["es"])
    page.wait_for_function("(t) => window.coopgraphQuery.getText() === t", arg=query.with_values({"lang": "es"}))
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


def test_name_in_the_url_selects_a_stored_query_and_runs_it(
    page: Any, expect: Any, shipped_store: OxigraphStore
) -> None:
    query = load_queries()["network-offices"]
    _open(page, "/?name=network-offices")
    expect(page.locator("#stored")).to_have_value("network-offices")
    expect(page.locator("#param-network")).to_be_visible()
    assert query_text(page) == query.with_values({"lang": "es"})
    expect(page.locator("table.results tbody tr")).to_have_count(len(list(run(shipped_store, query, {"lang": "es"}))))


def test_replacing_a_stored_query_s_text_runs_the_new_text(page: Any, expect: Any) -> None:
    _open(page)
    _pick(page, "unit-processes")
    set_query(page, GADS)
    expect(page.locator("#edited")).to_be_visible()
    page.locator("#run").click()
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)


# --- Stored questions keep their parameters when edited (issue #18) -----------------------------------------------


def _pick(page: Any, name: str) -> str:
    """Choose a stored question and wait until its text (with the VALUES block) is in the editor; return it."""
    page.locator("#stored").select_option(name)
    page.wait_for_selector(f"#query-form[data-question='{name}']", state="attached")
    return query_text(page)


def test_every_stored_question_edited_keeps_its_parameters(
    page: Any, expect: Any, shipped_store: OxigraphStore
) -> None:
    """Each competency question, with `LIMIT 5` added, runs as written at /sparql and gives its first rows (it used to
    lose its parameters and return none); the CSV of the edited run holds those rows."""
    # The register's questions ask about records the shipped graph does not hold (their answers are checked over
    # test fixtures in tests/test_register_queries.py); every other competency question must give rows here.
    questions = {name: q for name, q in load_queries(kind="competency").items() if "register" not in q.tags}
    assert len(questions) >= 39
    _open(page)
    for name, query in questions.items():
        text = _pick(page, name)
        assert text == query.with_values({"lang": "es"}), name
        expected = len(list(run(shipped_store, query, {"lang": "es"})))
        assert expected > 0, f"{name} returns rows with its defaults"
        set_query(page, text + "\nLIMIT 5\n")
        expect(page.locator("#edited")).to_be_visible()
        runs = int(page.locator("#query-form").get_attribute("data-runs") or 0)
        page.locator("#run").click()
        page.wait_for_function("(n) => Number(document.getElementById('query-form').dataset.runs) > n", arg=runs)
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("table.results tbody tr")).to_have_count(min(5, expected))
        assert urllib.parse.urlsplit(page.url).query.startswith("lang=es&query=")
    csv_href = page.locator("#downloads a[data-format='csv']").get_attribute("href")
    assert urllib.parse.urlsplit(csv_href).path == "/sparql"
    rows = list(csv.reader(io.StringIO(page.request.get(csv_href).text())))
    assert len(rows) == 1 + min(5, expected)


def test_changing_a_parameter_rewrites_the_values_block_of_an_edited_question(
    page: Any, expect: Any, shipped_store: OxigraphStore
) -> None:
    query = load_queries()[STORED]
    _open(page)
    text = _pick(page, STORED)
    set_query(page, text.replace("ORDER BY", "# my note\nORDER BY"))
    page.locator("#param-sector").fill(SECTOR)
    page.locator("#param-sector").press("Tab")
    wanted = query.with_values({"sector": SECTOR, "lang": "es"}).replace("ORDER BY", "# my note\nORDER BY")
    page.wait_for_function("(t) => window.coopgraphQuery.getText() === t", arg=wanted)
    page.locator("#run").click()
    expected = [row["partnerLabel"].value for row in run(shipped_store, query, {"sector": SECTOR, "lang": "es"})]
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))


def test_a_run_s_address_carries_the_parameters_and_opens_the_same_run(
    page: Any, expect: Any, shipped_store: OxigraphStore
) -> None:
    query = load_queries()[STORED]
    expected = len(list(run(shipped_store, query, {"sector": SECTOR, "lang": "es"})))
    _open(page)
    _pick(page, STORED)
    page.locator("#param-sector").fill(SECTOR)
    page.locator("#param-sector").press("Tab")
    page.wait_for_function("(s) => window.coopgraphQuery.getText().includes(s)", arg=SECTOR)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(expected)
    address = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert address == {"lang": ["es"], "name": [STORED], "sector": [SECTOR]}
    assert (
        page.locator("#share").get_attribute("href")
        == urllib.parse.urlsplit(page.url)._replace(scheme="", netloc="").geturl()
    )
    shared = urllib.parse.urlsplit(page.url)
    page.goto("about:blank")
    _open(page, f"{shared.path}?{shared.query}")  # the link, opened afresh: same question, same value, same rows
    expect(page.locator("#param-sector")).to_have_value(SECTOR)
    expect(page.locator("table.results tbody tr")).to_have_count(expected)


def test_the_english_page_asks_for_english_labels(page: Any, expect: Any) -> None:
    _open(page, "/?lang=en")
    text = _pick(page, "network-offices")
    expect(page.locator("#param-lang")).to_have_value("en")
    assert text == load_queries()["network-offices"].with_values({"lang": "en"})
    page.locator("#run").click()
    expect(page.locator("table.results tbody .lang").first).to_have_text("@en")
    assert "param-lang" not in urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    page.locator("#param-lang").select_option("es")  # labels in Spanish on the English page: the address says so
    page.wait_for_function("() => window.coopgraphQuery.getText().includes('\"es\")')")
    page.locator("#run").click()
    expect(page.locator("table.results tbody .lang").first).to_have_text("@es")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["param-lang"] == ["es"]


# --- Readable errors, in the page's language ------------------------------------------------------------------


def test_an_undeclared_prefix_is_named_and_can_be_declared(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 3")
    page.locator("#run").click()
    error = page.locator("#error")
    expect(error.locator(".error-title")).to_contain_text("Error de sintaxis SPARQL (línea 1, columna")
    expect(error.locator(".error-message")).to_have_text(
        "El prefijo «rdfs:» no está declarado: añada al principio «PREFIX rdfs: <…>»."
    )
    assert "u{" not in error.locator(".error-message").inner_text()  # not the parser's Unicode ranges
    expect(error.locator("details.parser-message")).not_to_have_attribute("open", "")
    error.locator("#add-prefix").click()
    assert query_text(page).startswith("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(3)


@pytest.mark.parametrize(
    ("lang", "title", "message"),
    [
        ("es", "Error de sintaxis SPARQL", "«SELEC» no es ninguna. ¿Quiso decir SELECT?"),
        ("en", "SPARQL syntax error", "“SELEC” is none of them. Did you mean SELECT?"),
    ],
)
def test_a_misspelt_query_form_is_explained(page: Any, expect: Any, lang: str, title: str, message: str) -> None:
    _open(page, f"/?lang={lang}")
    set_query(page, "SELEC * WHERE { ?s ?p ?o }")
    page.locator("#run").click()
    expect(page.locator("#error .error-title")).to_contain_text(title)
    expect(page.locator("#error .error-message")).to_contain_text(message)
    assert "CONSTRUCT" not in page.locator("#error .error-message").inner_text().replace("CONSTRUCT o", "")


def test_error_titles_follow_the_spanish_page(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    page.locator("#run").click()
    expect(page.locator("#error .error-title")).to_contain_text("Consulta rechazada")
    expect(page.locator("#error .error-message")).to_have_text(
        "SERVICE no está permitido: este servicio no consulta otros sitios."
    )


# --- The editor: highlighting, completion, history ------------------------------------------------------------


def test_the_editor_highlights_sparql(page: Any) -> None:
    _open(page)
    set_query(page, 'SELECT ?gad WHERE { ?gad a <https://w3id.org/coopgraph/def#Network> } # a comment "x"')
    colours = page.evaluate(
        """() => {
            const colour = (text) => {
                const span = [...document.querySelectorAll('.cm-content span')].find((s) => s.textContent === text);
                return span ? getComputedStyle(span).color : null;
            };
            return {keyword: colour('SELECT'), variable: colour('?gad'), comment: colour('# a comment "x"')};
        }"""
    )
    assert None not in colours.values(), colours
    assert len(set(colours.values())) == 3, colours


def test_prefix_completion_offers_the_graph_s_prefixes_and_declares_them(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, "SELECT ?s WHERE {\n  ?s  ?o\n}")
    page.evaluate("window.coopgraphQuery.editor.select(23, 23)")  # after "?s "
    page.keyboard.type("skos")
    options = page.locator(".cm-tooltip-autocomplete li")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    assert any(label.startswith("skos:") and "http://www.w3.org/2004/02/skos/core#" in label for label in labels)
    options.filter(has_text="http://www.w3.org/2004/02/skos/core#").first.click()
    page.keyboard.type("notation")
    assert query_text(page) == (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?s WHERE {\n  ?s skos:notation ?o\n}"
    )
    page.locator(".cm-content").press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("filas")


def test_history_keeps_the_runs_across_reloads(page: Any, expect: Any) -> None:
    _open(page)
    first = "ASK { ?s ?p ?o }"
    set_query(page, first)
    page.locator("#run").click()
    expect(page.locator("#status")).to_contain_text("sí (true)")
    set_query(page, GADS)
    page.locator("#run").click()
    expect(page.locator("table.results")).to_be_visible()
    page.goto("/")
    page.wait_for_selector("#query-form[data-ready='true']", state="attached")
    page.locator("#history summary").click()
    items = page.locator("#history-list button.history-item")
    expect(items).to_have_count(2)
    items.nth(1).click()
    assert query_text(page) == first


# --- Results: paging and sorting --------------------------------------------------------------------------------


def test_big_results_are_paged(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p ?o LIMIT 1000"  # IRIs: drawn as links
    expected = [row["s"].value for row in shipped_store.query(every)]
    assert len(expected) == 1000
    _open(page)
    set_query(page, every)
    page.locator("#run").click()
    expect(page.locator("#status")).to_contain_text("1000 filas")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(100)  # one page is drawn, not a thousand rows
    expect(page.locator("#page-info")).to_have_text("Filas 1 a 100 de 1000")
    expect(page.locator("#page-prev")).to_be_disabled()
    page.locator("#page-next").click()
    expect(page.locator("#page-info")).to_have_text("Filas 101 a 200 de 1000")
    assert page.locator("table.results tbody tr td:first-child a").first.get_attribute("title") == expected[100]
    page.locator("#page-size").select_option("500")
    expect(rows).to_have_count(500)


def test_a_column_sorts_both_ways(page: Any, expect: Any, shipped_store: OxigraphStore) -> None:
    years = """PREFIX cg: <https://w3id.org/coopgraph/def#>
SELECT ?network ?year WHERE { ?network cg:foundingYear ?year }"""
    values = sorted(int(row["year"].value) for row in shipped_store.query(years))
    assert len(set(values)) > 2
    _open(page)
    set_query(page, years)
    page.locator("#run").click()
    expect(page.locator("table.results tbody tr")).to_have_count(len(values))
    header = page.locator("table.results th[data-column='year']")
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    shown = [int(text) for text in page.locator("table.results tbody td:nth-child(2) .literal").all_inner_texts()]
    assert shown == values
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    shown = [int(text) for text in page.locator("table.results tbody td:nth-child(2) .literal").all_inner_texts()]
    assert shown == values[::-1]


# --- CSV for spreadsheets ---------------------------------------------------------------------------------------


def test_the_csv_download_has_a_bom_and_the_protocol_answer_none(page: Any, expect: Any) -> None:
    _open(page)
    set_query(page, GADS)
    page.locator("#run").click()
    expect(page.locator("table.results")).to_contain_text(AZUAY_ES)
    link = page.locator("#downloads a[data-format='csv']")
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8 (accents intact)
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["gad", "label"] and AZUAY_ES in [row[1] for row in table]
    protocol = page.request.get(link.get_attribute("href")).body()  # /sparql: the W3C CSV, as programs read it
    assert protocol.startswith(b"gad,label")


# --- Truncation (a server with a small row cap) -------------------------------------------------------------


@pytest.fixture
def capped_page(browser: Any, shipped_store: OxigraphStore) -> Iterator[Any]:
    """A tab on an app whose row cap is 3, that also fails on any request leaving the site."""
    app = create_app({"max_rows": 3}, store=shipped_store)
    with live_server(app) as url, site_tab(browser, url) as tab:
        yield tab


def test_truncated_results_show_a_notice(capped_page: Any, expect: Any) -> None:
    _open(capped_page)
    set_query(capped_page, GADS)
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
