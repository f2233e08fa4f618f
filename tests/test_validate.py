"""coopgraph.core.validation: the Report (text in es/en, JSON, exit code), the three entry points, the command line."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyshacl
import pytest
import rdflib
from click.testing import CliRunner
from pyshacl import ShapesGraph
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SH

from coopgraph.cli.main import cli
from coopgraph.core.loading import DATA_GRAPH
from coopgraph.core.store import OxigraphStore
from coopgraph.core.validation import (
    Report,
    Violation,
    validate_files,
    validate_graph,
    validate_store,
    validate_submission,
)
from coopgraph.core.validation.run import warm_validation
from coopgraph.core.validation.shacl import (
    PreparedQueryGraph,
    Targets,
    _prepared,
    _validate,
    prepared_shapes,
    run_shacl,
    shapes_for,
    shapes_with_targets,
    shipped_targets,
    target_queries,
    targeted_shapes,
)
from coopgraph.core.validation.shapes import cached_ontology, copy_graph, load_shapes, load_shipped_data

CASES = Path(__file__).parent / "shapes"
CASE = URIRef("urn:coopgraph:test:case")
CGR = "https://w3id.org/coopgraph/id/"
CGSH = "https://w3id.org/coopgraph/shapes#"
CG = "https://w3id.org/coopgraph/def#"
WRITES = Path(__file__).parent / "fixtures" / "writes"

PREFIXES = """
@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
REFERENCE = """
cgr:ref-estudio a cg:Reference ;
    rdfs:label "El estudio (elaboración propia)"@es, "The study (authors' own elaboration)"@en ;
    dcterms:creator "Estudio fuente de coopgraph" .
"""
# Two violations (no English label; an untagged altLabel) and one warning (a city with no country).
FAILING = (
    PREFIXES
    + REFERENCE
    + """
cgr:cglu a cg:Network ;
    rdfs:label "Ciudades y Gobiernos Locales Unidos"@es ;
    dcterms:source cgr:ref-estudio .

cgr:flacma a cg:Network ;
    rdfs:label "Federación Latinoamericana de Ciudades, Municipios y Asociaciones"@es,
        "Latin American Federation of Cities, Municipalities and Associations"@en ;
    skos:altLabel "FLACMA" ;
    org:memberOf cgr:cglu ;
    dcterms:source cgr:ref-estudio .

cgr:ciudad-quito a cg:City ;
    rdfs:label "Quito"@es, "Quito"@en .
"""
)
CONFORMING = (
    PREFIXES
    + REFERENCE
    + """
cgr:cglu a cg:Network ;
    rdfs:label "Ciudades y Gobiernos Locales Unidos"@es, "United Cities and Local Governments"@en ;
    dcterms:source cgr:ref-estudio .
"""
)


def graph_of(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=turtle, format="turtle")


def case_data(path: Path) -> rdflib.Graph:
    """A case file's data, without its expected-result block."""
    graph = rdflib.Graph().parse(path, format="turtle")
    graph.remove((CASE, None, None))
    return graph


@pytest.fixture(scope="module")
def failing() -> Report:
    return validate_graph(graph_of(FAILING))


# ---------------------------------------------------------------- the report


def test_report_counts_severities(failing: Report) -> None:
    assert not failing.conforms
    assert failing.counts() == {"Violation": 2, "Warning": 1, "Info": 0}
    assert list(failing.by_shape()) == [CGSH + "label-en", CGSH + "text-languages", CGSH + "city-in-country"]
    assert all(isinstance(v, Violation) for v in failing.violations)


def test_violation_fields(failing: Report) -> None:
    (alt,) = [v for v in failing.violations if v.shape == CGSH + "text-languages"]
    assert alt.focus == CGR + "flacma"
    assert alt.value == '"FLACMA"'
    assert alt.path.startswith("(<http://www.w3.org/2004/02/skos/core#altLabel> | ")
    assert alt.severity == "Violation"
    assert alt.component == "LanguageInConstraintComponent"
    assert "literales con etiqueta @es o @en" in alt.message_es
    assert "literals tagged @es or @en" in alt.message_en


def test_text_in_spanish_puts_counts_first(failing: Report) -> None:
    text = failing.text("es")
    lines = text.splitlines()
    assert lines[0] == "Validación SHACL: no conforme — 2 violaciones, 1 aviso, en 3 formas."
    assert "cgsh:label-en" in lines[1] and "Etiqueta en inglés" in lines[1] and lines[1].split()[0] == "1"
    assert "[Violación] cgsh:label-en — Etiqueta en inglés (1)" in lines
    assert "[Aviso] cgsh:city-in-country — País de la ciudad (1)" in lines
    assert "  - cgr:cglu «Ciudades y Gobiernos Locales Unidos» (ruta rdfs:label)" in lines
    assert (
        "  - cgr:flacma «Federación Latinoamericana de Ciudades, Municipios y Asociaciones» "
        "(ruta (skos:altLabel | dcterms:description | cg:mission | cg:establishes | cg:periodicity | "
        'cg:purpose | cg:eligible); valor "FLACMA")' in lines
    )
    assert "  Falta la etiqueta en inglés: todo recurso descrito tiene rdfs:label con @en." in lines
    assert lines.index("[Violación] cgsh:label-en — Etiqueta en inglés (1)") > 3


def test_text_in_english(failing: Report) -> None:
    text = failing.text("en")
    assert text.startswith("SHACL validation: does not conform — 2 violations, 1 warning, in 3 shapes.\n")
    assert "[Warning] cgsh:city-in-country — Country of a city (1)" in text
    assert "Missing English label: every described resource has an rdfs:label tagged @en." in text
    assert "  - cgr:flacma «Latin American Federation of Cities, Municipalities and Associations» (path (" in text
    # No English label: the Spanish one is shown rather than none.
    assert "  - cgr:cglu «Ciudades y Gobiernos Locales Unidos» (path rdfs:label)" in text
    assert "Falta" not in text


def test_text_default_language_is_the_reports() -> None:
    report = validate_graph(graph_of(FAILING), lang="en")
    assert report.text() == report.text("en")
    assert report.text("fr") == report.text("en")


def test_text_of_a_conforming_graph() -> None:
    report = validate_graph(graph_of(CONFORMING))
    assert report.conforms and report.violations == []
    assert report.text("es") == "Validación SHACL: conforme — 0 violaciones.\n"
    assert report.text("en") == "SHACL validation: conforms — 0 violations.\n"


def test_to_json(failing: Report) -> None:
    data = json.loads(failing.to_json())
    assert data["conforms"] is False
    assert data["counts"] == {"Violation": 2, "Warning": 1, "Info": 0}
    assert data["shapes"] == {CGSH + "label-en": 1, CGSH + "text-languages": 1, CGSH + "city-in-country": 1}
    first = data["violations"][0]
    assert set(first) == {
        "focus",
        "path",
        "value",
        "severity",
        "shape",
        "message_es",
        "message_en",
        "component",
        "focus_label",
    }
    quito = next(v for v in data["violations"] if v["focus"] == CGR + "ciudad-quito")
    assert quito["severity"] == "Warning" and quito["focus_label"] == {"es": "Quito", "en": "Quito"}


# ---------------------------------------------------------------- exit-worthy results


def test_failing_graph_exits_non_zero(failing: Report) -> None:
    assert failing.exit_code == 1


def test_warnings_alone_conform_unless_strict() -> None:
    data = case_data(CASES / "territories" / "city-in-country-bad.ttl")
    lenient = validate_graph(data)
    assert lenient.conforms and lenient.exit_code == 0
    assert [v.severity for v in lenient.violations] == ["Warning"]
    strict = validate_graph(data, allow_warnings=False)
    assert not strict.conforms and strict.exit_code == 1


# Resources the shipped data does not hold: files are checked as a submission to it.
NEW_FAILING = (
    PREFIXES
    + """
cgr:red-de-prueba a cg:Network ;
    rdfs:label "Red de prueba"@es ;
    org:memberOf cgr:cglu ;
    dcterms:source cgr:ref-estudio .
"""
)
NEW_CONFORMING = NEW_FAILING.replace('"Red de prueba"@es ;', '"Red de prueba"@es, "Test network"@en ;')


@pytest.mark.slow
def test_cli_exit_codes_and_output(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.ttl", tmp_path / "good.ttl"
    bad.write_text(NEW_FAILING, encoding="utf-8")
    good.write_text(NEW_CONFORMING, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.startswith("Validación SHACL: no conforme — 1 violación, en 1 forma.\n")
    assert "  - cgr:red-de-prueba «Red de prueba» (ruta rdfs:label)" in result.stdout
    result = runner.invoke(cli, ["validate", "--lang", "en", str(good)])
    assert (result.exit_code, result.stdout) == (0, "SHACL validation: conforms — 0 violations.\n")
    result = runner.invoke(cli, ["validate", "--json", str(bad)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["counts"]["Violation"] == 1


def test_validate_files_takes_folders_and_a_context(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(NEW_CONFORMING, encoding="utf-8")
    assert validate_files([tmp_path]).conforms  # cgr:cglu and cgr:ref-estudio come from the shipped data
    alone = validate_files([tmp_path], context=rdflib.Graph())
    assert {v.shape for v in alone.violations} == {CGSH + "member-of-organization", CGSH + "source-reference"}
    (tmp_path / "b.ttl").write_text(NEW_FAILING.replace("red-de-prueba", "otra-red"), encoding="utf-8")
    assert [v.focus for v in validate_files([tmp_path]).violations] == [CGR + "otra-red"]


def test_cli_refuses_xml_with_entities(tmp_path: Path) -> None:
    hostile = tmp_path / "entity.rdf"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "a">]><r/>', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(hostile)])
    assert result.exit_code == 2
    assert "DOCTYPE or ENTITY" in result.stderr


# ---------------------------------------------------------------- entry points


def test_validate_graph_leaves_its_input_alone() -> None:
    data = graph_of(FAILING)
    before = set(data)
    validate_graph(data)
    assert set(data) == before


def test_subclass_checks_need_the_ontology() -> None:
    data = graph_of(
        CONFORMING
        + """
cgr:flacma a cg:Network ;
    rdfs:label "FLACMA"@es, "FLACMA"@en ;
    org:memberOf cgr:cglu ;
    dcterms:source cgr:ref-estudio .
"""
    )
    assert validate_graph(data).conforms
    without = validate_graph(data, ontology=rdflib.Graph())
    assert {v.shape for v in without.violations} == {CGSH + "member-of-organization"}


def test_validate_store_merges_the_ontology(memory_store: OxigraphStore, tmp_path: Path) -> None:
    path = tmp_path / "failing.ttl"
    path.write_text(FAILING, encoding="utf-8")
    memory_store.load([path], graph=DATA_GRAPH)
    report = validate_store(memory_store, lang="en")
    assert report.lang == "en"
    assert report.violations == validate_graph(graph_of(FAILING)).violations


def test_validate_store_accepts_anything_with_to_rdflib() -> None:
    class Plain:
        def to_rdflib(self) -> rdflib.Graph:
            return graph_of(CONFORMING)

    assert validate_store(Plain()).conforms


BAD_CASES = sorted(CASES.glob("*/*-bad.ttl"))


@pytest.mark.slow
@pytest.mark.parametrize("path", BAD_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_submission_agrees_with_whole_graph_validation(path: Path) -> None:
    """Validating one resource in its small context finds what the whole graph finds about it."""
    data = case_data(path)
    whole = validate_graph(data).violations
    subjects = sorted({s for s in data.subjects() if isinstance(s, URIRef)})
    assert subjects
    for subject in subjects:
        submitted = rdflib.Graph()
        submitted += data.triples((subject, None, None))
        report = validate_submission(submitted, context=data)
        assert report.violations == [v for v in whole if v.focus == str(subject)], subject


def test_submission_ignores_the_rest_of_the_context() -> None:
    context = graph_of(FAILING)
    new = graph_of(
        PREFIXES
        + """
cgr:mercociudades a cg:Network ;
    rdfs:label "Mercociudades"@es, "Mercociudades"@en ;
    org:memberOf cgr:cglu ;
    dcterms:source cgr:ref-estudio .
"""
    )
    report = validate_submission(new, context=context)
    assert report.conforms and report.violations == []
    assert not validate_graph(context + new).conforms


def test_submission_checks_what_it_references() -> None:
    new = graph_of(
        PREFIXES
        + """
cgr:mercociudades a cg:Network ;
    rdfs:label "Mercociudades"@es, "Mercociudades"@en ;
    org:memberOf cgr:ciudad-quito ;
    dcterms:source cgr:ref-unknown .
"""
    )
    report = validate_submission(new, context=graph_of(FAILING))
    assert {v.shape for v in report.violations} == {CGSH + "member-of-organization", CGSH + "source-reference"}


def test_submission_adds_to_or_replaces_a_description() -> None:
    context = graph_of(FAILING)
    fix = graph_of(PREFIXES + 'cgr:cglu rdfs:label "United Cities and Local Governments"@en .')
    assert validate_submission(fix, context=context).conforms
    assert not validate_submission(fix, context=context, replaces=True).conforms


def test_empty_submission_conforms() -> None:
    assert validate_submission(rdflib.Graph(), context=graph_of(FAILING)).conforms


@pytest.mark.slow
def test_shipped_data_conforms(shipped_store: OxigraphStore) -> None:
    """The curated data meets the contract; a failure lists every finding."""
    report = validate_store(shipped_store, lang="en")
    assert report.conforms, report.text("en")
    assert report.counts()["Violation"] == 0


# ---------------------------------------------------------------- shapes set up once, reused by every run


FRESH_SHAPES = load_shapes()


def with_ontology(data: rdflib.Graph) -> rdflib.Graph:
    """`data` and the ontology's class hierarchy (what `validate_submission` merges of it, and cheaper to
    validate than the whole ontology)."""
    merged = copy_graph(data, cls=PreparedQueryGraph)
    merged += cached_ontology().triples((None, RDFS.subClassOf, None))
    return merged


def reused_run(data: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    """A validation with the process's prepared shapes, as `run_shacl` runs it."""
    return _validate(with_ontology(data), prepared_shapes(), allow_warnings=True, use_shapes=targeted_shapes())


def fresh_run(data: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    """The same validation by `pyshacl.validate`, which sets the shapes up anew (as this package did before)."""
    conforms, results, _ = pyshacl.validate(
        with_ontology(data),
        shacl_graph=FRESH_SHAPES,
        inference="none",
        advanced=True,
        js=False,
        allow_infos=True,
        allow_warnings=True,
        do_owl_imports=False,
        inplace=True,
    )
    assert isinstance(results, rdflib.Graph)
    return bool(conforms), results


def assert_same_run(data: rdflib.Graph, label: str) -> bool:
    """Whether `data` conforms, after checking that both runs say so and give the same results graph."""
    conforms, results = reused_run(data)
    fresh_conforms, fresh_results = fresh_run(data)
    assert conforms == fresh_conforms, label
    assert isomorphic(results, fresh_results), f"{label}: the reports differ"
    return conforms


def test_reused_shapes_leak_nothing_from_one_run_into_the_next() -> None:
    """A bad graph, a good one, the bad one again: each report is the one a fresh pyshacl run gives."""
    bad, good = graph_of(FAILING), graph_of(CONFORMING)
    first = reused_run(bad)
    assert not first[0]
    assert_same_run(bad, "bad")
    assert_same_run(good, "good")
    assert reused_run(good)[0]
    assert_same_run(bad, "bad again")
    assert isomorphic(first[1], reused_run(bad)[1])
    report = validate_graph(bad)
    assert validate_graph(good).conforms
    assert validate_graph(bad) == report


def test_the_gate_starts_from_every_shape_with_a_target() -> None:
    """`use_shapes` is given every shipped shape that declares a target (all named, none left out), and only
    those: the ~130 shapes reached through others are not searched for focus nodes of their own."""
    targeted = targeted_shapes()
    assert targeted is not None, "a shipped shape with a target is a blank node: use_shapes would leave it out"
    shapes = prepared_shapes()
    declared = {
        str(subject)
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
        for subject in shapes.graph.subjects(predicate, None)
    }
    assert set(targeted) == declared
    assert CGSH + "described-resource-rules" in targeted and CGSH + "our-concept-rules" in targeted
    assert 100 < len(targeted) < len(shapes.shapes) - 100


def test_warm_validation_reads_the_shapes_targets_before_a_fork() -> None:
    """The table `shapes_for` reads is built by `warm_validation` (the data holder, before it forks), so no
    worker's first write builds it."""
    shipped_targets.cache_clear()
    warm_validation()
    assert shipped_targets.cache_info().currsize == 1
    assert {target.shape for target in shipped_targets()} == set(targeted_shapes() or [])


def test_a_submission_starts_only_the_shapes_that_can_target_it() -> None:
    """`shapes_for` keeps a shape for each way a target selects a node of the focus (a node, a class or a
    superclass of its type, a property it is the subject or object of, a SPARQL target) and no other."""
    ex = "http://example.org/"
    graph = graph_of(
        f"""@prefix ex: <{ex}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:a a ex:Small ; ex:out ex:b . ex:c ex:in ex:a . ex:Small rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf ex:Big .
        ex:b a ex:Other ; ex:far ex:c ."""
    )

    def targets(name: str, **declared: set[str] | bool) -> Targets:
        sets = {key: frozenset(URIRef(ex + v) for v in value) for key, value in declared.items() if key != "advanced"}
        empty: frozenset[URIRef] = frozenset()
        return Targets(
            ex + name,
            sets.get("nodes", empty),
            sets.get("classes", empty),
            sets.get("subjects_of", empty),
            sets.get("objects_of", empty),
            bool(declared.get("advanced", False)),
        )

    candidates = [
        targets("node", nodes={"a"}),
        targets("other-node", nodes={"b"}),
        targets("class", classes={"Small"}),
        targets("superclass", classes={"Big"}),
        targets("other-class", classes={"Other"}),
        targets("subject-of", subjects_of={"out"}),
        targets("other-subject-of", subjects_of={"far"}),
        targets("object-of", objects_of={"in"}),
        targets("other-object-of", objects_of={"out"}),
        targets("sparql", advanced=True),
    ]
    kept = shapes_for(graph, {URIRef(ex + "a")}, candidates)
    assert kept == [ex + name for name in ("node", "class", "superclass", "subject-of", "object-of", "sparql")]


def test_an_agreement_s_gate_leaves_out_the_shapes_of_what_it_refers_to() -> None:
    """Of the shipped shapes, the gate of an agreement starts its own and the SPARQL-targeted ones, not those
    that only select the province or the IATI codes it refers to (their results were dropped)."""
    agreement = rdflib.Graph().parse(WRITES / "agreement-loja.ttl", format="turtle")
    subject = URIRef("https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007")
    small = copy_graph(agreement)
    small += cached_ontology().triples((None, RDFS.subClassOf, None))
    small.add((URIRef("https://w3id.org/coopgraph/id/provincia-ec-l"), RDF.type, URIRef(CG + "Province")))
    kept = set(shapes_for(small, {subject}, shipped_targets()))
    assert {CGSH + "agreement-parties", CGSH + "described-resource-rules", CGSH + "our-concept-rules"} <= kept
    assert CGSH + "province-notation" not in kept
    assert len(kept) < len(targeted_shapes() or []) / 2


def test_sparql_targets_select_among_the_focus_alone() -> None:
    """With a `focus`, each SPARQL target of the shipped shapes selects what it selects in the whole graph,
    less the nodes outside the focus (it is run with `?this` bound to each node of the focus in turn)."""
    graph = copy_graph(load_shipped_data(), cls=PreparedQueryGraph)
    graph += cached_ontology()
    queries = sorted(target_queries())
    assert len(queries) == 2, "the label rules' and the concept rules' targets"
    for text in queries:
        whole = {row["this"] for row in graph.query(text)}  # type: ignore[index]
        assert len(whole) > 50, text
        chosen = sorted(whole)[::17][:6]
        unselected = [URIRef("https://w3id.org/coopgraph/id/no-such-resource"), URIRef(CG + "Province")]
        assert not whole & set(unselected)
        graph.focus = frozenset([*chosen, *unselected])
        try:
            selected = [row["this"] for row in graph.query(text)]  # type: ignore[index]
        finally:
            graph.focus = None
        assert sorted(selected) == sorted(chosen), text
        assert {row["this"] for row in graph.query(text)} == whole  # type: ignore[index]


def test_a_submission_s_run_leaves_no_focus_on_its_graph() -> None:
    """`run_shacl` sets the focus for its run only (here one that finds violations): afterwards the graph answers
    every query in full."""
    graph = copy_graph(graph_of(FAILING), cls=PreparedQueryGraph)
    report = run_shacl(graph, lang="en", allow_warnings=True, focus=[URIRef(CGR + "cglu")])
    assert not report.conforms
    assert graph.focus is None


def test_shapes_with_a_blank_node_target_are_all_used() -> None:
    """A blank-node shape with a target cannot be named in `use_shapes`: then pyshacl starts from every shape,
    and the blank-node shape's violation is found."""
    shapes = rdflib.Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        [] a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
        ex:Named a sh:NodeShape ; sh:targetClass ex:Other ; sh:property [ sh:path ex:code ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert shapes_with_targets(ShapesGraph(shapes)) is None
    data = graph_of("@prefix ex: <http://example.org/> . ex:a a ex:Thing . ex:b a ex:Other .")
    report = validate_graph(data, shapes=shapes, ontology=rdflib.Graph())
    assert {v.focus for v in report.violations} == {"http://example.org/a", "http://example.org/b"}


def test_prepared_shapes_are_built_once() -> None:
    shapes = prepared_shapes()
    assert shapes is prepared_shapes()
    assert len(shapes.shapes) > 200
    validate_graph(graph_of(FAILING))
    assert prepared_shapes() is shapes


@pytest.mark.slow
def test_a_warmed_process_parses_no_query_when_it_validates() -> None:
    """After `warm_validation` (what a server's data holder runs before it forks the workers), no validation
    parses a SPARQL query again: the bad cases reach every SPARQL constraint (a worker's first write of each
    kind used to parse its queries, ~25 ms each)."""
    _prepared.cache_clear()
    warm_validation()
    parsed = _prepared.cache_info().misses
    assert parsed >= 13, "the SPARQL targets and constraints of the shapes are parsed"
    verdicts = [validate_graph(case_data(path)).conforms for path in BAD_CASES]
    assert verdicts.count(False) > 100  # the constraints ran, and found what they look for
    assert _prepared.cache_info().misses == parsed
    assert _prepared.cache_info().hits > len(BAD_CASES)


@pytest.mark.slow
def test_reused_shapes_agree_with_fresh_runs_on_every_shape_case() -> None:
    """Every shape test case, each run following others (bad and ok cases alternate) on the same setup."""
    paths = sorted(CASES.glob("*/*.ttl"))
    assert len(paths) > 200
    verdicts = {path: assert_same_run(case_data(path), f"{path.parent.name}/{path.stem}") for path in paths}
    # The comparison saw failures: nearly every bad case fails (two only warn), no ok case does.
    assert sum(not verdicts[path] for path in BAD_CASES) > 100
    assert all(conforms for path, conforms in verdicts.items() if path.stem.endswith("-ok"))


def test_validations_from_threads_share_the_prepared_shapes_safely() -> None:
    """`coopgraph serve`'s single-process app may validate from several threads: each gets its own report."""
    graphs = [FAILING, CONFORMING] * 4
    expected = {text: validate_graph(graph_of(text)) for text in (FAILING, CONFORMING)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda text: validate_graph(graph_of(text)), graphs))
    assert [r.conforms for r in reports] == [False, True] * 4
    assert reports == [expected[text] for text in graphs]
