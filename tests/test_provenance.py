"""Provenance per fact (graph/provenance.ttl): where a resource cites several references, which one says each fact.

A resource's dcterms:source names every reference behind it. Where there are
two or more, each fact of the resource (a relation or value other than its
names, descriptions and definitions) carries one OWL 2 axiom annotation,
`[] a owl:Axiom ; owl:annotatedSource s ; owl:annotatedProperty p ;
owl:annotatedTarget o ; dcterms:source ref`, naming one of the resource's own
references. These tests fail when a fact is added without saying which source
states it, when an annotation points at a fact the graph does not state, or
when it cites a reference the resource does not.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

DATA = Path(__file__).resolve().parents[1] / "graph"
CG = Namespace("https://w3id.org/coopgraph/def#")
CGR = Namespace("https://w3id.org/coopgraph/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
NOT_FACTS = {
    RDF.type,
    RDFS.label,
    RDFS.seeAlso,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.hiddenLabel,
    SKOS.definition,
    SKOS.scopeNote,
    SKOS.editorialNote,
    SKOS.notation,
    SKOS.inScheme,
    SKOS.topConceptOf,
    DCTERMS.description,
    DCTERMS.source,
}
"""Names, notes and classification: they rest on all the resource's references together."""


@pytest.fixture(scope="module")
def graph() -> Graph:
    merged = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        merged.parse(path, format="turtle")
    return merged


@pytest.fixture(scope="module")
def axioms(graph: Graph) -> list[tuple[URIRef, URIRef, object, set[URIRef]]]:
    found = []
    for node in graph.subjects(RDF.type, OWL.Axiom):
        source = graph.value(node, OWL.annotatedSource)
        prop = graph.value(node, OWL.annotatedProperty)
        target = graph.value(node, OWL.annotatedTarget)
        assert source is not None and prop is not None and target is not None, node
        found.append((source, prop, target, set(graph.objects(node, DCTERMS.source))))
    assert len(found) > 400
    return found


def test_every_fact_of_a_resource_with_several_sources_says_which(graph: Graph, axioms: list) -> None:
    annotated = Counter((s, p, o) for s, p, o, _ in axioms)
    missing, several = [], []
    for resource in set(graph.subjects(DCTERMS.source, None)):
        if not isinstance(resource, URIRef) or len(set(graph.objects(resource, DCTERMS.source))) < 2:
            continue
        for prop, value in graph.predicate_objects(resource):
            if prop in NOT_FACTS:
                continue
            count = annotated[(resource, prop, value)]
            if count == 0:
                missing.append((resource, prop, value))
            elif count > 1:
                several.append((resource, prop, value))
    assert not missing, missing[:10]
    assert not several, several[:10]


def test_each_annotation_is_of_a_stated_fact_and_cites_one_of_its_resources_references(
    graph: Graph, axioms: list
) -> None:
    for subject, prop, target, sources in axioms:
        assert (subject, prop, target) in graph, (subject, prop, target)
        assert len(sources) == 1, (subject, prop, target)
        assert sources <= set(graph.objects(subject, DCTERMS.source)), (subject, prop, target, sources)
        (source,) = sources
        assert (source, RDF.type, CG.Reference) in graph, source


def source_of(axioms: list, subject: URIRef, prop: URIRef, target: object) -> URIRef:
    (found,) = [next(iter(sources)) for s, p, o, sources in axioms if (s, p, o) == (subject, prop, target)]
    return found


@pytest.mark.parametrize(
    ("subject", "prop", "target", "reference"),
    [
        # "De hecho, CONGOPE es miembro de los 4 espacios mencionados": the study's own statement.
        (CGR.congope, ORG.memberOf, CGR.regions4, "ref-estudio"),
        # Footnote 2 of the 2020 technical table: CONGOPE, AME and CONAGOPARE group the levels of government.
        (CGR.congope, CG.governmentLevel, CGR["nivel-provincial"], "ref-cnc-2020"),
        # Regions4 "se generó en 2002 en el Encuentro Mundial de Johannesburgo ... (Regions4, 2022)".
        (CGR.regions4, CG.foundingYear, None, "ref-regions4-2022"),
        # Tabla 2's rows are the Secretaría Técnica's (2014); the country's code is ISO's.
        (CGR["pais-es"], CG.sector, CGR["sector-salud"], "ref-stci-2014"),
        # A mechanism's modality is Tabla 1's (Secretaría Técnica, 2011); its IATI mapping the codelists'.
        (CGR["mecanismo-becas"], CG.modality, CGR["modalidad-programable"], "ref-stci-2011"),
        # The Northern Border table's cooperants are Figure 1's (MREMH, 2020).
        (CGR["mesa-tecnica-frontera-norte"], CG.cooperant, CGR.giz, "ref-mremh-2020"),
        # The technical table of non-reimbursable cooperation formed "en 2020" (Consejo Nacional de Competencias, 2020).
        (CGR["mesa-tecnica-cinr-descentralizada"], CG.establishedYear, None, "ref-cnc-2020"),
    ],
)
def test_which_source_says_it(graph: Graph, axioms: list, subject, prop, target, reference: str) -> None:
    if target is None:
        target = graph.value(subject, prop)
    assert source_of(axioms, subject, prop, target) == CGR[reference]
