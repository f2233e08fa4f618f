"""SHACL validation of coopgraph graphs against `shapes/`, with the ontology merged in.

Why the ontology is merged: the shapes target classes and check `sh:class`
through `rdfs:subClassOf` (a `cg:Network` is an `org:Organization`), and SHACL
reads subclass links from the data graph only. Nothing is inferred beyond
that (`inference="none"`); `advanced=True` turns on the SHACL-AF SPARQL
targets and SPARQL constraints the shapes use. `owl:imports` are never
followed: nothing here fetches a URL.

Severity: `sh:Violation` shapes are contract rules and make a graph
non-conforming; `sh:Warning` shapes are reported but, with the default
`allow_warnings=True`, do not (shapes/README.md says which shapes warn, and why).

Entry points:

- `validate_graph(data)`: the whole graph; the time grows with the graph.
- `validate_store(store)`: anything with `to_rdflib()`, e.g. `coopgraph.core.store.OxigraphStore`.
- `validate_files(paths)`: local files, as a submission to the shipped data.
- `validate_submission(data, context=...)`: only the submitted resources, in a
  small graph holding them and the one-hop context they reference. Checking a
  change this way stays fast on a large store, where pyshacl with
  `focus_nodes` over the whole graph does not (see DESIGN.md, "The store").

`coopgraph validate [FILES…]` is the command line (coopgraph/cli/data.py).

pyshacl evaluates SPARQL with rdflib, whose parser is not thread-safe, so
validations run one at a time (a module lock).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyshacl
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from coopgraph.core import vocab
from coopgraph.core.resources import resource_dir

SHAPES_NS = vocab.CGSH
ONTOLOGY_IRI = URIRef(vocab.ONTOLOGY_IRI)
PREFIXES: dict[str, str] = vocab.prefixes(
    "cg", "cgr", "cgsh", "iati", "dcterms", "foaf", "org", "skos", "rdfs", "rdf", "owl", "xsd", "sh"
)
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
LANGS = vocab.LANGS

_LOCK = threading.Lock()

_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Validación SHACL",
        "conforms": "conforme",
        "not_conforms": "no conforme",
        "Violation": "violación",
        "Violation+": "violaciones",
        "Warning": "aviso",
        "Warning+": "avisos",
        "Info": "nota",
        "Info+": "notas",
        "in_shapes": "en {n} formas",
        "in_shape": "en 1 forma",
        "path": "ruta",
        "value": "valor",
    },
    "en": {
        "title": "SHACL validation",
        "conforms": "conforms",
        "not_conforms": "does not conform",
        "Violation": "violation",
        "Violation+": "violations",
        "Warning": "warning",
        "Warning+": "warnings",
        "Info": "note",
        "Info+": "notes",
        "in_shapes": "in {n} shapes",
        "in_shape": "in 1 shape",
        "path": "path",
        "value": "value",
    },
}


# ---------------------------------------------------------------- resources


def shapes_dir() -> Path:
    """The folder of the SHACL shape files."""
    return resource_dir("shapes")


@functools.lru_cache(maxsize=8)
def _parse_folder(folder: str, pattern: str) -> rdflib.Graph:
    """Parse every file matching `pattern` in `folder`, once per process; callers must not change it."""
    files = sorted(Path(folder).glob(pattern))
    if not files:
        raise FileNotFoundError(f"no {pattern} files in {folder}")
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def _shapes(directory: Path | None = None) -> rdflib.Graph:
    return _parse_folder(str(directory or shapes_dir()), "*.ttl")


def _ontology(directory: Path | None = None) -> rdflib.Graph:
    return _parse_folder(str(directory or resource_dir("ontology")), "*.ttl")


def load_shapes(*, directory: Path | None = None) -> rdflib.Graph:
    """A copy of the shapes graph (every `shapes/*.ttl`, loaded together)."""
    return _copy(_shapes(directory))


def load_ontology(*, directory: Path | None = None) -> rdflib.Graph:
    """A copy of the ontology (every `ontology/*.ttl`; `owl:imports` is not followed)."""
    return _copy(_ontology(directory))


def load_shipped_data() -> rdflib.Graph:
    """The shipped instance data and codelists (`graph/*.ttl`, `graph/codelists/*.ttl`)."""
    data = resource_dir("graph")
    graph = rdflib.Graph()
    for path in sorted(data.glob("*.ttl")) + sorted((data / "codelists").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparedQueryGraph(rdflib.Graph):
    """An in-memory graph that parses each SPARQL text once.

    pyshacl sends the same query text for every focus node of a SPARQL
    constraint, and rdflib's parser costs ~70 ms a query: parsed once, the
    text is then only evaluated. Used only under the module lock.
    """

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,  # rdflib's names
        initBindings: Mapping[str, rdflib.term.Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> rdflib.query.Result:
        if isinstance(query_object, str) and processor == "sparql" and not initNs:
            query_object = _prepared(query_object)
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def _copy(graph: rdflib.Graph, *, cls: type[rdflib.Graph] = rdflib.Graph) -> rdflib.Graph:
    copy = cls()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=False)
    copy += graph
    return copy


# ---------------------------------------------------------------- report


@dataclass(frozen=True)
class Violation:
    """One validation result (of any severity), in plain strings.

    `focus` and `shape` are IRIs (or `_:` blank-node ids); `path` is the IRI of
    a predicate, or SPARQL property-path text for a complex path; `value` is
    an IRI or an N3 literal (`"2013"^^<…#gYear>`); `severity` is
    `Violation`, `Warning` or `Info`; `component` the SHACL constraint
    component's local name (`MinCountConstraintComponent`).
    """

    focus: str
    path: str | None
    value: str | None
    severity: str
    shape: str
    message_es: str
    message_en: str
    component: str = ""

    def message(self, lang: str = "es") -> str:
        """The message in `lang` (es or en)."""
        return self.message_en if lang == "en" else self.message_es


@dataclass
class Report:
    """The outcome of one validation: `conforms`, the results, and labels to show them."""

    conforms: bool
    violations: list[Violation]
    lang: str = "es"
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    """IRI → language → label, for focus nodes and shapes."""

    @property
    def exit_code(self) -> int:
        """0 when the graph conforms, 1 otherwise (for command lines and CI)."""
        return 0 if self.conforms else 1

    def counts(self) -> dict[str, int]:
        """Results per severity (`Violation`, `Warning`, `Info`)."""
        return {sev: sum(1 for v in self.violations if v.severity == sev) for sev in SEVERITIES}

    def by_shape(self) -> dict[str, list[Violation]]:
        """Results grouped by shape: severest first, then the largest groups."""
        groups: dict[str, list[Violation]] = {}
        for violation in self.violations:
            groups.setdefault(violation.shape, []).append(violation)
        return dict(sorted(groups.items(), key=lambda item: (_rank(item[1][0].severity), -len(item[1]), item[0])))

    def label(self, iri: str, lang: str | None = None) -> str | None:
        """The label of `iri` in `lang`, else in the other language, else None."""
        names = self.labels.get(iri, {})
        lang = lang or self.lang
        return names.get(lang) or next((names[other] for other in LANGS if other in names), None)

    def text(self, lang: str | None = None) -> str:
        """A readable report in `lang` (es or en): counts per shape first, then each shape's focus nodes."""
        lang = lang if lang in _WORDS else self.lang if self.lang in _WORDS else "es"
        words = _WORDS[lang]
        groups = self.by_shape()
        counts = self.counts()
        parts = [
            f"{n} {words[sev + '+'] if n != 1 else words[sev]}" for sev, n in counts.items() if n or sev == "Violation"
        ]
        where = words["in_shape"] if len(groups) == 1 else words["in_shapes"].format(n=len(groups))
        status = words["conforms"] if self.conforms else words["not_conforms"]
        lines = [f"{words['title']}: {status} — {', '.join(parts)}" + (f", {where}." if groups else ".")]
        if not groups:
            return lines[0] + "\n"
        width = max(len(_compact(shape)) for shape in groups)
        for shape, results in groups.items():
            name = self.label(shape, lang) or ""
            lines.append(f"  {len(results):>4}  {words[results[0].severity]:<9}  {_compact(shape):<{width}}  {name}")
        for shape, results in groups.items():
            name = self.label(shape, lang)
            lines.append("")
            title = f"[{words[results[0].severity].capitalize()}] {_compact(shape)}"
            lines.append(title + (f" — {name}" if name else "") + f" ({len(results)})")
            for message in dict.fromkeys(v.message(lang) for v in results):
                lines.append(f"  {message}")
            for violation in {(v.focus, v.path, v.value): v for v in results}.values():
                focus_label = self.label(violation.focus, lang)
                detail = []
                if violation.path:
                    detail.append(f"{words['path']} {_compact_path(violation.path)}")
                if violation.value:
                    detail.append(f"{words['value']} {_compact_value(violation.value)}")
                lines.append(
                    f"  - {_compact(violation.focus)}"
                    + (f" «{focus_label}»" if focus_label else "")
                    + (f" ({'; '.join(detail)})" if detail else "")
                )
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: conforms, counts, and each result with its focus node's labels."""
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "shapes": {shape: len(results) for shape, results in self.by_shape().items()},
            "violations": [{**asdict(v), "focus_label": dict(self.labels.get(v.focus, {}))} for v in self.violations],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON (see `as_dict`)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri if iri.startswith("_:") else f"<{iri}>"


def _compact_path(path: str) -> str:
    if path.startswith(("(", "^", "<")):
        return re.sub(r"<([^<>]*)>", lambda match: _compact(match.group(1)), path)
    return _compact(path)


def _compact_value(value: str) -> str:
    if not value.startswith('"'):
        return _compact(value)
    head, sep, datatype = value.rpartition("^^")
    if sep and datatype.startswith("<") and datatype.endswith(">"):
        return f"{head}^^{_compact(datatype[1:-1])}"
    return value


# ---------------------------------------------------------------- validation


class _HasRdflib(Protocol):
    def to_rdflib(self) -> rdflib.Graph: ...


def validate_graph(
    data: rdflib.Graph,
    *,
    ontology: rdflib.Graph | None = None,
    lang: str = "es",
    allow_warnings: bool = True,
    shapes: rdflib.Graph | None = None,
) -> Report:
    """Validate the whole of `data` (with the codelists it maps to, if any).

    `ontology` defaults to the shipped one; pass an empty graph to leave it
    out. With `allow_warnings` (default) `sh:Warning` results are reported
    but do not make the graph non-conforming. `data` is not modified.
    """
    merged = _copy(data, cls=_PreparedQueryGraph)
    merged += _ontology() if ontology is None else ontology
    return _run(merged, lang=lang, allow_warnings=allow_warnings, shapes=shapes)


def validate_store(store: _HasRdflib, *, lang: str = "es", allow_warnings: bool = True) -> Report:
    """Validate everything in `store`: ontology, data and codelists graphs, merged.

    `store.to_rdflib()` must return a copy (the `coopgraph.core.store.Store` protocol
    does): the shipped ontology is added to it when the store has none.
    """
    graph = _flatten(store.to_rdflib())
    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) not in graph:
        graph += _ontology()
    return _run(graph, lang=lang, allow_warnings=allow_warnings)


def validate_submission(
    data: rdflib.Graph,
    *,
    context: rdflib.Graph,
    ontology: rdflib.Graph | None = None,
    lang: str = "es",
    replaces: bool = False,
    allow_warnings: bool = True,
) -> Report:
    """Validate only the resources `data` describes (its IRI subjects), against `context`.

    The graph validated holds `data`; what `context` already says about the
    submitted resources (unless `replaces`: then `data` is their whole new
    description); the one-hop description, from `context`, of every IRI they
    reference (its type, scheme… — what `sh:class` and the scheme checks
    read); and the ontology. The shapes look no further than one hop from a
    focus node, so the result equals a whole-graph validation restricted to
    these resources (tests/test_validate.py checks that on every bad case),
    at a cost that does not grow with `context`. Results about other
    resources are dropped; blank-node subjects are checked only as values
    of the submitted resources.
    """
    subjects = sorted({s for s in data.subjects() if isinstance(s, URIRef)})
    if not subjects:
        return Report(conforms=True, violations=[], lang=lang)
    small = _copy(data, cls=_PreparedQueryGraph)
    if not replaces:
        for subject in subjects:
            small += context.triples((subject, None, None))
    referenced = {o for o in small.objects() if isinstance(o, URIRef)} - set(subjects)
    for node in referenced:
        small += context.triples((node, None, None))
    small += _ontology() if ontology is None else ontology
    # The context resources are validated too (their own references are missing here) and their
    # results dropped: pyshacl's `focus_nodes` option would be wrong, as it also filters the value
    # nodes of nested shapes (sh:or, sh:node), so a bad value would pass unseen.
    report = _run(small, lang=lang, allow_warnings=allow_warnings)
    keep = {str(subject) for subject in subjects}
    violations = [v for v in report.violations if v.focus in keep]
    conforms = all(v.severity != "Violation" for v in violations) if allow_warnings else not violations
    return Report(conforms=conforms, violations=violations, lang=lang, labels=report.labels)


def validate_files(
    paths: Iterable[str | Path],
    *,
    lang: str = "es",
    context: rdflib.Graph | None = None,
    allow_warnings: bool = True,
) -> Report:
    """Validate the resources local RDF files describe, as a submission to the shipped graph.

    A folder stands for its `*.ttl` files. `context` (default: the shipped
    data and codelists) supplies what the files' resources reference, so a
    file may point at `cgr:cglu` without describing it; what the context
    already says about a resource is added to the file's description of it.
    """
    data = _parse_files(Path(path) for path in paths)
    return validate_submission(
        data,
        context=load_shipped_data() if context is None else context,
        lang=lang,
        allow_warnings=allow_warnings,
    )


def _flatten(graph: rdflib.Graph) -> rdflib.Graph:
    """One plain graph (our query-caching kind) over a graph or a dataset (the union of its graphs).

    A plain graph is wrapped, not copied: it shares the store of the copy `to_rdflib` made.
    """
    if isinstance(graph, rdflib.ConjunctiveGraph):  # Dataset is a subclass
        flat = _PreparedQueryGraph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            flat.add((s, p, o))
        return flat
    return _PreparedQueryGraph(store=graph.store, identifier=graph.identifier)


def _run(
    graph: rdflib.Graph,
    *,
    lang: str,
    allow_warnings: bool,
    shapes: rdflib.Graph | None = None,
) -> Report:
    """Run pyshacl on `graph` (changed in place only by what pyshacl itself adds: nothing)."""
    shapes_graph = _shapes() if shapes is None else shapes
    with _LOCK:
        conforms, results_graph, _ = pyshacl.validate(
            graph,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=True,
            js=False,
            abort_on_first=False,
            allow_infos=allow_warnings,
            allow_warnings=allow_warnings,
            meta_shacl=False,
            do_owl_imports=False,
            inplace=True,
        )
    # Only the report's own results: nested sh:detail results (from sh:node) are not separate findings.
    top = [
        result
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for result in results_graph.objects(report, SH.result)
    ]
    violations = sorted(
        (_violation(results_graph, result, shapes_graph) for result in top),
        key=lambda v: (_rank(v.severity), v.shape, v.focus, v.path or "", v.value or ""),
    )
    labels = _labels(graph, {v.focus for v in violations}) | _labels(shapes_graph, {v.shape for v in violations})
    return Report(conforms=bool(conforms), violations=violations, lang=lang, labels=labels)


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


# ---------------------------------------------------------------- command line


def _parse_files(paths: Iterable[Path]) -> rdflib.Graph:
    """Parse local RDF files (a folder means its *.ttl files); RDF/XML with DTDs is refused."""
    from coopgraph.core.store import refuse_xml_declarations

    graph = rdflib.Graph()
    for path in paths:
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            fmt = rdflib.util.guess_format(str(file)) or "turtle"
            if fmt == "xml":
                refuse_xml_declarations(file.read_bytes(), file=str(file))
            graph.parse(file, format=fmt)
    return graph
