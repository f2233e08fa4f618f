"""Tests for graph/cooperation.ttl: the cooperation taxonomies (SKOS).

The study's Tabla 1 is the reference for mechanisms and modalities; where
../shared holds the study, the labels and modalities are checked against its
text too (skipped, with the reason, when it is absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "graph"
COOPERATION = DATA_DIR / "cooperation.ttl"
IATI = DATA_DIR / "codelists" / "iati.ttl"
SOURCES = DATA_DIR / "sources.ttl"
STUDY = ROOT.parent / "shared" / "seeds" / "000_0557619e48e63d30.txt"

CG = Namespace("https://w3id.org/coopgraph/def#")
CGR = Namespace("https://w3id.org/coopgraph/id/")
IATI_BASE = "https://w3id.org/coopgraph/iati/"
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)

# scheme -> the class every concept in it has
SCHEMES = {
    CGR["esquema-modalidades"]: CG.Modality,
    CGR["esquema-mecanismos"]: CG.Mechanism,
    CGR["esquema-instrumentos"]: CG.NegotiationInstrument,
    CGR["esquema-modalidades-descentralizada"]: CG.DecentralisedModality,
    CGR["esquema-tipos-cooperacion"]: CG.CooperationType,
    CGR["esquema-niveles-gobierno"]: CG.GovernmentLevel,
    CGR["esquema-competencias"]: CG.Competence,
}

# Tabla 1, non-programmable rows, as the study writes them.
STUDY_NON_PROGRAMMABLE = {
    "Donaciones en especie y compras locales para respuesta a emergencias",
    "Activación de convenios de respuesta a emergencias con ONG y Organismos Internacionales",
    "Proyectos a través de Convocatoria Abierta y/o Permanente",
}

REQUIRED = {
    CG.CooperationType: [
        "tipo-no-reembolsable",
        "tipo-tecnica",
        "tipo-financiera",
        "tipo-sur-sur",
        "tipo-triangular",
        "tipo-bilateral",
        "tipo-multilateral",
        "tipo-descentralizada",
        "tipo-cientifica",
        "tipo-donaciones",
    ],
    CG.GovernmentLevel: [
        "nivel-nacional",
        "nivel-intermedio",
        "nivel-provincial",
        "nivel-regional",
        "nivel-municipal",
        "nivel-parroquial",
    ],
    CG.Competence: [
        "competencia-cooperacion-internacional",
        "competencia-desarrollo-productivo",
        "competencia-medio-ambiente",
        "competencia-riego-y-drenaje",
        "competencia-vialidad",
        "competencia-planificacion",
    ],
    CG.NegotiationInstrument: [
        "instrumento-comision-mixta",
        "instrumento-grupos-de-trabajo",
        "instrumento-negociaciones-intergubernamentales",
        "instrumento-comite-de-formulacion",
    ],
    CG.Modality: ["modalidad-programable", "modalidad-no-programable"],
    CG.Mechanism: ["mecanismo-cooperacion-tecnica"],
}

COMPETENCE_SECTORS = {
    "competencia-desarrollo-productivo": "sector-desarrollo-productivo",
    "competencia-medio-ambiente": "sector-medio-ambiente",
    "competencia-riego-y-drenaje": "sector-riego-y-drenaje",
    "competencia-vialidad": "sector-vialidad",
    "competencia-planificacion": "sector-planificacion",
}


@pytest.fixture(scope="module")
def coop() -> Graph:
    return Graph().parse(COOPERATION, format="turtle")


@pytest.fixture(scope="module")
def iati() -> Graph:
    return Graph().parse(IATI, format="turtle")


@pytest.fixture(scope="module")
def all_data() -> Graph:
    g = Graph()
    for path in sorted(DATA_DIR.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def concepts(g: Graph) -> set[URIRef]:
    found = set(g.subjects(RDF.type, SKOS.Concept))
    assert found, "no skos:Concept found: the check would see nothing"
    return found


def label(g: Graph, node: URIRef, lang: str = "es") -> str:
    (value,) = [lit for lit in g.objects(node, SKOS.prefLabel) if lit.language == lang]
    return str(value)


def mechanisms(g: Graph) -> set[URIRef]:
    return set(g.subjects(RDF.type, CG.Mechanism))


def normalised_study() -> str:
    return " ".join(STUDY.read_text(encoding="utf-8").split())


# --- Tabla 1 ----------------------------------------------------------------------


def test_there_are_22_mechanisms_19_programmable_and_3_not(coop: Graph) -> None:
    mechs = mechanisms(coop)
    assert len(mechs) == 22
    by_modality: dict[URIRef, set[str]] = {}
    for m in mechs:
        for modality in coop.objects(m, CG.modality):
            by_modality.setdefault(modality, set()).add(label(coop, m))
    assert len(by_modality[CGR["modalidad-programable"]]) == 19
    assert by_modality[CGR["modalidad-no-programable"]] == STUDY_NON_PROGRAMMABLE


def test_each_mechanism_has_exactly_one_modality(coop: Graph) -> None:
    modalities = set(coop.subjects(RDF.type, CG.Modality))
    for m in mechanisms(coop):
        values = list(coop.objects(m, CG.modality))
        assert len(values) == 1, m
        assert values[0] in modalities


@pytest.mark.skipif(not STUDY.is_file(), reason=f"the study is not at {STUDY} (../shared absent)")
def test_mechanisms_and_their_modality_follow_the_study_table(coop: Graph) -> None:
    text = normalised_study()
    start = text.index("Tabla 1: Modalidades, mecanismos e instrumentos")
    split = text.index("No Programable", start)
    end = text.index("Fuente: Elaboración propia", split)
    programmable, non_programmable = text[start:split], text[split:end]
    for m in mechanisms(coop):
        name = label(coop, m)
        (modality,) = coop.objects(m, CG.modality)
        part = programmable if modality == CGR["modalidad-programable"] else non_programmable
        assert name in part, f"{name!r} is not in the study's Tabla 1 under its modality"


def test_mechanisms_cite_the_study_and_stci_2011(coop: Graph) -> None:
    for m in mechanisms(coop):
        sources = set(coop.objects(m, DCTERMS.source))
        assert {CGR["ref-estudio"], CGR["ref-stci-2011"]} <= sources, m


def test_programmable_modality_is_negotiated_through_the_four_instruments(coop: Graph) -> None:
    instruments = {CGR[s] for s in REQUIRED[CG.NegotiationInstrument]}
    assert set(coop.objects(CGR["modalidad-programable"], CG.negotiatedThrough)) == instruments
    assert not list(coop.objects(CGR["modalidad-no-programable"], CG.negotiatedThrough))


def test_modalities_carry_the_study_definition(coop: Graph) -> None:
    for modality in (CGR["modalidad-programable"], CGR["modalidad-no-programable"]):
        definitions = {lit.language: str(lit) for lit in coop.objects(modality, SKOS.definition)}
        assert set(definitions) == {"es", "en"}
        assert "acuerdo intergubernamental suscrito" in definitions["es"]
        assert "periodicidad" in definitions["es"]


# --- IATI mappings -----------------------------------------------------------------


def test_every_iati_iri_referenced_exists_in_the_codelists(coop: Graph, iati: Graph) -> None:
    referenced = {o for o in coop.objects() if isinstance(o, URIRef) and str(o).startswith(IATI_BASE)}
    assert referenced, "no IATI reference found: the check would see nothing"
    missing = [str(o) for o in referenced if (o, RDF.type, SKOS.Concept) not in iati]
    assert not missing, missing


def test_referenced_iati_concepts_have_spanish_labels(coop: Graph, iati: Graph) -> None:
    referenced = {o for o in coop.objects() if isinstance(o, URIRef) and str(o).startswith(IATI_BASE)}
    for concept in referenced:
        assert any(lit.language == "es" for lit in iati.objects(concept, SKOS.prefLabel)), concept


def test_mapping_properties_only_point_to_iati(coop: Graph) -> None:
    for prop in MATCHES:
        for _, target in coop.subject_objects(prop):
            assert str(target).startswith(IATI_BASE), (prop, target)


def test_no_concept_maps_one_iati_concept_twice(coop: Graph) -> None:
    for concept in concepts(coop):
        targets = [t for prop in MATCHES for t in coop.objects(concept, prop)]
        assert len(targets) == len(set(targets)), concept


def test_each_non_exact_mapping_is_explained(coop: Graph) -> None:
    for concept in concepts(coop):
        if any((concept, p, None) in coop for p in MATCHES if p != SKOS.exactMatch):
            notes = [
                n for p in (SKOS.editorialNote, SKOS.scopeNote) for n in coop.objects(concept, p) if n.language == "en"
            ]
            explained = " ".join(str(n) for n in notes)
            assert "IATI" in explained, f"{concept} maps to IATI without saying why"


def test_mechanisms_without_a_mapping_say_why(coop: Graph) -> None:
    unmapped = [m for m in mechanisms(coop) if not any((m, p, None) in coop for p in MATCHES)]
    assert unmapped, "expected at least one mechanism no IATI code fits"
    for m in unmapped:
        notes = [str(n) for n in coop.objects(m, SKOS.editorialNote) if n.language == "en"]
        assert any("No IATI" in n for n in notes), m


def test_cooperation_types_of_mechanisms(coop: Graph) -> None:
    types = set(coop.subjects(RDF.type, CG.CooperationType))
    for _, kind in coop.subject_objects(CG.cooperationType):
        assert kind in types
    assert (CGR["mecanismo-cooperacion-tecnica"], CG.cooperationType, CGR["tipo-tecnica"]) in coop
    triangular = set(coop.objects(CGR["mecanismo-cooperacion-triangular-o-sur-sur"], CG.cooperationType))
    assert triangular == {CGR["tipo-sur-sur"], CGR["tipo-triangular"]}


# --- SKOS structure and labels ------------------------------------------------------


def test_required_iris_exist_with_their_class(coop: Graph) -> None:
    for cls, slugs in REQUIRED.items():
        for slug in slugs:
            assert (CGR[slug], RDF.type, cls) in coop, slug
            assert (CGR[slug], RDF.type, SKOS.Concept) in coop, slug


def test_every_concept_is_in_exactly_one_of_our_schemes(coop: Graph) -> None:
    for concept in concepts(coop):
        schemes = list(coop.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1 and schemes[0] in SCHEMES, concept
        assert (concept, RDF.type, SCHEMES[schemes[0]]) in coop, concept
    for scheme in SCHEMES:
        assert (scheme, RDF.type, SKOS.ConceptScheme) in coop


def test_top_concept_or_broader_within_the_scheme(coop: Graph) -> None:
    for concept in concepts(coop):
        (scheme,) = coop.objects(concept, SKOS.inScheme)
        tops = set(coop.objects(concept, SKOS.topConceptOf))
        broader = set(coop.objects(concept, SKOS.broader))
        assert bool(tops) != bool(broader), concept
        assert tops <= {scheme}
        assert ((scheme, SKOS.hasTopConcept, concept) in coop) == bool(tops), concept
        for b in broader:
            assert (b, SKOS.inScheme, scheme) in coop, (concept, b)


def test_intermediate_level_has_provincial_and_regional_below(coop: Graph) -> None:
    below = set(coop.subjects(SKOS.broader, CGR["nivel-intermedio"]))
    assert below == {CGR["nivel-provincial"], CGR["nivel-regional"]}


def test_labels_in_spanish_and_english(coop: Graph) -> None:
    for node in concepts(coop) | set(SCHEMES):
        for prop in (SKOS.prefLabel, RDFS.label):
            langs = sorted(lit.language for lit in coop.objects(node, prop))
            assert langs == ["en", "es"], (node, prop)
        assert set(coop.objects(node, SKOS.prefLabel)) == set(coop.objects(node, RDFS.label))


def test_preferred_alternative_and_hidden_labels_are_disjoint(coop: Graph) -> None:
    for concept in concepts(coop):
        pref = set(coop.objects(concept, SKOS.prefLabel))
        alt = set(coop.objects(concept, SKOS.altLabel))
        hidden = set(coop.objects(concept, SKOS.hiddenLabel))
        assert not (pref & alt or pref & hidden or alt & hidden), concept


def test_preferred_labels_are_unique_within_a_scheme(coop: Graph) -> None:
    for scheme in SCHEMES:
        seen: set[Literal] = set()
        for concept in coop.subjects(SKOS.inScheme, scheme):
            for value in coop.objects(concept, SKOS.prefLabel):
                assert value not in seen, (scheme, value)
                seen.add(value)


def test_every_concept_and_scheme_cites_a_known_reference() -> None:
    g = Graph().parse(COOPERATION, format="turtle").parse(SOURCES, format="turtle")
    references = set(g.subjects(RDF.type, CG.Reference))
    for node in concepts(g) | set(SCHEMES):
        sources = set(g.objects(node, DCTERMS.source))
        assert sources, node
        assert sources <= references, (node, sources - references)


def test_slugs_are_lower_case_ascii_kebab(coop: Graph) -> None:
    for node in set(coop.subjects()):
        if str(node).startswith(str(CGR)):
            slug = str(node)[len(str(CGR)) :]
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


# --- competences and links to other files -------------------------------------------------


def test_international_cooperation_competence(coop: Graph) -> None:
    ci = CGR["competencia-cooperacion-internacional"]
    assert (ci, CG.legalBasis, CGR["constitucion-2008-art-263-num-8"]) in coop
    definition = {lit.language: str(lit) for lit in coop.objects(ci, SKOS.definition)}
    assert "gestionar la cooperación internacional para el cumplimiento de sus competencias" in definition["es"]
    notes = " ".join(str(n) for n in coop.objects(ci, SKOS.scopeNote))
    assert "concurrente" in notes and "concurrent" in notes


def test_competences_are_related_to_their_sectors(coop: Graph) -> None:
    for competence, sector in COMPETENCE_SECTORS.items():
        assert (CGR[competence], SKOS.related, CGR[sector]) in coop, competence


def test_linked_sector_concepts_exist(all_data: Graph) -> None:
    defined = {s for s in all_data.subjects(RDF.type, SKOS.Concept) if str(s).startswith(str(CGR["sector-"]))}
    assert defined, "no cgr:sector-* concepts in graph/data"
    missing = [s for s in COMPETENCE_SECTORS.values() if CGR[s] not in defined]
    assert not missing, missing


def test_legal_basis_provision_exists(all_data: Graph) -> None:
    provision = CGR["constitucion-2008-art-263-num-8"]
    assert (provision, RDF.type, CG.LegalProvision) in all_data
