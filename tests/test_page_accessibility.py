"""axe-core (vendored in tests/axe from npm, never fetched) finds no violation on the four pages, in the states a
person reaches: results and an error on the query page, a node's panel and the search list on the explorer; on a
laptop and on a phone. The register page signed in, with a refused form, is checked in tests/test_page_register.py
(it needs a site with write tokens).

Embedded only: what axe checks is the pages' markup, not the store; one test per page in test_page_explore,
_match, _query and _register also runs on `coopgraph serve --store sparql`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_tabs import site_tab

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "axe" / "axe.min.js"
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
LOJA = "https://w3id.org/coopgraph/id/gadp-loja"


def violations(page: Any) -> list[str]:
    """axe's violations of WCAG 2.x A and AA (and best practice), one line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            const where = (v) => v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
            return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${where(v)}`);
        }"""
    )
    return list(found)


@pytest.fixture(params=list(WIDTHS))
def tab(request: pytest.FixtureRequest, browser: Any, site_url: str) -> Any:
    width, height = WIDTHS[request.param]
    with site_tab(browser, site_url, locale="es-EC", viewport={"width": width, "height": height}) as opened:
        yield opened


def test_query_page_with_results_and_history(tab: Any) -> None:
    tab.goto("/?name=partners-by-sector")
    tab.wait_for_selector("table.results tbody tr")
    tab.locator("#history summary").click()
    assert violations(tab) == []


def test_query_page_with_an_error(tab: Any) -> None:
    tab.goto("/?lang=en&query=" + "SELECT%20*%20WHERE%20%7B%20%3Fs%20rdfs%3Alabel%20%3Fo%20%7D")
    tab.wait_for_selector("#error .error-title")
    assert violations(tab) == []


def test_explorer_with_a_panel_and_search_results(tab: Any) -> None:
    tab.goto(f"/explore?focus={LOJA}")
    tab.wait_for_selector(f'#explore-panel[data-state=ready][data-iri="{LOJA}"]', timeout=90_000)
    tab.fill("#explore-search", "loja")
    tab.wait_for_selector("#explore-results button[data-id]")
    assert violations(tab) == []


def test_register_page(tab: Any) -> None:
    tab.goto("/register?province=EC-L")
    tab.wait_for_selector("body[data-ready='true']", state="attached")
    assert violations(tab) == []


def test_match_page(tab: Any) -> None:
    tab.goto("/match?need=riego&requester=EC-L")
    tab.wait_for_load_state("networkidle")
    assert violations(tab) == []
