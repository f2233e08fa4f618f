"""The outcome of a validation: `Violation` and `Report`, and their text (es/en) and JSON renderings."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import rdflib
from rdflib.util import from_n3

from coopgraph.core import vocab
from coopgraph.core.vocab import LANGS, SH, Text, pick

SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
PREFIXES: dict[str, str] = vocab.prefixes(
    "cg", "cgr", "cgsh", "iati", "dcterms", "foaf", "org", "skos", "rdfs", "rdf", "owl", "xsd", "sh"
)
"""The prefixes the text report compacts IRIs with."""

_TITLE = Text(es="Validación SHACL", en="SHACL validation")
_CONFORMS = Text(es="conforme", en="conforms")
_NOT_CONFORMS = Text(es="no conforme", en="does not conform")
_IN_ONE_SHAPE = Text(es="en 1 forma", en="in 1 shape")
_IN_SHAPES = Text(es="en {n} formas", en="in {n} shapes")
_PATH = Text(es="ruta", en="path")
_VALUE = Text(es="valor", en="value")
_SEVERITY: dict[str, tuple[Text, Text]] = {
    "Violation": (Text(es="violación", en="violation"), Text(es="violaciones", en="violations")),
    "Warning": (Text(es="aviso", en="warning"), Text(es="avisos", en="warnings")),
    "Info": (Text(es="nota", en="note"), Text(es="notas", en="notes")),
}
"""Each severity's name: one, several."""


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
        return pick(lang, self.message_es, self.message_en)


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
        return dict(sorted(groups.items(), key=lambda item: (rank(item[1][0].severity), -len(item[1]), item[0])))

    def label(self, iri: str, lang: str | None = None) -> str | None:
        """The label of `iri` in `lang`, else in the other language, else None."""
        names = self.labels.get(iri, {})
        wanted = lang or self.lang
        return names.get(wanted) or next((names[other] for other in LANGS if other in names), None)

    def text(self, lang: str | None = None) -> str:
        """A readable report in `lang` (es or en): counts per shape first, then each shape's focus nodes."""
        lang = lang if lang in LANGS else self.lang if self.lang in LANGS else "es"
        groups = self.by_shape()
        counts = self.counts()
        parts = [f"{n} {_severity(sev, lang, n)}" for sev, n in counts.items() if n or sev == "Violation"]
        where = _IN_ONE_SHAPE(lang) if len(groups) == 1 else _IN_SHAPES(lang).format(n=len(groups))
        status = _CONFORMS(lang) if self.conforms else _NOT_CONFORMS(lang)
        lines = [f"{_TITLE(lang)}: {status} — {', '.join(parts)}" + (f", {where}." if groups else ".")]
        if not groups:
            return lines[0] + "\n"
        width = max(len(_compact(shape)) for shape in groups)
        for shape, results in groups.items():
            name = self.label(shape, lang) or ""
            severity = _severity(results[0].severity, lang)
            lines.append(f"  {len(results):>4}  {severity:<9}  {_compact(shape):<{width}}  {name}")
        for shape, results in groups.items():
            shape_label = self.label(shape, lang)
            lines.append("")
            title = f"[{_severity(results[0].severity, lang).capitalize()}] {_compact(shape)}"
            lines.append(title + (f" — {shape_label}" if shape_label else "") + f" ({len(results)})")
            for message in dict.fromkeys(v.message(lang) for v in results):
                lines.append(f"  {message}")
            for violation in {(v.focus, v.path, v.value): v for v in results}.values():
                focus_label = self.label(violation.focus, lang)
                detail = []
                if violation.path:
                    detail.append(f"{_PATH(lang)} {_compact_path(violation.path)}")
                if violation.value:
                    detail.append(f"{_VALUE(lang)} {_compact_value(violation.value)}")
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

    def to_rdf(self) -> rdflib.Graph:
        """The report as a SHACL `sh:ValidationReport` graph (messages in both languages).

        A complex property path, kept as SPARQL text here, becomes an
        `sh:resultPath` literal; a value that is not readable N3 is left out.
        """
        sh = rdflib.Namespace(SH)
        graph = rdflib.Graph()
        graph.bind("sh", sh)
        report = rdflib.BNode()
        graph.add((report, rdflib.RDF.type, sh.ValidationReport))
        graph.add((report, sh.conforms, rdflib.Literal(self.conforms)))
        for violation in self.violations:
            result = rdflib.BNode()
            graph.add((report, sh.result, result))
            graph.add((result, rdflib.RDF.type, sh.ValidationResult))
            graph.add((result, sh.focusNode, _node(violation.focus)))
            graph.add((result, sh.resultSeverity, sh[violation.severity]))
            graph.add((result, sh.sourceShape, _node(violation.shape)))
            if violation.component:
                graph.add((result, sh.sourceConstraintComponent, sh[violation.component]))
            if violation.path:
                path = violation.path
                graph.add((result, sh.resultPath, rdflib.URIRef(path) if _is_iri(path) else rdflib.Literal(path)))
            if violation.value:
                value = _value(violation.value)
                if value is not None:
                    graph.add((result, sh.value, value))
            graph.add((result, sh.resultMessage, rdflib.Literal(violation.message_es, lang="es")))
            graph.add((result, sh.resultMessage, rdflib.Literal(violation.message_en, lang="en")))
        return graph


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`()*+?!]*")


def _is_iri(text: str) -> bool:
    """Whether a result's path is one predicate's IRI (else it is SPARQL property-path text)."""
    return _IRI.fullmatch(text) is not None


def _value(text: str) -> rdflib.term.Node | None:
    """A result's value (an IRI, a blank node or an N3 literal) as an rdflib term; None if unreadable."""
    if text.startswith("_:"):
        return rdflib.BNode(text[2:])
    if _is_iri(text):
        return rdflib.URIRef(text)
    try:
        node = from_n3(text)
    except Exception:  # rdflib raises several kinds for text it cannot read
        return None
    return node if isinstance(node, rdflib.term.Identifier) else None


def _node(text: str) -> rdflib.URIRef | rdflib.BNode:
    return rdflib.BNode(text[2:]) if text.startswith("_:") else rdflib.URIRef(text)


def rank(severity: str) -> int:
    """Where a severity sorts: Violation first, unknown ones last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _severity(severity: str, lang: str, count: int = 1) -> str:
    one, several = _SEVERITY[severity]
    return (one if count == 1 else several)(lang)


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
