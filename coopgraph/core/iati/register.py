"""The register in a store: validate and commit what `read_iati` read, and export activities as IATI.

Import is three steps, so that the writes issue can route the same call
through its gate and audit:

1. `read_iati(data, ...)` (reader.py): XML -> records, a pure function;
2. `check(store, read)`: conflicts with the register (an activity already
   there, unless `replace`), then the SHACL shapes through
   `validate_submission`, with the context the records reference, read from
   the store; every result is reported at its line and column in the XML;
3. `commit(store, read)`: one write to the register graph, all or nothing.

`import_iati` does the three. An activity whose IATI identifier is already in
the register is a conflict (the import changes nothing and names them), not
a silent merge: `replace=True` replaces those activities' whole descriptions,
nested budgets, transactions and results included, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef

from coopgraph.core.iati.errors import IatiError, Problem
from coopgraph.core.iati.model import REGISTER_GRAPH, province_iri
from coopgraph.core.iati.reader import IatiImport, read_iati
from coopgraph.core.iati.writer import write_iati
from coopgraph.core.store import Store, solutions
from coopgraph.core.validation import Report, validate_submission
from coopgraph.core.vocab import CG, Text

_NESTED_DEPTH = 4
"""Activity -> result -> indicator -> period: the deepest blank-node nesting of a record."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote: activities added and replaced, triples, and what the register did not keep."""

    source: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    triples: int
    skipped: dict[str, int]


def import_iati(
    store: Store,
    data: bytes,
    *,
    file: str,
    recorded_by: str,
    recorded_at: dt.datetime | None = None,
    province: str | None = None,
    replace: bool = False,
    max_bytes: int | None = None,
) -> ImportSummary:
    """Read, check and commit an IATI file into the register graph; `IatiError` and no change on any problem."""
    limits = {} if max_bytes is None else {"max_bytes": max_bytes}
    read = read_iati(
        data,
        file=file,
        recorded_by=recorded_by,
        recorded_at=recorded_at or dt.datetime.now(dt.UTC),
        province=province,
        **limits,
    )
    existing = check(store, read, replace=replace)
    return commit(store, read, replaced=existing)


def existing_activities(store: Store, identifiers: Iterable[str]) -> dict[str, str]:
    """Which of these IATI identifiers the register already holds: identifier -> activity IRI."""
    wanted = list(identifiers)
    if not wanted:
        return {}
    values = " ".join(Literal(identifier).n3() for identifier in wanted)
    result = store.query(
        f"SELECT ?id ?activity WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ "
        f"VALUES ?id {{ {values} }} ?activity <{CG}iatiIdentifier> ?id }} }}"
    )
    return {row["id"].value: row["activity"].value for row in solutions(result)}


def check(store: Store, read: IatiImport, *, replace: bool = False) -> dict[str, str]:
    """Conflicts, then the shapes; `IatiError` (kinds `conflict`, `rule`) or the activities to be replaced."""
    existing = existing_activities(store, read.activities)
    if existing and not replace:
        conflicts = [
            Problem(
                "conflict",
                Text(
                    es=f"la actividad {identifier!r} ya está en el registro: use --replace para reemplazarla",
                    en=f"the activity {identifier!r} is already in the register: use --replace to replace it",
                ),
                *read.positions.nodes.get(URIRef(read.activities[identifier]), (None, None)),
            )
            for identifier in existing
        ]
        raise IatiError(conflicts, file=read.file)
    problems: list[Problem] = []
    for batch in _batches(read, VALIDATION_BATCH):
        report = validate_submission(batch, context=context_for(store, batch), replaces=True)
        if not report.conforms:
            problems += _problems(report, read)
    if problems:
        raise IatiError(problems, file=read.file)
    return existing


VALIDATION_BATCH = 250
"""Activities validated together: pyshacl's time and memory grow with the graph it runs on, and no shape
looks from one record into another's nested nodes, so a file is checked a batch of records at a time."""


def _batches(read: IatiImport, size: int) -> Iterator[rdflib.Graph]:
    """The records of `read` (each with its nested blank nodes), `size` activities at a time, with their source."""
    graph = read.graph
    source = list(graph.triples((read.source, None, None)))
    activities = list(read.activities.values())
    for start in range(0, len(activities), size):
        batch = rdflib.Graph()
        for triple in source:
            batch.add(triple)
        for activity in activities[start : start + size]:
            pending: list[rdflib.term.Node] = [activity]
            while pending:
                node = pending.pop()
                for triple in graph.triples((node, None, None)):
                    batch.add(triple)
                    if isinstance(triple[2], BNode):
                        pending.append(triple[2])
        yield batch


def context_for(store: Store, data: rdflib.Graph) -> rdflib.Graph:
    """What the store says about every IRI `data` mentions: the context `validate_submission` needs."""
    iris = {term for triple in data for term in triple if isinstance(term, URIRef)}
    context = rdflib.Graph()
    ordered = sorted(iris)
    for start in range(0, len(ordered), 500):
        values = " ".join(f"<{iri}>" for iri in ordered[start : start + 500])
        result = store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
        for row in solutions(result):
            context.add((_rdflib(row["s"]), _rdflib(row["p"]), _rdflib(row["o"])))
    return context


def _rdflib(term: object) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


def _problems(report: Report, read: IatiImport) -> list[Problem]:
    problems = []
    for violation in report.violations:
        if violation.severity != "Violation":
            continue
        line, column = read.positions.locate(read.graph, violation.focus, violation.path, violation.value)
        detail = f" ({violation.value})" if violation.value and not violation.value.startswith("_:") else ""
        problems.append(
            Problem(
                "rule",
                Text(es=violation.message_es + detail, en=violation.message_en + detail),
                line,
                column,
            )
        )
    return problems


def commit(store: Store, read: IatiImport, *, replaced: dict[str, str] | None = None) -> ImportSummary:
    """Write the records into the register graph in one update: replaced activities' old descriptions go first."""
    replaced = replaced or {}
    body = "\n".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in read.graph)
    deletes = "".join(_delete_record(iri) for iri in replaced.values())
    store.update(f"{deletes}INSERT DATA {{ GRAPH <{REGISTER_GRAPH}> {{\n{body}\n}} }}")
    return ImportSummary(
        source=str(read.source),
        added=tuple(identifier for identifier in read.activities if identifier not in replaced),
        replaced=tuple(replaced),
        triples=len(read.graph),
        skipped=dict(sorted(read.skipped.items())),
    )


def _delete_record(iri: str) -> str:
    """An update that removes a record and the blank nodes nested under it (no other record's)."""
    parts = [f"DELETE WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ <{iri}> ?p0 ?o0 }} }} ;\n"]
    chain = ""
    for depth in range(1, _NESTED_DEPTH + 1):
        chain += f"?b{depth - 1} ?q{depth} ?b{depth} . FILTER(isBlank(?b{depth})) "
        pattern = chain.replace("?b0", f"<{iri}>", 1)
        parts.insert(
            0,
            f"DELETE {{ GRAPH <{REGISTER_GRAPH}> {{ ?b{depth} ?p ?o }} }} "
            f"WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ {pattern} ?b{depth} ?p ?o }} }} ;\n",
        )
    return "".join(parts)


def register_activities(store: Store, *, province: str | None = None) -> list[str]:
    """The activities of the register (of one province's register, by ISO 3166-2 code), by IATI identifier."""
    where = f"?activity <{CG}registerProvince> <{province_iri(province)}> ." if province else ""
    result = store.query(
        f"SELECT ?activity WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?activity a <{CG}CooperationActivity> ; "
        f"<{CG}iatiIdentifier> ?id . {where} }} }} ORDER BY ?id"
    )
    return [row["activity"].value for row in solutions(result)]


def export_iati(store: Store, *, province: str | None = None, generated: dt.datetime | None = None) -> bytes:
    """The register's activities (all, or one province's) as IATI 2.03 XML."""
    activities = register_activities(store, province=province)
    graph = store.to_rdflib([REGISTER_GRAPH])
    return write_iati(graph, [URIRef(a) for a in activities], generated=generated)
