"""The ontology (ontology/*.ttl) as a vocabulary contract other tools read.

Every property says what it relates (rdfs:domain; object properties also
rdfs:range), every term is labelled in both languages and commented, and no
datatype outside the OWL 2 datatype map is used (years are xsd:integer:
HermiT refuses xsd:gYear; tests/test_reasoner.py runs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
CG = "https://w3id.org/coopgraph/def#"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def ours(graph: Graph, kind: URIRef) -> list[URIRef]:
    found = sorted(s for s in graph.subjects(RDF.type, kind) if str(s).startswith(CG))
    assert found, kind
    return found


def test_every_object_property_has_a_domain_and_a_range(ontology: Graph) -> None:
    properties = ours(ontology, OWL.ObjectProperty)
    assert len(properties) >= 38
    assert [p for p in properties if (p, RDFS.domain, None) not in ontology] == []
    assert [p for p in properties if (p, RDFS.range, None) not in ontology] == []


def test_every_datatype_property_has_a_domain(ontology: Graph) -> None:
    properties = ours(ontology, OWL.DatatypeProperty)
    assert [p for p in properties if (p, RDFS.domain, None) not in ontology] == []


def test_every_term_is_labelled_in_both_languages_and_commented(ontology: Graph) -> None:
    terms = [*ours(ontology, OWL.Class), *ours(ontology, OWL.ObjectProperty), *ours(ontology, OWL.DatatypeProperty)]
    for term in terms:
        assert sorted(label.language for label in ontology.objects(term, RDFS.label)) == ["en", "es"], term
        assert ontology.value(term, RDFS.comment) is not None, term


def test_no_datatype_outside_the_owl_2_map(ontology: Graph) -> None:
    assert not list(ontology.triples((None, None, XSD.gYear)))
    assert not list(ontology.triples((None, None, XSD.date)))


def test_every_shared_vocabulary_term_the_data_uses_is_declared_with_one_kind(ontology: Graph) -> None:
    """OWL 2 DL wants each property of one kind: the shared terms the data uses are declared in index.ttl."""
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    for prop in (
        "http://purl.org/dc/terms/source",
        "http://www.w3.org/2004/02/skos/core#broader",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/ns/org#memberOf",
        "http://xmlns.com/foaf/0.1/homepage",
    ):
        declared = [k for k in kinds if (URIRef(prop), RDF.type, k) in ontology]
        assert len(declared) == 1, (prop, declared)
