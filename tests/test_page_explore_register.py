"""The register's records in the explorer, in headless Chromium: focused on a project, a click on its funder opens
the funder's panel, which lists the project with the funder's role; a record's panel lists its organisations with
their roles, and a click on an organisation only the register names opens its panel.

The site serves the shipped graph plus tests/fixtures/register/network-records.ttl. The expected names and roles
come from the service's own /api/resource and /api/export (fetched beside the page, not through it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_tabs import watched_tab

from coopgraph.core.iati import REGISTER_GRAPH
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.web.app import create_app

pytestmark = pytest.mark.slow

CGR = "https://w3id.org/coopgraph/id/"
PROJECT = CGR + "actividad/EC-GADPL-2025-001"
AGREEMENT = CGR + "instrumento/ec-l-2025-010"
NAMED = CGR + "organizacion-nombrada/nombre/mancomunidad-del-sur-de-ejemplo"
READY = "#explore-status[data-state=ready]"
FUNDING = "1"
"""The IATI organisation role of a funder."""


@pytest.fixture(scope="module")
def register_site() -> Iterator[str]:
    from coopgraph.web.testing import live_server

    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load([Path(__file__).parent / "fixtures" / "register" / "network-records.ttl"], graph=REGISTER_GRAPH)
        with live_server(create_app(store=store)) as url:
            yield url


@pytest.fixture
def tab(browser: Any, register_site: str) -> Iterator[Any]:
    with watched_tab(browser, register_site, locale="es-EC") as page:
        yield page


def resource(page: Any, iri: str) -> dict[str, Any]:
    response = page.request.get("/api/resource", params={"iri": iri, "lang": "es"})
    assert response.ok, response.text()
    return response.json()


def qualifier(link: dict[str, Any], attribute: str) -> str:
    return next((q["value"] for q in link.get("qualifiers", []) if q["attribute"] == attribute), "")


def panel_for(page: Any, iri: str) -> Any:
    panel = page.locator(f'#explore-panel[data-state=ready][data-iri="{iri}"]')
    panel.wait_for(timeout=60_000)
    return panel


def click_node(page: Any, iri: str) -> None:
    """A real mouse click on the node's position on the canvas."""
    point = page.evaluate(
        """(id) => {
            const network = window.coopgraphExplorer.network;
            const at = network.canvasToDOM(network.getPositions([id])[id]);
            const box = document.getElementById('explore-network').getBoundingClientRect();
            return {x: box.left + at.x, y: box.top + at.y};
        }""",
        iri,
    )
    page.mouse.click(point["x"], point["y"])


def test_focus_on_a_project_then_click_its_funder_shows_the_project_with_its_role(tab: Any) -> None:
    funders = [
        link
        for link in resource(tab, PROJECT)["links"]
        if link["relation"] == "participatingOrg" and qualifier(link, "role_code") == FUNDING
    ]
    assert len(funders) == 1, funders
    funder = funders[0]["target"]
    tab.goto(f"/explore?focus={PROJECT}&radius=1&lang=es")
    tab.wait_for_selector(READY, timeout=90_000)
    project_panel = panel_for(tab, PROJECT)
    item = project_panel.locator(f'.panel-links li:has(button[data-target="{funder}"])')
    assert funders[0]["label"] in item.inner_text() and qualifier(funders[0], "role") in item.inner_text()
    assert funder in tab.evaluate("window.coopgraphExplorer.nodesView.getIds()")
    tab.evaluate("window.coopgraphExplorer.network.fit()")
    click_node(tab, funder)
    panel = panel_for(tab, funder)
    assert tab.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [funder]
    expected = next(
        link
        for link in resource(tab, funder)["links"]
        if link["target"] == PROJECT and link["relation"] == "participatingOrg"
    )
    role = qualifier(expected, "role")
    assert role and expected["direction"] == "in"
    item = panel.locator(f'.panel-links li[data-direction=in]:has(button[data-target="{PROJECT}"])')
    assert item.count() == 1
    text = item.inner_text()
    assert expected["target_label"] in text and role in text and expected["label"] in text


def test_a_click_on_an_organisation_only_the_register_names_opens_its_panel(tab: Any) -> None:
    tab.goto(f"/explore?focus={AGREEMENT}&radius=1&lang=es")
    tab.wait_for_selector(READY, timeout=90_000)
    panel = panel_for(tab, AGREEMENT)
    panel.locator(f'.panel-links button[data-target="{NAMED}"]').first.click()
    named = panel_for(tab, NAMED)
    body = resource(tab, NAMED)
    assert named.locator("h2").inner_text() == body["label"] and body["kind"] == "named-organisation"
    item = named.locator(f'.panel-links li:has(button[data-target="{AGREEMENT}"])')
    link = next(link for link in body["links"] if link["target"] == AGREEMENT)
    assert qualifier(link, "role") in item.inner_text()
