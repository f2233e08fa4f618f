"""An OWL 2 DL reasoner (HermiT) on the ontology with the whole graph: consistent, with no two resources merged.

HermiT ships inside the `owlready2` package (a test extra) and runs on the
installed Java (17). The check loads ontology/, graph/ and the IATI codelists,
adds the axioms of the shared vocabularies the data relies on (FOAF's
foaf:homepage and foaf:mbox are inverse functional) and the unique name
assumption (owl:AllDifferent over every cgr: resource), then asks HermiT
whether owl:Thing is satisfiable: an inconsistency, a datatype outside the
OWL 2 datatype map (xsd:gYear on a data property) or two resources a FOAF
reasoner would merge (a shared homepage) all fail it. Two control cases show
that the check sees each of those.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, OWL, RDF, XSD
from tools import java_program

ROOT = Path(__file__).resolve().parents[1]
CGR = "https://w3id.org/coopgraph/id/"
CG = "https://w3id.org/coopgraph/def#"
pytestmark = pytest.mark.slow


def hermit_classpath() -> str:
    owlready2 = pytest.importorskip("owlready2", reason="owlready2 (a test extra) bundles HermiT")
    folder = Path(owlready2.__file__).parent / "hermit"
    assert (folder / "HermiT.jar").is_file(), folder
    return f"{folder}:{folder / 'HermiT.jar'}"


def shipped_graph() -> Graph:
    graph = Graph()
    for folder in ("ontology", "graph", "graph/codelists"):
        files = sorted((ROOT / folder).glob("*.ttl"))
        assert files, folder
        for path in files:
            graph.parse(path, format="turtle")
    graph.remove((None, OWL.imports, None))  # every module is in already; nothing is fetched
    return graph


def with_shared_axioms(graph: Graph) -> Graph:
    """FOAF's inverse functional properties and the unique name assumption over our resources."""
    for prop in (FOAF.homepage, FOAF.mbox):
        graph.add((prop, RDF.type, OWL.InverseFunctionalProperty))
    ours = sorted(
        {s for s, _, c in graph.triples((None, RDF.type, None)) if isinstance(s, URIRef) and str(s).startswith(CGR)}
    )
    assert len(ours) > 400
    members = BNode()
    Collection(graph, members, ours)
    everyone = BNode()
    graph.add((everyone, RDF.type, OWL.AllDifferent))
    graph.add((everyone, OWL.distinctMembers, members))
    return graph


def hermit(graph: Graph, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    java = java_program()
    path = tmp_path / "coopgraph.owl"
    graph.serialize(path, format="xml")
    command = [java, "-Xmx1500M", "-cp", hermit_classpath(), "org.semanticweb.HermiT.cli.CommandLine", "-k"]
    return subprocess.run([*command, path.as_uri()], capture_output=True, text=True, timeout=300, check=False)


def test_the_ontology_with_the_graph_is_consistent_in_owl_2_dl(tmp_path: Path) -> None:
    result = hermit(with_shared_axioms(shipped_graph()), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "owl#Thing is satisfiable" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        # Two organisations given one web site: FOAF says they are one, the unique names say not.
        (
            lambda g: g.add(
                (
                    URIRef(CGR + "direccion-relaciones-exteriores-pais-vasco"),
                    FOAF.homepage,
                    URIRef("http://www.felcode.org/"),
                )
            ),
            "InconsistentOntologyException",
        ),
        # A year typed xsd:gYear on a data property whose range is xsd:integer: outside OWL 2's datatype map.
        (
            lambda g: g.add(
                (URIRef(CGR + "regions4"), URIRef(CG + "foundingYear"), Literal("2002", datatype=XSD.gYear))
            ),
            "UnsupportedDatatypeException",
        ),
    ],
    ids=["shared-homepage", "gyear"],
)
def test_the_check_sees_merges_and_unsupported_datatypes(tmp_path: Path, change, complaint: str) -> None:
    graph = with_shared_axioms(shipped_graph())
    change(graph)
    result = hermit(graph, tmp_path)
    assert result.returncode != 0 and complaint in result.stderr, (result.returncode, result.stderr[-2000:])
