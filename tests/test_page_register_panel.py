"""The register in the explorer, in headless Chromium: an actor's panel shows its track record from the provinces'
registers, and an open demand's panel has the one-click link to /match, which fills in the demand's themes,
province and kind of cooperation and lists partners.

The site serves the shipped graph plus tests/fixtures/register/*.ttl (see tests/test_service_register_panel.py).
Embedded only: the answers these panels draw are checked on each backend in tests/test_service_register_panel.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_tabs import watched_tab

from coopgraph.core.iati import REGISTER_GRAPH
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.web.app import create_app

pytestmark = pytest.mark.slow

CGR = "https://w3id.org/coopgraph/id/"
REGISTER = Path(__file__).parent / "fixtures" / "register"
AECID = CGR + "aecid"
PROJECT = CGR + "actividad/EC-GADPL-2025-RIEGO-07"
DEMAND = CGR + "demanda/ec-l-2024-002"
READY = "#explore-status[data-state=ready]"


@pytest.fixture(scope="module")
def register_site() -> Iterator[str]:
    from coopgraph.web.testing import live_server

    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load(
            [REGISTER / "loja-pichincha-register.ttl", REGISTER / "loja-project-aecid.ttl"], graph=REGISTER_GRAPH
        )
        with live_server(create_app(store=store)) as url:
            yield url


@pytest.fixture
def tab(browser: Any, register_site: str) -> Iterator[Any]:
    with watched_tab(browser, register_site, locale="es-EC") as page:
        yield page


def panel_for(page: Any, iri: str) -> Any:
    panel = page.locator(f'#explore-panel[data-state=ready][data-iri="{iri}"]')
    panel.wait_for(timeout=60_000)
    return panel


def test_the_panel_shows_the_track_record(tab: Any) -> None:
    tab.goto(f"/explore?focus={AECID}&radius=1&lang=es")
    panel = panel_for(tab, AECID)
    track = panel.locator("section.panel-track")
    assert "Trayectoria en los registros provinciales" in track.locator("h3").text_content()
    record = track.locator(f'li[data-record="{PROJECT}"]')
    assert record.locator("a").inner_text() == "Riego tecnificado en Catamayo"
    assert "Loja" in record.inner_text() and "Riego y drenaje" in record.inner_text()
    assert "1 registro(s) de las provincias (no del estudio)" in track.inner_text()


def test_an_open_demand_is_matched_in_one_click(tab: Any) -> None:
    tab.goto(f"/explore?focus={AECID}&radius=1&lang=es")
    panel_for(tab, AECID)
    tab.evaluate("(id) => window.coopgraphExplorer.select(id)", DEMAND)
    link = panel_for(tab, DEMAND).locator("a[data-action=match-demand]")
    assert link.inner_text() == "Buscar socios para esta demanda"
    params = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert params["requester"] == ["EC-L"] and len(params["sector"]) == 2
    link.click()
    tab.wait_for_url("**/match?**")
    tab.locator("#match-results li, #match-results article").first.wait_for(timeout=60_000)
    assert tab.locator("#requester").input_value() in ("EC-L", CGR + "provincia-ec-l")
    assert tab.locator("#cooperation").input_value() == CGR + "tipo-tecnica"
