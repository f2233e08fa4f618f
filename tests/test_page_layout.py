"""The three pages on a laptop (1366 px) and a phone (390 px), in headless Chromium: nothing wider than the screen,
the header's links (the language switch included) on screen, each page's main control reachable.

Issue #18: at 390 px the header did not wrap and the language link was off-screen.

Embedded only: widths are the HTML's and the CSS's, not the store's; one test per page in test_page_explore,
_match, _query and _register also runs on `coopgraph serve --store sparql`.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_tabs import site_tab

pytestmark = pytest.mark.slow

WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
PAGES = {
    "query": ("/", "#run"),
    "query-en": ("/?lang=en&name=partners-by-sector", "#run"),
    "match": ("/match", "#match-submit"),
    "explore": ("/explore", "#explore-search"),
    "explore-whole": ("/explore?all=1&lang=en", "#explore-search"),
    "register": ("/register", "#token"),
    "register-en": ("/register?lang=en&province=EC-L", "#signin"),
}
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((e) => {
        const box = e.getBoundingClientRect();
        return box.width > 0 && box.right > width + 0.5 && getComputedStyle(e).visibility !== 'hidden';
    }).filter((e) => !e.closest('.results-wrap, .cm-scroller, .explore-network, details:not([open])'));
    return {scroll: document.documentElement.scrollWidth, width,
            wide: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)};
}"""


@pytest.fixture(params=list(WIDTHS))
def sized_tab(request: pytest.FixtureRequest, browser: Any, site_url: str) -> Any:
    width, height = WIDTHS[request.param]
    with site_tab(browser, site_url, locale="es-EC", viewport={"width": width, "height": height}) as tab:
        yield tab


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen(sized_tab: Any, name: str) -> None:
    path, control = PAGES[name]
    sized_tab.goto(path)
    sized_tab.wait_for_load_state("networkidle")
    found = sized_tab.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], found  # no horizontal scrolling
    assert found["wide"] == [], found
    width = found["width"]
    for link in [*sized_tab.locator("header.site a").all()]:
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (link.inner_text(), box)
    switch = sized_tab.locator("#lang-switch")
    assert switch.is_visible()
    target = sized_tab.locator(control)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (control, box)
