"""The SHACL shapes, tested as data: tests/shapes/<module>/<shape>-{ok,bad}.ttl.

Each case file holds a small graph and, in the `<urn:coopgraph:test:case>`
block, the expected result (format: shapes/README.md). An `-ok` case must
conform with no result at all, and its `t:exercises` nodes must be in the
shape's targets (so it is not vacuous); a `-bad` case must fail with results
of its own shape only, on exactly the `t:expectFocus` nodes, carrying the
Spanish and English `t:expectMessage`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from coopgraph.core.validation import (
    SHAPES_NS,
    load_ontology,
    load_shapes,
    shapes_dir,
    validate_graph,
)

CASES_DIR = Path(__file__).parent / "shapes"
CASE = URIRef("urn:coopgraph:test:case")
T = Namespace("urn:coopgraph:test#")
CG = "https://w3id.org/coopgraph/def#"
CASE_FILES = sorted(CASES_DIR.glob("*/*.ttl"))


def _shape_modules() -> dict[URIRef, str]:
    """Every named shape (a cgsh: IRI typed sh:NodeShape or sh:PropertyShape) → its file's module.

    Not the two node shapes that apply named property shapes to a SPARQL target (`sh:target`): they have no
    rule, message or result of their own, and are tested through the cases of the shapes they apply
    (`test_ok_case_exercises_its_shape` follows `sh:property` from them)."""
    found: dict[URIRef, str] = {}
    for path in sorted(shapes_dir().glob("*.ttl")):
        graph = rdflib.Graph().parse(path, format="turtle")
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in graph.subjects(RDF.type, kind):
                if (shape, SH.target, None) in graph:
                    continue
                if isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS):
                    found[shape] = path.stem
    return found


SHAPE_MODULES = _shape_modules()
SHAPES = load_shapes()


@dataclass
class Case:
    path: Path
    shape: URIRef
    conforms: bool
    expect_focus: set[str]
    exercises: set[str]
    messages: set[Literal]
    data: rdflib.Graph


def load_case(path: Path) -> Case:
    graph = rdflib.Graph().parse(path, format="turtle")
    assert (CASE, RDF.type, T.Case) in graph, f"{path}: no <urn:coopgraph:test:case> a t:Case block"
    header = list(graph.triples((CASE, None, None)))
    data = rdflib.Graph()
    for triple in graph:
        if triple[0] != CASE:
            data.add(triple)
    conforms = graph.value(CASE, T.conforms)
    assert isinstance(conforms, Literal), f"{path}: t:conforms missing"
    return Case(
        path=path,
        shape=graph.value(CASE, T.shape),
        conforms=bool(conforms.toPython()),
        expect_focus={str(o) for _, p, o in header if p == T.expectFocus},
        exercises={str(o) for _, p, o in header if p == T.exercises},
        messages={o for _, p, o in header if p == T.expectMessage},
        data=data,
    )


def _prefix_text(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    lines = []
    for prefixes in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(prefixes, SH.declare):
            lines.append(f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>")
    return "\n".join(lines) + "\n"


def shape_targets(shape: URIRef, data: rdflib.Graph) -> set[str]:
    """The focus nodes of `shape` in `data` + ontology, computed here from the target declarations.

    Counts the targets of the shape and of any node shape that applies it with sh:property.
    """
    graph = data + load_ontology()
    nodes: set[rdflib.term.Node] = set()
    for holder in [shape, *SHAPES.subjects(SH.property, shape)]:
        for cls in SHAPES.objects(holder, SH.targetClass):
            for sub in graph.transitive_subjects(RDFS.subClassOf, cls):
                nodes.update(graph.subjects(RDF.type, sub))
        for predicate in SHAPES.objects(holder, SH.targetSubjectsOf):
            nodes.update(s for s, _ in graph.subject_objects(predicate))
        for predicate in SHAPES.objects(holder, SH.targetObjectsOf):
            nodes.update(o for _, o in graph.subject_objects(predicate))
        nodes.update(SHAPES.objects(holder, SH.targetNode))
        for target in SHAPES.objects(holder, SH.target):
            select = SHAPES.value(target, SH.select)
            nodes.update(row[0] for row in graph.query(_prefix_text(SHAPES, target) + str(select)))
    return {str(node) for node in nodes}


# ---------------------------------------------------------------- the cases are there


def test_shapes_found() -> None:
    assert len(SHAPE_MODULES) >= 40, f"only {len(SHAPE_MODULES)} shapes found in {shapes_dir()}"
    modules = set(SHAPE_MODULES.values())
    assert modules == {
        "common",
        "actors",
        "territories",
        "cooperation",
        "legal",
        "spaces",
        "institutional",
        "figures",
        "sources",
        "register",
    }


def test_case_files_found_for_every_shape() -> None:
    per_shape: dict[URIRef, int] = dict.fromkeys(SHAPE_MODULES, 0)
    for path in CASE_FILES:
        per_shape[load_case(path).shape] = per_shape.get(load_case(path).shape, 0) + 1
    assert len(CASE_FILES) >= 2 * len(SHAPE_MODULES)
    thin = {str(shape): n for shape, n in per_shape.items() if n < 2}
    assert not thin, f"shapes with fewer than 2 case files: {thin}"


@pytest.mark.parametrize("shape", sorted(SHAPE_MODULES), ids=lambda s: str(s)[len(SHAPES_NS) :])
def test_every_shape_has_an_ok_and_a_bad_case(shape: URIRef) -> None:
    module, local = SHAPE_MODULES[shape], str(shape)[len(SHAPES_NS) :]
    for kind in ("ok", "bad"):
        path = CASES_DIR / module / f"{local}-{kind}.ttl"
        assert path.is_file(), f"missing {path.relative_to(CASES_DIR.parent)}"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case_file_is_well_formed(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("#"), "case files start with a comment header"
    case = load_case(path)
    assert case.shape in SHAPE_MODULES, f"unknown shape {case.shape}"
    local = str(case.shape)[len(SHAPES_NS) :]
    assert path.parent.name == SHAPE_MODULES[case.shape]
    assert path.stem in (f"{local}-ok", f"{local}-bad")
    if path.stem.endswith("-ok"):
        assert case.conforms and case.exercises and not case.expect_focus and not case.messages
    else:
        assert case.expect_focus and {m.language for m in case.messages} == {"es", "en"}


# ---------------------------------------------------------------- the cases pass


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(path: Path) -> None:
    case = load_case(path)
    report = validate_graph(case.data)
    if path.stem.endswith("-ok"):
        assert report.violations == [], report.text("en")
        assert report.conforms
        return
    assert report.conforms == case.conforms, report.text("en")
    shapes = {v.shape for v in report.violations}
    assert shapes == {str(case.shape)}, f"expected results of {case.shape} only:\n{report.text('en')}"
    assert {v.focus for v in report.violations} == case.expect_focus
    expected = {(m.language, str(m)) for m in case.messages}
    found = {("es", v.message_es) for v in report.violations} | {("en", v.message_en) for v in report.violations}
    assert expected <= found, f"messages {expected - found} not in the report"


@pytest.mark.parametrize(
    "path", [p for p in CASE_FILES if p.stem.endswith("-ok")], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_ok_case_exercises_its_shape(path: Path) -> None:
    case = load_case(path)
    targets = shape_targets(case.shape, case.data)
    assert case.exercises <= targets, f"{case.exercises - targets} are not targets of {case.shape}"


# ---------------------------------------------------------------- the shapes themselves


@pytest.mark.parametrize("shape", sorted(SHAPE_MODULES), ids=lambda s: str(s)[len(SHAPES_NS) :])
def test_shape_is_documented_in_both_languages(shape: URIRef) -> None:
    for predicate in (RDFS.label, SH.name, SH.message):
        values = [v for v in SHAPES.objects(shape, predicate) if isinstance(v, Literal)]
        langs = sorted(v.language or "" for v in values)
        assert langs == ["en", "es"], f"{predicate}: expected one @es and one @en, got {langs}"
    severity = SHAPES.value(shape, SH.severity)
    assert severity in (SH.Violation, SH.Warning), "severity must be explicit"
    if severity == SH.Warning:
        reason = SHAPES.value(shape, RDFS.comment)
        assert reason is not None and "Warning" in str(reason), "a warning shape says why in rdfs:comment"


def test_sparql_constraints_carry_both_messages() -> None:
    for constraint in SHAPES.objects(None, SH.sparql):
        langs = sorted(m.language for m in SHAPES.objects(constraint, SH.message))
        assert langs == ["en", "es"]


@pytest.mark.slow
def test_shapes_graph_is_valid_shacl() -> None:
    pyshacl.validate(rdflib.Graph(), shacl_graph=SHAPES, meta_shacl=True, advanced=True)


def test_shape_files_start_with_a_comment() -> None:
    for path in shapes_dir().glob("*.ttl"):
        assert path.read_text(encoding="utf-8").startswith("#"), path


def test_shapes_use_only_terms_the_ontology_declares() -> None:
    ontology = load_ontology()
    declared = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
        for s in ontology.subjects(RDF.type, kind)
    }
    used = {o for o in SHAPES.objects() if isinstance(o, URIRef) and str(o).startswith(CG)}
    for text in SHAPES.objects(None, SH.select):
        used |= {URIRef(CG + name) for name in re.findall(r"\bcg:(\w+)", str(text))}
    assert used, "no cg: term found in the shapes"
    assert sorted(str(t) for t in used - declared) == []


def test_readme_documents_every_shape_and_case_term() -> None:
    readme = (shapes_dir() / "README.md").read_text(encoding="utf-8")
    missing = [str(shape) for shape in SHAPE_MODULES if f"`cgsh:{str(shape)[len(SHAPES_NS) :]}`" not in readme]
    assert missing == []
    for term in ("t:shape", "t:conforms", "t:exercises", "t:expectFocus", "t:expectMessage"):
        assert term in readme
