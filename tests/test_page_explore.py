"""The explorer in headless Chromium: it draws what /api/export returns, and search, filters, focus and the panel work.

Expected values come from the service's own JSON (fetched beside the page, not through it), so these tests
follow the graph as it grows. The `page` fixture fails a test whose page reaches outside the site; the
`explorer` fixture below also fails it on any console error or Content-Security-Policy violation.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

pytestmark = pytest.mark.slow

CGR = "https://w3id.org/coopgraph/id/"
LOJA = CGR + "gadp-loja"
READY = "#explore-status[data-state=ready]"
LAYOUT_TIMEOUT_MS = 90_000  # the physics layout of the whole graph, on a slow CI machine
JS_NODE_COUNT = "Object.keys(window.coopgraphExplorer.network.getPositions()).length"


def fold(text: str) -> str:
    """Lower case without accents, as the page's search compares names."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)).lower()


@pytest.fixture
def explorer(page: Any) -> Iterator[Any]:
    """The `page` fixture plus a watch on the console: errors, uncaught exceptions and CSP violations fail."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} at {(message.location or {}).get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"
    )
    yield page
    assert not problems, problems


def cyjs(page: Any, **params: Any) -> dict[str, Any]:
    """The Cytoscape.js JSON the API returns for a selection, fetched independently of the page's script."""
    response = page.request.get("/api/export", params={"format": "cyjs", "lang": "es", **params})
    assert response.ok, response.text()
    return response.json()


def resource(page: Any, iri: str, lang: str = "es") -> dict[str, Any]:
    response = page.request.get("/api/resource", params={"iri": iri, "lang": lang})
    assert response.ok, response.text()
    return response.json()


def nodes_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["data"] for item in body["elements"]["nodes"]]


def edges_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["data"] for item in body["elements"]["edges"]]


def open_explorer(page: Any, query: str = "") -> None:
    page.goto("/explore" + query)
    page.wait_for_selector(READY, timeout=LAYOUT_TIMEOUT_MS)


def drawn(page: Any) -> tuple[int, int, int]:
    """(nodes on the status line, nodes the network has positions for, edges on the status line)."""
    status = page.locator("#explore-status")
    return (
        int(status.get_attribute("data-drawn-nodes") or -1),
        page.evaluate(JS_NODE_COUNT),
        int(status.get_attribute("data-drawn-edges") or -1),
    )


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


def wait_drawn(page: Any, count: int) -> None:
    """Wait until the status line reports `count` drawn nodes (a function, not a string: the CSP forbids eval)."""
    page.wait_for_function(
        "(n) => document.getElementById('explore-status').dataset.drawnNodes === String(n)", arg=count
    )


def panel_ready_for(page: Any, iri: str) -> Any:
    panel = page.locator(f'#explore-panel[data-state=ready][data-iri="{iri}"]')
    panel.wait_for()
    return panel


# --- drawing ----------------------------------------------------------------------------------------------------


@pytest.mark.backends  # also on coopgraph serve --store sparql (tests/backends.py)
def test_draws_every_node_and_edge_of_the_whole_graph(explorer: Any) -> None:
    open_explorer(explorer, "?all=1")
    body = cyjs(explorer)
    nodes, edges = nodes_of(body), edges_of(body)
    assert len(nodes) > 100, "the shipped graph should project to more than a hundred nodes"
    assert drawn(explorer) == (len(nodes), len(nodes), len(edges))
    assert sorted(explorer.evaluate("window.coopgraphExplorer.network.body.nodeIndices.slice()")) == sorted(
        node["id"] for node in nodes
    )
    assert str(len(nodes)) in explorer.locator("#explore-status").inner_text()


def test_physics_is_stopped_once_laid_out(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    assert explorer.evaluate("window.coopgraphExplorer.network.physics.physicsEnabled") is False


def test_vis_network_comes_from_the_vendor_route(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}")
    scripts = explorer.evaluate("[...performance.getEntriesByType('resource')].map((e) => e.name)")
    assert any(url.endswith("/vendor/vis-network/vis-network.min.js") for url in scripts)
    assert explorer.evaluate("typeof vis.Network") == "function"


def test_legend_lists_every_kind_with_its_count(explorer: Any) -> None:
    open_explorer(explorer, "?all=1")
    counts = Counter(node["kind"] for node in nodes_of(cyjs(explorer)))
    shown = {
        box.get_attribute("data-kind"): int(
            explorer.locator(f'[data-count-for="{box.get_attribute("data-kind")}"]').inner_text()
        )
        for box in explorer.locator("#explore-kinds input[data-kind]").all()
    }
    assert shown == dict(counts)


# --- focus ------------------------------------------------------------------------------------------------------


def test_focus_opens_the_ego_network_and_its_panel(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    body = cyjs(explorer, focus=LOJA, radius=1)
    assert LOJA in {node["id"] for node in nodes_of(body)}
    assert drawn(explorer) == (len(nodes_of(body)), len(nodes_of(body)), len(edges_of(body)))
    panel = panel_ready_for(explorer, LOJA)
    assert panel.locator("h2").inner_text() == resource(explorer, LOJA)["label"]
    assert explorer.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [LOJA]


def test_radius_control_reloads_the_ego_network(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    one = len(nodes_of(cyjs(explorer, focus=LOJA, radius=1)))
    two = len(nodes_of(cyjs(explorer, focus=LOJA, radius=2)))
    assert two > one
    explorer.select_option("#explore-radius", "2")
    wait_drawn(explorer, two)
    explorer.wait_for_selector(READY)
    assert drawn(explorer)[:2] == (two, two)
    assert parse_qs(urlsplit(explorer.url).query)["radius"] == ["2"]


def test_focus_on_the_chosen_node_then_back_to_the_whole_graph(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    neighbour = min(node["id"] for node in nodes_of(cyjs(explorer, focus=LOJA, radius=1)) if node["id"] != LOJA)
    explorer.evaluate("(id) => window.coopgraphExplorer.select(id)", neighbour)
    explorer.click("#explore-focus-selected")
    wait_drawn(explorer, len(nodes_of(cyjs(explorer, focus=neighbour, radius=1))))
    explorer.wait_for_selector(READY)
    assert parse_qs(urlsplit(explorer.url).query)["focus"] == [neighbour]
    panel_ready_for(explorer, neighbour)
    explorer.click("#explore-whole")
    wait_drawn(explorer, len(nodes_of(cyjs(explorer))))
    assert "focus" not in parse_qs(urlsplit(explorer.url).query)
    assert explorer.locator("#explore-whole").is_hidden()


def test_unknown_focus_says_so(page: Any) -> None:
    """Not with `explorer`: the browser logs the API's 404 as a console error, which is the point here."""
    page.goto(f"/explore?focus={CGR}no-such-resource")
    status = page.locator("#explore-status[data-state=error]")
    status.wait_for(timeout=LAYOUT_TIMEOUT_MS)
    assert "No se pudo cargar la red" in status.inner_text()
    assert page.locator("#explore-whole").is_visible()


# --- clicking and the side panel -----------------------------------------------------------------------------


def test_click_on_a_node_shows_its_facts_links_and_sources(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    neighbours = [node["id"] for node in nodes_of(cyjs(explorer, focus=LOJA, radius=1)) if node["id"] != LOJA]
    described = [(iri, resource(explorer, iri)) for iri in neighbours]
    iri, facts = next((iri, body) for iri, body in described if body["facts"] and body["sources"])
    click_node(explorer, iri)
    panel = panel_ready_for(explorer, iri)
    assert explorer.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [iri]
    assert panel.locator("h2").inner_text() == facts["label"]
    text = panel.inner_text()
    for fact in facts["facts"]:
        assert fact["label"] in text and str(fact["value"]).strip() in text
    assert panel.locator(".panel-links li[data-direction]").count() == len(facts["links"])
    for source in facts["sources"]:
        assert source["label"] in text


def test_panel_links_to_partner_matching_and_sparql(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    panel = panel_ready_for(explorer, LOJA)
    match = urlsplit(panel.locator("a[data-action=match]").get_attribute("href"))
    assert match.path == "/match" and parse_qs(match.query)["similar"] == [LOJA]
    sparql = panel.locator("a[data-action=sparql]").get_attribute("href")
    assert sparql.startswith("/?query=DESCRIBE%20%3C")
    assert parse_qs(urlsplit(sparql).query)["query"] == [f"DESCRIBE <{LOJA}>"]


def test_panel_offers_similar_partners_only_where_matching_compares(explorer: Any) -> None:
    """ "Find similar partners" shows on an association's panel and not on a province's: as the similar-partners
    API (asked beside the page) accepts the one and refuses the other."""
    # from the whole network: which GADs are CONGOPE members is what the study says, not every province's case
    neighbours = sorted(nodes_of(cyjs(explorer)), key=lambda node: node["id"])
    chosen = [next(node for node in neighbours if node["kind"] == kind) for kind in ("association", "province")]
    offered = [explorer.request.get(f"/api/partners/{quote(node['id'], safe=':/')}/similar").ok for node in chosen]
    assert offered == [True, False]
    for node, offers in zip(chosen, offered, strict=True):
        open_explorer(explorer, f"?focus={node['id']}&radius=1")
        links = panel_ready_for(explorer, node["id"]).locator("a[data-action=match]")
        assert links.count() == (1 if offers else 0), node
        if offers:
            assert parse_qs(urlsplit(links.get_attribute("href")).query)["similar"] == [node["id"]]


def test_sector_panel_links_to_matching_by_need(explorer: Any) -> None:
    sector = min((node for node in nodes_of(cyjs(explorer)) if node["kind"] == "sector"), key=lambda node: node["id"])
    open_explorer(explorer, f"?focus={sector['id']}&radius=1")
    panel = panel_ready_for(explorer, sector["id"])
    assert panel.locator("a[data-action=match]").count() == 1
    need = urlsplit(panel.locator("a[data-action=match]").get_attribute("href"))
    assert need.path == "/match" and parse_qs(need.query)["need"] == [sector["label"]]


def test_panel_link_selects_a_drawn_neighbour(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    panel = panel_ready_for(explorer, LOJA)
    drawn_ids = set(explorer.evaluate("window.coopgraphExplorer.nodesView.getIds()"))
    target = next(
        button.get_attribute("data-target")
        for button in panel.locator(".panel-links button[data-target]").all()
        if button.get_attribute("data-target") in drawn_ids and button.get_attribute("data-target") != LOJA
    )
    panel.locator(f'.panel-links button[data-target="{target}"]').first.click()
    panel_ready_for(explorer, target)
    assert explorer.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [target]


# --- search -----------------------------------------------------------------------------------------------------


def test_search_ignores_accents_and_case_and_focuses_the_node(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=2")
    nodes = nodes_of(cyjs(explorer, focus=LOJA, radius=2))
    accented = next(
        node for node in sorted(nodes, key=lambda n: n["id"]) if fold(node["label"]) != node["label"].lower()
    )
    typed = fold(accented["label"])
    explorer.fill("#explore-search", typed)
    result = explorer.locator(f'#explore-results button[data-id="{accented["id"]}"]')
    result.click()
    panel_ready_for(explorer, accented["id"])
    assert explorer.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [accented["id"]]
    # The view is brought to the node: once the animation ends, it sits at the middle of the canvas.
    explorer.wait_for_function(
        """(id) => {
            const network = window.coopgraphExplorer.network;
            const at = network.canvasToDOM(network.getPositions([id])[id]);
            const box = document.getElementById('explore-network').getBoundingClientRect();
            return Math.abs(at.x - box.width / 2) < 5 && Math.abs(at.y - box.height / 2) < 5;
        }""",
        arg=accented["id"],
    )
    assert explorer.locator("#explore-results").is_hidden()


def test_search_lists_every_visible_match(explorer: Any) -> None:
    open_explorer(explorer, "?all=1")
    nodes = nodes_of(cyjs(explorer))
    names = {node["id"]: [node["label"], *str(node.get("alt_labels", "")).split(";")] for node in nodes}
    expected = {iri for iri, texts in names.items() if any("loja" in fold(text) for text in texts)}
    assert expected, "the graph names Loja"
    explorer.fill("#explore-search", "LOJA")
    explorer.wait_for_selector("#explore-results button[data-id]")
    listed = {b.get_attribute("data-id") for b in explorer.locator("#explore-results button[data-id]").all()}
    assert listed <= expected
    assert len(listed) == min(len(expected), 12)  # the list shows at most twelve


def test_search_without_match_says_so(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}")
    explorer.fill("#explore-search", "zzzz-nada-zzzz")
    explorer.wait_for_selector("#explore-results li.muted")
    assert explorer.locator("#explore-results").inner_text() == "Ningún nodo se llama así."


# --- filters ----------------------------------------------------------------------------------------------------


def test_kind_filter_reduces_the_drawn_nodes(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=2")
    body = cyjs(explorer, focus=LOJA, radius=2)
    everything = (len(nodes_of(body)), len(nodes_of(body)), len(edges_of(body)))
    assert drawn(explorer) == everything
    counts = Counter(node["kind"] for node in nodes_of(body))
    kind = next(kind for kind, _ in counts.most_common() if kind != "subnational-government")  # not the focus's kind
    kept = sorted(k for k in counts if k != kind)
    filtered = cyjs(explorer, focus=LOJA, radius=2, kind=",".join(kept))
    explorer.locator(f'#explore-kinds input[data-kind="{kind}"]').uncheck()
    wait_drawn(explorer, len(nodes_of(filtered)))
    explorer.wait_for_selector(READY)
    assert len(nodes_of(filtered)) < everything[0]
    assert drawn(explorer) == (len(nodes_of(filtered)), len(nodes_of(filtered)), len(edges_of(filtered)))
    assert not {node["kind"] for node in explorer.evaluate("window.coopgraphExplorer.nodes.get()")} & {kind}
    for link in explorer.locator("#explore-download-list a[data-format]").all():
        assert parse_qs(urlsplit(link.get_attribute("href")).query)["kind"] == [",".join(kept)]
    assert parse_qs(urlsplit(explorer.url).query)["kind"] == [",".join(kept)]
    explorer.locator(f'#explore-kinds input[data-kind="{kind}"]').check()
    wait_drawn(explorer, everything[0])
    explorer.wait_for_selector(READY)
    assert drawn(explorer) == everything


def test_the_focus_kind_cannot_be_unchecked(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    assert explorer.locator('#explore-kinds input[data-kind="subnational-government"]').is_disabled()
    explorer.click("#explore-kinds-none")
    only_focus_kind = cyjs(explorer, focus=LOJA, radius=1, kind="subnational-government")
    wait_drawn(explorer, len(nodes_of(only_focus_kind)))
    explorer.wait_for_selector(READY)
    assert {node["kind"] for node in explorer.evaluate("window.coopgraphExplorer.nodes.get()")} == {
        "subnational-government"
    }


def test_kind_parameter_preselects_kinds(explorer: Any) -> None:
    open_explorer(explorer, "?all=1&kind=network,country")
    expected = cyjs(explorer, kind="network,country")
    assert {node["kind"] for node in nodes_of(expected)} == {"network", "country"}
    assert drawn(explorer) == (len(nodes_of(expected)), len(nodes_of(expected)), len(edges_of(expected)))
    checked = {box.get_attribute("data-kind") for box in explorer.locator("#explore-kinds input:checked").all()}
    assert checked == {"network", "country"}


def test_sector_filter_keeps_the_nodes_of_that_sector(explorer: Any) -> None:
    open_explorer(explorer, "?all=1")
    nodes = nodes_of(cyjs(explorer))
    by_sector = Counter(s.strip() for node in nodes for s in str(node.get("sectors", "")).split(";") if s.strip())
    sector, _ = by_sector.most_common(1)[0]
    expected = {
        node["id"]
        for node in nodes
        if sector in [s.strip() for s in str(node.get("sectors", "")).split(";")]
        or (node["kind"] == "sector" and node["label"] == sector)
    }
    explorer.select_option("#explore-sector", sector)
    assert drawn(explorer)[:2] == (len(expected), len(expected))
    assert set(explorer.evaluate("window.coopgraphExplorer.nodesView.getIds()")) == expected
    assert explorer.locator("#explore-download-note").is_visible()


# --- downloads and language ---------------------------------------------------------------------------------------


def test_download_links_follow_the_selection(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    links = explorer.locator("#explore-download-list a[data-format]")
    formats = [link.get_attribute("data-format") for link in links.all()]
    assert formats == ["graphml", "gexf", "cyjs", "nodelink", "dot", "svg", "csv", "ttl", "jsonld"]
    for link in links.all():
        query = parse_qs(urlsplit(link.get_attribute("href")).query)
        assert query["focus"] == [LOJA] and query["radius"] == ["1"] and query["lang"] == ["es"]
        assert query["format"] == [link.get_attribute("data-format")]
    href = explorer.locator('a[data-format="cyjs"]').get_attribute("href")
    downloaded = explorer.request.get(href)
    assert downloaded.ok
    assert len(downloaded.json()["elements"]["nodes"]) == drawn(explorer)[0]


def test_english_page_and_labels(explorer: Any) -> None:
    open_explorer(explorer, f"?lang=en&focus={LOJA}&radius=1")
    assert explorer.locator("html").get_attribute("lang") == "en"
    assert explorer.locator("h1").inner_text() == "Explore the cooperation network"
    english = {node["id"]: node["label"] for node in nodes_of(cyjs(explorer, focus=LOJA, radius=1, lang="en"))}
    spanish = {node["id"]: node["label"] for node in nodes_of(cyjs(explorer, focus=LOJA, radius=1, lang="es"))}
    assert english != spanish, "the graph has English labels that differ from the Spanish ones"
    drawn_labels = explorer.evaluate(
        "Object.fromEntries(window.coopgraphExplorer.nodes.get().map((n) => [n.id, n.label]))"
    )
    assert drawn_labels == english
    panel = panel_ready_for(explorer, LOJA)
    assert panel.locator("h2").inner_text() == resource(explorer, LOJA, "en")["label"]
    assert panel.locator("h3").all_text_contents() == ["Facts", "Links", "Sources"]
    assert "nodes" in explorer.locator("#explore-status").inner_text()
    kind_labels = {
        node["kind"]: node["kind_label"] for node in nodes_of(cyjs(explorer, focus=LOJA, radius=1, lang="en"))
    }
    legend = {
        box.get_attribute("data-kind"): box.locator("xpath=following-sibling::span[@class='kind-name']").inner_text()
        for box in explorer.locator("#explore-kinds input[data-kind]").all()
    }
    assert legend == kind_labels


# --- issue #18: a meaningful start, view controls, search ranking, filters that hold, one colour per kind --------

CONGOPE = CGR + "congope"
LABEL_PX = 14  # the node labels' font size on the canvas (explore.js), before zooming


def test_opens_on_congope_with_readable_labels(explorer: Any) -> None:
    """No focus in the address: CONGOPE's network (not the 474-node hairball), drawn at a scale where the labels
    are at least 12 px."""
    open_explorer(explorer)
    assert parse_qs(urlsplit(explorer.url).query)["focus"] == [CONGOPE]
    body = cyjs(explorer, focus=CONGOPE, radius=1)
    assert drawn(explorer) == (len(nodes_of(body)), len(nodes_of(body)), len(edges_of(body)))
    assert len(nodes_of(body)) < len(nodes_of(cyjs(explorer))) / 4
    assert explorer.evaluate("window.coopgraphExplorer.network.getScale()") * LABEL_PX >= 12 - 1e-6
    assert explorer.locator("#explore-whole").is_visible()


def test_opens_on_the_province_the_user_focused_last(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    open_explorer(explorer)
    assert parse_qs(urlsplit(explorer.url).query)["focus"] == [LOJA]
    explorer.click("#explore-whole")
    wait_drawn(explorer, len(nodes_of(cyjs(explorer))))
    assert parse_qs(urlsplit(explorer.url).query)["all"] == ["1"]


def _scale(page: Any) -> float:
    return float(page.evaluate("window.coopgraphExplorer.network.getScale()"))


def test_zoom_fit_and_relayout_controls(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=2")
    start = _scale(explorer)
    explorer.click("#explore-zoom-in")
    explorer.wait_for_function("(s) => window.coopgraphExplorer.network.getScale() > s * 1.25", arg=start)
    explorer.click("#explore-zoom-in")
    explorer.wait_for_function("(s) => window.coopgraphExplorer.network.getScale() > s * 1.6", arg=start)
    explorer.click("#explore-fit")  # every node back inside the canvas
    explorer.wait_for_function(
        """() => {
            const network = window.coopgraphExplorer.network;
            const box = document.getElementById('explore-network').getBoundingClientRect();
            return Object.values(network.getPositions()).every((p) => {
                const at = network.canvasToDOM(p);
                return at.x >= 0 && at.y >= 0 && at.x <= box.width && at.y <= box.height;
            });
        }"""
    )
    explorer.click("#explore-zoom-out")
    before = explorer.evaluate("window.coopgraphExplorer.network.getPositions()")
    explorer.click("#explore-relayout")
    explorer.wait_for_selector(READY)
    after = explorer.evaluate("window.coopgraphExplorer.network.getPositions()")
    assert set(after) == set(before) and after != before
    assert explorer.evaluate("window.coopgraphExplorer.network.physics.physicsEnabled") is False


def test_a_disabled_button_looks_disabled(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    explorer.locator("#explore-network").click(position={"x": 3, "y": 3})
    button = explorer.locator("#explore-focus-selected")
    assert button.is_disabled()
    style = "(e) => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.cursor]; }"
    off = button.evaluate(style)
    enabled = explorer.locator("#explore-relayout").evaluate(style)
    primary = explorer.evaluate(
        "(() => { const b = document.createElement('button'); document.body.append(b);"
        " const s = getComputedStyle(b); const r = [s.backgroundColor, s.color, s.cursor]; b.remove(); return r; })()"
    )
    assert off[2] == "not-allowed" and enabled[2] == primary[2] == "pointer"
    assert off[0] != primary[0] and off[0] != enabled[0]


def _results(page: Any, typed: str) -> list[str]:
    page.fill("#explore-search", typed)
    page.wait_for_selector("#explore-results button[data-id]")
    return [b.get_attribute("data-id") for b in page.locator("#explore-results button[data-id]").all()]


def test_search_ranks_names_and_codes_first(explorer: Any) -> None:
    open_explorer(explorer, "?all=1")
    assert _results(explorer, "congope")[0] == CONGOPE  # not the figures that mention it
    assert _results(explorer, "EC-L")[:2] == [CGR + "provincia-ec-l", LOJA]  # the province's ISO code, its government
    assert _results(explorer, "GAD Loja")[0] == LOJA  # every word typed, in its other name "GAD Provincial de Loja"
    explorer.fill("#explore-search", "congope")
    explorer.locator("#explore-search").press("Enter")
    panel_ready_for(explorer, CONGOPE)
    assert explorer.evaluate("window.coopgraphExplorer.network.getSelectedNodes()") == [CONGOPE]


def test_a_result_outside_the_view_centres_the_network_on_it(explorer: Any) -> None:
    open_explorer(explorer)  # CONGOPE's network: Loja's province is not in it
    province = CGR + "provincia-ec-l"
    assert province not in set(explorer.evaluate("window.coopgraphExplorer.nodesView.getIds()"))
    explorer.fill("#explore-search", "ec-l")
    explorer.locator("#explore-search").press("Enter")
    wait_drawn(explorer, len(nodes_of(cyjs(explorer, focus=province, radius=1))))
    explorer.wait_for_selector(READY)
    assert parse_qs(urlsplit(explorer.url).query)["focus"] == [province]
    panel_ready_for(explorer, province)


def test_the_search_list_stays_closed_after_redraws(explorer: Any) -> None:
    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    explorer.fill("#explore-search", "loja")
    explorer.wait_for_selector("#explore-results button[data-id]")
    explorer.locator(f'#explore-results button[data-id="{CGR}provincia-ec-l"]').click()
    panel_ready_for(explorer, CGR + "provincia-ec-l")
    assert explorer.locator("#explore-results").is_hidden()
    kind = explorer.locator("#explore-kinds input[data-kind]:not([disabled])").first
    kind.uncheck()
    explorer.wait_for_selector(READY)
    assert explorer.locator("#explore-results").is_hidden()
    explorer.select_option("#explore-radius", "2")
    explorer.wait_for_selector(READY)
    assert explorer.locator("#explore-results").is_hidden()
    explorer.reload()
    explorer.wait_for_selector(READY, timeout=LAYOUT_TIMEOUT_MS)
    assert explorer.locator("#explore-results").is_hidden()


def test_a_choice_of_kinds_holds_when_the_radius_changes(explorer: Any) -> None:
    """Tick only "Red", set radius 2: only networks (and the focus's own kind) are drawn; no new kind leaks in."""
    open_explorer(explorer, f"?focus={CONGOPE}&radius=1")
    explorer.click("#explore-kinds-none")
    explorer.wait_for_selector(READY)
    explorer.locator('#explore-kinds input[data-kind="network"]').check()
    explorer.wait_for_selector(READY)
    explorer.select_option("#explore-radius", "2")
    expected = cyjs(explorer, focus=CONGOPE, radius=2, kind="association,network")
    wait_drawn(explorer, len(nodes_of(expected)))
    explorer.wait_for_selector(READY)
    assert drawn(explorer) == (len(nodes_of(expected)), len(nodes_of(expected)), len(edges_of(expected)))
    kinds = {node["kind"] for node in explorer.evaluate("window.coopgraphExplorer.nodes.get()")}
    assert kinds == {"network", "association"}  # CONGOPE is an association: the focus's kind stays
    everything = {node["kind"] for node in nodes_of(cyjs(explorer, focus=CONGOPE, radius=2))}
    assert len(everything) > 5  # radius 2 has many more kinds, all left unticked
    checked = {box.get_attribute("data-kind") for box in explorer.locator("#explore-kinds input:checked").all()}
    assert checked == {"network", "association"}
    assert parse_qs(urlsplit(explorer.url).query)["kind"] == ["association,network"]


def _legend_colours(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#explore-kinds label')].map((label) => [
            label.querySelector('input').dataset.kind,
            getComputedStyle(label.querySelector('.swatch')).backgroundColor]))"""
    )


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))


def test_one_colour_per_kind_in_every_view_and_in_the_gexf(explorer: Any) -> None:
    from coopgraph.core.projection import KIND_COLOURS

    open_explorer(explorer, f"?focus={LOJA}&radius=1")
    first = _legend_colours(explorer)
    drawn_colours = explorer.evaluate(
        "Object.fromEntries(window.coopgraphExplorer.nodes.get().map((n) => [n.kind, n.color.background]))"
    )
    assert drawn_colours == {kind: KIND_COLOURS[kind] for kind in drawn_colours}
    open_explorer(explorer, "?all=1")
    second = _legend_colours(explorer)
    assert set(first) < set(second)
    assert second == {kind: _rgb(KIND_COLOURS[kind]) for kind in second}
    assert first == {kind: second[kind] for kind in first}
    href = explorer.locator('#explore-download-list a[data-format="gexf"]').get_attribute("href")
    import io
    import xml.etree.ElementTree as ET

    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    root = ET.parse(io.BytesIO(explorer.request.get(href).body())).getroot()
    kind_attribute = next(
        a.get("id") for a in root.iterfind(".//g:attributes[@class='node']/g:attribute", ns) if a.get("title") == "kind"
    )
    for node in root.iterfind(".//g:node", ns):
        kind = node.find(f"g:attvalues/g:attvalue[@for='{kind_attribute}']", ns).get("value")
        colour = node.find("viz:color", ns)
        assert _rgb(KIND_COLOURS[kind]) == "rgb({}, {}, {})".format(colour.get("r"), colour.get("g"), colour.get("b"))
        assert node.find("viz:position", ns) is not None
