"""The matching engine (graph/matching) on the shipped graph: themes, ranking, explanations, filters, errors.

Expected values come from the store (labels, memberships, spaces, provisions)
through SPARQL, not from this file, so the tests follow the data.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import ensure_loaded
from coopgraph.core.matching import (
    MatchError,
    MatchIndex,
    MatchResult,
    UnknownResource,
    match,
    scoring,
    similar,
    weights,
)
from coopgraph.core.matching.lookup import parse_need, resolve_requester
from coopgraph.core.matching.results import EXPLANATION_TYPES
from coopgraph.core.store import OxigraphStore, Store

CGR = "https://w3id.org/coopgraph/id/"
PREFIXES = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX cgr: <https://w3id.org/coopgraph/id/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
NEEDS = [
    ("cambio climático", "es"),
    ("climate change", "en"),
    ("empoderamiento de la mujer", "es"),
    ("salud y educación", "es"),
    ("agricultura", "es"),
    ("sustainable urban development", "en"),
    ("reactivar la economía", "es"),
    ("fortalecimiento institucional", "es"),
]


@pytest.fixture(scope="module")
def index(shipped_store: OxigraphStore) -> MatchIndex:
    return MatchIndex.build(shipped_store)


@pytest.fixture
def own_store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


def rows(store: Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{name: solution[name].value for name in names if solution[name] is not None} for solution in result]


def linked(store: Store, a: str, b: str) -> bool:
    query = "ASK { { ?a ?p ?b } UNION { ?b ?p ?a } }"
    subs = {ox.Variable("a"): ox.NamedNode(a), ox.Variable("b"): ox.NamedNode(b)}
    return bool(store.query(query, substitutions=subs))


def is_subject(store: Store, iri: str) -> bool:
    return bool(store.query("ASK { ?s ?p ?o }", substitutions={ox.Variable("s"): ox.NamedNode(iri)}))


def provinces(store: Store) -> list[str]:
    return [row["code"] for row in rows(store, "SELECT ?code WHERE { ?p a cg:Province ; skos:notation ?code }")]


def check_answer(result: MatchResult, store: Store) -> None:
    """Ranked, in [0, 1], every partner on a stated theme, every resource a subject of the graph."""
    answer = result.to_json()
    assert set(answer) == {"need", "requester", "filters", "results"}
    scores = [partner["score"] for partner in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    themes = {theme["sector"] for theme in answer["need"]["themes"]}
    for partner in answer["results"]:
        assert set(partner) == {"partner", "label", "kind", "country", "score", "explanation"}
        assert 0.0 <= partner["score"] <= 1.0
        first = partner["explanation"][0]
        assert first["type"] == "sector", "a partner without a stated theme"
        assert partner["partner"] in first["resources"] and themes & set(first["resources"])
        for item in partner["explanation"]:
            assert item["type"] in EXPLANATION_TYPES and item["text"].strip() and item["resources"]
            for iri in item["resources"]:
                assert is_subject(store, iri), f"{iri} in an explanation is not in the graph"


# --- themes -----------------------------------------------------------------------------------------------------


def sector_labels(store: Store) -> list[tuple[str, str, str]]:
    return [
        (row["sector"], row["label"], row["kind"])
        for row in rows(
            store,
            """SELECT ?sector ?label ?kind WHERE {
                 ?sector a cg:Sector .
                 VALUES (?p ?kind) { (skos:prefLabel "pref") (skos:altLabel "alt") (rdfs:label "label") }
                 ?sector ?p ?label }""",
        )
    ]


def test_every_sector_label_and_synonym_is_recognised(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    labels = sector_labels(shipped_store)
    assert len(labels) > 200
    for sector, label, _ in labels:
        for text in (label, label.upper(), label.casefold()):
            themes = [theme.sector for theme in parse_need(index, text).themes]
            assert sector in themes, (text, sector)


def test_accents_and_case_do_not_matter(index: MatchIndex) -> None:
    for text in ("cambio climatico", "CAMBIO CLIMÁTICO", "Cámbio Climático!"):
        assert [t.sector for t in parse_need(index, text).themes] == [CGR + "sector-cambio-climatico"]


def test_theme_reports_the_label_or_synonym_that_matched(index: MatchIndex) -> None:
    need = parse_need(index, "proyectos de riego para el clima", lang="en")
    matched = {theme.sector: (theme.matched, theme.how, theme.label) for theme in need.themes}
    assert matched[CGR + "sector-riego-y-drenaje"] == ("riego", "altLabel", "Irrigation and drainage")
    assert matched[CGR + "sector-cambio-climatico"] == ("clima", "altLabel", "Climate change")
    assert parse_need(index, "Riego y drenaje").themes[0].how == "label"


def test_sectors_by_iri_slug_and_dac_code(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    health = CGR + "sector-salud"
    for given in (health, "cgr:sector-salud", "sector-salud", "salud"):
        assert [t.sector for t in parse_need(index, None, [given]).themes] == [health]
    mapped = rows(
        shipped_store,
        """SELECT ?sector ?target WHERE { ?sector a cg:Sector ; skos:exactMatch|skos:closeMatch ?target }""",
    )
    assert mapped
    for row in mapped:
        code = row["target"].rsplit("/", 1)[1]
        themes = {t.sector: t for t in parse_need(index, None, [code]).themes}
        assert row["sector"] in themes and themes[row["sector"]].how == "code"


@pytest.mark.parametrize(
    ("need", "sectors", "fragment"),
    [
        (None, (), "Give a need"),
        ("   ", (), "Give a need"),
        ("xqzvw plumbus", (), "No theme"),
        ("💧", (), "No theme"),
        ("riego " * 200, (), "too long"),
        (None, ("not a sector",), "Unknown sector"),
        (None, ("99999",), "Unknown sector"),
        (None, ("https://w3id.org/coopgraph/id/gadp-loja",), "Unknown sector"),
    ],
)
def test_unusable_needs_are_match_errors(
    index: MatchIndex, need: str | None, sectors: tuple[str, ...], fragment: str
) -> None:
    with pytest.raises(MatchError) as raised:
        match(index, need, sectors=sectors)
    assert fragment in raised.value.text.en and raised.value.text.es


def test_a_misspelt_need_suggests_close_themes(index: MatchIndex) -> None:
    with pytest.raises(MatchError) as raised:
        match(index, "cambio climatco", lang="es")
    assert "Cambio climático" in raised.value.details["suggestions"]


def test_a_theme_with_no_partner_gives_no_results(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """'vialidad' is a competence's theme; no actor works on it, on a related sector or through a DAC chain: nothing is invented."""
    query = f"""SELECT DISTINCT ?a WHERE {{ VALUES ?t {{ cgr:sector-vialidad }}
        {{ ?a cg:sector ?s . ?s skos:broader* ?t }} UNION {{ ?a cg:sector ?s . ?t skos:broader+ ?s }} UNION
        {{ ?space cg:sector ?t ; ?role ?a . ?a a ?class }} UNION {{ {DAC_CHAIN} }} }}"""
    assert rows(shipped_store, query) == []
    result = match(index, "vialidad", requester="EC-F")
    assert [t.sector for t in result.need.themes] == [CGR + "sector-vialidad"]
    assert result.results == ()


# --- the OECD-DAC chain -------------------------------------------------------------------------------------------

DAC_CHAIN = """
    {{ ?t skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code . ?code skos:broader ?category .
       ?s skos:exactMatch|skos:closeMatch|skos:narrowMatch ?category . ?a cg:sector ?s ; a/rdfs:subClassOf* cg:Actor }}
    UNION
    {{ ?t skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code . ?code skos:broader ?category .
       ?s skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?other . ?other skos:broader ?category .
       ?category skos:notation ?notation . ?a cg:sector ?s ; a/rdfs:subClassOf* cg:Actor
       FILTER(?other != ?code && ?notation NOT IN ("160", "430", "530", "998")) }}
    FILTER(?s != ?t)"""
"""SPARQL: actor ?a works on a sector ?s related to theme ?t through the DAC classification (coopgraph/core/matching/dac.py)."""
RIEGO = CGR + "sector-riego-y-drenaje"
IATI = "https://w3id.org/coopgraph/iati/"


def dac_reached(store: Store, theme: str) -> set[str]:
    query = f"SELECT DISTINCT ?a WHERE {{ VALUES ?t {{ <{theme}> }} {DAC_CHAIN} }}"
    return {row["a"] for row in rows(store, query.replace("{{", "{").replace("}}", "}"))}


def declares(store: Store, theme: str) -> set[str]:
    """Actors that declare the theme or a narrower sector (the relations that count for focus)."""
    query = f"SELECT DISTINCT ?a WHERE {{ ?a cg:sector ?s ; a/rdfs:subClassOf* cg:Actor . ?s skos:broader* <{theme}> }}"
    return {row["a"] for row in rows(store, query)}


def chain_holds(store: Store, resources: list[str]) -> bool:
    """The chain an explanation names, link by link, in the graph: theme -> code -> category [<- code] <- sector <- actor."""
    theme, code, category, *middle, sector, actor = resources
    close = "skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch"
    links = [f"<{theme}> {close} <{code}>", f"<{code}> skos:broader <{category}>", f"<{actor}> cg:sector <{sector}>"]
    if middle:
        links += [f"<{sector}> {close} <{middle[0]}>", f"<{middle[0]}> skos:broader <{category}>"]
    else:
        links.append(f"<{sector}> skos:exactMatch|skos:closeMatch|skos:narrowMatch <{category}>")
    return all(bool(store.query(PREFIXES + f"ASK {{ {link} }}")) for link in links)


@pytest.mark.parametrize(("need", "lang"), [("riego", "es"), ("sistemas de riego", "es"), ("irrigation systems", "en")])
def test_irrigation_reaches_agriculture_partners_through_the_dac_chain(
    index: MatchIndex, shipped_store: OxigraphStore, need: str, lang: str
) -> None:
    """No actor declares riego y drenaje; the DAC chain 31140 -> 311 reaches those on (food and) agriculture."""
    assert not declares(shipped_store, RIEGO)
    result = match(index, need, requester="EC-L", lang=lang, limit=50)
    assert [t.sector for t in result.need.themes] == [RIEGO]
    expected = dac_reached(shipped_store, RIEGO)
    assert {CGR + "abc", CGR + "pais-br", CGR + "oru-fogar"} <= expected
    assert {p.iri for p in result.results} == expected
    check_answer(result, shipped_store)
    for partner in result.results:
        first = partner.explanation[0]
        assert first.type == "sector"
        assert first.resources[:3] == (RIEGO, IATI + "Sector/31140", IATI + "SectorCategory/311")
        assert first.resources[-1] == partner.iri and chain_holds(shipped_store, list(first.resources))
        for iri in first.resources:
            assert is_subject(shipped_store, iri), iri
        assert ("CAD 31140" if lang == "es" else "DAC 31140") in first.text and "311" in first.text
        assert partner.components["theme"] == pytest.approx(weights.RELATION["dac"] * weights.THEME_BASE)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_chain_is_told_with_the_codelists_labels(
    index: MatchIndex, shipped_store: OxigraphStore, lang: str
) -> None:
    labels = {
        row["iri"]: row["label"]
        for row in rows(
            shipped_store,
            f"""SELECT ?iri ?label WHERE {{ VALUES ?iri {{ <{IATI}Sector/31140> <{IATI}SectorCategory/311> <{RIEGO}>
                 cgr:sector-agricultura cgr:sector-alimentacion-y-agricultura }}
                 ?iri rdfs:label ?label FILTER(LANG(?label) = "{lang}") }}""",
        )
    }
    quote = (lambda text: f"«{text}»") if lang == "es" else (lambda text: f"“{text}”")
    texts = {p.iri: p.explanation[0].text for p in match(index, "riego", lang=lang, limit=50).results}
    brazil = texts[CGR + "abc"]
    for iri in (RIEGO, IATI + "Sector/31140", IATI + "SectorCategory/311", CGR + "sector-agricultura"):
        assert quote(labels[iri]) in brazil, (iri, brazil)
    assert index.label(CGR + "abc", lang) in brazil
    assert quote(labels[CGR + "sector-alimentacion-y-agricultura"]) in texts[CGR + "oru-fogar"]
    if lang == "es":
        assert brazil == (
            "«Riego y drenaje» (CAD 31140, «Recursos hídricos para uso agrícola») forma parte de la categoría CAD 311 "
            "«Agricultura», en la que trabaja Agencia Brasileña de Cooperación a través de «Agricultura»."
        )


def test_every_dac_chain_of_the_index_holds_in_the_graph(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """Each precomputed chain is a set of triples of the graph, and residual DAC categories make no siblings."""
    assert index.dac_links
    siblings = 0
    for theme, links in index.dac_links.items():
        for link in links:
            assert link.theme == theme and link.sector != theme
            actors = sorted(rows(shipped_store, f"SELECT ?a WHERE {{ ?a cg:sector <{link.sector}> }}"), key=str)
            for row in actors[:1]:
                assert chain_holds(shipped_store, [*link.resources, row["a"]]), link
            if link.partner_code is not None:
                siblings += 1
                assert link.category.rsplit("/", 1)[1] not in {"160", "430", "530", "998"}
    assert siblings, "no sibling chain in the shipped graph: the sibling rule is untested"


def test_every_dac_reached_partner_is_found_and_explained(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """For every theme with a DAC chain, the partners it reaches that way are exactly those SPARQL finds."""
    for theme in sorted(index.dac_links):
        result = match(index, None, sectors=[theme], limit=50)
        found = {p.iri for p in result.results}
        reached = dac_reached(shipped_store, theme)
        if len(found) < 50:
            assert reached <= found, (theme, sorted(reached - found))
        for partner in result.results:
            first = partner.explanation[0]
            assert first.type == "sector" and theme in first.resources and partner.iri in first.resources
            if IATI + "Sector/" in " ".join(first.resources[1:2]):
                assert chain_holds(shipped_store, list(first.resources)), (theme, first.text)


def test_declared_partners_outrank_dac_related_ones(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """With no requester (every proximity 0), whoever declares the theme (or a narrower one) ranks above every
    partner related only through the DAC classification, whatever their channels."""
    checked = 0
    for theme in sorted(index.dac_links):
        direct = declares(shipped_store, theme)
        result = match(index, None, sectors=[theme], limit=50)
        ranks = {p.iri: rank for rank, p in enumerate(result.results)}
        dac_only = {
            iri for iri in ranks if iri not in direct and index.postings[theme][iri] < weights.RELATION["broader"]
        }
        if direct and dac_only:
            checked += 1
            assert max(ranks[iri] for iri in direct if iri in ranks) < min(ranks[iri] for iri in dac_only), theme
            assert len([iri for iri in direct if iri in ranks]) == min(len(direct), 50)
    assert checked >= 3


def test_a_theme_with_direct_partners_returns_them_first(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """'formación profesional' has partners of its own (Tabla 2: Brasil) and DAC-related ones (11330 lies in category
    113, which «Educación» covers): its own come first, and within each proximity every one of them ranks above the rest."""
    result = match(index, "formación profesional", requester="EC-L", limit=50)
    direct = declares(shipped_store, CGR + "sector-formacion-profesional")
    assert direct and {p.iri for p in result.results[: len(direct)]} == direct
    assert any(p.iri not in direct for p in result.results), "the DAC chain 11330 -> 113 adds no partner"
    by_proximity: dict[float, list[tuple[bool, float]]] = {}
    for partner in result.results:
        by_proximity.setdefault(partner.components["proximity"], []).append((partner.iri in direct, partner.score))
    for group in by_proximity.values():
        direct_scores = [score for is_direct, score in group if is_direct]
        other_scores = [score for is_direct, score in group if not is_direct]
        if direct_scores and other_scores:
            assert min(direct_scores) > max(other_scores)


# --- answers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("need", "lang"), NEEDS)
def test_answers_are_ranked_explained_and_grounded(
    index: MatchIndex, shipped_store: OxigraphStore, need: str, lang: str
) -> None:
    result = match(index, need, requester="EC-L", lang=lang, limit=50)
    assert result.results
    check_answer(result, shipped_store)


def test_every_province_can_ask(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    codes = provinces(shipped_store)
    assert len(codes) == 24
    for code in codes:
        result = match(index, "medio ambiente", requester=code, limit=5)
        assert result.requester is not None and result.requester["code"] == code
        check_answer(result, shipped_store)


def test_a_partner_only_ever_appears_on_a_theme(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """Each partner declares a need's theme, a narrower or broader one, takes part in a space on it, or
    declares a sector related to it through the DAC classification."""
    for need, lang in [*NEEDS, ("riego", "es"), ("migración", "es"), ("biodiversidad", "es")]:
        result = match(index, need, lang=lang, limit=50)
        themes = [theme.sector for theme in result.need.themes]
        for partner in result.results:
            values = " ".join(f"<{t}>" for t in themes)
            chain = DAC_CHAIN.replace("{{", "{").replace("}}", "}").replace("?a ", f"<{partner.iri}> ")
            query = f"""ASK {{ VALUES ?t {{ {values} }}
                {{ <{partner.iri}> cg:sector ?s . ?s skos:broader* ?t }} UNION
                {{ <{partner.iri}> cg:sector ?s . ?t skos:broader+ ?s }} UNION
                {{ ?space cg:sector ?t ; ?role <{partner.iri}> .
                   VALUES ?role {{ cg:convenor cg:participant cg:cooperant cg:offerer cg:winner cg:sponsor cg:callOf }} }}
                UNION {{ {chain} }} }}"""
            assert shipped_store.query(PREFIXES + query), (need, partner.iri)


def test_paths_follow_relations_of_the_graph(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """From a province through its GAD and CONGOPE to CONGOPE's networks: every step is a triple."""
    networks = [row["n"] for row in rows(shipped_store, "SELECT ?n WHERE { cgr:congope org:memberOf ?n }")]
    assert networks
    seen = 0
    for need, lang in NEEDS:
        for partner in match(index, need, requester="EC-L", lang=lang, limit=50).results:
            for item in partner.explanation:
                if item.type == "path":
                    seen += 1
                    assert item.resources[0] == CGR + "provincia-ec-l" and item.resources[-1] == partner.iri
                    for a, b in pairwise(item.resources):
                        assert linked(shipped_store, a, b), (a, b)
                    if partner.iri in networks:
                        assert item.resources == (
                            CGR + "provincia-ec-l",
                            CGR + "gadp-loja",
                            CGR + "congope",
                            partner.iri,
                        )
    assert seen


def test_joint_commission_of_the_partners_country_and_how_often_it_meets(
    index: MatchIndex, shipped_store: OxigraphStore
) -> None:
    commissions = rows(
        shipped_store,
        """SELECT ?actor ?sector ?space ?every WHERE {
             ?space a cg:JointCommission ; cg:partnerCountry ?country ; cg:periodicity ?every .
             FILTER(LANG(?every) = "es")
             ?actor cg:country ?country ; cg:sector ?sector } LIMIT 40""",
    )
    assert commissions
    for row in commissions:
        result = match(index, None, sectors=[row["sector"]], requester="EC-P", limit=50)
        partner = next(p for p in result.results if p.iri == row["actor"])
        items = [item for item in partner.explanation if item.type == "mechanism" and row["space"] in item.resources]
        assert items and row["every"] in items[0].text


def test_a_space_covering_the_requesters_province(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    covering = rows(
        shipped_store,
        """SELECT ?space ?code ?actor ?sector WHERE {
             ?space cg:coversTerritory ?province ; cg:sector ?sector ; ?role ?actor .
             ?province skos:notation ?code .
             VALUES ?role { cg:convenor cg:participant cg:cooperant cg:offerer cg:winner }
             FILTER NOT EXISTS { ?actor cg:governs ?province } }""",
    )
    assert covering
    for row in covering:
        result = match(index, None, sectors=[row["sector"]], requester=row["code"], limit=50)
        partner = next(p for p in result.results if p.iri == row["actor"])
        assert any(
            {row["space"], row["actor"]} <= set(item.resources) and item.type in ("space", "mechanism")
            for item in partner.explanation
        ), row
        assert partner.components["channel"] == 1.0


def test_legal_basis_for_a_provincial_requester(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    grants = rows(shipped_store, "SELECT ?provision ?competence WHERE { ?provision cg:grantsCompetence ?competence }")
    assert grants
    ordinances = rows(
        shipped_store,
        """SELECT ?ordinance ?code WHERE { ?ordinance a cg:Ordinance ; cg:appliesTo ?gad .
             ?gad cg:governs ?province . ?province skos:notation ?code .
             ?ordinance rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "cooperación internacional")) }""",
    )
    assert ordinances
    for row in ordinances:
        result = match(index, "salud", requester=row["code"], limit=3)
        legal = [set(item.resources) for item in result.results[0].explanation if item.type == "legal"]
        assert {row["ordinance"]} in [r & {row["ordinance"]} for r in legal]
        for grant in grants:
            assert any({grant["provision"], grant["competence"]} <= r for r in legal)
    foreign = match(index, "salud", requester="cgr:gore-antofagasta", limit=3)
    assert not [
        item
        for p in foreign.results
        for item in p.explanation
        if item.type == "legal" and CGR + "constitucion-2008-art-263-num-8" in item.resources
    ]


def test_competence_of_the_needs_theme(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    related = rows(
        shipped_store,
        "SELECT ?competence ?sector WHERE { ?competence a cg:Competence ; skos:related ?sector . ?sector a cg:Sector }",
    )
    assert related
    for row in related:
        result = match(index, None, sectors=[row["sector"]], requester="EC-A", limit=3)
        for partner in result.results:
            assert any({row["competence"], row["sector"]} <= set(item.resources) for item in partner.explanation)


# --- the cooperation scope of provincial governments ------------------------------------------------------------


def test_provincial_scope_is_shown_and_enforced(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    scope = {
        row["t"]
        for row in rows(
            shipped_store,
            "SELECT ?t WHERE { cgr:competencia-cooperacion-internacional skos:related ?t . ?t a cg:CooperationType }",
        )
    }
    assert scope == {CGR + "tipo-no-reembolsable", CGR + "tipo-tecnica"}
    result = match(index, "cambio climático", requester="EC-E")
    assert {item["iri"] for item in result.filters["cooperation_scope"]} == scope
    for partner in result.results:
        items = [item for item in partner.explanation if item.type == "cooperation"]
        assert len(items) == 1 and scope <= set(items[0].resources)
    with pytest.raises(MatchError) as raised:
        match(index, "cambio climático", requester="EC-E", cooperation="financiera")
    assert "non-reimbursable" in raised.value.text.en.lower() and "no reembolsable" in raised.value.text.es.lower()
    assert (
        match(index, "cambio climático", cooperation="financiera").filters["cooperation"]["iri"]
        == CGR + "tipo-financiera"
    )


@pytest.mark.parametrize(
    "cooperation", ["tecnica", "tipo-tecnica", "cgr:tipo-tecnica", "Cooperación técnica", "asistencia técnica"]
)
def test_cooperation_filter(index: MatchIndex, cooperation: str) -> None:
    result = match(index, "medio ambiente", requester="EC-E", cooperation=cooperation, limit=50)
    assert result.results and result.filters["cooperation"]["iri"] == CGR + "tipo-tecnica"
    for partner in result.results:
        assert CGR + "tipo-tecnica" in index.coop_of[partner.iri]
        assert any(
            item.type == "cooperation" and CGR + "tipo-tecnica" in item.resources for item in partner.explanation
        )


# --- filters, requesters, errors ----------------------------------------------------------------------------------


def test_kind_and_country_filters(index: MatchIndex) -> None:
    assert set(index.kinds("en")) >= {"network", "agency", "peer", "multilateral", "embassy", "national", "country"}
    for kind in index.kinds():
        for partner in match(index, "salud y educación y medio ambiente", kind=kind, limit=50).results:
            assert partner.kind == kind
    spanish = match(index, "salud", country="es", limit=50)
    assert spanish.results and {p.country["code"] for p in spanish.results if p.country} == {"ES"}
    assert all(p.country for p in spanish.results)
    assert spanish.filters["country"]["iri"] == CGR + "pais-es"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"kind": "spaceship"}, "kind of partner"),
        ({"country": "ZZ"}, "Unknown country"),
        ({"country": "https://example.org/x"}, "Unknown country"),
        ({"cooperation": "tipo-no-existe"}, "kind of cooperation"),
        ({"lang": "fr"}, "language"),
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": "5"}, "limit"),
        ({"requester": "cgr:sector-salud"}, "neither a province nor an actor"),
    ],
)
def test_bad_options_are_match_errors(index: MatchIndex, options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MatchError) as raised:
        match(index, "salud", **options)
    assert fragment in raised.value.text.en


def test_requester_by_code_iri_gad_and_name(index: MatchIndex) -> None:
    assert match(index, "salud", requester="").requester is None
    with pytest.raises(MatchError):
        resolve_requester(index, "  ")
    assert resolve_requester(index, "Canar").iri == CGR + "provincia-ec-f", "names are accent-insensitive"
    expected = CGR + "provincia-ec-e"
    for value in ("EC-E", "ec-e", expected, "cgr:provincia-ec-e", "Esmeraldas", "esmeraldas"):
        assert resolve_requester(index, value).iri == expected
    gad = resolve_requester(index, "cgr:gadp-esmeraldas")
    assert gad.provincial and CGR + "provincia-ec-e" in gad.sources
    assert resolve_requester(index, "CONGOPE").iri == CGR + "congope"
    assert not resolve_requester(index, "EC-W").provincial, "Galápagos has no GAD provincial"


@pytest.mark.parametrize("value", ["EC-QQ", "Lojaa", CGR + "gadp-atlantida", "'; DROP"])
def test_unknown_requester_has_suggestions(index: MatchIndex, value: str) -> None:
    with pytest.raises(UnknownResource) as raised:
        match(index, "salud", requester=value)
    assert raised.value.text.en and raised.value.value == value
    for suggestion in raised.value.suggestions:
        assert suggestion["iri"].startswith(CGR) and suggestion["label"]


def test_suggestions_are_close_and_accent_insensitive(index: MatchIndex) -> None:
    for typed, wanted in (("Lojaa", "provincia-ec-l"), ("Cañarr", "provincia-ec-f"), ("regionss4", "regions4")):
        with pytest.raises(UnknownResource) as raised:
            resolve_requester(index, typed)
        assert CGR + wanted in [s["iri"] for s in raised.value.suggestions], typed


def test_languages_give_the_same_ranking_and_their_own_labels(index: MatchIndex) -> None:
    es, en = (match(index, "educación", requester="EC-N", lang=lang, limit=20) for lang in ("es", "en"))
    assert [p.iri for p in es.results] == [p.iri for p in en.results]
    assert [p.score for p in es.results] == [p.score for p in en.results]
    assert es.need.themes[0].label == "Educación" and en.need.themes[0].label == "Education"
    assert es.results[0].explanation[0].text != en.results[0].explanation[0].text


def test_answers_are_deterministic_and_json_serialisable(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    first = match(index, "salud y educación", requester="EC-L").to_json()
    again = match(MatchIndex.build(shipped_store), "salud y educación", requester="EC-L").to_json()
    assert first == again
    assert json.loads(json.dumps(first)) == first


def test_presorted_and_full_scoring_agree(index: MatchIndex) -> None:
    texts = ("salud", "cambio climático", "agricultura", "reactivar la economía", "fortalecimiento institucional")
    for text in (*texts, "salud y educación", "agricultura y alimentación", "biodiversity and natural resources"):
        need = parse_need(index, text)
        for code in (None, "EC-M", "EC-S", "EC-C"):
            who = resolve_requester(index, code) if code else None
            for kind in (None, "peer"):
                fast = scoring.rank(index, need, who, kind=kind, country=None, accepted=None, limit=7)
                full = scoring.rank(index, need, who, kind=kind, country=None, accepted=None, limit=7, presorted=False)
                assert fast == full, (text, code, kind)


def test_concurrent_matches_agree(index: MatchIndex) -> None:
    expected = match(index, "cambio climático", requester="EC-T").to_json()
    answers: list[Any] = []

    def ask() -> None:
        answers.append(match(index, "cambio climático", requester="EC-T").to_json())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [expected] * 8


def test_requester_options_for_the_page(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    rows_ = index.requesters("es")
    assert sorted(code for _, code, _ in rows_) == sorted(provinces(shipped_store))
    assert all(label for _, _, label in rows_)
    assert index.kinds("es")["network"] == "Red de gobiernos"


# --- similar actors -----------------------------------------------------------------------------------------------


def test_similar_actors_share_sectors_or_networks(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    for actor in ("regions4", "aacid", "gore-antofagasta", "pais-it"):
        answer = similar(index, CGR + actor, limit=10)
        assert answer.results and CGR + actor not in {p.iri for p in answer.results}
        for partner in answer.results:
            assert 0.0 <= partner.score <= 1.0 and partner.explanation
            shares = f"""ASK {{ {{ <{CGR + actor}> cg:sector ?x . <{partner.iri}> cg:sector ?x }} UNION
                              {{ <{CGR + actor}> org:memberOf ?x . <{partner.iri}> org:memberOf ?x }} UNION
                              {{ ?x org:memberOf <{CGR + actor}>, <{partner.iri}> }} }}"""
            assert shipped_store.query(PREFIXES + shares)
            for item in partner.explanation:
                assert all(is_subject(shipped_store, iri) for iri in item.resources)


def test_similar_ranks_the_closest_first(index: MatchIndex) -> None:
    """AACID's Tabla 2 peers (same country row: same sectors, same kind) come before anyone else."""
    answer = similar(index, "cgr:aacid", limit=5)
    assert answer.results[0].components["sectors"] == 1.0 and answer.results[0].kind == "agency"


def test_networks_sharing_a_member_are_similar(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    networks = {row["n"] for row in rows(shipped_store, "SELECT ?n WHERE { cgr:congope org:memberOf ?n }")}
    assert len(networks) > 1
    for network in networks:
        answer = similar(index, network, limit=20)
        for other in networks - {network}:
            partner = next(p for p in answer.results if p.iri == other)
            assert any(item.type == "path" and CGR + "congope" in item.resources for item in partner.explanation)


def test_similar_bad_input(index: MatchIndex) -> None:
    with pytest.raises(UnknownResource):
        similar(index, "aecidd")
    with pytest.raises(MatchError):
        similar(index, "EC-L")
    with pytest.raises(MatchError):
        similar(index, "cgr:regions4", limit=0)


# --- freshness ----------------------------------------------------------------------------------------------------

NEW_PARTNER = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX cgr: <https://w3id.org/coopgraph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
{verb} DATA {{ GRAPH <https://w3id.org/coopgraph/graph/local> {{
  cgr:agencia-de-prueba a cg:CooperationAgency ;
    rdfs:label "Agencia de prueba"@es, "Test agency"@en ;
    cg:sector cgr:sector-riego-y-drenaje ;
    dcterms:source cgr:ref-estudio .
}} }}"""


def test_index_follows_the_graph_after_a_rebuild(own_store: OxigraphStore) -> None:
    """A partner that declares riego y drenaje appears after a rebuild, first: above the DAC-related ones."""
    index = MatchIndex.build(own_store)
    assert index.is_current(own_store)
    before = [p.iri for p in match(index, "riego y drenaje", limit=50).results]
    assert before and set(before) == dac_reached(own_store, RIEGO)
    own_store.update(NEW_PARTNER.format(verb="INSERT"))
    assert not index.is_current(own_store)
    index = MatchIndex.build(own_store)
    assert index.is_current(own_store)
    result = match(index, "riego y drenaje", requester="EC-F", limit=50)
    assert result.results[0].iri == CGR + "agencia-de-prueba"
    assert {p.iri for p in result.results[1:]} == set(before)
    assert "«Riego y drenaje»" in result.results[0].explanation[0].text
    assert "CAD 31140" not in result.results[0].explanation[0].text
    check_answer(result, own_store)
    own_store.update(NEW_PARTNER.format(verb="DELETE"))
    assert not index.is_current(own_store)
    index = MatchIndex.build(own_store)
    assert [p.iri for p in match(index, "riego y drenaje", limit=50).results] == before


# --- synthetic scale ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OxigraphStore, MatchIndex]]:
    """The shipped graph plus 3000 synthetic actors (coopgraph/core/synth.py), indexed."""
    from coopgraph.core.synth import write_synthetic

    path = tmp_path_factory.mktemp("synth") / "synth.nt"
    with path.open("w", encoding="utf-8") as out:
        write_synthetic(out, actors=3000, seed=3, format="ntriples")
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        store.load([path], graph="https://w3id.org/coopgraph/graph/synth")
        yield store, MatchIndex.build(store)


def test_synthetic_actors_are_matched_and_explained(synthetic: tuple[OxigraphStore, MatchIndex]) -> None:
    store, index = synthetic
    for need in ("salud", "agricultura y alimentación", "medio ambiente", "salud, educación y energía"):
        result = match(index, need, requester="EC-L", limit=20)
        assert any("/synth/" in p.iri for p in result.results)
        check_answer(result, store)
    synthetic_actor = next(p.iri for p in match(index, "salud", limit=50).results if "/synth/" in p.iri)
    assert match(index, "salud", requester=synthetic_actor, limit=5).results
    assert similar(index, synthetic_actor, limit=5).results


def test_fast_paths_give_the_exhaustive_answer(
    synthetic: tuple[OxigraphStore, MatchIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-theme walk and the threshold walk against scoring every actor, over many theme sets."""
    _, index = synthetic
    monkeypatch.setattr(scoring, "WALK_CHUNK", 2)  # small steps: the threshold walk stops early
    sectors = sorted(sector for sector in index.theme_scores if len(index.theme_scores[sector]) > 50)
    assert len(sectors) >= 6
    synthetic_actor = next(iri for iri in index.kind_of if "/synth/" in iri and index.kind_of[iri] == "peer")
    theme_sets = [[a] for a in sectors[:4]] + [[a, b] for a, b in pairwise(sectors)] + [sectors[:3], sectors[-4:]]
    for chosen in theme_sets:
        need = parse_need(index, None, chosen)
        for who in (None, resolve_requester(index, "EC-L"), resolve_requester(index, synthetic_actor)):
            for limit in (1, 4, 25):
                for kind in (None, "agency"):
                    options = {"kind": kind, "country": None, "accepted": None, "limit": limit}
                    fast = scoring.rank(index, need, who, **options)
                    assert fast == scoring.rank(index, need, who, presorted=False, **options), (chosen, limit, kind)
