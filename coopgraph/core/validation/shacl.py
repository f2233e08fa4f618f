"""Running pyshacl, one validation at a time, and reading its results graph into a `Report`.

pyshacl evaluates SPARQL with rdflib, whose parser is not thread-safe, so
validations run one at a time (a module lock). `PreparedQueryGraph` is the
graph they run on: it parses each SPARQL text once.

The shipped shapes are set up once per process. `pyshacl.validate()` wraps
its shapes graph in a new `pyshacl.ShapesGraph` on every call, which then
builds a `Shape` for each of the ~250 shapes (their kind, path, severity,
messages): about half the time of a small validation. Here one
`ShapesGraph` is built for a copy of `cached_shapes()` (`warm_validation` does it
before a server forks its workers) and handed to a `pyshacl.Validator` per
data graph, with the options `validate()` would pass. What pyshacl keeps
between runs on it depends on the shapes alone (the `Shape` objects, the
custom constraint components it finds in the shapes graph); everything about
a data graph (focus nodes, SPARQL targets, constraint objects, the report)
is built anew on each run (pyshacl 0.40: `Validator.run`, `Shape.validate`).
tests/test_validate.py checks the reports against fresh `pyshacl.validate`
runs. The shared `ShapesGraph` is used only under the module lock. (Shapes
declaring SHACL-AF target types would be registered on it again at every
run, and pyshacl would warn, an error under the tests; ours declare none.)
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import rdflib
from pyshacl import ShapesGraph, Validator
from pyshacl.constraints.sparql.sparql_based_constraints import SH_sparql, SPARQLBasedConstraint
from pyshacl.entrypoints import make_default_logger
from pyshacl.graph_abstraction import DataGraph
from pyshacl.monkey import apply_patches
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from coopgraph.core.validation.report import Report, Violation, rank
from coopgraph.core.validation.shapes import cached_shapes, copy_graph
from coopgraph.core.vocab import LANGS

_LOCK = threading.Lock()


@functools.lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class PreparedQueryGraph(rdflib.Graph):
    """An in-memory graph that parses each SPARQL text once, and can have the shipped shapes' SPARQL targets
    select among given nodes only.

    pyshacl sends the same query text for every focus node of a SPARQL
    constraint, and rdflib's parser costs ~70 ms a query: parsed once, the
    text is then only evaluated. `focus` (set by `run_shacl` for a submission's run, None otherwise): the
    nodes a SPARQL target of the shipped shapes may select (`_select_among`). Used only under the module lock.
    """

    focus: frozenset[URIRef] | None = None

    def query(
        self,
        query_object: str | Query,
        processor: str | rdflib.query.Processor = "sparql",
        result: str | type[rdflib.query.Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,  # rdflib's names
        initBindings: Mapping[str, rdflib.term.Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> rdflib.query.Result:
        if isinstance(query_object, str) and processor == "sparql" and not initNs:
            if self.focus is not None and not initBindings and query_object in target_queries():
                return self._select_among(_prepared(query_object), self.focus)
            query_object = _prepared(query_object)
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)

    def _select_among(self, target: Query, nodes: Iterable[URIRef]) -> rdflib.query.Result:
        """What a SPARQL target (`SELECT ?this`) selects among `nodes`: the query run with `?this` bound to each
        in turn. rdflib binds it before evaluating, so a run reads that node's triples rather than every triple of
        the graph; the selection is the whole query's, less the nodes not in `nodes` (tests/test_validate.py)."""
        rows: list[Mapping[Variable, rdflib.term.Identifier]] = []
        for node in sorted(nodes):
            rows += super().query(target, initBindings={"this": node}).bindings
        selected = rdflib.query.Result("SELECT")
        selected.vars = [Variable("this")]
        selected.bindings = rows
        return selected


def run_shacl(
    graph: rdflib.Graph,
    *,
    lang: str,
    allow_warnings: bool,
    shapes: rdflib.Graph | None = None,
    focus: Iterable[URIRef] | None = None,
) -> Report:
    """Run pyshacl on `graph` (changed in place only by what pyshacl itself adds: nothing).

    The shipped shapes (`shapes=None`) are set up once per process; other shapes are set up for this run.
    `focus`: the nodes whose results the caller keeps (`validate_submission`); pyshacl then starts only from
    the shipped shapes that can target one of them (`shapes_for`), their SPARQL targets select among them alone
    (on a `PreparedQueryGraph`), and results about other nodes may be missing from the report.
    """
    with _LOCK:
        if shapes is None:
            shapes_graph, use_shapes = prepared_shapes(), targeted_shapes()
            if focus is not None and use_shapes is not None:
                focus = frozenset(focus)
                use_shapes = shapes_for(graph, focus, shipped_targets())
                if isinstance(graph, PreparedQueryGraph):
                    graph.focus = focus
        else:
            shapes_graph = _shapes_graph(shapes)
            use_shapes = shapes_with_targets(shapes_graph)
        try:
            conforms, results = _validate(graph, shapes_graph, allow_warnings=allow_warnings, use_shapes=use_shapes)
        finally:
            if isinstance(graph, PreparedQueryGraph):
                graph.focus = None
    return _report(graph, shapes_graph.graph, conforms, results, lang=lang)


@functools.lru_cache(maxsize=1)
def prepared_shapes() -> ShapesGraph:
    """The shipped shapes as pyshacl's `ShapesGraph`, its `Shape` objects built: once per process.

    Read it under the module lock only (pyshacl's objects are not meant to be shared by threads).
    """
    # A copy in rdflib's store without named graphs: pyshacl reads the shapes graph triple by triple on every
    # run (each shape's targets, parameters, messages), and the default store spends a third of each read on
    # the named graphs a triple is in.
    shapes = _shapes_graph(copy_graph(cached_shapes(), store="SimpleMemory"))
    built = shapes.shapes  # the property builds every Shape, once
    assert len(built) > 0, "no shapes in the shipped shapes graph"
    return shapes


@functools.lru_cache(maxsize=1)
def targeted_shapes() -> list[str] | None:
    """`shapes_with_targets` of the shipped shapes, once per process. Called under the module lock (`run_shacl`)."""
    return shapes_with_targets(prepared_shapes())


def shapes_with_targets(shapes: ShapesGraph) -> list[str] | None:
    """The IRIs of the shapes that declare targets, for pyshacl's `use_shapes`; None if one is a blank node.

    pyshacl looks for the focus nodes of every shape on every run (its targets read from the shapes graph,
    the data graph searched): ~130 of the ~250 shipped shapes declare no target and are only reached through
    others (`sh:property`, `sh:node`, `sh:or`): ~1.2 ms of each run spent finding nothing (bench/README.md,
    bench_gate.py's empty run). With `use_shapes` it starts from the shapes with targets only; the
    others are still applied wherever those reach them, so the report is the same (tests/test_validate.py
    compares it with pyshacl's own runs on every shape test case). Which shapes have targets is read by
    pyshacl's own `Shape` (`target()`, the implicit class targets included, and `advanced_target()`).
    `use_shapes` takes IRIs only: a blank-node shape with a target would be left out, so then every shape is
    used (the shipped shapes name theirs).
    """
    targeted = [shape.node for shape in shapes.shapes if _has_target(shape)]
    if any(not isinstance(node, URIRef) for node in targeted):
        return None
    return [str(node) for node in targeted]


@dataclass(frozen=True)
class Targets:
    """A shape's target declarations, as pyshacl's own `Shape` reads them (`target()`, `advanced_target()`)."""

    shape: str
    nodes: frozenset[rdflib.term.Node]
    classes: frozenset[rdflib.term.Node]
    """`sh:targetClass`, and the shape itself when it is a class (an implicit class target)."""
    subjects_of: frozenset[rdflib.term.Node]
    objects_of: frozenset[rdflib.term.Node]
    advanced: bool
    """A SHACL-AF target (a SPARQL target): what it selects is known only by running it."""
    queries: frozenset[str] = frozenset()
    """The text pyshacl sends for each SPARQL target (`sh:select`, its prefixes applied)."""


@functools.lru_cache(maxsize=1)
def shipped_targets() -> list[Targets]:
    """The targets of each shipped shape in `targeted_shapes`, read once per process. Called under the module lock."""
    wanted = set(targeted_shapes() or [])
    found = []
    for shape in prepared_shapes().shapes:
        if str(shape.node) not in wanted:
            continue
        nodes, classes, implicit, objects_of, subjects_of = (frozenset(targets) for targets in shape.target())
        advanced = shape.advanced_target()
        queries = frozenset(
            target["qh"].apply_prefixes(target["qh"].select_text)  # as `Shape.focus_nodes` sends it
            for target in advanced.values()
            if target["type"] == SH.SPARQLTarget
        )
        found.append(
            Targets(str(shape.node), nodes, classes | implicit, subjects_of, objects_of, bool(advanced), queries)
        )
    return found


@functools.lru_cache(maxsize=1)
def target_queries() -> frozenset[str]:
    """The text of every SPARQL target of the shipped shapes, as pyshacl sends it: the queries a
    `PreparedQueryGraph` with a `focus` runs among its nodes alone. Called under the module lock."""
    return frozenset(query for target in shipped_targets() for query in target.queries)


def prepare_targets() -> int:
    """Read the shipped shapes' targets now (`shipped_targets`), as `warm_validation` does before a server forks
    its workers, rather than in each worker's first write: how many shapes."""
    with _LOCK:
        target_queries()
        return len(shipped_targets())


def shapes_for(graph: rdflib.Graph, focus: AbstractSet[URIRef], targets: Iterable[Targets]) -> list[str]:
    """The shapes of `targets` that can select a node of `focus` in `graph`: pyshacl's `use_shapes` when only the
    results about `focus` are kept (`validate_submission`: its context's resources are in the graph, but only
    to be read).

    A shape selects a node by its targets alone: `sh:targetNode`; `sh:targetClass` (and an implicit class
    target) for an instance of the class or of a subclass (`rdf:type/rdfs:subClassOf*`, as pyshacl reads it
    in `graph`); `sh:targetSubjectsOf` / `sh:targetObjectsOf` for a subject / object of the property; a SPARQL
    target is always kept. A shape left out is not started, but it is still applied wherever a started shape
    reaches it (`sh:node`, `sh:property`…), so every result about `focus` is the same (tests/test_validate.py
    compares them with whole-graph runs on every bad case). The shapes that start from the resources a
    submission only refers to (a province, a concept) no longer run: their results were dropped anyway.
    """
    types: set[rdflib.term.Node] = set()
    for node in focus:
        for cls in graph.objects(node, RDF.type):
            types.update(found for found in graph.transitive_objects(cls, RDFS.subClassOf) if found is not None)
    outgoing = {p for node in focus for p in graph.predicates(node, None)}
    incoming = {p for node in focus for p in graph.predicates(None, node)}
    return [
        target.shape
        for target in targets
        if target.advanced
        or target.nodes & focus
        or target.classes & types
        or target.subjects_of & outgoing
        or target.objects_of & incoming
    ]


def _has_target(shape: Any) -> bool:
    """Whether pyshacl finds focus nodes for `shape` by itself: a target declaration or an implicit class target."""
    # What Validator.run sets on each shape it starts from (SHACL-AF targets and expressions); set here on
    # every shape, once, as it was when pyshacl started from all of them.
    shape.set_advanced(True)
    return any(any(True for _ in targets) for targets in shape.target()) or bool(shape.advanced_target())


def prepare_sparql_constraints() -> int:
    """Parse now the query of every SPARQL-based constraint of the shipped shapes, as pyshacl will send it
    (`_prepared`): how many queries.

    pyshacl sends a constraint's query only when a focus node reaches it, so a validation of an empty graph
    (`warm_validation`) parses none of them, and rdflib's parser takes ~25 ms a query: without this, each
    worker of `coopgraph serve` paid that on its first write of each kind (four queries for an agreement).
    The text is made by pyshacl's own constraint object (`SPARQLBasedConstraint`: prefixes applied, `$this`
    left to the bindings); tests/test_validate.py checks that a write then parses nothing more.
    """
    count = 0
    with _LOCK:
        for shape in prepared_shapes().shapes:
            if next(shape.objects(SH_sparql), None) is None:
                continue
            for helper in SPARQLBasedConstraint(shape).sparql_constraints:
                _, text = helper.pre_bind_variables(shape.node)
                _prepared(helper.apply_prefixes(text))
                count += 1
    return count


@functools.lru_cache(maxsize=1)
def _logger() -> logging.Logger:
    """The logger `pyshacl.validate()` makes (name, level and stderr handler), made once rather than per run."""
    apply_patches()  # type: ignore[no-untyped-call]  # what `pyshacl.validate()` applies to rdflib on every call
    return make_default_logger(name="pyshacl-validate")


def _shapes_graph(shapes: rdflib.Graph) -> ShapesGraph:
    """pyshacl's wrapper of a shapes graph, as `Validator` makes it (it adds two system triples to `shapes`,
    as `pyshacl.validate()` does to the graph it is given)."""
    return ShapesGraph(shapes, False, _logger())


def _validate(
    graph: rdflib.Graph, shapes: ShapesGraph, *, allow_warnings: bool, use_shapes: list[str] | None
) -> tuple[bool, rdflib.Graph]:
    """What `pyshacl.validate(graph, shacl_graph=shapes.graph, inference="none", advanced=True, js=False,
    allow_infos=allow_warnings, allow_warnings=allow_warnings, inplace=True, use_shapes=use_shapes)` does,
    with `shapes` set up already: a `Validator` over `graph` with the same options, given the prepared
    `ShapesGraph`."""
    options = {
        "debug": False,
        "inference": "none",
        "inplace": True,
        "abort_on_first": False,
        "allow_infos": allow_warnings,
        "allow_warnings": allow_warnings,
        "advanced": True,
        "iterate_rules": False,
        "use_js": False,
        "sparql_mode": False,
        "logger": _logger(),
        "focus_nodes": None,
        "use_shapes": use_shapes,
    }
    validator = Validator(DataGraph.from_rdflib(graph), shacl_graph=shapes.graph, options=options)
    # Validator wraps the graph in a new ShapesGraph (cheap: nothing is built until its shapes are read);
    # the prepared one replaces it before `run` reads any shape.
    validator.shacl_graph = shapes
    conforms, results_graph, _ = validator.run()  # type: ignore[no-untyped-call]  # pyshacl leaves it untyped
    return bool(conforms), results_graph


def _report(
    graph: rdflib.Graph, shapes_graph: rdflib.Graph, conforms: bool, results_graph: rdflib.Graph, *, lang: str
) -> Report:
    """Read pyshacl's results graph into a `Report`."""
    # Only the report's own results: nested sh:detail results (from sh:node) are not separate findings.
    top = [
        result
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for result in results_graph.objects(report, SH.result)
    ]
    violations = sorted(
        (_violation(results_graph, result, shapes_graph) for result in top),
        key=lambda v: (rank(v.severity), v.shape, v.focus, v.path or "", v.value or ""),
    )
    labels = _labels(graph, {v.focus for v in violations}) | _labels(shapes_graph, {v.shape for v in violations})
    return Report(conforms=conforms, violations=violations, lang=lang, labels=labels)


def _violation(report: rdflib.Graph, result: rdflib.term.Node, shapes: rdflib.Graph) -> Violation:
    # pyshacl drops the language tag of SPARQL-constraint messages: recover it from the shapes.
    tagged = {
        str(m): m.language
        for node in (report.value(result, SH.sourceShape), report.value(result, SH.sourceConstraint))
        if node is not None
        for m in shapes.objects(node, SH.message)
        if isinstance(m, Literal) and m.language
    }
    messages: dict[str, str] = {}
    for message in report.objects(result, SH.resultMessage):
        if isinstance(message, Literal):
            messages.setdefault(message.language or tagged.get(str(message), ""), str(message))
    plain = messages.get("", next(iter(messages.values()), ""))
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    severity = report.value(result, SH.resultSeverity)
    component = report.value(result, SH.sourceConstraintComponent)
    return Violation(
        focus=_node_text(report.value(result, SH.focusNode)),
        path=None if path is None else _path_text(report, path),
        value=None if value is None else _term_text(value),
        severity=str(severity).removeprefix(str(SH)) if severity is not None else "Violation",
        shape=_node_text(report.value(result, SH.sourceShape)),
        message_es=messages.get("es", plain),
        message_en=messages.get("en", plain),
        component=str(component).removeprefix(str(SH)) if component is not None else "",
    )


def _node_text(node: rdflib.term.Node | None) -> str:
    if node is None:
        return ""
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _term_text(term: rdflib.term.Node) -> str:
    return term.n3() if isinstance(term, Literal) else _node_text(term)


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node) -> str:
    """A SHACL path as an IRI (simple) or SPARQL property-path text (complex)."""
    if isinstance(path, URIRef):
        return str(path)
    return _path_sparql(graph, path)


def _path_sparql(graph: rdflib.Graph, path: rdflib.term.Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (alternatives := graph.value(path, SH.alternativePath)) is not None:
        return "(" + " | ".join(_path_sparql(graph, p) for p in Collection(graph, alternatives)) + ")"
    if (inverse := graph.value(path, SH.inversePath)) is not None:
        return "^" + _path_sparql(graph, inverse)
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (inner := graph.value(path, predicate)) is not None:
            return _path_sparql(graph, inner) + suffix
    if graph.value(path, RDF.first) is not None:
        return "(" + " / ".join(_path_sparql(graph, p) for p in Collection(graph, path)) + ")"
    return _node_text(path)


def _labels(graph: rdflib.Graph, iris: Iterable[str]) -> dict[str, dict[str, str]]:
    """rdfs:label (else skos:prefLabel) of each IRI, per language."""
    found: dict[str, dict[str, str]] = {}
    for iri in iris:
        if iri.startswith("_:") or not iri:
            continue
        names: dict[str, str] = {}
        for predicate in (RDFS.label, SKOS.prefLabel):
            for label in graph.objects(URIRef(iri), predicate):
                if isinstance(label, Literal) and label.language in LANGS:
                    names.setdefault(label.language, str(label))
        if names:
            found[iri] = names
    return found
