"""The officers' register page (/register) in headless Chromium, against an app of its own with write tokens.

An officer signs in with a token (kept in sessionStorage only), records an agreement through the form and sees it
in the province's list, in the audit (/api/writes) and in SPARQL; a record that breaks a shape shows the shape's
Spanish message beside the field and writes nothing; a token of another province gets the plain 403 message; a
write is undone from the history. The app runs on its own in-memory copy of the shipped graph (the session's
shared store is never written), served by waitress over loopback; `site_tab` fails a test whose page reaches off
the machine.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from backends import Backend
from browser_tabs import site_tab
from test_page_accessibility import violations

from coopgraph.core.writes.tokens import TokenBook

pytestmark = pytest.mark.slow

REGISTER = "https://w3id.org/coopgraph/graph/register"
AGREEMENTS = "https://w3id.org/coopgraph/id/instrumento/"
TODAY = dt.date.today()


@dataclass
class Site:
    base: str
    loja: str
    pichincha: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Site]:
    """The service on a store of its own with the shipped graph (in memory, or, for a test marked `backends`, also
    an engine of its own under `coopgraph serve --store sparql`), and two provincial tokens in its data folder."""
    folder = tmp_path_factory.mktemp("register-page")
    book = TokenBook(folder)
    loja, pichincha = book.add("marta", "EC-L"), book.add("pablo", "EC-P")
    with backend.fresh() as own, own.live({"data_dir": str(folder)}) as base:
        yield Site(base, loja, pichincha)


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[Any]:
    """A tab on the site, failed by any uncaught error or Content-Security-Policy violation."""
    with site_tab(browser, site.base, locale="es-EC") as opened:
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        opened.on(
            "console", lambda message: problems.append(message.text) if "Content Security" in message.text else None
        )
        opened.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));"
        )
        yield opened
        assert not problems, problems


def _open(tab: Any, path: str = "/register") -> None:
    tab.goto(path)
    tab.wait_for_selector("body[data-ready='true']", state="attached")


def _sign_in(tab: Any, secret: str) -> None:
    tab.fill("#token", secret)
    tab.click("#signin")
    tab.wait_for_selector("body[data-signed-in='true']", state="attached")


def _writes(tab: Any) -> list[dict[str, Any]]:
    return list(tab.request.get("/api/writes").json()["writes"])


def _ask(tab: Any, pattern: str) -> bool:
    query = urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"})
    return bool(tab.request.get(f"/sparql?{query}", headers={"Accept": "application/json"}).json()["boolean"])


def _fill_agreement(tab: Any, title: str, *, parties: int = 2) -> None:
    """Open the agreement form and type a valid agreement of Loja (with `parties` parties filled)."""
    tab.click("#new-agreement")
    form = tab.locator("#agreement-form")
    form.locator("[name=instrument]").select_option("CooperationAgreement")
    form.locator("[name=title_es]").fill(title)
    form.locator("[name=title_en]").fill(f"{title} (en)")
    form.locator("[name=signed]").fill((TODAY - dt.timedelta(days=10)).isoformat())
    form.locator("[name=valid_from]").fill(TODAY.isoformat())
    form.locator("[name=valid_until]").fill((TODAY + dt.timedelta(days=700)).isoformat())
    rows = form.locator(".party")
    named = [("Gobierno Provincial de Loja", "4"), ("Agencia de cooperación de ejemplo", "1")]
    for index, (name, role) in enumerate(named[:parties]):
        rows.nth(index).locator("[name=party-name]").fill(name)
        rows.nth(index).locator("[name=party-role]").select_option(role)


def test_signing_in_shows_the_tokens_province_and_keeps_the_token_in_the_session_only(tab: Any, site: Site) -> None:
    _open(tab)
    assert tab.locator("#forms").is_hidden()  # nothing to write with before signing in
    _sign_in(tab, site.loja)
    status = tab.locator("#signin-status").inner_text()
    assert "marta" in status and "Loja (EC-L)" in status
    assert tab.locator("#province").input_value() == "EC-L"
    assert tab.evaluate("sessionStorage.getItem('coopgraph.token')") == site.loja
    assert tab.evaluate("localStorage.length") == 0
    assert site.loja not in tab.url and tab.locator("#token").input_value() == ""
    _open(tab)  # a reload in the same tab stays signed in
    tab.wait_for_selector("body[data-signed-in='true']", state="attached")
    tab.fill("#token", "cgt_not-a-token")
    tab.click("#signin")
    tab.wait_for_selector("body[data-signed-in='false']", state="attached")
    assert "no es válido" in tab.locator("#signin-status").inner_text()


@pytest.mark.backends  # also on coopgraph serve --store sparql (tests/backends.py)
def test_an_agreement_added_through_the_form_is_listed_audited_and_in_sparql(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    _fill_agreement(tab, "Convenio de riego por goteo")
    tab.click("#agreement-form button[type=submit]")
    tab.wait_for_selector("#agreement-form[data-state='saved']", state="attached")
    (latest, *_) = _writes(tab)
    assert len(_writes(tab)) == len(before) + 1 and latest["who"] == "marta" and REGISTER in latest["graphs"]
    status = tab.locator("#save-status").inner_text()
    assert latest["id"] in status
    record = next(part for part in status.split() if part.startswith(AGREEMENTS)).rstrip(".")
    assert record.startswith(f"{AGREEMENTS}ec-l-{TODAY - dt.timedelta(days=10):%Y}-")
    listed = tab.locator(f'#record-list li[data-iri="{record}"]')
    assert "Convenio de riego por goteo" in listed.inner_text() and "new" in (listed.get_attribute("class") or "")
    assert _ask(
        tab,
        f"GRAPH <{REGISTER}> {{ <{record}> a <https://w3id.org/coopgraph/def#CooperationAgreement> ; "
        f"<https://w3id.org/coopgraph/def#registerProvince> ?p ; <http://purl.org/dc/terms/source> ?s . "
        f'?s a <https://w3id.org/coopgraph/def#ManualEntry> ; <http://purl.org/dc/terms/creator> "marta" }}',
    )


def test_the_same_form_fill_sent_twice_saves_one_record(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    _fill_agreement(tab, "Convenio enviado dos veces")
    with tab.expect_response(lambda r: r.request.method == "POST" and r.status == 409) as second:
        tab.evaluate(
            "() => { const f = document.getElementById('agreement-form'); f.requestSubmit(); f.requestSubmit(); }"
        )
    refused = second.value.json()["error"]
    assert refused["reason"] == "already-submitted" and refused["record"].startswith(AGREEMENTS)
    assert refused["record"] in refused["message_es"]
    tab.wait_for_selector(f'#record-list li[data-iri="{refused["record"]}"]', state="attached")
    assert len(_writes(tab)) == len(before) + 1  # one write, one record
    assert tab.locator("#record-list li", has_text="Convenio enviado dos veces").count() == 1


def test_a_record_that_breaks_a_shape_shows_the_message_at_the_field_and_writes_nothing(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    listed = tab.locator("#record-list li").count()
    _fill_agreement(tab, "Convenio con una sola parte", parties=1)
    tab.click("#agreement-form button[type=submit]")
    tab.wait_for_selector("#agreement-form[data-state='refused']", state="attached")
    error = tab.locator("#agreement-parties-error")
    assert error.is_visible()
    assert "al menos dos partes" in error.inner_text()  # the shape's own Spanish message, at the parties
    assert "No se guardó nada" in tab.locator("#save-error").inner_text()
    assert tab.locator("#agreement-form [name=title_es]").input_value() == "Convenio con una sola parte"  # kept
    assert tab.locator("#agreement-title_es-error").is_hidden()
    assert _writes(tab) == before
    assert tab.locator("#record-list li").count() == listed
    assert not _ask(tab, '?r <http://www.w3.org/2000/01/rdf-schema#label> "Convenio con una sola parte"@es')


def test_the_english_page_shows_the_english_message(browser: Any, site: Site) -> None:
    with site_tab(browser, site.base, locale="en-GB") as tab:
        _open(tab, "/register?lang=en")
        _sign_in(tab, site.loja)
        _fill_agreement(tab, "Convenio fechado al revés")
        tab.locator("#agreement-form [name=valid_until]").fill((TODAY - dt.timedelta(days=400)).isoformat())
        tab.click("#agreement-form button[type=submit]")
        tab.wait_for_selector("#agreement-form[data-state='refused']", state="attached")
        assert "A start date is after its end date" in tab.locator("#agreement-valid_until-error").inner_text()
        assert "Nothing was saved" in tab.locator("#save-error").inner_text()


def test_a_token_of_another_province_gets_the_403_in_plain_words(tab: Any, site: Site) -> None:
    _open(tab, "/register?province=EC-L")
    _sign_in(tab, site.pichincha)
    assert tab.locator("#province").input_value() == "EC-L"
    before = _writes(tab)
    _fill_agreement(tab, "Convenio ajeno")
    tab.click("#agreement-form button[type=submit]")
    tab.wait_for_selector("#agreement-form[data-state='refused']", state="attached")
    text = tab.locator("#save-error").inner_text()
    assert "Pichincha (EC-P)" in text and "Loja (EC-L)" in text and "no puede escribir" in text
    assert _writes(tab) == before


def test_a_write_is_undone_from_the_history(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    _fill_agreement(tab, "Convenio que se deshace")
    tab.click("#agreement-form button[type=submit]")
    tab.wait_for_selector("#agreement-form[data-state='saved']", state="attached")
    (latest, *_) = _writes(tab)
    item = tab.locator(f'#history li[data-write="{latest["id"]}"]')
    assert item.is_visible()
    record_label = '"Convenio que se deshace"@es'
    assert _ask(tab, f"?r <http://www.w3.org/2000/01/rdf-schema#label> {record_label}")
    item.locator("button.undo").click()
    tab.wait_for_function("() => document.querySelector('#save-status').textContent.includes('deshecha')")
    (undo, *_) = _writes(tab)
    assert undo["reverts"] == latest["id"] and undo["who"] == "marta"
    assert not _ask(tab, f"?r <http://www.w3.org/2000/01/rdf-schema#label> {record_label}")
    tab.wait_for_function(
        "() => ![...document.querySelectorAll('#record-list li')].some((li) => li.textContent.includes('que se deshace'))"
    )
    assert tab.locator(f'#history li[data-write="{latest["id"]}"] button.undo').count() == 0  # undone: no second undo


def test_a_demand_is_recorded_then_edited(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    tab.click("#new-demand")
    form = tab.locator("#demand-form")
    form.locator("[name=title_es]").fill("Agua potable para comunidades rurales")
    form.locator("[name=title_en]").fill("Drinking water for rural communities")
    form.locator("[name=themes]").select_option(["https://w3id.org/coopgraph/id/sector-riego-y-drenaje"])
    form.locator("[name=territories]").select_option(["https://w3id.org/coopgraph/id/provincia-ec-l"])
    form.locator("[name=priority]").select_option("HighPriority")
    form.locator("[name=status]").select_option("DemandIdentified")
    form.locator("[name=stated]").fill((TODAY - dt.timedelta(days=3)).isoformat())
    form.locator("[name=pdot_es]").fill("Objetivo 2 del PDOT: agua")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#demand-form[data-state='saved']", state="attached")
    status = tab.locator("#save-status").inner_text()
    record = next(part for part in status.split() if "/demanda/" in part).rstrip(".")
    assert record.startswith(f"https://w3id.org/coopgraph/id/demanda/ec-l-{TODAY - dt.timedelta(days=3):%Y}-")
    listed = tab.locator(f'#record-list li[data-iri="{record}"]')
    assert "Agua potable" in listed.inner_text() and "Identificada" in listed.inner_text()
    listed.locator("button.edit").click()
    tab.wait_for_selector("#demand-form[data-state='editing']", state="attached")
    assert form.locator("[name=title_es]").input_value() == "Agua potable para comunidades rurales"
    assert form.locator("[name=iri]").input_value() == record
    form.locator("[name=status]").select_option("DemandAnswered")  # answered, but by nothing: the shapes refuse
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#demand-form[data-state='refused']", state="attached")
    assert "atiende" in tab.locator("#demand-answered_by-error").inner_text()
    form.locator("[name=status]").select_option("DemandPrioritised")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#demand-form[data-state='saved']", state="attached")
    assert "Priorizada" in tab.locator(f'#record-list li[data-iri="{record}"]').inner_text()
    assert tab.locator("#record-list li[data-kind='demand']").count() == 1  # replaced, not added


@pytest.mark.parametrize("width", [1366, 390])
def test_the_signed_in_page_with_a_refused_form_is_accessible_and_fits(browser: Any, site: Site, width: int) -> None:
    viewport = {"width": width, "height": 844}
    with site_tab(browser, site.base, locale="es-EC", viewport=viewport) as tab:
        _open(tab)
        _sign_in(tab, site.loja)
        _fill_agreement(tab, "Convenio con una sola parte", parties=1)
        tab.click("#agreement-form button[type=submit]")
        tab.wait_for_selector("#agreement-form[data-state='refused']", state="attached")
        assert violations(tab) == []
        assert tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_project_is_saved_and_listed_and_a_bad_one_shows_the_message_at_the_field(tab: Any, site: Site) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    tab.click("#new-activity")
    form = tab.locator("#activity-form")
    form.locator("[name=title_es]").fill("Agua potable en Saraguro")
    form.locator("[name=title_en]").fill("Drinking water in Saraguro")
    form.locator("[name=description_es]").fill("Sistemas de agua potable para comunidades de Saraguro.")
    form.locator("[name=activity_status]").select_option("2")
    form.locator("[name=planned_start]").fill(TODAY.isoformat())
    form.locator("[name=planned_end]").fill((TODAY - dt.timedelta(days=30)).isoformat())  # before the start
    form.locator("[name=sector-code]").select_option("https://w3id.org/coopgraph/iati/Sector/14030")
    form.locator("[name=territory]").select_option("https://w3id.org/coopgraph/id/provincia-ec-l")
    rows = form.locator(".party")
    rows.nth(0).locator("[name=party-name]").fill("Agencia de cooperación de ejemplo")
    rows.nth(0).locator("[name=party-role]").select_option("1")
    rows.nth(1).locator("[name=party-name]").fill("Gobierno Provincial de Loja")
    rows.nth(1).locator("[name=party-role]").select_option("4")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='refused']", state="attached")
    error = tab.locator("#activity-planned_end-error")
    assert error.is_visible() and "fecha de inicio es posterior" in error.inner_text()  # the shape's message
    assert form.locator("[name=planned_end]").get_attribute("aria-invalid") == "true"
    assert _writes(tab) == before
    form.locator("[name=planned_end]").fill((TODAY + dt.timedelta(days=700)).isoformat())
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='saved']", state="attached")
    assert len(_writes(tab)) == len(before) + 1
    listed = tab.locator("#record-list li[data-kind='activity']", has_text="Agua potable en Saraguro")
    assert listed.count() == 1 and "En ejecución" in listed.inner_text()  # IATI ActivityStatus 2, in Spanish
    assert (listed.get_attribute("data-iri") or "").startswith("https://w3id.org/coopgraph/id/actividad/EC-GADPL-")


def _post(tab: Any, secret: str, form: dict[str, Any]) -> str:
    answer = tab.request.post("/api/register/records", data=form, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 201, answer.json()
    return str(answer.json()["record"])


def test_searching_and_filtering_narrow_the_list_and_the_address_keeps_them(tab: Any, site: Site) -> None:
    _open(tab, "/register?province=EC-L")
    common = {"kind": "agreement", "province": "EC-L", "instrument": "CooperationAgreement"}
    parties = [{"name": "Gobierno Provincial de Loja", "role": "2"}, {"name": "Agencia de ejemplo", "role": "1"}]
    rural = _post(
        tab,
        site.loja,
        {
            **common,
            "title_es": "Búsqueda: educación rural",
            "title_en": "Rural",
            "parties": parties,
            "signed": "2023-05-02",
        },
    )
    technical = _post(
        tab,
        site.loja,
        {
            **common,
            "title_es": "Búsqueda: educación técnica",
            "title_en": "Technical",
            "parties": parties,
            "signed": "2024-05-02",
        },
    )
    _open(tab, "/register?province=EC-L")
    everything = tab.locator("#record-list li").count()
    assert everything >= 2
    tab.fill("#filter-q", "BUSQUEDA EDUCACION")  # no accents, upper case
    tab.wait_for_selector("#record-list[data-search*='q=BUSQUEDA']", state="attached")
    listed = {tab.locator("#record-list li").nth(i).get_attribute("data-iri") for i in range(2)}
    assert tab.locator("#record-list li").count() == 2 and listed == {rural, technical}
    assert "1\u20132 de 2" in tab.locator("#records-status").inner_text()
    tab.select_option("#filter-year", "2023")
    tab.wait_for_selector("#record-list[data-search*='year=2023']", state="attached")
    assert [tab.locator("#record-list li").nth(0).get_attribute("data-iri")] == [rural]
    assert tab.locator("#record-list li").count() == 1
    shared = tab.url
    assert "q=BUSQUEDA+EDUCACION" in shared and "year=2023" in shared and "province=EC-L" in shared
    _open(tab, shared.removeprefix(site.base))  # the address opens on the same narrowed list
    tab.wait_for_selector("#record-list[data-search*='year=2023']", state="attached")
    assert tab.locator("#filter-q").input_value() == "BUSQUEDA EDUCACION"
    assert tab.locator("#record-list li").count() == 1
    tab.click("#filter-clear")
    tab.wait_for_selector("#record-list[data-search='province=EC-L']", state="attached")
    assert tab.locator("#record-list li").count() == everything


def test_a_records_page_shows_its_fields_and_links_into_the_graph(tab: Any, site: Site) -> None:
    parties = [
        {"name": "", "role": "2", "actor": "https://w3id.org/coopgraph/id/gadp-loja"},
        {"name": "Agencia de ejemplo", "role": "1"},
    ]
    agreement = _post(
        tab,
        site.loja,
        {
            "kind": "agreement",
            "province": "EC-L",
            "instrument": "CooperationAgreement",
            "title_es": "Convenio con página propia",
            "title_en": "Agreement with a page of its own",
            "parties": parties,
            "signed": "2024-02-03",
        },
    )
    project = _post(
        tab,
        site.loja,
        {
            "kind": "activity",
            "province": "EC-L",
            "title_es": "Proyecto que ejecuta el convenio",
            "title_en": "Project carrying out the agreement",
            "description_es": "Un proyecto.",
            "activity_status": "2",
            "planned_start": "2024-03-01",
            "planned_end": "2026-03-01",
            "participants": [{"name": "Agencia de ejemplo", "role": "1"}, {"name": "GAD de Loja", "role": "4"}],
            "sectors": ["https://w3id.org/coopgraph/id/sector-riego-y-drenaje"],
            "territory": "https://w3id.org/coopgraph/id/provincia-ec-l",
            "executes": agreement,
        },
    )
    _open(tab, "/register?province=EC-L")
    tab.fill("#filter-q", "página propia")
    tab.wait_for_selector("#record-list[data-search*='q=']", state="attached")
    tab.locator(f'#record-list li[data-iri="{agreement}"] a.title').click()  # the list links to the record's page
    tab.wait_for_selector("body[data-ready='true']", state="attached")
    assert tab.locator("h1").inner_text() == "Convenio con página propia"
    assert "2024-02-03" in tab.locator("dd[data-field='signed']").inner_text()
    partner = tab.locator("dd[data-field='partners'] a.partner")
    assert partner.inner_text() == "Gobierno Autónomo Descentralizado Provincial de Loja"
    assert urllib.parse.unquote(partner.get_attribute("href") or "").startswith(
        "/explore?focus=https://w3id.org/coopgraph/id/gadp-loja"
    )
    assert "Agencia de ejemplo" in tab.locator("dd[data-field='partners']").inner_text()
    province = tab.locator("dd[data-field='province'] a")
    assert province.inner_text() == "Loja (EC-L)" and "provincia-ec-l" in (province.get_attribute("href") or "")
    assert tab.locator("dd[data-field='sources'] a.source").inner_text().startswith("Anotación de marta")
    assert tab.locator("#record-history li.write").count() == 1  # the write that recorded it
    tab.locator("dd[data-field='executedBy'] a", has_text="Proyecto que ejecuta el convenio").click()
    tab.wait_for_selector("dd[data-field='executes']", state="attached")
    assert urllib.parse.unquote(tab.url).endswith(f"iri={project}&lang=es")
    assert tab.locator("dd[data-field='status']").inner_text() == "En ejecución"
    assert tab.locator("dd[data-field='sectors']").inner_text() == "Recursos hídricos para uso agrícola"  # DAC 31140
    back = tab.locator("dd[data-field='executes'] a")
    assert back.inner_text() == "Convenio con página propia"
    assert violations(tab) == []
    english = site.base + f"/register/record?lang=en&iri={urllib.parse.quote(agreement)}"
    tab.goto(english)
    tab.wait_for_selector("body[data-ready='true']", state="attached")
    assert tab.locator("h1").inner_text() == "Agreement with a page of its own"
    assert tab.locator("dd[data-field='partners'] a.partner").inner_text() == "Provincial Government of Loja"


CG = "https://w3id.org/coopgraph/def#"
DAC = "https://w3id.org/coopgraph/iati/Sector/"


def _saved_record(tab: Any, marker: str) -> str:
    """The record IRI the save status names (the part holding `marker`)."""
    status = tab.locator("#save-status").inner_text()
    return next(part for part in status.split() if marker in part).rstrip(".")


def test_a_party_is_picked_from_the_graphs_actors_with_the_keyboard_and_saved_as_that_actor(
    tab: Any, site: Site
) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    _fill_agreement(tab, "Convenio con la agencia catalana", parties=1)
    form = tab.locator("#agreement-form")
    form.locator(".add-party").click()
    catalan, invented = form.locator(".party").nth(1), form.locator(".party").nth(2)
    name = catalan.locator("[name=party-name]")
    name.press_sequentially("catal")  # part of "Agencia Catalana de Cooperación al Desarrollo"
    suggestions = catalan.locator("[role=listbox][data-q='catal']")
    suggestions.wait_for(state="visible")
    assert name.get_attribute("aria-expanded") == "true"
    option = suggestions.locator("[role=option]").first
    assert "Agencia Catalana de Cooperación al Desarrollo" in option.inner_text()
    assert violations(tab) == []  # the combobox with its suggestions open
    name.press("ArrowDown")
    assert name.get_attribute("aria-activedescendant") == option.get_attribute("id")
    name.press("Enter")  # picks; does not submit the form
    assert name.input_value() == "Agencia Catalana de Cooperación al Desarrollo"
    assert catalan.get_attribute("data-actor") == "https://w3id.org/coopgraph/id/agencia-catalana-cooperacion"
    assert suggestions.is_hidden() and "Enlazada al actor del grafo" in catalan.locator(".actor-note").inner_text()
    assert form.get_attribute("data-state") != "saving"
    catalan.locator("[name=party-role]").select_option("1")
    other = invented.locator("[name=party-name]")
    other.press_sequentially("Fundación Inventada del Sur")  # no such actor: a new organisation
    invented.locator("[role=listbox][data-q='Fundación Inventada del Sur']").wait_for(state="hidden")
    tab.wait_for_function(
        "() => [...document.querySelectorAll('#agreement-form .actor-note')].some((p) => p.textContent.includes('organización nueva'))"
    )
    invented.locator("[name=party-role]").select_option("3")
    tab.click("#agreement-form button[type=submit]")
    tab.wait_for_selector("#agreement-form[data-state='saved']", state="attached")
    record = _saved_record(tab, AGREEMENTS)
    assert _ask(
        tab,
        f"GRAPH <{REGISTER}> {{ <{record}> <{CG}party> [ <{CG}actor> "
        f"<https://w3id.org/coopgraph/id/agencia-catalana-cooperacion> ; <{CG}organisationRole> ?role ] }}",
    )
    assert _ask(
        tab,
        f'GRAPH <{REGISTER}> {{ <{record}> <{CG}party> ?p . ?p <{CG}orgName> "Fundación Inventada del Sur"@es '
        f"FILTER NOT EXISTS {{ ?p <{CG}actor> ?any }} }}",
    )


def _fill_project(tab: Any, title: str, shares: list[tuple[str, str]]) -> Any:
    tab.click("#new-activity")
    form = tab.locator("#activity-form")
    form.locator("[name=title_es]").fill(title)
    form.locator("[name=title_en]").fill(f"{title} (en)")
    form.locator("[name=description_es]").fill("Un proyecto de prueba.")
    form.locator("[name=activity_status]").select_option("2")
    form.locator("[name=planned_start]").fill(TODAY.isoformat())
    form.locator("[name=territory]").select_option("https://w3id.org/coopgraph/id/provincia-ec-l")
    for _ in shares[1:]:
        form.locator(".add-sector").click()
    for row, (code, percentage) in zip(form.locator(".sector-row").all(), shares, strict=True):
        row.locator("[name=sector-code]").select_option(DAC + code)
        row.locator("[name=sector-percentage]").fill(percentage)
    rows = form.locator(".party")
    rows.nth(0).locator("[name=party-name]").fill("Agencia de ejemplo")
    rows.nth(0).locator("[name=party-role]").select_option("1")
    return form


def test_sector_percentages_not_adding_up_to_100_are_refused_beside_the_sectors_keeping_the_input(
    tab: Any, site: Site
) -> None:
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    form = _fill_project(tab, "Proyecto con porcentajes", [("14030", "60"), ("14022", "30,5")])
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='refused']", state="attached")
    error = tab.locator("#activity-sectors-error")
    assert error.is_visible() and "no suman 100" in error.inner_text()
    assert tab.locator("#activity-form fieldset.sectors #activity-sectors-error").count() == 1  # beside the sectors
    rows = form.locator(".sector-row")
    assert [rows.nth(i).locator("[name=sector-percentage]").input_value() for i in range(2)] == ["60", "30,5"]
    assert rows.nth(1).locator("[name=sector-code]").input_value() == DAC + "14022"
    assert _writes(tab) == before
    rows.nth(1).locator("[name=sector-percentage]").fill("40")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='saved']", state="attached")
    record = _saved_record(tab, "/actividad/")
    assert len(_writes(tab)) == len(before) + 1
    assert _ask(tab, f"<{record}> <{CG}sectorShare> [ <{CG}sectorCode> <{DAC}14022> ; <{CG}percentage> 40.0 ]")


def test_a_project_is_edited_from_its_page_and_a_stale_edit_is_refused_keeping_the_input(tab: Any, site: Site) -> None:
    project = _post(
        tab,
        site.loja,
        {
            "kind": "activity",
            "province": "EC-L",
            "title_es": "Proyecto para editar",
            "title_en": "Project to edit",
            "description_es": "Un proyecto.",
            "activity_status": "1",
            "planned_start": "2025-06-01",
            "participants": [{"name": "GIZ", "role": "1", "actor": "https://w3id.org/coopgraph/id/giz"}],
            "sectors": [{"sector": DAC + "14030", "percentage": "50"}, {"sector": DAC + "14022", "percentage": "50"}],
            "territory": "https://w3id.org/coopgraph/id/provincia-ec-l",
        },
    )
    _open(tab)
    _sign_in(tab, site.loja)
    before = _writes(tab)
    _open(tab, f"/register/record?iri={urllib.parse.quote(project)}")
    tab.click("#record-edit")
    tab.wait_for_selector("#activity-form[data-state='editing']", state="attached")
    form = tab.locator("#activity-form")
    assert form.locator("[name=title_es]").input_value() == "Proyecto para editar"
    assert form.locator("[name=iri]").input_value() == project
    shares = form.locator(".sector-row")
    assert shares.count() == 2 and shares.nth(0).locator("[name=sector-percentage]").input_value() == "50"
    party = form.locator(".party").nth(0)
    assert party.get_attribute("data-actor") == "https://w3id.org/coopgraph/id/giz"
    assert "GIZ" in party.locator(".actor-note").inner_text()
    form.locator("[name=title_es]").fill("Proyecto editado en la página")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='saved']", state="attached")
    assert len(_writes(tab)) == len(before) + 1  # one write
    assert _ask(tab, f'<{project}> <http://www.w3.org/2000/01/rdf-schema#label> "Proyecto editado en la página"@es')
    assert tab.locator("#record-list li[data-kind='activity']", has_text="Proyecto para editar").count() == 0
    tab.locator(f'#record-list li[data-iri="{project}"] button.edit').click()  # open it again…
    tab.wait_for_selector("#activity-form[data-state='editing']", state="attached")
    current = tab.request.get(f"/api/register/record?iri={urllib.parse.quote(project)}").json()
    someone = {"kind": "activity", "province": "EC-L", "iri": project, "version": current["version"]}
    answer = tab.request.post(
        "/api/register/records",
        data=someone | current["fields"] | {"title_en": "Changed by someone else"},
        headers={"Authorization": f"Bearer {site.loja}"},
    )
    assert answer.status == 200, answer.json()  # …while someone else changes it
    writes = _writes(tab)
    form.locator("[name=title_es]").fill("Mi edición tardía")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector("#activity-form[data-state='refused']", state="attached")
    assert "Otra persona cambió este registro" in tab.locator("#save-error").inner_text()
    assert form.locator("[name=title_es]").input_value() == "Mi edición tardía"  # what was typed is kept
    assert _writes(tab) == writes
    assert _ask(tab, f'<{project}> <http://www.w3.org/2000/01/rdf-schema#label> "Changed by someone else"@en')
    assert not _ask(tab, f'<{project}> <http://www.w3.org/2000/01/rdf-schema#label> "Mi edición tardía"@es')
