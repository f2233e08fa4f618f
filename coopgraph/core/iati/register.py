"""The register in a store: validate and commit what `read_iati` read, and export activities as IATI.

Import is three steps, so that the writes issue can route the same call
through its gate and audit:

1. `read_iati(data, ...)` (reader.py): XML -> records, a pure function;
2. `check(store, read)`: conflicts with the register (an activity already
   there, unless `replace`), then the SHACL shapes through
   `validate_submission`, with the context the records reference, read from
   the store; every result is reported at its line and column in the XML;
3. `commit(store, read)`: one write to the register graph, all or nothing.

`import_iati` does the three an activity at a time (`IatiReading`): a batch
of `VALIDATION_BATCH` records is checked as soon as it is read and staged in
a temporary file, so a large file is never held whole; the outcome (what is
written, every problem and its order) is the same. An activity whose IATI identifier is already in
the register is a conflict (the import changes nothing and names them), not
a silent merge: `replace=True` replaces those activities' whole descriptions,
nested budgets, transactions and results included, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef

from coopgraph.core.iati.errors import IatiError, Problem
from coopgraph.core.iati.model import REGISTER_GRAPH, province_iri
from coopgraph.core.iati.reader import IatiImport, IatiReading, Positions, Record, Triple
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
    """Read, check and commit an IATI file into the register graph; `IatiError` and no change on any problem.

    The same three steps as `read_iati` + `check` + `commit`, a batch of
    activities at a time: each batch is checked as soon as it is read and
    staged as text in a temporary file until the one commit, so memory
    follows a batch, not the whole file as a tree and a graph.
    """
    limits = {} if max_bytes is None else {"max_bytes": max_bytes}
    reading = IatiReading(
        data,
        file=file,
        recorded_by=recorded_by,
        recorded_at=recorded_at or dt.datetime.now(dt.UTC),
        province=province,
        **limits,
    )
    checker = _Checker(store, replace=replace, file=file)
    identifiers: list[str] = []
    triples = 0
    batch: list[Record] = []
    with _Staged() as staged:
        for record in reading.records():
            identifiers.append(record.identifier)
            triples += len(record.triples)
            batch.append(record)
            if len(batch) >= VALIDATION_BATCH:
                checker.check(batch, reading.source_triples, stop=bool(reading.problems))
                if not (reading.problems or checker.problems):
                    staged.add(batch)
                batch = []
        if batch:
            checker.check(batch, reading.source_triples, stop=bool(reading.problems))
            staged.add(batch)
        reading.finish()
        checker.finish()
        staged.write(reading.source_triples)
        staged.commit(store, replaced=checker.existing)
    return ImportSummary(
        source=str(reading.source),
        added=tuple(identifier for identifier in identifiers if identifier not in checker.existing),
        replaced=tuple(checker.existing),
        triples=triples + len(reading.source_triples),
        skipped=dict(sorted(reading.skipped.items())),
    )


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
    checker = _Checker(store, replace=replace, file=read.file)
    for start in range(0, len(read.records), VALIDATION_BATCH):
        checker.check(read.records[start : start + VALIDATION_BATCH], read.source_triples)
    checker.finish()
    return checker.existing


VALIDATION_BATCH = 250
"""Activities validated together: pyshacl's time and memory grow with the graph it runs on, and no shape
looks from one record into another's nested nodes, so a file is checked a batch of records at a time."""


class _Checker:
    """Checks batches of records against a store: conflicts first, then the shapes, each kept apart.

    Once a conflict (or, with `stop`, a reading problem) is known, later
    batches are checked for conflicts only: an import reports reading
    problems, else conflicts, else rule problems, so the shapes' results
    would not be shown.
    """

    def __init__(self, store: Store, *, replace: bool, file: str) -> None:
        self.store, self.replace, self.file = store, replace, file
        self.existing: dict[str, str] = {}
        self.conflicts: list[Problem] = []
        self.rules: list[Problem] = []

    @property
    def problems(self) -> list[Problem]:
        return self.conflicts or self.rules

    def check(self, records: list[Record], source: list[Triple], *, stop: bool = False) -> None:
        existing = existing_activities(self.store, (record.identifier for record in records))
        if existing and not self.replace:
            nodes = {record.identifier: record.positions.nodes for record in records}
            self.conflicts += [
                Problem(
                    "conflict",
                    Text(
                        es=f"la actividad {identifier!r} ya está en el registro: use --replace para reemplazarla",
                        en=f"the activity {identifier!r} is already in the register: use --replace to replace it",
                    ),
                    *nodes[identifier].get(URIRef(iri), (None, None)),
                )
                for identifier, iri in existing.items()
            ]
        self.existing.update(existing)
        if stop or self.conflicts:
            return
        batch = rdflib.Graph()
        positions = Positions()
        for triple in source:
            batch.add(triple)
        for record in records:
            for triple in record.triples:
                batch.add(triple)
            positions.triples.update(record.positions.triples)
            positions.nodes.update(record.positions.nodes)
        report = validate_submission(batch, context=context_for(self.store, batch), replaces=True)
        if not report.conforms:
            self.rules += _problems(report, batch, positions)

    def finish(self) -> None:
        """Raise the conflicts, else the rule problems, as one `IatiError`."""
        if self.problems:
            raise IatiError(self.problems, file=self.file)


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


def _problems(report: Report, graph: rdflib.Graph, positions: Positions) -> list[Problem]:
    problems = []
    for violation in report.violations:
        if violation.severity != "Violation":
            continue
        line, column = positions.locate(graph, violation.focus, violation.path, violation.value)
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
    """Write the records into the register graph in one transaction: replaced activities' old descriptions go first."""
    replaced = replaced or {}
    with _Staged() as staged:
        staged.write(read.graph)
        staged.commit(store, replaced=replaced)
    return ImportSummary(
        source=str(read.source),
        added=tuple(identifier for identifier in read.activities if identifier not in replaced),
        replaced=tuple(replaced),
        triples=len(read.graph),
        skipped=dict(sorted(read.skipped.items())),
    )


class _Staged:
    """The records to commit, as Turtle in a temporary file: an import holds one batch in memory, not the file.

    `commit` writes them in one transaction: as a load into the register
    graph (what `coopgraph load` does) or, when activities are replaced,
    as one update that deletes their old descriptions and inserts the new.
    """

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".ttl")  # noqa: SIM115 (closed by __exit__)

    def __enter__(self) -> _Staged:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()

    def add(self, records: list[Record]) -> None:
        for record in records:
            self.write(record.triples)

    def write(self, triples: Iterable[Triple]) -> None:
        # Turtle, not N-Triples: rdflib writes a literal with a line break in triple quotes.
        self._file.write("".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples))

    def commit(self, store: Store, *, replaced: dict[str, str]) -> None:
        self._file.flush()
        if not replaced:
            store.load([self._file.name], graph=REGISTER_GRAPH, format="turtle")
            return
        self._file.seek(0)
        deletes = "".join(_delete_record(iri) for iri in replaced.values())
        store.update(f"{deletes}INSERT DATA {{ GRAPH <{REGISTER_GRAPH}> {{\n{self._file.read()}}} }}")


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
