"""The "Buscar socios / Find partners" page (/match) in headless Chromium, checked against the API's own answers.

Cards are compact (partner, why in one line, channels, contact, score parts) with the explanation folded; the
requester's legal basis is shown once above them; the list downloads as CSV (UTF-8 with BOM); a sector picker
works when free text fails; the kinds of cooperation offered follow the requester. Every state is checked at
1366 and 390 px for horizontal overflow; the `page` fixture fails a test whose page reaches off the machine.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

CGR = "https://w3id.org/coopgraph/id/"
ACTOR = CGR + "regions4"
READY = "#match-form[data-ready='true']"
RESULT = "#match-results li.result"
SETTLED = "#match-form[data-state='done'], #match-form[data-state='error']"
WIDTHS = (1366, 390)
BOM = "\ufeff"


def _open(page: Any, path: str) -> None:
    """Load the page and wait until its pickers are filled (the script set data-ready)."""
    page.goto(path)
    page.wait_for_selector(READY, state="attached")


def _settled(page: Any) -> None:
    page.wait_for_selector(SETTLED, state="attached")


def _api(page: Any, path: str, **params: Any) -> tuple[int, Any]:
    """Ask the site's API directly (same server as the page) for the expected answer."""
    response = page.request.get(f"{path}?{urllib.parse.urlencode(params, doseq=True)}")
    return response.status, response.json()


def _province(page: Any, code: str, lang: str = "es") -> dict[str, str]:
    _, options = _api(page, "/api/match/options", lang=lang)
    return next(requester for requester in options["requesters"] if requester["code"] == code)


def _shown(page: Any) -> list[dict[str, Any]]:
    """The results as the page shows them."""
    return page.eval_on_selector_all(
        RESULT,
        """items => items.map(li => ({
            partner: li.dataset.partner,
            label: li.querySelector('.head .label').textContent,
            rank: li.querySelector('.rank').textContent,
            score: Number(li.dataset.score),
            shownScore: li.querySelector('.score-value').textContent,
            strength: li.dataset.strength,
            strengthText: li.querySelector('.strength')?.textContent ?? null,
            why: li.querySelector('.why').textContent,
            parts: Object.fromEntries([...li.querySelectorAll('.parts .part')].map(p => [p.dataset.part, Number(p.dataset.value)])),
            partTexts: [...li.querySelectorAll('.parts .part')].map(p => p.textContent),
            members: [...li.querySelectorAll('.group a.member-link')].map(a => a.dataset.iri),
            homepages: [...li.querySelectorAll('.contact a.homepage')].map(a => a.getAttribute('href')),
            emails: [...li.querySelectorAll('.contact a.email')].map(a => a.getAttribute('href')),
            texts: [...li.querySelectorAll('.details .explanation .text')].map(t => t.textContent),
            resources: [...li.querySelectorAll('.details .explanation a.resource')].map(a => a.dataset.iri),
        }))""",
    )


def _check_against(page: Any, answer: dict[str, Any]) -> None:
    """The page lists exactly the API's partners, in order, with their labels, scores, parts, one-line reasons,
    groups, contacts and (folded) explanations."""
    shown = _shown(page)
    assert [item["partner"] for item in shown] == [result["partner"] for result in answer["results"]]
    for item, result in zip(shown, answer["results"], strict=True):
        assert item["label"] == result["label"]
        assert item["score"] == pytest.approx(result["score"])
        assert item["shownScore"] == f"{result['score']:.2f}"
        assert item["strength"] == result["strength"]
        assert item["parts"] == pytest.approx(result["components"])
        assert item["why"] == (result["why"] or result["explanation"][0]["text"])
        group = result["group"] or {"members": []}
        assert item["members"] == [member["iri"] for member in group["members"]]
        assert item["homepages"] == result["contact"].get("homepage", [])
        assert item["emails"] == result["contact"].get("email", [])
        assert item["texts"] == [explanation["text"] for explanation in result["explanation"]]
        assert item["resources"] == [iri for explanation in result["explanation"] for iri in explanation["resources"]]
    rank = "n.º {}" if page.evaluate("cg.lang") == "es" else "#{}"
    assert [item["rank"] for item in shown] == [rank.format(n) for n in range(1, len(shown) + 1)]


def _search(page: Any) -> None:
    """Submit the form and wait until the page has shown the answer (or an error)."""
    page.click("#match-submit")
    _settled(page)


def _no_overflow(page: Any, what: str) -> None:
    """At 1366 and 390 px wide the page needs no horizontal scrolling (the layout reflows)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"{what}: {scroll} px of content in a {client} px wide window ({width} px)"
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                 .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        assert not wide, f"{what} at {width} px: elements past the right edge {wide}"


# --- searching --------------------------------------------------------------------------------------------------


@pytest.mark.backends  # also on coopgraph serve --store sparql (tests/backends.py)
def test_spanish_search_in_a_province(page: Any) -> None:
    _open(page, "/match")
    assert page.get_attribute("html", "lang") == "es"
    assert page.text_content("h1") == "Buscar socios"
    assert page.text_content("#match-submit") == "Buscar"
    loja = _province(page, "EC-L")
    page.fill("#need", "salud")
    page.select_option("#requester", loja["iri"])
    _search(page)
    status, answer = _api(page, "/api/match", need="salud", requester=loja["iri"], lang="es")
    assert status == 200 and answer["results"]
    _check_against(page, answer)
    summary = page.text_content("#match-summary")
    assert "Salud" in summary and "Loja" in summary
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query["need"] == ["salud"] and query["requester"] == [loja["iri"]]
    page.fill("#need", "vialidad")  # a theme no partner works on, directly or through the DAC: the page says so
    _search(page)
    _, answer = _api(page, "/api/match", need="vialidad", requester=loja["iri"], lang="es")
    assert answer["results"] == [] and page.locator(RESULT).count() == 0
    assert "Ningún socio" in page.text_content("#match-status")
    assert page.locator("#match-tools").is_hidden()


def test_english_with_lang_en(page: Any) -> None:
    _open(page, "/match?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1") == "Find partners"
    assert page.text_content("#match-submit") == "Search"
    assert page.locator("#requester option").first.text_content() == "(none)"
    page.fill("#need", "twinning with regional governments")
    _search(page)
    _, answer = _api(page, "/api/match", need="twinning with regional governments", lang="en")
    assert answer["results"]
    _check_against(page, answer)
    assert "partners for" in page.text_content("#match-status")
    assert "way of cooperating" in page.text_content("#match-summary .read")


def test_filters_are_sent(page: Any) -> None:
    _open(page, "/match")
    _, options = _api(page, "/api/match/options", lang="es")
    kinds = [kind["key"] for kind in options["kinds"]]
    assert page.eval_on_selector_all("#kind option", "os => os.map(o => o.value)") == ["", *kinds]
    cooperation = [item["iri"] for item in options["cooperation"]]
    assert page.eval_on_selector_all("#cooperation option", "os => os.map(o => o.value)") == ["", *cooperation]
    for kind in kinds:
        status, answer = _api(page, "/api/match", need="educación", kind=kind, lang="es")
        if status == 200 and answer["results"]:
            break
    else:
        pytest.fail("no kind of partner gives results for 'educación'")
    page.fill("#need", "educación")
    page.select_option("#kind", kind)
    _search(page)
    _check_against(page, answer)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["kind"] == [kind]


def test_prefill_runs_and_selects_the_province_by_code(page: Any) -> None:
    loja = _province(page, "EC-L")
    _open(page, "/match?need=salud&requester=ec-l")
    _settled(page)
    assert page.input_value("#need") == "salud"
    assert page.input_value("#requester") == loja["iri"]
    _, answer = _api(page, "/api/match", need="salud", requester=loja["iri"], lang="es")
    _check_against(page, answer)


# --- compact cards -------------------------------------------------------------------------------------------------


def test_cards_are_compact_and_details_folded(page: Any) -> None:
    """Each card shows the partner, why in one line, its score's parts and few links; the explanation with its
    resource links is folded until the reader opens it."""
    _open(page, "/match?need=salud&requester=EC-L")
    _settled(page)
    cards = page.locator(RESULT)
    assert cards.count() > 0
    for index in range(cards.count()):
        card = cards.nth(index)
        assert card.locator(".why").is_visible() and card.locator(".why").text_content().strip()
        assert card.locator(".parts .part").count() >= 2 and card.locator(".parts").is_visible()
        details = card.locator("details.details")
        assert details.count() == 1 and details.get_attribute("open") is None
        assert card.locator(".explanation").count() > 0 and not card.locator(".explanation").first.is_visible()
        visible_links = card.locator("a").evaluate_all("as => as.filter(a => a.checkVisibility()).length")
        members = card.locator(".group a").count()
        contacts = card.locator(".contact a").count()
        assert visible_links <= 1 + members + contacts, "only the partner, its channels and its contact are linked"
        assert members <= 10
    first = cards.first
    first.locator("details.details summary").click()
    assert first.locator(".explanation").first.is_visible()
    assert first.locator(".explanation a.resource").first.is_visible()
    _no_overflow(page, "results")


def test_legal_basis_once_at_the_top(page: Any) -> None:
    status, answer = _api(page, "/api/match", need="salud", requester="EC-L", lang="es")
    assert status == 200 and answer["legal"] and answer["results"]
    _open(page, "/match?need=salud&requester=EC-L")
    _settled(page)
    legal = page.locator("#match-summary details.legal")
    assert legal.count() == 1 and legal.is_visible()
    assert legal.locator(".explanation .text").all_text_contents() == [item["text"] for item in answer["legal"]]
    body = page.text_content("#match-results")
    for item in answer["legal"]:
        assert item["text"] not in body, "the requester's legal basis is not repeated on each card"
    assert page.locator(f"{RESULT} .explanation[data-type='legal']").count() == 0


def test_contact_of_the_partner_and_its_channels(page: Any) -> None:
    """The website and e-mail the study gives are on the card: the partner's own, and its channels'."""
    need = "regiones de Italia"
    status, answer = _api(page, "/api/match", need=need, lang="es")
    assert status == 200
    members = [m for r in answer["results"] if r["group"] for m in r["group"]["members"] if m["contact"]]
    assert any("email" in m["contact"] for m in members), "the chosen need must reach a channel with an e-mail"
    _open(page, f"/match?need={urllib.parse.quote(need)}")
    _settled(page)
    _check_against(page, answer)
    for result in answer["results"]:
        card = page.locator(f"{RESULT}[data-partner='{result['partner']}']")
        for member in (result["group"] or {"members": []})["members"]:
            web = card.locator(f".group a.member-link[data-iri='{member['iri']}'] + a.member-web")
            assert web.count() == (1 if member["contact"].get("homepage") else 0)
        if not result["contact"]:
            assert "no da sitio web ni correo" in card.locator(".contact").text_content()
    status, answer = _api(page, "/api/match", need="hermanamiento", kind="peer", lang="es")
    assert status == 200
    with_email = [r for r in answer["results"] if r["contact"].get("email")]
    assert with_email, "a peer with an e-mail in the study"
    _open(page, "/match?need=hermanamiento&kind=peer")
    _settled(page)
    _check_against(page, answer)
    card = page.locator(f"{RESULT}[data-partner='{with_email[0]['partner']}']")
    assert card.locator(".contact a.email").get_attribute("href").startswith("mailto:")


def test_score_parts_and_weak_matches_are_said(page: Any) -> None:
    """The score is shown with its parts, and a weak or indirect match says so in words (not only by a colour)."""
    status, answer = _api(page, "/api/match", need="riego", requester="EC-L", lang="es")
    assert status == 200 and answer["results"]
    strengths = {result["strength"] for result in answer["results"]}
    assert strengths & {"weak", "indirect"}, "riego reaches partners only through the DAC classification"
    _open(page, "/match?need=riego&requester=EC-L")
    _settled(page)
    _check_against(page, answer)
    names = {"direct": "coincidencia directa", "indirect": "coincidencia indirecta", "weak": "coincidencia débil"}
    for item in _shown(page):
        assert item["strengthText"] == names[item["strength"]]
        assert any(text.startswith("pertinencia ") for text in item["partTexts"])
        assert any(text.startswith("tema ") for text in item["partTexts"])
    assert "pertinencia" in page.locator(f"{RESULT} .parts").first.get_attribute("title")


# --- CSV ----------------------------------------------------------------------------------------------------------


def test_csv_download_of_the_list(page: Any) -> None:
    _open(page, "/match?need=salud&requester=EC-L")
    _settled(page)
    shown = _shown(page)
    link = page.locator("#match-csv")
    assert link.is_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "socios.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(BOM.encode("utf-8")), "a BOM, so Excel on Windows reads the accents"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix(BOM))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["n.º", "socio", "IRI"] and "puntuación" in header and "sitio web" in header
    assert [row[header.index("IRI")] for row in body] == [item["partner"] for item in shown]
    assert [row[header.index("socio")] for row in body] == [item["label"] for item in shown]
    assert "España" in [row[header.index("socio")] for row in body]  # accents survive
    assert [float(row[header.index("puntuación")]) for row in body] == pytest.approx([i["score"] for i in shown])


def test_csv_of_similar_actors(page: Any) -> None:
    _open(page, f"/match?similar={urllib.parse.quote(ACTOR, safe='')}&lang=en")
    _settled(page)
    href = page.get_attribute("#match-csv", "href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.body().decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert rows[0][:2] == ["rank", "partner"]
    assert [row[2] for row in rows[1:]] == [item["partner"] for item in _shown(page)]


# --- when free text fails: suggestions and the sector picker ---------------------------------------------------


def test_sector_picker(page: Any) -> None:
    _, options = _api(page, "/api/match/options", lang="es")
    _open(page, "/match")
    offered = page.eval_on_selector_all("#sector option", "os => os.map(o => o.value)")
    assert offered[0] == "" and sorted(offered[1:]) == sorted(sector["iri"] for sector in options["sectors"])
    assert page.locator("#sector optgroup").count() > 0, "narrower sectors are grouped under their broader one"
    sector = CGR + "sector-salud"
    page.select_option("#sector", sector)
    _search(page)  # no text, only the sector
    status, answer = _api(page, "/api/match", sector=sector, lang="es")
    assert status == 200 and answer["results"]
    _check_against(page, answer)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["sector"] == [sector]


def test_unreadable_need_suggests_themes_and_the_picker(page: Any) -> None:
    status, answer = _api(page, "/api/match", need="xqzvw plumbus", lang="es")
    assert status == 400 and answer["error"]["suggestions"]
    _open(page, "/match")
    page.fill("#need", "xqzvw plumbus")
    _search(page)
    error = page.locator("#match-error")
    assert error.is_visible()
    assert (answer["error"].get("message_es") or answer["error"]["message"]) in error.text_content()
    assert page.locator(RESULT).count() == 0
    labels = error.locator(".suggestions a").all_text_contents()
    assert labels == [suggestion["label"] for suggestion in answer["error"]["suggestions"]]
    error.locator("a.pick-sector").click()
    assert page.evaluate("document.activeElement.id") == "sector"
    _no_overflow(page, "an unreadable need")
    theme = next(s for s in answer["error"]["suggestions"] if s["facet"] == "theme")
    error.locator(f".suggestions a[data-iri='{theme['iri']}']").click()
    page.wait_for_url(re.compile(r"sector="))
    _settled(page)
    assert page.input_value("#sector") == theme["iri"] and page.input_value("#need") == ""
    _, expected = _api(page, "/api/match", sector=theme["iri"], lang="es")
    _check_against(page, expected)


def test_empty_need_shows_an_error(page: Any) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/match?" in request.url else None)
    _open(page, "/match")
    page.click("#match-submit")
    error = page.locator("#match-error")
    error.wait_for(state="visible")
    assert "Escriba qué necesita" in error.text_content()
    assert page.locator(RESULT).count() == 0 and not asked


def test_unknown_requester_offers_suggestions(page: Any) -> None:
    _open(page, "/match?need=salud&requester=Lojaa")
    error = page.locator("#match-error")
    error.wait_for(state="visible")
    suggestions = error.locator(".suggestions a")
    assert suggestions.count() > 0
    loja = next(i for i in range(suggestions.count()) if "Loja" in suggestions.nth(i).text_content())
    suggestions.nth(loja).click()
    page.wait_for_selector(RESULT)
    assert page.input_value("#need") == "salud"
    requester = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["requester"][0]
    assert page.input_value("#requester") == requester


# --- the kind of cooperation a province may use -----------------------------------------------------------------


def test_cooperation_picker_offers_a_province_only_what_it_may_use(page: Any) -> None:
    loja = _province(page, "EC-L")
    _, everything = _api(page, "/api/match/options", lang="es")
    _, scoped = _api(page, "/api/match/options", lang="es", requester=loja["iri"])
    allowed = [item["iri"] for item in scoped["cooperation"]]
    assert scoped["cooperation_scope"] and len(allowed) < len(everything["cooperation"])
    _open(page, "/match")
    values = "#cooperation option"
    assert page.eval_on_selector_all(values, "os => os.map(o => o.value)") == [
        "",
        *(item["iri"] for item in everything["cooperation"]),
    ]
    assert page.locator("#cooperation-scope").is_hidden()
    outside = CGR + "tipo-sur-sur"
    assert outside not in allowed
    page.select_option("#cooperation", outside)
    page.select_option("#requester", loja["iri"])
    page.wait_for_function(
        "() => document.getElementById('match-form').dataset.options === 'ready' && "
        "!document.querySelector('#cooperation option[value$=\"tipo-sur-sur\"]')"
    )
    assert page.eval_on_selector_all(values, "os => os.map(o => o.value)") == ["", *allowed]
    assert page.input_value("#cooperation") == "", "a kind the province may not use is dropped"
    scope = page.locator("#cooperation-scope")
    assert scope.is_visible()
    for item in scoped["cooperation_scope"]:
        assert item["label"] in scope.text_content()
    page.select_option("#requester", "")
    page.wait_for_function("() => document.querySelectorAll('#cooperation option').length > 5")
    assert page.locator("#cooperation-scope").is_hidden()


def test_prefilled_requester_limits_the_cooperation_picker(page: Any) -> None:
    _, scoped = _api(page, "/api/match/options", lang="es", requester="EC-L")
    _open(page, "/match?requester=EC-L")
    assert page.eval_on_selector_all("#cooperation option", "os => os.map(o => o.value)") == [
        "",
        *(item["iri"] for item in scoped["cooperation"]),
    ]


# --- links, similar actors, the page's hygiene --------------------------------------------------------------------


def test_results_link_into_the_graph(page: Any) -> None:
    _open(page, "/match?need=cambio%20clim%C3%A1tico&requester=EC-L")
    page.wait_for_selector(RESULT)
    first = page.locator(RESULT).first
    first.locator("details.details summary").click()
    resource_links = first.locator(".explanation a.resource")
    assert resource_links.count() > 0
    has_explorer = page.locator("header.site nav a[href^='/explore']").count() == 1
    for index in range(resource_links.count()):
        link = resource_links.nth(index)
        iri, href = link.get_attribute("data-iri"), link.get_attribute("href")
        target = urllib.parse.urlsplit(href)
        if has_explorer:
            assert target.path == "/explore" and urllib.parse.parse_qs(target.query)["focus"] == [iri]
        else:
            assert urllib.parse.parse_qs(target.query)["query"] == [f"DESCRIBE <{iri}>"]
    sparql_links = first.locator(".explanation a.sparql")
    assert sparql_links.count() == resource_links.count()
    hrefs = sparql_links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    described = [urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["query"][0] for href in hrefs]
    assert described == [f"DESCRIBE <{iri}>" for iri in resource_links.evaluate_all("as => as.map(a => a.dataset.iri)")]
    for href in (resource_links.first.get_attribute("href"), sparql_links.first.get_attribute("href")):
        assert page.request.get(href).status == 200, href


def test_similar_actors_page(page: Any) -> None:
    _open(page, f"/match?similar={urllib.parse.quote(ACTOR, safe='')}")
    page.wait_for_selector(RESULT)
    _, answer = _api(page, f"/api/partners/{urllib.parse.quote(ACTOR, safe='')}/similar", lang="es")
    _check_against(page, answer)
    shown = _shown(page)
    assert ACTOR not in [item["partner"] for item in shown]
    assert all(item["strengthText"] is None for item in shown), "likeness to an actor is no match to a need"


def test_similar_link_from_a_result(page: Any) -> None:
    _open(page, "/match?need=educación")
    page.wait_for_selector(RESULT)
    first = page.locator(RESULT).first
    partner = first.get_attribute("data-partner")
    first.locator("details.details summary").click()
    first.locator("a.similar").click()
    page.wait_for_url(re.compile(r"similar="))
    page.wait_for_selector(RESULT)
    assert partner not in [item["partner"] for item in _shown(page)]


def test_accessible_form_and_cards(page: Any) -> None:
    """Every control has a label, every link a name, folded parts a summary; the status is announced."""
    _open(page, "/match?need=salud&requester=EC-L")
    _settled(page)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map(c => c.id || c.name)"""
    )
    assert not unlabelled
    nameless = page.evaluate(
        """() => [...document.querySelectorAll('a')]
             .filter(a => !(a.textContent.trim() || a.getAttribute('aria-label'))).map(a => a.outerHTML)"""
    )
    assert not nameless
    assert page.locator("details:not(:has(> summary))").count() == 0
    assert page.get_attribute("#match-status", "role") == "status"
    assert page.get_attribute("#match-error", "role") == "alert"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused in {"A", "INPUT", "SELECT", "BUTTON"}


def test_no_inline_code_and_no_csp_violation(page: Any) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    _open(page, "/match?need=educación")
    page.wait_for_selector(RESULT)
    html = page.request.get("/match").text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle\s*=|<style\b|\son[a-z]+\s*=", html)
    assert not [text for text in messages if "Content Security Policy" in text or "Refused to" in text]


def test_no_overflow_before_a_search(page: Any) -> None:
    _open(page, "/match")
    _no_overflow(page, "the empty form")
