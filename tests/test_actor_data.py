"""Tests for the actor side of the graph: graph/actors.ttl, networks.ttl, sectors.ttl
and territories.ttl.

The expectations below are transcribed from the study (Tabla 2, the joint-commission
countries, the networks section); where ../shared holds the study, Tabla 2's addresses are
also read from its text (skipped, with the reason, when it is absent).
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "graph"
MINE = ("actors.ttl", "networks.ttl", "sectors.ttl", "territories.ttl")
SHARED = ROOT.parent / "shared"
STUDY = SHARED / "seeds" / "000_0557619e48e63d30.txt"
IATI_XML = SHARED / "data" / "iati-codelists"

CG = Namespace("https://w3id.org/coopgraph/def#")
CGR = Namespace("https://w3id.org/coopgraph/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
IATI = "https://w3id.org/coopgraph/iati/"
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)

ORGANISATION_CLASSES = (
    CG.GovernmentBody,
    CG.CooperationAgency,
    CG.SubnationalGovernment,
    CG.GovernmentAssociation,
    CG.Network,
    CG.InternationalOrganisation,
    CG.Embassy,
    CG.Fund,
    CG.Company,
)

# Tabla 2, as the study prints it: slug, class, country, the table's own addresses
# (web sites completed to http://, e-mails as mailto:).
TABLA_2 = [
    ("agci", CG.CooperationAgency, "cl", ["http://www.agci.gob.cl/"]),
    ("asociacion-chilena-de-municipios", CG.GovernmentAssociation, "cl", ["http://www.munitel.cl/"]),
    ("subdere", CG.GovernmentBody, "cl", ["http://www.subdere.gov.cl/"]),
    ("gore-arica-y-parinacota", CG.SubnationalGovernment, "cl", ["http://www.gorearicayparinacota.cl/"]),
    ("gore-antofagasta", CG.SubnationalGovernment, "cl", ["http://www.goreantofagasta.cl/"]),
    ("gore-valparaiso", CG.SubnationalGovernment, "cl", ["http://www.gorevalparaiso.cl/"]),
    ("gore-metropolitano-de-santiago", CG.SubnationalGovernment, "cl", ["http://www.gobiernosantiago.cl/"]),
    (
        "direccion-general-cooperacion-internacional-argentina",
        CG.GovernmentBody,
        "ar",
        ["http://www.cancilleria.gov.ar/portal/secin/dgcin/descentralizada.html"],
    ),
    ("provincia-santa-fe", CG.SubnationalGovernment, "ar", ["http://www.santafe.gov.ar/"]),
    ("provincia-cordoba", CG.SubnationalGovernment, "ar", ["https://www.cba.gov.ar/"]),
    (
        "gobierno-ciudad-buenos-aires",
        CG.SubnationalGovernment,
        "ar",
        ["http://www.buenosaires.gob.ar/internacionalesycooperacion"],
    ),
    ("abc", CG.CooperationAgency, "br", ["http://www.itamaraty.gov.br/"]),
    ("prefectura-belo-horizonte", CG.SubnationalGovernment, "br", ["http://www.pbh.gov.br/"]),
    ("estado-sao-paulo", CG.SubnationalGovernment, "br", ["http://www.capital.sp.gov.br/portalpmsp/homec.jsp"]),
    ("estado-rio-de-janeiro", CG.SubnationalGovernment, "br", ["mailto:erubarth@casacivil.rj.gov.br"]),
    ("apc-colombia", CG.CooperationAgency, "co", ["http://www.apccolombia.gov.co/"]),
    ("gobierno-ciudad-medellin", CG.SubnationalGovernment, "co", ["http://www.acimedellin.org/"]),
    ("gobernacion-narino", CG.SubnationalGovernment, "co", ["http://www.narino.gov.co/"]),
    ("aacid", CG.CooperationAgency, "es", ["http://www.juntadeandalucia.es/aacid"]),
    ("dg-cooperacion-aragon", CG.CooperationAgency, "es", ["http://www.cooperacionaragon.com/"]),
    ("agencia-asturiana-cooperacion", CG.CooperationAgency, "es", ["http://www.cooperacionasturiana.com/"]),
    ("agencia-catalana-cooperacion", CG.CooperationAgency, "es", ["http://www.cooperaciocatalana.cat/"]),
    ("aexcid", CG.CooperationAgency, "es", ["http://www.gobex.es/aexcid/view/main/index/index.php"]),
    ("dg-cooperacion-madrid", CG.CooperationAgency, "es", ["http://www.madrid.es/"]),
    (
        "direccion-relaciones-exteriores-pais-vasco",
        CG.CooperationAgency,
        "es",
        ["http://www.fonscatala.org/", "http://www.felcode.org/"],
    ),
    ("region-veneto", CG.SubnationalGovernment, "it", ["mailto:relint@regione.veneto.it"]),
    (
        "servizio-affari-internazionali-piemonte",
        CG.CooperationAgency,
        "it",
        ["mailto:affari.internazionali@regione.piemonte.it"],
    ),
    ("region-lombardia", CG.SubnationalGovernment, "it", ["http://www.regione.lombardia.it/"]),
    ("region-friuli-venezia-giulia", CG.SubnationalGovernment, "it", ["http://www.regione.fvg.it/rafvg/cms/RAFVG"]),
    ("avcb-vsgb", CG.GovernmentAssociation, "be", ["mailto:welcome@avcb-vsgb.be", "mailto:webmaster@avcb-vsgb.be"]),
    ("vvsg", CG.GovernmentAssociation, "be", ["http://www.vvsg.be/"]),
    ("embajada-francia-ecuador", CG.Embassy, "fr", ["http://www.ambafrance-ec.org/"]),
    (
        "service-affaires-europeennes-cooperation-decentralisee",
        CG.CooperationAgency,
        "fr",
        ["mailto:r.taburet@dordogne.fr"],
    ),
    ("consejo-general-drome", CG.SubnationalGovernment, "fr", ["http://www.ladrome.fr/"]),
]
TABLA_2_COUNTRIES = ["cl", "ar", "br", "co", "es", "it", "be", "fr"]

# "Argentina, Bolivia, Brasil, ..., España, Bélgica e Italia" (joint commissions), then
# Japón, Rusia, Alemania (other arrangements), Francia (Tabla 2) and Ecuador.
STUDY_COUNTRIES = {
    "Argentina": "AR",
    "Bolivia": "BO",
    "Brasil": "BR",
    "Canadá": "CA",
    "Chile": "CL",
    "Colombia": "CO",
    "Costa Rica": "CR",
    "Cuba": "CU",
    "El Salvador": "SV",
    "Guatemala": "GT",
    "México": "MX",
    "Panamá": "PA",
    "Paraguay": "PY",
    "Perú": "PE",
    "República Dominicana": "DO",
    "Uruguay": "UY",
    "China": "CN",
    "Corea": "KR",
    "Irán": "IR",
    "España": "ES",
    "Bélgica": "BE",
    "Italia": "IT",
    "Japón": "JP",
    "Rusia": "RU",
    "Alemania": "DE",
    "Francia": "FR",
    "Ecuador": "EC",
}

# name -> (founding year, founding place or None)
FOUNDED = {
    "cglu": ("2004", None),
    "foro-de-regiones-cglu": ("2013", "ciudad-rabat"),
    "oru-fogar": ("2007", None),
    "regions4": ("2002", "ciudad-johannesburgo"),
    "iclei": ("1990", None),
}
NETWORKS = [
    "cglu",
    "foro-de-regiones-cglu",
    "global-taskforce",
    "oru-fogar",
    "regions4",
    "iclei",
    "cities-alliance",
    "interlocal",
    "mercociudades",
    "flacma",
    "olagi",
    "red-andina-de-ciudades",
]

# What an officer types -> the sector concept it must find (by prefLabel or altLabel).
SYNONYMS = [
    ("irrigación", "sector-riego-y-drenaje"),
    ("irrigation", "sector-riego-y-drenaje"),
    ("drenaje", "sector-riego-y-drenaje"),
    ("drainage", "sector-riego-y-drenaje"),
    ("ambiente", "sector-medio-ambiente"),
    ("environment", "sector-medio-ambiente"),
    ("ambiental", "sector-medio-ambiente"),
    ("género", "sector-empoderamiento-de-la-mujer"),
    ("gender", "sector-empoderamiento-de-la-mujer"),
    ("women's empowerment", "sector-empoderamiento-de-la-mujer"),
    ("fortalecimiento del rol de las mujeres", "sector-empoderamiento-de-la-mujer"),
    ("urbanismo", "sector-desarrollo-urbano"),
    ("ODS", "sector-ods"),
    ("SDGs", "sector-ods"),
    ("vialidad", "sector-vialidad"),
    ("roads", "sector-vialidad"),
    ("climate change", "sector-cambio-climatico"),
    ("biodiversity", "sector-biodiversidad"),
    ("migration", "sector-migracion"),
    ("culture", "sector-cultura"),
    ("decentralisation", "sector-descentralizacion"),
    ("salud", "sector-salud"),
]


def fold(text: str) -> str:
    """Case- and accent-insensitive form, as partner matching compares text."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()


@pytest.fixture(scope="module")
def graph() -> Graph:
    """All of graph/data (with the IATI codelists): my files refer to levels, kinds, sources and codes in others."""
    merged = Graph()
    files = sorted(DATA.glob("*.ttl")) + sorted((DATA / "codelists").glob("*.ttl"))
    assert {f.name for f in files} >= set(MINE), "a data file of the actor side is missing"
    for path in files:
        merged.parse(path)
    return merged


@pytest.fixture(scope="module")
def mine() -> Graph:
    merged = Graph()
    for name in MINE:
        merged.parse(DATA / name)
    return merged


def actors(graph: Graph) -> set[URIRef]:
    found = {s for cls in ORGANISATION_CLASSES for s in graph.subjects(RDF.type, cls)}
    assert found, "no actor found: the class list sees nothing"
    return found


# ---------------------------------------------------------------- Tabla 2


@pytest.mark.parametrize(("slug", "cls", "country", "addresses"), TABLA_2, ids=[row[0] for row in TABLA_2])
def test_tabla_2_organisation(graph: Graph, slug: str, cls: URIRef, country: str, addresses: list[str]) -> None:
    """Each organisation is a channel of its country's cooperation, with the table's addresses and no sector of its own."""
    iri = CGR[slug]
    assert (iri, RDF.type, cls) in graph
    assert (iri, CG.country, CGR[f"pais-{country}"]) in graph
    assert (iri, CG.channelOf, CGR[f"pais-{country}"]) in graph
    got = {str(o) for p in (FOAF.homepage, FOAF.mbox, RDFS.seeAlso) for o in graph.objects(iri, p)}
    assert got == set(addresses)
    assert CGR["ref-stci-2014"] in set(graph.objects(iri, DCTERMS.source))
    # Tabla 2 gives the mission and sectors per country, never per organisation.
    assert not set(graph.objects(iri, CG.sector)) and not set(graph.objects(iri, CG.cooperationType)), iri


def test_addresses_that_belong_to_other_organisations_are_not_homepages(graph: Graph) -> None:
    """The Basque directorate's two addresses are other organisations' sites: rdfs:seeAlso, not foaf:homepage
    (inverse functional: a FOAF reasoner would merge it with FELCODE)."""
    basque = CGR["direccion-relaciones-exteriores-pais-vasco"]
    assert not set(graph.objects(basque, FOAF.homepage))
    assert set(graph.objects(basque, RDFS.seeAlso)) == {
        URIRef("http://www.fonscatala.org/"),
        URIRef("http://www.felcode.org/"),
    }
    assert set(graph.subjects(FOAF.homepage, URIRef("http://www.felcode.org/"))) == {CGR.felcode}


def test_no_two_resources_share_a_homepage_or_a_mailbox(graph: Graph) -> None:
    """foaf:homepage and foaf:mbox are inverse functional: a shared value says two resources are one."""
    for prop in (FOAF.homepage, FOAF.mbox):
        owners: dict[URIRef, set] = {}
        for subject, _, value in graph.triples((None, prop, None)):
            owners.setdefault(value, set()).add(subject)
        assert all(len(found) == 1 for found in owners.values()), {v: s for v, s in owners.items() if len(s) > 1}


def test_tabla_2_addresses_are_iris_of_the_right_kind(graph: Graph) -> None:
    for _, _, page in graph.triples((None, FOAF.homepage, None)):
        assert isinstance(page, URIRef) and re.match(r"https?://\S+$", str(page)), page
    for _, _, box in graph.triples((None, FOAF.mbox, None)):
        assert isinstance(box, URIRef) and re.match(r"mailto:[^@\s]+@\S+$", str(box)), box


@pytest.mark.parametrize("country", TABLA_2_COUNTRIES)
def test_tabla_2_country_holds_the_mission_and_sectors_and_lists_its_channels(graph: Graph, country: str) -> None:
    """The row's mission, sectors and kinds of cooperation are the country's; its organisations are its channels."""
    iri = CGR[f"pais-{country}"]
    missions = {m.language for m in graph.objects(iri, CG.mission)}
    assert missions == {"es", "en"}
    assert CGR["ref-stci-2014"] in set(graph.objects(iri, DCTERMS.source))
    assert set(graph.objects(iri, CG.sector)) or set(graph.objects(iri, CG.cooperationType))
    cooperants = {CGR[slug] for slug, _, c, _ in TABLA_2 if c == country}
    assert cooperants and set(graph.subjects(CG.channelOf, iri)) == cooperants
    for actor in cooperants:
        assert any(d.language == "es" and "Tabla 2" in d for d in graph.objects(actor, DCTERMS.description))


def _tabla_2_addresses_in_study() -> set[str]:
    text = STUDY.read_text(encoding="utf-8")
    start = text.index("Tabla 2: Cooperante")
    end = text.index("Fuente: (Secretaría Técnica de Cooperación Internacional, 2014)", start)
    table = text[start:end]
    # The hyperlink list the PDF prints after the rows is not the table's own wording.
    rows = "\n".join(line for line in table.splitlines() if not line.strip().startswith("http"))
    # The extraction broke one address before its file name ("dgcin/ descentralizada.html").
    rows = re.sub(r"/\s+(?=\w+\.html)", "/", rows)
    sites = re.findall(r"(?:https?://)?www\.[^\s]+", rows)
    mails = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", rows)
    assert sites and mails, "Tabla 2 was not found in the study's text"
    return {_normal(s) for s in sites} | {_normal(m) for m in mails}


def _normal(address: str) -> str:
    return re.sub(r"^(https?://|mailto:)", "", address).rstrip("/").lower()


@pytest.mark.skipif(
    not STUDY.exists(), reason="../shared/seeds (the study's text) is absent: a user's clone has no shared/"
)
def test_every_tabla_2_address_of_the_study_is_in_the_graph_and_no_other(graph: Graph) -> None:
    channels = set(graph.subjects(CG.channelOf, None)) | {CGR.felcode}
    in_graph = {
        _normal(str(o)) for p in (FOAF.homepage, FOAF.mbox, RDFS.seeAlso) for s in channels for o in graph.objects(s, p)
    }
    assert _tabla_2_addresses_in_study() == in_graph


# ---------------------------------------------------------------- territories


@pytest.mark.parametrize(("wording", "code"), sorted(STUDY_COUNTRIES.items()))
def test_study_country_exists_with_its_iso_code(graph: Graph, wording: str, code: str) -> None:
    iri = CGR[f"pais-{code.lower()}"]
    assert (iri, RDF.type, CG.Country) in graph
    assert list(graph.objects(iri, SKOS.notation)) == [Literal(code)]
    names = set(graph.objects(iri, RDFS.label)) | set(graph.objects(iri, SKOS.altLabel))
    assert Literal(wording, lang="es") in names


def test_ecuador_has_its_24_provinces_with_iso_codes(graph: Graph) -> None:
    provinces = set(graph.subjects(RDF.type, CG.Province))
    expected = {s.code: s.name for s in pycountry.subdivisions.get(country_code="EC")}
    assert len(provinces) == len(expected) == 24
    for province in provinces:
        code = str(graph.value(province, SKOS.notation))
        assert province == CGR[f"provincia-{code.lower()}"]
        assert code in expected
        assert (province, CG.inCountry, CGR["pais-ec"]) in graph
        assert {label.language for label in graph.objects(province, RDFS.label)} == {"es", "en"}


def test_one_gad_provincial_per_province_except_galapagos(graph: Graph) -> None:
    gads = {
        s
        for s in graph.subjects(CG.governmentLevel, CGR["nivel-provincial"])
        if (s, RDF.type, CG.SubnationalGovernment) in graph and (s, CG.country, CGR["pais-ec"]) in graph
    }
    governed = {graph.value(gad, CG.governs) for gad in gads}
    provinces = set(graph.subjects(RDF.type, CG.Province))
    assert governed == provinces - {CGR["provincia-ec-w"]}
    assert len(gads) == 23
    for gad in gads:
        province_name = str(graph.value(graph.value(gad, CG.governs), RDFS.label))
        assert str(gad).startswith(str(CGR["gadp-"]))
        assert fold(province_name).replace(" ", "-") == str(gad).removeprefix(str(CGR["gadp-"]))
        # No source the study uses says it of any one GAD: CONGOPE's level (the provincial) says whom it groups,
        # and the provincial scope of cooperation is on the competence, not an offer of each GAD.
        assert (gad, ORG.memberOf, CGR.congope) not in graph
        assert not set(graph.objects(gad, CG.cooperationType))
        assert CGR["ref-constitucion-2008"] in set(graph.objects(gad, DCTERMS.source))
        assert CGR["ref-cnc-2020"] not in set(graph.objects(gad, DCTERMS.source))


def test_cities_lie_in_a_country(graph: Graph) -> None:
    cities = set(graph.subjects(RDF.type, CG.City))
    assert {CGR["ciudad-rabat"], CGR["ciudad-johannesburgo"], CGR["ciudad-medellin"]} <= cities
    for city in cities:
        assert (graph.value(city, CG.inCountry), RDF.type, CG.Country) in graph, city


# ---------------------------------------------------------------- every actor


def test_every_actor_has_one_label_per_language_and_a_source(graph: Graph, mine: Graph) -> None:
    described = (
        actors(mine)
        | set(mine.subjects(RDF.type, CG.Country))
        | set(mine.subjects(RDF.type, CG.Province))
        | set(mine.subjects(RDF.type, CG.City))
    )
    for actor in described:
        languages = sorted(label.language for label in graph.objects(actor, RDFS.label))
        assert languages == ["en", "es"], actor
        sources = set(graph.objects(actor, DCTERMS.source))
        assert sources, actor
        for source in sources:
            assert (source, RDF.type, CG.Reference) in graph, source


def test_every_subnational_government_has_one_level_and_associations_at_most_one(graph: Graph) -> None:
    """Governments always have a level; an association has one where the study says which (not FELCODE)."""
    governments = set(graph.subjects(RDF.type, CG.SubnationalGovernment))
    assert len(governments) > 23
    for body in governments:
        assert len(list(graph.objects(body, CG.governmentLevel))) == 1, body
    associations = set(graph.subjects(RDF.type, CG.GovernmentAssociation))
    assert {CGR.congope, CGR.ame, CGR.conagopare} <= associations
    for body in associations:
        levels = list(graph.objects(body, CG.governmentLevel))
        assert len(levels) <= 1, body
        if body in {CGR.congope, CGR.ame, CGR.conagopare}:
            assert len(levels) == 1, body
    for body in governments | associations:
        for level in graph.objects(body, CG.governmentLevel):
            assert (level, RDF.type, CG.GovernmentLevel) in graph, level


def test_my_references_resolve_within_the_data(graph: Graph, mine: Graph) -> None:
    """Every cgr: / IATI IRI my files point to is described somewhere in graph/data."""
    described = set(graph.subjects())
    dangling = {
        o
        for o in mine.objects()
        if isinstance(o, URIRef) and str(o).startswith(("https://w3id.org/coopgraph/id/", IATI)) and o not in described
    }
    assert not dangling


# ---------------------------------------------------------------- associations and networks


def test_congope_is_member_of_the_four_networks(graph: Graph) -> None:
    assert set(graph.objects(CGR.congope, ORG.memberOf)) == {CGR.cglu, CGR["oru-fogar"], CGR.regions4, CGR.iclei}


@pytest.mark.parametrize(
    ("slug", "level"),
    [
        ("congope", "nivel-provincial"),
        ("ame", "nivel-municipal"),
        ("conagopare", "nivel-parroquial"),
    ],
)
def test_ecuadorian_associations_group_one_level(graph: Graph, slug: str, level: str) -> None:
    assert (CGR[slug], RDF.type, CG.GovernmentAssociation) in graph
    assert list(graph.objects(CGR[slug], CG.governmentLevel)) == [CGR[level]]


@pytest.mark.parametrize("slug", NETWORKS)
def test_network_is_described(graph: Graph, slug: str) -> None:
    iri = CGR[slug]
    assert (iri, RDF.type, CG.Network) in graph
    assert {d.language for d in graph.objects(iri, DCTERMS.description)} == {"es", "en"}


@pytest.mark.parametrize(("slug", "founded"), sorted(FOUNDED.items()))
def test_network_founding(graph: Graph, slug: str, founded: tuple[str, str | None]) -> None:
    year, place = founded
    assert list(graph.objects(CGR[slug], CG.foundingYear)) == [Literal(int(year))]
    assert graph.value(CGR[slug], CG.foundingPlace) == (CGR[place] if place else None)


def test_network_links_the_study_names(graph: Graph) -> None:
    expected = [
        (CGR["foro-de-regiones-cglu"], ORG.subOrganizationOf, CGR.cglu),
        (CGR.flacma, ORG.subOrganizationOf, CGR.cglu),
        (CGR.cglu, CG.linkedTo, CGR.onu),
        (CGR.mercociudades, CG.linkedTo, CGR.mercosur),
        (CGR["red-andina-de-ciudades"], CG.linkedTo, CGR["comunidad-andina"]),
        (CGR["emac-ep"], ORG.subOrganizationOf, CGR["gadm-cuenca"]),
        (CGR["subsecretaria-asuntos-economicos-cooperacion-internacional"], ORG.subOrganizationOf, CGR.mremh),
    ]
    for triple in expected:
        assert triple in graph, triple
    assert set(graph.objects(CGR.regions4, CG.linkedTo)) == {CGR.pnud, CGR.unfccc, CGR.undesa, CGR.pnuma}
    assert set(graph.objects(CGR.iclei, CG.hasOffice)) == {
        CGR["ciudad-sao-paulo"],
        CGR["ciudad-de-mexico"],
        CGR["ciudad-rosario"],
        CGR["ciudad-medellin"],
    }


def test_who_promotes_twinning_and_peer_cooperation(graph: Graph) -> None:
    """OLAGI "promoviendo el hermanamiento interregional"; ORU-Fogar, interregional and peer cooperation;
    Mercociudades, "cooperación horizontal entre los entes locales"; the Red Andina de Ciudades, collaboration
    between local governments; Argentina's programme articulates decentralised cooperation with foreign regions."""
    promoters = set(graph.subjects(CG.promotes, CGR["cooperacion-gad-gad"]))
    assert promoters == {CGR.olagi, CGR["oru-fogar"], CGR.mercociudades, CGR["red-andina-de-ciudades"], CGR["pais-ar"]}


@pytest.mark.parametrize(
    ("slug", "kinds"),
    [
        ("oru-fogar", {"tipo-no-reembolsable", "tipo-tecnica"}),
        ("regions4", {"tipo-tecnica"}),
        ("flacma", {"tipo-tecnica"}),
        ("cities-alliance", {"tipo-donaciones"}),
    ],
)
def test_network_kinds_of_cooperation(graph: Graph, slug: str, kinds: set[str]) -> None:
    assert set(graph.objects(CGR[slug], CG.cooperationType)) == {CGR[k] for k in kinds}


# ---------------------------------------------------------------- sectors


@pytest.fixture(scope="module")
def sectors(graph: Graph) -> set[URIRef]:
    found = set(graph.subjects(SKOS.inScheme, CGR["esquema-sectores"]))
    assert len(found) >= 30
    return found


def test_every_sector_concept_is_complete(graph: Graph, sectors: set[URIRef]) -> None:
    for concept in sectors:
        assert str(concept).startswith(str(CGR["sector-"])), concept
        assert (concept, RDF.type, CG.Sector) in graph
        for prop in (SKOS.prefLabel, RDFS.label):
            assert sorted(label.language for label in graph.objects(concept, prop)) == ["en", "es"], (concept, prop)
        assert graph.value(concept, DCTERMS.source) is not None, concept
        broader = set(graph.objects(concept, SKOS.broader))
        assert broader <= sectors
        assert bool(broader) != ((concept, SKOS.topConceptOf, CGR["esquema-sectores"]) in graph), concept


def test_every_sector_used_is_in_the_scheme(graph: Graph, sectors: set[URIRef]) -> None:
    used = set(graph.objects(None, CG.sector))
    assert used
    assert used <= sectors


def test_sector_mappings_point_to_iati_sector_codes(graph: Graph, sectors: set[URIRef]) -> None:
    mapped = 0
    for concept in sectors:
        for prop in MATCHES:
            for target in graph.objects(concept, prop):
                mapped += 1
                assert re.fullmatch(IATI + r"(Sector/\d{5}|SectorCategory/\d{3})", str(target)), target
                assert CGR["ref-iati-codelists"] in set(graph.objects(concept, DCTERMS.source)), concept
    assert mapped >= 20


@pytest.mark.skipif(
    not IATI_XML.exists(), reason="../shared/data/iati-codelists is absent: a user's clone has no shared/"
)
def test_sector_mappings_use_active_iati_codes(graph: Graph, sectors: set[URIRef]) -> None:
    active: set[str] = set()
    for codelist in ("Sector", "SectorCategory"):
        root = ET.parse(IATI_XML / f"{codelist}.xml").getroot()
        for item in root.iter("codelist-item"):
            if item.get("status", "active") != "withdrawn":
                active.add(f"{IATI}{codelist}/{item.findtext('code')}")
    targets = {str(t) for c in sectors for p in MATCHES for t in graph.objects(c, p)}
    assert targets and targets <= active, targets - active


@pytest.mark.parametrize(("typed", "slug"), SYNONYMS)
def test_officer_wording_finds_the_sector(graph: Graph, sectors: set[URIRef], typed: str, slug: str) -> None:
    hits = {
        concept
        for concept in sectors
        for prop in (SKOS.prefLabel, SKOS.altLabel)
        for label in graph.objects(concept, prop)
        if fold(str(label)) == fold(typed)
    }
    assert hits == {CGR[slug]}
