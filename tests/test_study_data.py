"""Tests for the study's legal framework, spaces, institutional set-up and figures.

They check graph/legal.ttl, spaces.ttl, institutional.ttl and figures.ttl
against tables written from the study: every article it cites, the 22 joint
commissions, both technical tables, the unit's processes and products, the
strengthening components, the MREMH 2025 goals and every figure. All of
graph/*.ttl is parsed together (resources defined by other files are
referenced here), but only facts of these four files are asserted. Where
../shared holds the study, quotations and article numbers are also checked
against its text (skipped, with the reason, when it is absent).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "graph"
OWN_FILES = ("legal.ttl", "spaces.ttl", "institutional.ttl", "figures.ttl")
SOURCES = DATA_DIR / "sources.ttl"
STUDY = ROOT.parent / "shared" / "seeds" / "000_0557619e48e63d30.txt"
NO_STUDY = f"the study is not at {STUDY} (../shared absent)"

CG = Namespace("https://w3id.org/coopgraph/def#")
CGR = Namespace("https://w3id.org/coopgraph/id/")

# Resources other files define (contract, ontology/README.md) that these files reference.
EXTERNAL = {
    "mremh",
    "cnc",
    "planifica-ecuador",
    "mdg",
    "midena",
    "congope",
    "ame",
    "conagopare",
    "ue",
    "onu",
    "pnud",
    "giz",
    "aecid",
    "fieds",
    "emac-ep",
    "gadm-cuenca",
    "iclei",
    "regions4",
    "red-andina-de-ciudades",
    "gadp-canar",
    "gadp-loja",
    "gadp-napo",
    "gadp-morona-santiago",
    "pais-ec",
    "pais-jp",
    "pais-ru",
    "pais-de",
    "provincia-ec-e",
    "provincia-ec-c",
    "provincia-ec-u",
    "provincia-ec-i",
    "provincia-ec-l",
    "provincia-ec-m",
    "provincia-ec-t",
    "provincia-ec-s",
    "instrumento-comision-mixta",
    "instrumento-grupos-de-trabajo",
    "instrumento-negociaciones-intergubernamentales",
    "instrumento-comite-de-formulacion",
    "competencia-cooperacion-internacional",
    "competencia-desarrollo-productivo",
    "competencia-medio-ambiente",
    "competencia-riego-y-drenaje",
    "competencia-vialidad",
    "competencia-planificacion",
    "tipo-no-reembolsable",
    "tipo-tecnica",
    "tipo-financiera",
    "tipo-cientifica",
    "tipo-bilateral",
    "sector-fortalecimiento-de-capacidades",
    "sector-reactivacion-economica",
    "sector-participacion-ciudadana",
}

# ---------------------------------------------------------------- legal tables

# slug -> (class, issued year or None, issuers, applies to)
INSTRUMENTS = {
    "constitucion-2008": (CG.Constitution, "2008", set(), set()),
    "cootad-2010": (CG.Law, "2010", set(), set()),
    "resolucion-cnc-009-2011": (CG.Resolution, "2011", {"cnc"}, set()),
    "resolucion-cnc-013": (CG.Resolution, None, {"cnc"}, set()),
    "pnd-2021-2025": (CG.DevelopmentPlan, None, set(), set()),
    "pdot": (CG.DevelopmentPlan, None, set(), set()),
    "codigo-planificacion-finanzas-publicas": (CG.Law, None, set(), set()),
    "lopccs": (CG.Law, None, set(), set()),
    "ordenanza-ci-canar-2015": (CG.Ordinance, "2015", {"gadp-canar"}, {"gadp-canar"}),
    "ordenanza-ci-loja-2015": (CG.Ordinance, "2015", {"gadp-loja"}, {"gadp-loja"}),
    "ordenanza-ci-napo-2015": (CG.Ordinance, "2015", {"gadp-napo"}, {"gadp-napo"}),
    "ordenanza-modelo-cnc-ame-2020": (CG.PolicyDocument, "2020", {"cnc", "ame"}, set()),
    "ordenanza-participacion-morona-santiago": (CG.Ordinance, None, {"gadp-morona-santiago"}, {"gadp-morona-santiago"}),
    "accion-internacional-gobiernos-territoriales-cnc-2016": (CG.PolicyDocument, "2016", {"cnc"}, set()),
    "marco-cooperacion-onu-2022-2026": (CG.PolicyDocument, "2022", {"onu"}, set()),
    "catalogo-experiencias-exitosas-mremh-2021": (CG.PolicyDocument, "2021", {"mremh"}, set()),
    "agenda-habitat-sostenible-ecuador-2036": (CG.PolicyDocument, None, set(), set()),
}

# Every article the study cites: (instrument, article, subdivision or None).
CITED_ARTICLES = [
    ("constitucion-2008", 101, None),
    ("constitucion-2008", 252, None),
    ("constitucion-2008", 263, None),
    ("constitucion-2008", 263, "numeral 8"),
    ("constitucion-2008", 425, None),
    ("cootad-2010", 29, "literal c"),
    ("cootad-2010", 41, None),
    ("cootad-2010", 43, None),
    ("cootad-2010", 44, None),
    ("cootad-2010", 47, "literal c"),
    ("cootad-2010", 50, "literal d"),
    ("cootad-2010", 116, None),
    ("cootad-2010", 293, None),
    *[("cootad-2010", n, None) for n in (302, 303, 304, 305, 306, 307, 308, 309, 311)],
    ("lopccs", 72, None),
]

# ---------------------------------------------------------------- space tables

# The 22 countries whose joint commissions the study lists, in its order.
COMMISSION_COUNTRIES = {
    "AR": "Argentina",
    "BO": "Bolivia",
    "BR": "Brasil",
    "CA": "Canadá",
    "CL": "Chile",
    "CO": "Colombia",
    "CR": "Costa Rica",
    "CU": "Cuba",
    "SV": "El Salvador",
    "GT": "Guatemala",
    "MX": "México",
    "PA": "Panamá",
    "PY": "Paraguay",
    "PE": "Perú",
    "DO": "República Dominicana",
    "UY": "Uruguay",
    "CN": "China",
    "KR": "Corea",
    "IR": "Irán",
    "ES": "España",
    "BE": "Bélgica",
    "IT": "Italia",
}

# space -> expected values of each property (sets of cgr: slugs or literals); absent key = none.
SPACES = {
    "consejo-provincial": {
        RDF.type: {CG.ProvincialCouncil},
        CG.legalBasis: {"constitucion-2008-art-252", "cootad-2010-art-43", "cootad-2010-art-44"},
    },
    "mesa-tecnica-cinr-descentralizada": {
        RDF.type: {CG.TechnicalTable},
        CG.convenor: {"mremh"},
        CG.participant: {"mremh", "cnc", "congope", "ame", "conagopare"},
        CG.legalBasis: {"resolucion-cnc-009-2011"},
        CG.cooperationType: {"tipo-no-reembolsable"},
        # the table of Figure 1 with these members, formed "en 2020" (Consejo Nacional de Competencias, 2020)
        CG.establishedYear: {"2020"},
        CG.reactivatedYear: {"2022"},
    },
    "mesa-tecnica-frontera-norte": {
        RDF.type: {CG.TechnicalTable},
        CG.participant: {"mremh", "mdg", "midena", "planifica-ecuador"},
        CG.cooperant: {"ue", "giz", "aecid", "onu"},
        CG.coversTerritory: {"provincia-ec-e", "provincia-ec-c", "provincia-ec-u", "provincia-ec-i"},
        CG.programme: {"programa-frontera-norte-desarrollo-y-paz"},
        CG.establishedYear: {"2019"},
        CG.reactivatedYear: {"2022"},
    },
    "mtt-8-cooperacion-internacional": {
        RDF.type: {CG.TechnicalTable},
        CG.establishedYear: {"2020"},
    },
    "meta-loja": {
        RDF.type: {CG.TechnicalTable},
        CG.convenor: {"gadp-loja"},
        CG.participant: {"gadp-loja"},
        CG.cooperant: {"pnud"},
        CG.programme: {"programa-art"},
        CG.coversTerritory: {"provincia-ec-l"},
        CG.establishedYear: {"2009"},
    },
    "sistema-gobernanza-tungurahua": {
        RDF.type: {CG.DialogueSpace},
        CG.coversTerritory: {"provincia-ec-t"},
    },
    "instancia-participacion-morona-santiago": {
        RDF.type: {CG.DialogueSpace},
        CG.convenor: {"gadp-morona-santiago"},
        CG.coversTerritory: {"provincia-ec-s"},
        CG.legalBasis: {
            "constitucion-2008-art-101",
            "cootad-2010-art-29-lit-c",
            "lopccs-art-72",
            "ordenanza-participacion-morona-santiago",
            *[f"cootad-2010-art-{n}" for n in (302, 303, 304, 305, 306, 307, 308, 309, 311)],
        },
    },
    "acuerdos-escritos-japon": {
        RDF.type: {CG.IntergovernmentalArrangement},
        CG.partnerCountry: {"pais-jp"},
    },
    "comision-intergubernamental-rusia": {
        RDF.type: {CG.IntergovernmentalArrangement},
        CG.partnerCountry: {"pais-ru"},
    },
    "negociaciones-intergubernamentales-alemania": {
        RDF.type: {CG.IntergovernmentalArrangement},
        CG.partnerCountry: {"pais-de"},
        CG.negotiatedThrough: {"instrumento-negociaciones-intergubernamentales"},
        CG.cooperationType: {"tipo-tecnica", "tipo-financiera"},
    },
    "comite-formulacion-proyectos-onu": {
        RDF.type: {CG.IntergovernmentalArrangement},
        CG.cooperant: {"onu"},
        CG.negotiatedThrough: {"instrumento-comite-de-formulacion"},
    },
    "fondos-concursables": {RDF.type: {CG.CompetitiveFund}},
    "fondo-concursable-cancilleria": {
        RDF.type: {CG.CompetitiveFund},
        CG.convenor: {"mremh"},
        CG.winner: {"congope"},
        CG.coversTerritory: {"provincia-ec-m", "provincia-ec-e"},
    },
    "premio-habitat-2021": {
        RDF.type: {CG.Call},
        CG.callOf: {"fieds"},
        CG.sponsor: {"fieds"},
        CG.year: {"2021"},
    },
    "cooperacion-gad-gad": {
        RDF.type: {CG.PeerCooperation},
        CG.legalBasis: {"cootad-2010-art-293"},
        CG.cooperationType: {"tipo-tecnica"},
    },
    "i-encuentro-alto-nivel-mtcinr-2019": {RDF.type: {CG.Event}, CG.year: {"2019"}},
    "programa-frontera-norte-desarrollo-y-paz": {RDF.type: {CG.Programme}, CG.sponsor: {"ue"}},
    "programa-art": {RDF.type: {CG.Programme}},
}

# ---------------------------------------------------------------- institutional tables

PROCESSES = [
    "proceso-gestion-informacion",
    "proceso-gestion-tecnica",
    "proceso-gestion-seguimiento-evaluacion",
    "proceso-gestion-politicas-negociacion",
    "proceso-gestion-relaciones-actores",
]
COMPONENTS = [
    "componente-fortalecimiento-capacidades",
    "componente-estrategia-accion-internacional",
    "componente-adecuacion-institucional-procesos",
    "componente-asignacion-recursos",
    "componente-mision-unidad",
    "componente-diseno-registro-seguimiento",
]
AXES = [
    "eje-estructura-institucional",
    "eje-voluntad-politica",
    "eje-concordancia-politica-publica",
    "eje-espacios-dialogo-politico",
]
ORDINANCE_PURPOSES = [
    "fin-ordenanza-alinear-pdot",
    "fin-ordenanza-eficacia",
    "fin-ordenanza-regir-iniciativas-provincia",
    "fin-ordenanza-regir-iniciativas-otros-actores",
    "fin-ordenanza-regir-iniciativas-cootad",
    "fin-ordenanza-registro",
    "fin-ordenanza-seguimiento-evaluacion",
]
# scheme -> (class of its concepts, expected concepts)
SCHEMES = {
    "esquema-procesos-unidad": (CG.UnitProcess, PROCESSES),
    "esquema-componentes-fortalecimiento": (CG.StrengtheningComponent, COMPONENTS),
    "esquema-ejes-internacionalizacion": (CG.InternationalisationAxis, AXES),
    "esquema-fines-ordenanza": (CG.OrdinancePurpose, ORDINANCE_PURPOSES),
    "esquema-requisitos-unidad": (
        SKOS.Concept,
        ["requisito-estatuto-juridico", "requisito-autonomia", "requisito-transversalidad"],
    ),
}
PRODUCT_AREAS = {
    "producto-cooperacion-internacional": ("ci", "CI", 11),
    "producto-relaciones-internacionales": ("ri", "RI", 10),
}

# n -> (baseline, target, unit)
GOALS = {
    1: (Decimal("139"), Decimal("160"), "unidad-millones-dolares-estadounidenses"),
    2: (Decimal("6"), Decimal("12"), "unidad-programas"),
    3: (None, Decimal("100"), "unidad-porcentaje"),
    4: (None, Decimal("10"), "unidad-porcentaje-aumento"),
}

# ---------------------------------------------------------------- figures

# slug -> (about, value, datatype, unit, qualifier, reference year, source)
FIGURES = {
    "cifra-mundo-poblacion-rural-porcentaje": (
        "mundo",
        "46",
        XSD.decimal,
        "unidad-porcentaje",
        "exacto",
        None,
        "ref-cglu-2022",
    ),
    "cifra-mundo-poblacion-pequenas-ciudades": (
        "mundo",
        "896000000",
        XSD.integer,
        "unidad-personas",
        "exacto",
        None,
        "ref-cglu-2022",
    ),
    "cifra-mundo-poblacion-pequenas-ciudades-porcentaje": (
        "mundo",
        "12",
        XSD.decimal,
        "unidad-porcentaje",
        "exacto",
        None,
        "ref-cglu-2022",
    ),
    "cifra-premio-habitat-2021-gad-municipales": (
        "premio-habitat-2021",
        "221",
        XSD.integer,
        "unidad-gobiernos",
        "exacto",
        "2021",
        "ref-estudio",
    ),
    "cifra-fondo-concursable-cancilleria-monto": (
        "fondo-concursable-cancilleria",
        "100000",
        XSD.decimal,
        "unidad-dolares-estadounidenses",
        "exacto",
        None,
        "ref-congope-2018",
    ),
    "cifra-regions4-gobiernos-regionales": (
        "regions4",
        "41",
        XSD.integer,
        "unidad-gobiernos",
        "exacto",
        "2019",
        "ref-regions4-2022",
    ),
    "cifra-regions4-paises": ("regions4", "21", XSD.integer, "unidad-paises", "exacto", "2019", "ref-regions4-2022"),
    "cifra-regions4-continentes": (
        "regions4",
        "4",
        XSD.integer,
        "unidad-continentes",
        "exacto",
        "2019",
        "ref-regions4-2022",
    ),
    "cifra-iclei-gobiernos": ("iclei", "2500", XSD.integer, "unidad-gobiernos", "al-menos", None, "ref-iclei-2022"),
    "cifra-iclei-paises": ("iclei", "125", XSD.integer, "unidad-paises", "mas-de", None, "ref-iclei-2022"),
    "cifra-iclei-oficinas-america-latina": (
        "iclei",
        "4",
        XSD.integer,
        "unidad-oficinas",
        "exacto",
        None,
        "ref-estudio",
    ),
    "cifra-meta-loja-gad-cantonales": (
        "meta-loja",
        "16",
        XSD.integer,
        "unidad-gobiernos",
        "exacto",
        None,
        "ref-gobierno-provincial-loja",
    ),
    "cifra-congope-redes": ("congope", "4", XSD.integer, "unidad-recuento", "exacto", None, "ref-estudio"),
    "cifra-red-andina-de-ciudades-tipos-iniciativas": (
        "red-andina-de-ciudades",
        "7",
        XSD.integer,
        "unidad-recuento",
        "exacto",
        None,
        "ref-apc-colombia-2006",
    ),
}

PAIRED_TEXT = (
    RDFS.label,
    SKOS.prefLabel,
    DCTERMS.description,
    SKOS.definition,
    CG.purpose,
    CG.establishes,
    CG.eligible,
    CG.periodicity,
)


# ---------------------------------------------------------------- helpers and fixtures


def slug(node: URIRef) -> str:
    """The cgr: slug of an IRI (the part after the namespace)."""
    return str(node).removeprefix(str(CGR))


def slugs(graph: Graph, subject: URIRef, prop: URIRef) -> set[str]:
    """The objects of subject/prop, as slugs for cgr: IRIs and strings for literals."""
    return {slug(o) if isinstance(o, URIRef) else str(o) for o in graph.objects(subject, prop)}


def text(graph: Graph, subject: URIRef, prop: URIRef, lang: str) -> str:
    """The subject's literal for prop in one language ("" when there is none)."""
    return next((str(o) for o in graph.objects(subject, prop) if isinstance(o, Literal) and o.language == lang), "")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text, for comparing against the study."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def graph() -> Graph:
    """All of graph/*.ttl, parsed together."""
    g = Graph()
    files = sorted(DATA_DIR.glob("*.ttl"))
    assert {f.name for f in files} >= set(OWN_FILES), "a file of this module is missing"
    for path in files:
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def own() -> Graph:
    """Only the four files these tests are about."""
    g = Graph()
    for name in OWN_FILES:
        g.parse(DATA_DIR / name, format="turtle")
    assert len(g) > 0
    return g


@pytest.fixture(scope="module")
def references() -> set[URIRef]:
    """The cg:Reference resources of sources.ttl."""
    g = Graph().parse(SOURCES, format="turtle")
    refs = set(g.subjects(RDF.type, CG.Reference))
    assert refs, "sources.ttl holds no cg:Reference"
    return refs


@pytest.fixture(scope="module")
def study() -> str:
    """The study's text, folded; skips when ../shared is absent."""
    if not STUDY.is_file():
        pytest.skip(NO_STUDY)
    lines = STUDY.read_text(encoding="utf-8").splitlines()
    # Footnotes ("3 Se refiere a ...") sit where the page broke, inside sentences: drop them.
    return fold("\n".join(line for line in lines if not re.match(r"\s*\d\s+\S", line)))


def own_subjects(own: Graph) -> list[URIRef]:
    """Every resource the four files describe."""
    return sorted({s for s in own.subjects() if isinstance(s, URIRef)})


# ---------------------------------------------------------------- files and contract


@pytest.mark.parametrize("name", OWN_FILES)
def test_file_starts_with_a_comment_header(name: str) -> None:
    first = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{name} must open with a comment saying what it holds"


def test_files_describe_only_resources_they_define(own: Graph) -> None:
    untyped = [slug(s) for s in own_subjects(own) if (s, RDF.type, None) not in own]
    assert not untyped, f"subjects with no rdf:type in these files (another file's resource?): {untyped}"


def test_every_resource_has_one_label_in_spanish_and_one_in_english(own: Graph) -> None:
    bad = []
    for s in own_subjects(own):
        langs = sorted(o.language or "" for o in own.objects(s, RDFS.label))
        if langs != ["en", "es"]:
            bad.append((slug(s), langs))
    assert not bad, f"need exactly one rdfs:label @es and one @en: {bad}"


def test_bilingual_text_comes_in_pairs(own: Graph) -> None:
    unpaired = []
    for s in own_subjects(own):
        for prop in PAIRED_TEXT:
            langs = {o.language for o in own.objects(s, prop) if isinstance(o, Literal)}
            if langs and langs != {"es", "en"}:
                unpaired.append((slug(s), own.namespace_manager.normalizeUri(prop), sorted(map(str, langs))))
    assert not unpaired, f"text without its translation: {unpaired}"


def test_every_resource_cites_a_known_reference(own: Graph, references: set[URIRef]) -> None:
    missing, unknown = [], []
    for s in own_subjects(own):
        sources = set(own.objects(s, DCTERMS.source))
        if not sources:
            missing.append(slug(s))
        unknown += [(slug(s), str(o)) for o in sources - references]
    assert not missing, f"no dcterms:source: {missing}"
    assert not unknown, f"dcterms:source not a cg:Reference of sources.ttl: {unknown}"


def test_referenced_resources_exist_or_belong_to_another_file(graph: Graph, own: Graph) -> None:
    """Catches misspelt slugs: a cgr: object is defined somewhere, or is another file's by contract."""
    dangling = set()
    for _, _, o in own:
        defined = (o, RDF.type, None) in graph
        if isinstance(o, URIRef) and str(o).startswith(str(CGR)) and not defined and slug(o) not in EXTERNAL:
            dangling.add(slug(o))
    assert not dangling, f"cgr: resources neither defined nor expected from another file: {sorted(dangling)}"


def test_concepts_have_pref_labels_and_one_scheme(own: Graph) -> None:
    bad = []
    for concept in set(own.subjects(SKOS.inScheme, None)):
        langs = sorted(o.language or "" for o in own.objects(concept, SKOS.prefLabel))
        schemes = set(own.objects(concept, SKOS.inScheme))
        if langs != ["en", "es"] or len(schemes) != 1 or (next(iter(schemes)), RDF.type, SKOS.ConceptScheme) not in own:
            bad.append(slug(concept))
    assert not bad, f"concepts need skos:prefLabel @es and @en and one scheme of these files: {bad}"


# ---------------------------------------------------------------- legal


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
def test_instrument(own: Graph, name: str) -> None:
    cls, year, issuers, applies = INSTRUMENTS[name]
    node = CGR[name]
    assert (node, RDF.type, cls) in own
    assert slugs(own, node, CG.issuedYear) == ({year} if year else set())
    if year:
        # a plain number: xsd:gYear is outside OWL 2's datatype map (HermiT refuses it)
        assert own.value(node, CG.issuedYear).datatype == XSD.integer
    assert slugs(own, node, CG.issuedBy) == issuers
    assert slugs(own, node, CG.appliesTo) == applies


def provision_slug(instrument: str, article: int, subdivision: str | None) -> str:
    """The contract's slug of a cited provision: instrument-art-N(-num-N | -lit-x)."""
    base = f"{instrument}-art-{article}"
    if subdivision is None:
        return base
    kind, value = subdivision.split()
    return f"{base}-{'num' if kind == 'numeral' else 'lit'}-{value}"


@pytest.mark.parametrize(("instrument", "article", "subdivision"), CITED_ARTICLES)
def test_cited_article_is_a_provision(own: Graph, instrument: str, article: int, subdivision: str | None) -> None:
    node = CGR[provision_slug(instrument, article, subdivision)]
    assert (node, RDF.type, CG.LegalProvision) in own
    assert own.value(node, CG.articleNumber) == Literal(article)
    parent = own.value(node, DCTERMS.isPartOf)
    if subdivision is None:
        assert parent == CGR[instrument]
        assert own.value(node, CG.subdivision) is None
    else:
        assert own.value(node, CG.subdivision) == Literal(subdivision)
        assert parent == CGR[f"{instrument}-art-{article}"]
        assert own.value(parent, DCTERMS.isPartOf) == CGR[instrument]
        assert {o.language for o in own.objects(node, CG.establishes)} == {"es", "en"}


def test_every_provision_is_a_cited_article(own: Graph) -> None:
    cited = {provision_slug(*a) for a in CITED_ARTICLES}
    parents = {f"{i}-art-{n}" for i, n, sub in CITED_ARTICLES if sub}
    present = {slug(s) for s in own.subjects(RDF.type, CG.LegalProvision)}
    assert present == cited | parents


def test_article_numbers_match_the_study(study: str) -> None:
    """Every article number the study's text mentions is in the table above, and back."""
    found: set[int] = set()
    for match in re.finditer(r"\bart(?:iculo|s?\.)\s+(\d+(?:\s*(?:,|y)\s*\d+)*)", study):
        found |= {int(n) for n in re.findall(r"\d+", match.group(1))}
    assert found == {article for _, article, _ in CITED_ARTICLES}


def test_constitution_263_8_grants_the_ci_competence(own: Graph) -> None:
    assert slugs(own, CGR["constitucion-2008-art-263-num-8"], CG.grantsCompetence) == {
        "competencia-cooperacion-internacional"
    }


def test_provisions_that_establish_the_provincial_council(own: Graph) -> None:
    establishing = {slug(s) for s in own.subjects(CG.establishesSpace, CGR["consejo-provincial"])}
    assert establishing == {"constitucion-2008-art-252", "cootad-2010-art-43"}


# ---------------------------------------------------------------- spaces


@pytest.mark.parametrize("name", sorted(SPACES))
def test_space(own: Graph, name: str) -> None:
    node = CGR[name]
    expected = SPACES[name]
    assert set(own.objects(node, RDF.type)) == expected[RDF.type]
    for prop in (
        CG.convenor,
        CG.participant,
        CG.cooperant,
        CG.coversTerritory,
        CG.legalBasis,
        CG.programme,
        CG.partnerCountry,
        CG.negotiatedThrough,
        CG.cooperationType,
        CG.establishedYear,
        CG.reactivatedYear,
        CG.year,
        CG.callOf,
        CG.sponsor,
        CG.winner,
    ):
        assert slugs(own, node, prop) == expected.get(prop, set()), own.namespace_manager.normalizeUri(prop)


@pytest.mark.parametrize(
    "name",
    [
        "mesa-tecnica-cinr-descentralizada",
        "mesa-tecnica-frontera-norte",
        "meta-loja",
        "mtt-8-cooperacion-internacional",
        "premio-habitat-2021",
        "instancia-participacion-morona-santiago",
    ],
)
def test_space_states_its_purpose(own: Graph, name: str) -> None:
    assert {o.language for o in own.objects(CGR[name], CG.purpose)} == {"es", "en"}


def test_mesa_cinr_description_records_the_2016_2020_discrepancy(own: Graph) -> None:
    node = CGR["mesa-tecnica-cinr-descentralizada"]
    spanish = text(own, node, DCTERMS.description, "es")
    assert "2016" in spanish and "2020" in spanish and "discrepancia" in spanish
    assert "discrepancy" in text(own, node, DCTERMS.description, "en")


def test_there_are_22_joint_commissions(own: Graph) -> None:
    commissions = {slug(s) for s in own.subjects(RDF.type, CG.JointCommission)}
    assert commissions == {f"comision-mixta-{code.lower()}" for code in COMMISSION_COUNTRIES}
    assert len(commissions) == 22


@pytest.mark.parametrize("code", sorted(COMMISSION_COUNTRIES))
def test_joint_commission(own: Graph, code: str) -> None:
    assert pycountry.countries.get(alpha_2=code) is not None
    node = CGR[f"comision-mixta-{code.lower()}"]
    assert slugs(own, node, CG.partnerCountry) == {f"pais-{code.lower()}"}
    assert slugs(own, node, CG.convenor) == {"mremh"}
    assert slugs(own, node, CG.negotiatedThrough) == {"instrumento-comision-mixta", "instrumento-grupos-de-trabajo"}
    assert {"tipo-tecnica", "tipo-cientifica"} <= slugs(own, node, CG.cooperationType)
    assert set(own.objects(node, CG.periodicity)) == {
        Literal("cada 2 o 4 años", lang="es"),
        Literal("every 2 or 4 years", lang="en"),
    }
    assert own.value(node, CG.minIntervalYears) == Literal(2)
    assert own.value(node, CG.maxIntervalYears) == Literal(4)
    assert COMMISSION_COUNTRIES[code] in text(own, node, RDFS.label, "es")


def test_peru_commission_names_emac_ep_as_offerer(own: Graph) -> None:
    node = CGR["comision-mixta-pe"]
    assert slugs(own, node, CG.offerer) == {"emac-ep"}
    assert slugs(own, node, CG.participant) == {"gadm-cuenca"}
    assert "ref-alcaldia-cuenca-2022" in slugs(own, node, DCTERMS.source)


def test_no_other_space_has_an_offerer(own: Graph) -> None:
    assert {slug(s) for s in own.subjects(CG.offerer, None)} == {"comision-mixta-pe"}


def test_commission_countries_match_the_study(study: str) -> None:
    match = re.search(r"los principales paises que usan este metodo son: (.*?)\.", study)
    assert match, "the study's list of joint-commission countries was not found"
    listed = [c.strip() for c in re.split(r",| e ", match.group(1))]
    assert listed == [fold(name) for name in COMMISSION_COUNTRIES.values()]


# ---------------------------------------------------------------- institutional


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_scheme_holds_exactly_its_concepts(own: Graph, scheme: str) -> None:
    cls, concepts = SCHEMES[scheme]
    assert (CGR[scheme], RDF.type, SKOS.ConceptScheme) in own
    members = {slug(c) for c in own.subjects(SKOS.inScheme, CGR[scheme])}
    assert members == set(concepts)
    for concept in concepts:
        assert (CGR[concept], RDF.type, cls) in own


def test_processes_are_numbered_1_to_5_from_congope_2013(own: Graph) -> None:
    for number, concept in enumerate(PROCESSES, 1):
        node = CGR[concept]
        assert own.value(node, SKOS.notation) == Literal(str(number))
        assert slugs(own, node, DCTERMS.source) == {"ref-congope-2013"}


def test_strengthening_components_have_definitions(own: Graph) -> None:
    for concept in COMPONENTS:
        assert {o.language for o in own.objects(CGR[concept], SKOS.definition)} == {"es", "en"}, concept
    # The study defines resource allocation as part of capacity strengthening.
    assert (
        own.value(CGR["componente-asignacion-recursos"], SKOS.broader) == CGR["componente-fortalecimiento-capacidades"]
    )


def test_products_scheme_has_two_areas_with_11_and_10_products(own: Graph) -> None:
    scheme = CGR["esquema-productos-unidad"]
    assert {slug(c) for c in own.objects(scheme, SKOS.hasTopConcept)} == set(PRODUCT_AREAS)
    for area, (prefix, code, count) in PRODUCT_AREAS.items():
        assert own.value(CGR[area], SKOS.notation) == Literal(code)
        children = {slug(c) for c in own.subjects(SKOS.broader, CGR[area])}
        assert children == {f"producto-{prefix}-{n:02d}" for n in range(1, count + 1)}
        for n in range(1, count + 1):
            node = CGR[f"producto-{prefix}-{n:02d}"]
            assert (node, RDF.type, CG.UnitProduct) in own
            assert (node, SKOS.inScheme, scheme) in own
            assert own.value(node, SKOS.notation) == Literal(f"{code}-{n}")


def test_product_labels_are_the_studys_words(own: Graph, study: str) -> None:
    missing = []
    for node in own.subjects(SKOS.broader, None):
        if not slug(node).startswith("producto-"):
            continue
        label = re.sub(r" \((Cooperación|Relaciones) Internacional(es)?\)$", "", text(own, node, SKOS.prefLabel, "es"))
        if fold(label) not in study:
            missing.append(label)
    assert not missing, f"product labels not found in the study: {missing}"


def test_ordinance_purposes_cite_canar_2015(own: Graph) -> None:
    for concept in ORDINANCE_PURPOSES:
        assert slugs(own, CGR[concept], DCTERMS.source) == {"ref-gadp-canar-2015"}


@pytest.mark.parametrize("number", sorted(GOALS))
def test_mremh_goal(own: Graph, number: int) -> None:
    baseline, target, unit = GOALS[number]
    node = CGR[f"meta-mremh-2025-{number}"]
    assert (node, RDF.type, CG.Goal) in own
    assert slugs(own, node, CG.setBy) == {"mremh"}
    assert own.value(node, CG.targetYear) == Literal(2025)
    assert own.value(node, CG.targetValue) == Literal(target, datatype=XSD.decimal)
    if baseline is None:
        assert own.value(node, CG.baselineValue) is None
    else:
        assert own.value(node, CG.baselineValue) == Literal(baseline, datatype=XSD.decimal)
    assert slugs(own, node, CG.unit) == {unit}


def test_there_are_four_goals(own: Graph) -> None:
    assert {slug(s) for s in own.subjects(RDF.type, CG.Goal)} == {f"meta-mremh-2025-{n}" for n in GOALS}


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure(own: Graph, name: str) -> None:
    about, value, datatype, unit, qualifier, year, source = FIGURES[name]
    node = CGR[name]
    assert (node, RDF.type, CG.Figure) in own
    assert slugs(own, node, CG.about) == {about}
    literal = own.value(node, CG.value)
    assert literal is not None and literal.datatype == datatype
    assert Decimal(str(literal)) == Decimal(value)
    assert slugs(own, node, CG.unit) == {unit}
    assert slugs(own, node, CG.qualifier) == {f"calificador-{qualifier}"}
    assert slugs(own, node, CG.referenceYear) == ({year} if year else set())
    assert source in slugs(own, node, DCTERMS.source)


def test_every_figure_is_in_the_table(own: Graph) -> None:
    assert {slug(s) for s in own.subjects(RDF.type, CG.Figure)} == set(FIGURES)


def test_units_and_qualifiers_are_concepts_of_their_schemes(own: Graph) -> None:
    for prop, scheme in ((CG.unit, "esquema-unidades"), (CG.qualifier, "esquema-calificadores")):
        for value in set(own.objects(None, prop)):
            assert (value, SKOS.inScheme, CGR[scheme]) in own, slug(value)


# ---------------------------------------------------------------- quotations


def test_quotations_are_verbatim_from_the_study(own: Graph, study: str) -> None:
    """Text between « » in a Spanish literal is the study's own wording."""
    wrong = []
    for _, _, o in own:
        if isinstance(o, Literal) and o.language == "es":
            for quote in re.findall(r"«([^»]+)»", str(o)):
                if fold(quote) not in study:
                    wrong.append(quote)
    assert not wrong, f"quotations not found in the study: {wrong}"


# ---------------------------------------------------------------- relations the study states, held as relations


def test_the_canar_ordinance_has_the_seven_purposes_the_study_lists(own: Graph) -> None:
    """ "el argumento central de las ordenanzas ... (GAD Provincial Cañar, 2015) ... lineamientos con la finalidad de" (7)."""
    assert slugs(own, CGR["ordenanza-ci-canar-2015"], CG.hasPurpose) == set(ORDINANCE_PURPOSES)


def test_the_hierarchy_of_norms_is_a_relation_with_its_legal_basis(graph: Graph) -> None:
    """The ordinance ranks above agreements and resolutions (Constitución Art. 425; COOTAD Art. 47 lit. c)."""
    ordinance, lower = CGR["rango-ordenanza-provincial"], CGR["rango-acuerdos-resoluciones"]
    assert (ordinance, CG.ranksAbove, lower) in graph
    assert CGR["constitucion-2008-art-425"] in set(graph.objects(ordinance, CG.legalBasis))
    assert CGR["cootad-2010-art-47-lit-c"] in set(graph.objects(lower, CG.legalBasis))
    for name in ("ordenanza-ci-canar-2015", "ordenanza-ci-loja-2015", "ordenanza-ci-napo-2015"):
        assert graph.value(CGR[name], CG.normRank) == ordinance


def test_who_leads_the_strengthening_plan_and_where_the_art_programme_belongs(graph: Graph) -> None:
    """ "el Plan de Fortalecimiento Institucional (a cargo del CNC y CONGOPE)"; the ART programme under "Agencias de
    las Naciones Unidas"."""
    assert slugs(graph, CGR["plan-fortalecimiento-institucional"], CG.responsible) == {"cnc", "congope"}
    assert slugs(graph, CGR["programa-art"], CG.programmeOf) == {"onu"}


def test_whom_each_recommendation_is_addressed_to(graph: Graph) -> None:
    addressed = {slug(s): slugs(graph, s, CG.addressedTo) for s in graph.subjects(SKOS.broader, CGR.recomendaciones)}
    assert addressed == {
        "recomendacion-potenciar-espacios-subnacionales": {"nivel-provincial"},
        "recomendacion-ordenanzas-provinciales": {"nivel-provincial"},
        "recomendacion-potenciar-mesa-tecnica-cinr": {"mesa-tecnica-cinr-descentralizada"},
        "recomendacion-proyectos-ci-en-poa": {"nivel-provincial"},
    }


def test_the_un_climate_body_has_one_name_in_both_languages(graph: Graph) -> None:
    """The study names "la Conferencia de las Naciones Unidas por el Cambio Climático (UNFCCC)": both labels name it."""
    labels = {label.language: str(label) for label in graph.objects(CGR.unfccc, RDFS.label)}
    assert labels == {
        "es": "Conferencia de las Naciones Unidas por el Cambio Climático",
        "en": "United Nations Climate Change Conference",
    }
    assert not any(
        "Convenci" in str(a) or "Framework Convention" in str(a) for a in graph.objects(CGR.unfccc, SKOS.altLabel)
    )


def test_every_concept_is_a_typed_skos_concept_with_a_definition_in_both_languages(graph: Graph) -> None:
    concepts = set(graph.subjects(SKOS.inScheme, None))
    assert len(concepts) > 180
    for concept in concepts:
        assert (concept, RDF.type, SKOS.Concept) in graph, concept
        assert sorted(d.language for d in graph.objects(concept, SKOS.definition)) == ["en", "es"], concept
