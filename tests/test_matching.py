"""The matching engine (coopgraph/core/matching) on the shipped graph: reading needs, ranking, grouping,
explanations, filters, errors.

Expected values come from the store (labels, sectors, channels, spaces, provisions) through SPARQL, not from
this file, so the tests follow the data. Tabla 2's model: sectors belong to a country's cooperation; the
organisations listed under it are its channels (cg:channelOf) and reach a theme only through it.
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
from coopgraph.core.matching.results import EXPLANATION_TYPES, STRENGTHS
from coopgraph.core.store import OxigraphStore, Store

CGR = "https://w3id.org/coopgraph/id/"
CG = "https://w3id.org/coopgraph/def#"
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
ON_SECTOR = "{ ?a cg:sector ?s } UNION { ?a cg:channelOf ?holder . ?holder cg:sector ?s }"
"""SPARQL: actor ?a works on sector ?s, itself or as a channel of a country's cooperation that does (Tabla 2)."""
KEYS = {"need", "requester", "filters", "results", "legal"}
PARTNER_KEYS = {"partner", "label", "kind", "country", "score", "components", "strength", "why", "group", "contact"}


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


def ask(store: Store, query: str) -> bool:
    return bool(store.query(PREFIXES + f"ASK {{ {query} }}"))


def linked(store: Store, a: str, b: str) -> bool:
    query = "ASK { { ?a ?p ?b } UNION { ?b ?p ?a } }"
    subs = {ox.Variable("a"): ox.NamedNode(a), ox.Variable("b"): ox.NamedNode(b)}
    return bool(store.query(query, substitutions=subs))


def is_subject(store: Store, iri: str) -> bool:
    return bool(store.query("ASK { ?s ?p ?o }", substitutions={ox.Variable("s"): ox.NamedNode(iri)}))


def provinces(store: Store) -> list[str]:
    return [row["code"] for row in rows(store, "SELECT ?code WHERE { ?p a cg:Province ; skos:notation ?code }")]


def check_answer(result: MatchResult, store: Store) -> None:
    """Ranked, in [0, 1], labelled by strength, every partner tied to a thing asked by its first explanation
    item, every resource a subject of the graph."""
    answer = result.to_json()
    assert set(answer) == KEYS
    scores = [partner["score"] for partner in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    asked = {term["iri"] for key in ("themes", "ways", "places", "actors") for term in answer["need"][key]}
    for partner in answer["results"]:
        assert set(partner) == PARTNER_KEYS | {"explanation"}
        assert 0.0 <= partner["score"] <= 1.0 and partner["strength"] in STRENGTHS
        assert partner["why"].strip()
        first = partner["explanation"][0]
        assert first["type"] in ("sector", "way", "place", "actor"), "a partner without a stated tie to the need"
        assert partner["partner"] in first["resources"]
        if first["type"] == "sector":
            assert asked & set(first["resources"]) or any(
                ask(store, f"<{iri}> skos:broader+|^skos:broader+ <{term}>")
                for iri in first["resources"]
                for term in asked
            ), first
        for item in (*partner["explanation"], *answer["legal"]):
            assert item["type"] in EXPLANATION_TYPES and item["text"].strip() and item["resources"]
            for iri in item["resources"]:
                assert is_subject(store, iri), f"{iri} in an explanation is not in the graph"


# --- reading a need: themes ---------------------------------------------------------------------------------------


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
        ("xqzvw plumbus", (), "reads no theme"),
        ("💧", (), "reads no theme"),
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


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("xqzvw plumbus", "es"),
        ("reparación de zapatos", "es"),
        ("qwerty zzyzx", "en"),
        ("shoe repair", "en"),
    ],
)
def test_an_unreadable_need_suggests_what_the_graph_reads_in_its_language(
    index: MatchIndex, text: str, lang: str
) -> None:
    """Suggestions are themes and ways of cooperating that have partners, named in the need's language (the
    language the text is written in when it says so, else the one asked)."""
    with pytest.raises(MatchError) as raised:
        match(index, text, lang=lang)
    suggestions = raised.value.details["suggestions"]
    assert len(suggestions) >= 3
    assert {s["facet"] for s in suggestions} <= {"theme", "way"} and {s["facet"] for s in suggestions} == {
        "theme",
        "way",
    }
    labels = [s["label"] for s in suggestions]
    assert len({label.casefold() for label in labels}) == len(labels), "one suggestion per name"
    for suggestion in suggestions:
        assert suggestion["label"] == index.label(suggestion["iri"], lang)
        assert index.values.get(suggestion["iri"]), "only what has partners is suggested"
        assert suggestion["label"] in raised.value.text(lang)
    assert match(index, labels[0], lang=lang).results


def test_suggestions_follow_the_language_of_the_text(index: MatchIndex) -> None:
    """Asked in Spanish (the page's language) with an English text, the suggestions are English names."""
    with pytest.raises(MatchError) as raised:
        match(index, "looking for help with shoe repair shops", lang="es")
    for suggestion in raised.value.details["suggestions"]:
        assert suggestion["label"] == index.label(suggestion["iri"], "en")


def test_a_misspelt_need_is_read_as_the_word_it_misses(index: MatchIndex) -> None:
    """A typo is corrected to a word of the graph's vocabulary, said in the term, and weighs a little less."""
    need = parse_need(index, "cambio climatco", lang="es")
    assert [t.sector for t in need.themes] == [CGR + "sector-cambio-climatico"]
    assert need.themes[0].corrected == (("climatco", "climatico"),)
    assert need.themes[0].strength < parse_need(index, "cambio climático").themes[0].strength
    result = match(index, "hermanamieto con regiones", lang="es")
    assert CGR + "cooperacion-gad-gad" in [term.resource for term in result.need.ways]
    assert result.results


def test_a_theme_with_no_partner_gives_no_results(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """'vialidad' is a competence's theme; no actor works on it, on a related sector or through a DAC chain:
    nothing is invented."""
    query = f"""SELECT DISTINCT ?a WHERE {{ VALUES ?t {{ cgr:sector-vialidad }}
        {{ {ON_SECTOR} ?s skos:broader* ?t }} UNION {{ {ON_SECTOR} ?t skos:broader+ ?s }} UNION
        {{ ?space cg:sector ?t ; ?role ?a . ?a a ?class }} UNION {{ {DAC_CHAIN} }} }}"""
    assert rows(shipped_store, query) == []
    result = match(index, "vialidad", requester="EC-F")
    assert [t.sector for t in result.need.themes] == [CGR + "sector-vialidad"]
    assert result.results == ()


# --- reading a need: meaning beyond labels (the thesaurus) ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "sector"),
    [
        ("agua potable y saneamiento", "es", "sector-infraestructura-y-servicios-sociales"),
        ("drinking water for rural communities", "en", "sector-infraestructura-y-servicios-sociales"),
        ("turismo comunitario", "es", "sector-desarrollo-productivo"),
        ("urbanismo sostenible", "es", "sector-desarrollo-urbano"),
    ],
)
def test_other_words_reach_the_sector_they_belong_to(index: MatchIndex, text: str, lang: str, sector: str) -> None:
    """Words the graph's labels do not use are read through the thesaurus (coopgraph/core/matching/thesaurus.toml)
    or as part of a longer label; each read term says how, and weighs less than a label."""
    need = parse_need(index, text, lang=lang)
    found = {t.sector: t for t in need.themes}
    assert CGR + sector in found, [t.sector for t in need.themes]
    term = found[CGR + sector]
    assert term.how in ("thesaurus", "altLabel", "part", "dac") and term.strength < 1.0
    result = match(index, text, lang=lang, limit=5)
    assert result.results
    assert any(CGR + sector in item.resources for p in result.results for item in p.explanation)


# --- reading a need: ways of cooperating, territory, kinds of partner -------------------------------------------

WAY_NEEDS = [
    ("hermanamiento", "es", "cooperacion-gad-gad"),
    ("twinning", "en", "cooperacion-gad-gad"),
    ("GAD-GAD", "es", "cooperacion-gad-gad"),
    ("cooperación sur-sur", "es", "tipo-sur-sur"),
    ("triangular", "en", "tipo-triangular"),
    ("becas", "es", "mecanismo-becas"),
    ("asistencia técnica", "es", "tipo-tecnica"),
    ("fondos concursables", "es", "fondos-concursables"),
]


@pytest.mark.parametrize(("text", "lang", "way"), WAY_NEEDS)
def test_a_need_that_names_only_a_way_of_cooperating_is_answered(
    index: MatchIndex, shipped_store: OxigraphStore, text: str, lang: str, way: str
) -> None:
    """Mechanisms, instruments, kinds of cooperation and spaces are read as ways of cooperating; each partner
    returned offers, promotes, takes part in or is party to one of them, as the graph says."""
    result = match(index, text, requester="EC-L", lang=lang, limit=10, group=False)
    ways = {term.resource for term in result.need.ways}
    assert CGR + way in ways, ways
    assert not result.need.themes
    assert result.results
    check_answer(result, shipped_store)
    values = " ".join(f"<{w}>" for w in ways)
    for partner in result.results:
        first = partner.explanation[0]
        assert first.type == "way" and partner.iri in first.resources
        of_way = "skos:broader*|a/rdfs:subClassOf*|cg:cooperationType/skos:broader*|cg:negotiatedThrough|cg:programme"
        holds = f"""VALUES ?w {{ {values} }}
            {{ {{ ?x {of_way} ?w }} UNION {{ ?x a/rdfs:subClassOf* cg:Call BIND(cg:CompetitiveFund AS ?w) }}
              {{ <{partner.iri}> cg:cooperationType|cg:promotes ?x }} UNION
              {{ ?x ?role <{partner.iri}> }} UNION {{ ?x cg:programmeOf <{partner.iri}> }} UNION
              {{ ?goal cg:about ?x ; cg:setBy <{partner.iri}> }} UNION
              {{ <{partner.iri}> cg:channelOf ?c . ?c cg:cooperationType|cg:promotes ?x }} UNION
              {{ ?x ?role ?c . <{partner.iri}> cg:channelOf ?c }} }}
            UNION {{ <{partner.iri}> a/rdfs:subClassOf* cg:SubnationalGovernment .
                     ?w (a/rdfs:subClassOf*)? cg:PeerCooperation }}"""
        assert ask(shipped_store, holds), (text, partner.iri, first.text)


def test_twinning_is_led_by_who_promotes_it(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """The networks and countries the study says promote GAD-GAD cooperation come first for 'twinning'."""
    promoters = {row["a"] for row in rows(shipped_store, "SELECT ?a WHERE { ?a cg:promotes cgr:cooperacion-gad-gad }")}
    assert len(promoters) >= 4
    for text, lang in (("hermanamiento", "es"), ("twinning", "en"), ("hermanamientos", "es")):
        top = [p.iri for p in match(index, text, lang=lang, limit=len(promoters)).results]
        assert set(top) == promoters, (text, top)


def test_a_border_province_is_led_to_the_space_covering_it(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """A province asking about border development meets, in its top 5, partners of a space that covers its own
    territory, each explained through that space, with the full channel part of the score."""
    covering = rows(
        shipped_store,
        """SELECT DISTINCT ?code ?space WHERE { ?space cg:coversTerritory ?province ; cg:sector ?sector .
             ?sector skos:prefLabel ?l FILTER(CONTAINS(LCASE(STR(?l)), "fronter"))
             ?province a cg:Province ; skos:notation ?code }""",
    )
    if not covering:
        covering = rows(
            shipped_store,
            """SELECT DISTINCT ?code ?space WHERE { ?space cg:coversTerritory ?province ; rdfs:label ?l .
                 FILTER(CONTAINS(LCASE(STR(?l)), "frontera")) ?province a cg:Province ; skos:notation ?code }""",
        )
    assert covering
    for row in covering:
        for text, lang in (("desarrollo fronterizo", "es"), ("border development", "en")):
            result = match(index, text, requester=row["code"], lang=lang, limit=5)
            through = [
                p
                for p in result.results
                if any(row["space"] in item.resources for item in p.explanation) and p.components["channel"] == 1.0
            ]
            assert through, (row, text, [p.iri for p in result.results])


def test_kinds_of_partner_named_in_the_need(index: MatchIndex) -> None:
    result = match(index, "redes de gobiernos locales que trabajen cambio climático", lang="es", limit=5)
    assert "network" in {term.resource for term in result.need.facet("kind")}
    assert result.results and result.results[0].kind == "network"
    only_kind = match(index, "agencias de cooperación", lang="es", limit=5)
    assert only_kind.results and {p.kind for p in only_kind.results} == {"agency"}


# --- Tabla 2: countries' cooperation and their channels -------------------------------------------------------------


def test_channels_carry_no_sector_of_their_own(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """Tabla 2 gives sectors per country: no organisation listed under a country states a sector."""
    channels = rows(shipped_store, "SELECT ?a ?c WHERE { ?a cg:channelOf ?c }")
    assert len(channels) >= 30
    assert not rows(shipped_store, "SELECT ?a WHERE { ?a cg:channelOf ?c ; cg:sector ?s }")
    for row in channels:
        assert index.channel_of[row["a"]] == row["c"]
        assert row["a"] in index.channels[row["c"]]


def test_a_channel_is_reached_through_its_country_and_said_so(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    channel, country = CGR + "aacid", CGR + "pais-es"
    assert ask(shipped_store, f"<{channel}> cg:channelOf <{country}> . <{country}> cg:sector cgr:sector-salud")
    result = match(index, "salud", lang="en", limit=50, group=False)
    partners = {p.iri: p for p in result.results}
    assert partners[channel].score < partners[country].score
    first = partners[channel].explanation[0]
    assert first.type == "sector" and {country, channel, CGR + "sector-salud"} <= set(first.resources)
    assert index.label(country, "en") in first.text and "channel" in first.text
    assert partners[channel].strength == "direct"


def test_one_country_does_not_flood_the_list(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """Health: the top 5 are distinct countries or bodies, Spain's, Chile's and Italy's cooperation among them,
    and a country's channels are folded under it ("and 7 more of Spain")."""
    health = {
        row["c"] for row in rows(shipped_store, "SELECT ?c WHERE { ?c a cg:Country ; cg:sector cgr:sector-salud }")
    }
    assert {CGR + "pais-es", CGR + "pais-cl", CGR + "pais-it"} <= health
    result = match(index, "salud", requester="EC-L", limit=5)
    top = [p.iri for p in result.results]
    assert {CGR + "pais-es", CGR + "pais-cl", CGR + "pais-it"} <= set(top)
    places = [index.place_of.get(iri, iri) for iri in top]
    assert len(set(places)) == len(places), "one result per country or parent"
    for partner in result.results:
        if partner.group:
            assert partner.group.key == index.group_of.get(partner.iri, partner.iri)
            for member, _ in partner.group.members:
                assert index.group_of.get(member, member) == partner.group.key


def test_riego_for_loja_does_not_rank_brazilian_cities_first(index: MatchIndex) -> None:
    result = match(index, "riego y drenaje", requester="EC-L", limit=5)
    assert result.results
    for partner in result.results:
        assert index.channel_of.get(partner.iri) != CGR + "pais-br"
    assert len({index.place_of.get(p.iri, p.iri) for p in result.results}) == len(result.results)


def test_grouping_can_be_turned_off_and_a_country_filter_lists_its_channels(index: MatchIndex) -> None:
    grouped = match(index, "salud", limit=10)
    flat = match(index, "salud", limit=10, group=False)
    assert grouped.filters["group"] is True and flat.filters["group"] is False
    assert all(p.group is None for p in flat.results)
    assert len({index.place_of.get(p.iri, p.iri) for p in flat.results}) < len(flat.results)
    spain = match(index, "salud", country="ES", limit=10)
    assert spain.filters["group"] is False
    listed = {p.iri for p in spain.results}
    assert CGR + "pais-es" in listed and set(index.channels[CGR + "pais-es"]) <= listed


def test_a_group_counts_its_members_honestly(index: MatchIndex) -> None:
    """The members listed and counted under a result are the other members of its group that relate to the
    need (the flat list shows them), at most MEMBERS_SHOWN by name."""
    for text in ("salud", "educación", "hermanamiento", "desarrollo urbano"):
        grouped = match(index, text, limit=5)
        flat = {p.iri for p in match(index, text, limit=50, group=False).results}
        for partner in grouped.results:
            if partner.group is None:
                continue
            members = [iri for iri, _ in partner.group.members]
            assert len(members) <= scoring.MEMBERS_SHOWN and set(members) <= flat, (text, partner.iri)
            siblings = {
                iri
                for iri in flat
                if (iri != partner.iri and index.group_of.get(iri, iri) == partner.group.key)
                or (iri == partner.group.key and iri != partner.iri)
            }
            assert len(members) + partner.group.more == len(siblings), (text, partner.iri)


# --- score honesty ----------------------------------------------------------------------------------------------------


def test_weak_and_indirect_matches_say_so(index: MatchIndex) -> None:
    """A partner reached only through the DAC classification is labelled weak (not shown as a strong match),
    its why line says so, and its parts show a small theme part."""
    result = match(index, "riego", requester="EC-L", limit=10, lang="es")
    assert result.results
    for partner in result.results:
        assert partner.strength == "weak", partner.iri
        assert partner.why.startswith("Coincidencia débil")
        assert partner.components["relevance"] < weights.WEAK_BELOW
    english = match(index, "irrigation", requester="EC-L", limit=10, lang="en")
    assert all(p.why.startswith("Weak match") for p in english.results)


def test_direct_matches_state_what_is_asked(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """A direct match for one theme declares it (or is a channel of a country that does, or issued a document,
    such as a cooperation framework, that does)."""
    for text in ("salud", "educación", "cambio climático", "empoderamiento de la mujer"):
        result = match(index, text, limit=20, group=False)
        sector = result.need.themes[0].sector
        for partner in result.results:
            declares = ask(
                shipped_store,
                f"{{ <{partner.iri}> cg:sector|cg:channelOf/cg:sector <{sector}> }} UNION "
                f"{{ ?document cg:issuedBy <{partner.iri}> ; cg:sector <{sector}> }}",
            )
            assert (partner.strength == "direct") == declares, (text, partner.iri, partner.strength)


def test_the_parts_add_up_to_the_score(index: MatchIndex) -> None:
    for text, code in (("salud", "EC-L"), ("hermanamiento en salud", "EC-L"), ("becas", None), ("riego", "EC-A")):
        for partner in match(index, text, requester=code, limit=10).results:
            parts = partner.components
            for facet in ("theme", "way", "place", "actor", "kind", "relevance", "proximity", "channel"):
                assert 0.0 <= parts.get(facet, 0.0) <= 1.0
            expected = parts["relevance"] * (
                weights.W_RELEVANCE + weights.W_PROXIMITY * parts["proximity"] + weights.W_CHANNEL * parts["channel"]
            )
            assert partner.score == pytest.approx(expected, abs=0.002), (text, partner.iri, parts)


# --- the OECD-DAC chain -------------------------------------------------------------------------------------------

DAC_CHAIN = """
    {{ ?t skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code . ?code skos:broader ?category .
       ?s skos:exactMatch|skos:closeMatch|skos:narrowMatch ?category . ON_SECTOR ?a a/rdfs:subClassOf* cg:Actor }}
    UNION
    {{ ?t skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?code . ?code skos:broader ?category .
       ?s skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch ?other . ?other skos:broader ?category .
       ?category skos:notation ?notation . ON_SECTOR ?a a/rdfs:subClassOf* cg:Actor
       FILTER(?other != ?code && ?notation NOT IN ("160", "430", "530", "998")) }}
    FILTER(?s != ?t)""".replace("ON_SECTOR", ON_SECTOR.replace("{", "{{").replace("}", "}}"))
"""SPARQL: actor ?a works on a sector ?s (itself or through its country) related to theme ?t through the DAC
classification (coopgraph/core/matching/dac.py)."""
RIEGO = CGR + "sector-riego-y-drenaje"
IATI = "https://w3id.org/coopgraph/iati/"


def dac_reached(store: Store, theme: str) -> set[str]:
    query = f"SELECT DISTINCT ?a WHERE {{ VALUES ?t {{ <{theme}> }} {DAC_CHAIN} }}"
    return {row["a"] for row in rows(store, query.replace("{{", "{").replace("}}", "}"))}


def declares(store: Store, theme: str) -> set[str]:
    """Actors that declare the theme or a narrower sector, or are channels of a country that does."""
    query = f"""SELECT DISTINCT ?a WHERE {{ {ON_SECTOR} ?a a/rdfs:subClassOf* cg:Actor .
                 ?s skos:broader* <{theme}> }}"""
    return {row["a"] for row in rows(store, query)}


def chain_holds(store: Store, resources: list[str]) -> bool:
    """The chain an explanation names, link by link, in the graph: theme -> code -> category [<- code] <- sector
    <- actor, or <- country <- channel."""
    theme, code, category, *rest = resources
    if len(rest) >= 3 and ask(store, f"<{rest[-1]}> cg:channelOf <{rest[-2]}>"):
        *middle, sector, holder, _ = rest
    else:
        *middle, sector, holder = rest
    close = "skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch"
    links = [f"<{theme}> {close} <{code}>", f"<{code}> skos:broader <{category}>", f"<{holder}> cg:sector <{sector}>"]
    if middle:
        links += [f"<{sector}> {close} <{middle[0]}>", f"<{middle[0]}> skos:broader <{category}>"]
    else:
        links.append(f"<{sector}> skos:exactMatch|skos:closeMatch|skos:narrowMatch <{category}>")
    return all(ask(store, link) for link in links)


@pytest.mark.parametrize(("need", "lang"), [("riego", "es"), ("sistemas de riego", "es"), ("irrigation systems", "en")])
def test_irrigation_reaches_agriculture_partners_through_the_dac_chain(
    index: MatchIndex, shipped_store: OxigraphStore, need: str, lang: str
) -> None:
    """No actor declares riego y drenaje; the DAC chain 31140 -> 311 reaches those on (food and) agriculture, and
    the channels of a country that is (Brasil's, through it)."""
    assert not declares(shipped_store, RIEGO)
    result = match(index, need, requester="EC-L", lang=lang, limit=50, group=False)
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
        assert ("CAD 31140" if lang == "es" else "DAC 31140") in first.text and "311" in first.text
        factor = weights.CHANNEL_FACTOR if partner.iri in index.channel_of else 1.0
        strength = result.need.themes[0].strength  # a theme read from a synonym weighs its strength
        expected_theme = weights.RELATION["dac"] * weights.THEME_BASE * factor * strength
        assert partner.components["theme"] == pytest.approx(expected_theme, abs=1e-4)


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
    texts = {p.iri: p.explanation[0].text for p in match(index, "riego", lang=lang, limit=50, group=False).results}
    brazil = texts[CGR + "pais-br"]
    for iri in (RIEGO, IATI + "Sector/31140", IATI + "SectorCategory/311", CGR + "sector-agricultura"):
        assert quote(labels[iri]) in brazil, (iri, brazil)
    assert index.label(CGR + "pais-br", lang) in brazil
    assert (
        index.label(CGR + "pais-br", lang) in texts[CGR + "abc"]
        and index.label(CGR + "abc", lang) in texts[CGR + "abc"]
    )
    assert quote(labels[CGR + "sector-alimentacion-y-agricultura"]) in texts[CGR + "oru-fogar"]
    if lang == "es":
        assert brazil == (
            "«Riego y drenaje» (CAD 31140, «Recursos hídricos para uso agrícola») forma parte de la categoría CAD 311 "
            "«Agricultura», en la que trabaja Brasil a través de «Agricultura»."
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
        result = match(index, None, sectors=[theme], limit=50, group=False)
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
        direct = {
            row["a"]
            for row in rows(
                shipped_store,
                f"SELECT DISTINCT ?a WHERE {{ ?a cg:sector ?s ; a/rdfs:subClassOf* cg:Actor . "
                f"?s skos:broader* <{theme}> }}",
            )
        }
        result = match(index, None, sectors=[theme], limit=50, group=False)
        ranks = {p.iri: rank for rank, p in enumerate(result.results)}
        dac_only = {
            iri
            for iri in ranks
            if iri not in direct
            and index.channel_of.get(iri) not in direct
            and index.postings[theme][iri] < weights.RELATION["broader"]
        }
        if direct and dac_only:
            checked += 1
            assert max(ranks[iri] for iri in direct if iri in ranks) < min(ranks[iri] for iri in dac_only), theme
    assert checked >= 3


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
    """Each partner (or the country it is a channel of) declares a need's theme, a narrower or broader one,
    takes part in a space on it, issued a document on it, or declares a sector related to it through the DAC
    classification."""
    for need, lang in [*NEEDS, ("riego", "es"), ("migración", "es"), ("biodiversidad", "es")]:
        result = match(index, need, lang=lang, limit=50, group=False)
        themes = [theme.sector for theme in result.need.themes]
        for partner in result.results:
            values = " ".join(f"<{t}>" for t in themes)
            chain = DAC_CHAIN.replace("{{", "{").replace("}}", "}").replace("?a ", f"<{partner.iri}> ")
            on = ON_SECTOR.replace("?a ", f"<{partner.iri}> ")
            query = f"""ASK {{ VALUES ?t {{ {values} }}
                {{ {on} ?s skos:broader* ?t }} UNION
                {{ {on} ?t skos:broader+ ?s }} UNION
                {{ ?space cg:sector ?t ; ?role <{partner.iri}> .
                   VALUES ?role {{ cg:convenor cg:participant cg:cooperant cg:offerer cg:winner cg:sponsor cg:callOf }} }}
                UNION {{ ?document cg:sector ?t ; cg:issuedBy <{partner.iri}> }}
                UNION {{ {chain} }} }}"""
            assert shipped_store.query(PREFIXES + query), (need, partner.iri)


def test_paths_follow_relations_of_the_graph(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """From a province through its GAD to the partner: every step is a triple (or the derived step from a GAD
    to the association of its country that groups its level of government, cg:groupedBy)."""
    seen = 0
    for need, lang in NEEDS:
        for partner in match(index, need, requester="EC-L", lang=lang, limit=50).results:
            for item in partner.explanation:
                if item.type == "path":
                    seen += 1
                    assert item.resources[0] == CGR + "provincia-ec-l" and item.resources[-1] == partner.iri
                    for a, b in pairwise(item.resources):
                        grouped = index.derived.get(CG + "groupedBy", {}).get(a, ())
                        assert linked(shipped_store, a, b) or b in grouped, (a, b)
    assert seen


def test_joint_commission_of_the_partners_country_and_how_often_it_meets(
    index: MatchIndex, shipped_store: OxigraphStore
) -> None:
    commissions = rows(
        shipped_store,
        """SELECT ?actor ?sector ?space ?every WHERE {
             ?space a cg:JointCommission ; cg:partnerCountry ?actor ; cg:periodicity ?every .
             FILTER(LANG(?every) = "es")
             ?actor cg:sector ?sector } LIMIT 40""",
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
        result = match(index, None, sectors=[row["sector"]], requester=row["code"], limit=50, group=False)
        partner = next(p for p in result.results if p.iri == row["actor"])
        assert any(
            {row["space"], row["actor"]} <= set(item.resources) and item.type in ("space", "mechanism", "sector")
            for item in partner.explanation
        ), row
        assert partner.components["channel"] == 1.0


def test_legal_basis_once_for_a_provincial_requester(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    """The requester's legal basis is given once for the answer (MatchResult.legal), not per partner."""
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
        legal = [set(item.resources) for item in result.legal if item.type == "legal"]
        assert any(row["ordinance"] in r for r in legal)
        for grant in grants:
            assert any({grant["provision"], grant["competence"]} <= r for r in legal)
        assert not [item for p in result.results for item in p.explanation if item.type == "legal"]
    foreign = match(index, "salud", requester="cgr:gore-antofagasta", limit=3)
    assert not [item for item in foreign.legal if CGR + "constitucion-2008-art-263-num-8" in item.resources]


def test_competence_of_the_needs_theme(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    related = rows(
        shipped_store,
        "SELECT ?competence ?sector WHERE { ?competence a cg:Competence ; skos:related ?sector . ?sector a cg:Sector }",
    )
    assert related
    for row in related:
        result = match(index, None, sectors=[row["sector"]], requester="EC-A", limit=3)
        assert any({row["competence"], row["sector"]} <= set(item.resources) for item in result.legal), row


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
    with pytest.raises(MatchError) as raised:
        match(index, "cambio climático", requester="EC-E", cooperation="financiera")
    assert "non-reimbursable" in raised.value.text.en.lower() and "no reembolsable" in raised.value.text.es.lower()
    assert (
        match(index, "cambio climático", cooperation="financiera").filters["cooperation"]["iri"]
        == CGR + "tipo-financiera"
    )


def test_kinds_of_cooperation_are_offers_of_partners_not_of_gads(shipped_store: OxigraphStore) -> None:
    """A GAD provincial is not said to offer a kind of cooperation (its scope is what it may manage, stated
    once on its competence)."""
    assert not rows(shipped_store, "SELECT ?g WHERE { ?g a cg:ProvincialGovernment ; cg:cooperationType ?t }")


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
    es, en = (
        match(index, None, sectors=["sector-educacion"], requester="EC-N", lang=lang, limit=20) for lang in ("es", "en")
    )
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
    extra = ("salud y educación", "hermanamiento", "becas", "biodiversity and natural resources", "twinning in health")
    for text in (*texts, *extra):
        need = parse_need(index, text)
        for code in (None, "EC-M", "EC-S", "EC-C"):
            who = resolve_requester(index, code) if code else None
            for kind in (None, "peer"):
                for group in (True, False):
                    options = {"kind": kind, "country": None, "accepted": None, "limit": 7, "group": group}
                    fast = scoring.rank(index, need, who, **options)
                    full = scoring.rank(index, need, who, presorted=False, **options)
                    assert fast == full, (text, code, kind, group)


def test_concurrent_matches_agree(index: MatchIndex) -> None:
    expected = match(index, "cambio climático", requester="EC-T").to_json()
    answers: list[Any] = []

    def run() -> None:
        answers.append(match(index, "cambio climático", requester="EC-T").to_json())

    threads = [threading.Thread(target=run) for _ in range(8)]
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
    sectors = index.sector_options("es")
    assert {iri for iri, _, _ in sectors} <= index.sectors and len(sectors) >= 20
    for iri, _, _ in sectors:
        assert index.values.get(iri), "the sector picker offers only sectors with partners"


# --- similar actors -----------------------------------------------------------------------------------------------


def test_similar_actors_share_sectors_or_networks(index: MatchIndex, shipped_store: OxigraphStore) -> None:
    for actor in ("regions4", "pais-es", "gore-antofagasta", "pais-it"):
        answer = similar(index, CGR + actor, limit=10)
        assert answer.results and CGR + actor not in {p.iri for p in answer.results}
        for partner in answer.results:
            assert 0.0 <= partner.score <= 1.0 and partner.explanation and partner.strength == ""
            shares = f"""ASK {{ {{ <{CGR + actor}> cg:sector ?x . <{partner.iri}> cg:sector ?x }} UNION
                              {{ <{CGR + actor}> org:memberOf ?x . <{partner.iri}> org:memberOf ?x }} UNION
                              {{ ?x org:memberOf <{CGR + actor}>, <{partner.iri}> }} UNION
                              {{ <{CGR + actor}> cg:channelOf|^cg:channelOf <{partner.iri}> }} UNION
                              {{ <{CGR + actor}> cg:channelOf ?x . <{partner.iri}> cg:channelOf ?x }} }}"""
            assert shipped_store.query(PREFIXES + shares)
            for item in partner.explanation:
                assert all(is_subject(shipped_store, iri) for iri in item.resources)


def test_similar_ranks_the_closest_first(index: MatchIndex) -> None:
    """Spain's cooperation: the other Tabla 2 countries sharing its sectors come first."""
    answer = similar(index, "cgr:pais-es", limit=5)
    assert answer.results[0].kind == "country" and answer.results[0].components["sectors"] > 0.3


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
    before = [p.iri for p in match(index, "riego y drenaje", limit=50, group=False).results]
    assert before and set(before) == dac_reached(own_store, RIEGO)
    own_store.update(NEW_PARTNER.format(verb="INSERT"))
    assert not index.is_current(own_store)
    index = MatchIndex.build(own_store)
    assert index.is_current(own_store)
    result = match(index, "riego y drenaje", requester="EC-F", limit=50, group=False)
    assert result.results[0].iri == CGR + "agencia-de-prueba" and result.results[0].strength == "direct"
    assert {p.iri for p in result.results[1:]} == set(before)
    assert "«Riego y drenaje»" in result.results[0].explanation[0].text
    assert "CAD 31140" not in result.results[0].explanation[0].text
    check_answer(result, own_store)
    own_store.update(NEW_PARTNER.format(verb="DELETE"))
    assert not index.is_current(own_store)
    index = MatchIndex.build(own_store)
    assert [p.iri for p in match(index, "riego y drenaje", limit=50, group=False).results] == before


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
        result = match(index, need, requester="EC-L", limit=20, group=False)
        assert any("/synth/" in p.iri for p in result.results)
        check_answer(result, store)
    synthetic_actor = next(p.iri for p in match(index, "salud", limit=50, group=False).results if "/synth/" in p.iri)
    assert match(index, "salud", requester=synthetic_actor, limit=5).results
    assert similar(index, synthetic_actor, limit=5).results


def test_grouped_answers_at_scale_are_distinct(synthetic: tuple[OxigraphStore, MatchIndex]) -> None:
    """Thousands of synthetic peers of a few countries: the top 10 still holds 10 distinct groups, and a group
    too large to scan says its count is a lower bound."""
    _, index = synthetic
    result = match(index, "salud", requester="EC-L", limit=10)
    keys = [index.group_of.get(p.iri, p.iri) for p in result.results]
    assert len(set(keys)) == len(keys)
    for partner in result.results:
        if partner.group and partner.group.at_least:
            assert len(index.members[partner.group.key]) > scoring.MEMBER_SCAN


def test_fast_paths_give_the_exhaustive_answer(synthetic: tuple[OxigraphStore, MatchIndex]) -> None:
    """The one-term walk against scoring every related actor, over many theme sets, grouped or not."""
    _, index = synthetic
    sectors = sorted(sector for sector in index.values if sector in index.sectors and len(index.values[sector]) > 50)
    assert len(sectors) >= 6
    synthetic_actor = next(iri for iri in index.kind_of if "/synth/" in iri and index.kind_of[iri] == "peer")
    theme_sets = [[a] for a in sectors[:4]] + [[a, b] for a, b in pairwise(sectors)] + [sectors[:3], sectors[-4:]]
    for chosen in theme_sets:
        need = parse_need(index, None, chosen)
        for who in (None, resolve_requester(index, "EC-L"), resolve_requester(index, synthetic_actor)):
            for limit in (1, 4, 25):
                for kind in (None, "agency"):
                    for group in (True, False):
                        options = {"kind": kind, "country": None, "accepted": None, "limit": limit, "group": group}
                        fast = scoring.rank(index, need, who, **options)
                        assert fast == scoring.rank(index, need, who, presorted=False, **options), (chosen, limit)
