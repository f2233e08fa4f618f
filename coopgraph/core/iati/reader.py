"""IATI 2.03 activity XML -> register records (an rdflib graph): a pure function, `read_iati`.

Nothing here touches a store: `read_iati` gives the records, where each
triple came from in the XML (`Positions`, so that a SHACL result can be
reported at a line and column), and what the register does not keep
(`skipped`: elements and narratives in languages other than es/en, counted by
path). What it reads, element by element, is in ontology/README.md ("The
register"); `coopgraph.core.iati.register` validates and commits.

Problems found while reading (malformed XML, a missing required element, a
date or number that cannot be read, an unknown date type, an activity twice)
are all collected and raised together as one `IatiError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from coopgraph.core.codelists import concept_iri
from coopgraph.core.iati.errors import IatiError, Problem
from coopgraph.core.iati.model import (
    BUDGET_STATUSES,
    BUDGET_TYPES,
    DATE_TYPES,
    DEFAULT_SECTOR_VOCABULARY,
    EXTENSION_NS,
    IATI_VERSION,
    IMPORT_BASE,
    INDICATOR_MEASURES,
    LANGS,
    RESULT_TYPES,
    SECTOR_VOCABULARIES,
    activity_iri,
    province_iri,
)
from coopgraph.core.iati.xmltree import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, XML_LANG, Element, iter_children
from coopgraph.core.vocab import CG, CGR, Text

Position = tuple[int, int]
Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]
_DATE = re.compile(r"^(-?\d{4,}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_PROVINCE_CODE = re.compile(r"^EC-[A-Z]{1,2}$")
_HANDLED = {
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "sector",
    "budget",
    "transaction",
    "document-link",
    "result",
}


def _cg(name: str) -> URIRef:
    return URIRef(CG + name)


@dataclass
class Positions:
    """Where each triple (and each record or nested node) came from in the XML."""

    triples: dict[Triple, Position] = field(default_factory=dict)
    nodes: dict[rdflib.term.Node, Position] = field(default_factory=dict)

    def locate(
        self, graph: rdflib.Graph, focus: str, path: str | None, value: str | None
    ) -> tuple[int | None, int | None]:
        """The line and column of a validation result (focus IRI, path IRI or `(<a> / <b>)`, value)."""
        node: rdflib.term.Node = BNode(focus[2:]) if focus.startswith("_:") else URIRef(focus)
        steps = re.findall(r"<([^<>]*)>", path) if path and path.startswith("(") and " / " in path else []
        if path and not steps and not path.startswith(("(", "^")):
            steps = [path]
        nodes = [node]
        for step in steps[:-1]:
            nodes = [o for n in nodes for o in graph.objects(n, URIRef(step))]
        if steps:
            last = URIRef(steps[-1])
            candidates = [(n, o) for n in nodes for o in graph.objects(n, last)]
            for n, o in candidates:
                if value is None or _term_text(o) == value:
                    found = self.triples.get((n, last, o)) or self.nodes.get(o)
                    if found:
                        return found
            for n in nodes:
                if n in self.nodes and n != node:
                    return self.nodes[n]
        found = self.nodes.get(node)
        return found if found else (None, None)


def _term_text(term: rdflib.term.Node) -> str:
    return term.n3() if isinstance(term, Literal) else str(term)


@dataclass
class Record:
    """One activity as read: its triples, and where each came from (a record's blank nodes are its own)."""

    identifier: str
    iri: URIRef
    triples: list[Triple]
    positions: Positions


@dataclass
class IatiImport:
    """What `read_iati` read: the records, their source, and what was not kept."""

    graph: rdflib.Graph
    source: URIRef
    activities: dict[str, URIRef]
    """IATI identifier -> activity IRI, in file order."""
    province: URIRef
    positions: Positions
    skipped: Counter[str]
    """Paths of elements the register does not keep (and narratives in other languages), counted."""
    file: str
    sha256: str
    records: list[Record] = field(default_factory=list)
    source_triples: list[Triple] = field(default_factory=list)


def read_iati(
    data: bytes,
    *,
    file: str,
    recorded_by: str,
    recorded_at: dt.datetime,
    province: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> IatiImport:
    """Read an IATI 2.03 activity file into register records; `IatiError` with every problem found.

    `province` is the register's province (ISO 3166-2 code such as `EC-L`,
    or its IRI); when absent, the file must name it (coopgraph's
    `cg:registerProvince` extension element, as `export-iati` writes it).
    `recorded_by` and `recorded_at` say who imported the file and when: they
    go on the file's `cg:IatiFileImport`, which every record cites.
    """
    reading = IatiReading(
        data,
        file=file,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
        province=province,
        max_bytes=max_bytes,
        max_depth=max_depth,
    )
    records = list(reading.records())
    reading.finish()
    graph = rdflib.Graph()
    positions = Positions()
    for record in records:
        for triple in record.triples:
            graph.add(triple)
        positions.triples.update(record.positions.triples)
        positions.nodes.update(record.positions.nodes)
    for triple in reading.source_triples:
        graph.add(triple)
    positions.nodes.update(reading.source_positions.nodes)
    return IatiImport(
        graph=graph,
        source=reading.source,
        activities={record.identifier: record.iri for record in records},
        province=reading.province,
        positions=positions,
        skipped=reading.skipped,
        file=file,
        sha256=reading.sha256,
        records=records,
        source_triples=reading.source_triples,
    )


class IatiReading:
    """Reading one IATI file an activity at a time: `records()`, then `finish()`.

    Why: an import of thousands of activities checks and stages each batch of
    records as it is read, so no step holds the whole file as a tree or a
    graph. `records()` yields each activity read (including those with
    problems: callers stop checking once `problems` is not empty);
    `finish()` raises every reading problem, the province's first, as
    `read_iati` does. `source_triples` (the file's `cg:IatiFileImport`) are
    known once the first record is yielded.
    """

    def __init__(
        self,
        data: bytes,
        *,
        file: str,
        recorded_by: str,
        recorded_at: dt.datetime,
        province: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self._data = data
        self._limits = {"max_bytes": max_bytes, "max_depth": max_depth}
        self._reader = _Reader(file)
        self._recorded_by = recorded_by
        self._given = province
        self.file = file
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.stamp = recorded_at.astimezone(dt.UTC).replace(microsecond=0)
        self.source = URIRef(f"{IMPORT_BASE}{self.sha256[:16]}-{self.stamp.strftime('%Y%m%dT%H%M%SZ')}")
        self.province = URIRef(CGR + "provincia-desconocida")
        self.source_triples: list[Triple] = []
        self.source_positions = Positions()
        self._head_problems: list[Problem] = []
        self._province_problems: list[Problem] = []
        self._done = False

    @property
    def problems(self) -> list[Problem]:
        """The reading problems found so far, in the order `finish()` gives them (the province's are known at the end)."""
        return self._head_problems + self._province_problems + self._reader.problems

    @property
    def skipped(self) -> Counter[str]:
        """What the register does not keep, counted by path."""
        return self._reader.skipped

    def records(self) -> Iterator[Record]:
        """Each activity of the file, in file order, as soon as the register's province is known."""
        reader = self._reader
        elements = iter_children(self._data, file=self.file, **self._limits)
        root = next(elements)
        if root.tag != "iati-activities":
            for _ in elements:  # a malformed document is reported as such, as a whole parse would
                pass
            reader.problem(
                "structure",
                f"no es un archivo de actividades IATI: el elemento raíz es <{root.tag}>, no <iati-activities>",
                f"not an IATI activity file: the root element is <{root.tag}>, not <iati-activities>",
                root,
            )
            raise IatiError(reader.problems, file=self.file)
        version = root.attrs.get("version")
        if version != IATI_VERSION:
            reader.problem(
                "structure",
                f"version={version!r}: el registro lee IATI {IATI_VERSION}",
                f"version={version!r}: the register reads IATI {IATI_VERSION}",
                root,
            )
            self._head_problems, reader.problems = reader.problems, []
        self.source_positions.nodes[self.source] = (root.line, root.column)
        wanted = self._given_province()
        named: set[str] = set()
        waiting: list[Element] = []
        first_seen: dict[str, int] = {}
        count = 0
        for element in elements:
            if element.tag != "iati-activity":
                reader.skipped[element.tag] += 1
                continue
            count += 1
            named |= {ext.attrs.get("ref", "") for ext in element.findall(f"{{{EXTENSION_NS}}}registerProvince")}
            if wanted is None and named:
                wanted = min(named)
            waiting.append(element)
            if wanted is None:
                continue  # held until the file names its province (or ends)
            if not self.source_triples:
                self._start(root, URIRef(wanted))
            for held in waiting:
                if (record := self._record(held, first_seen)) is not None:
                    yield record
            waiting.clear()
        if count == 0:
            reader.problem(
                "structure",
                "<iati-activities> no tiene ninguna <iati-activity>",
                "<iati-activities> has no <iati-activity>",
                root,
            )
        final = self._resolve(root, named)
        if not self.source_triples:
            self._start(root, final)
        for held in waiting:
            if (record := self._record(held, first_seen)) is not None:
                yield record
        self._done = True

    def finish(self) -> None:
        """Raise `IatiError` with every reading problem (the province's first); call after `records()` ran out."""
        if not self._done:
            raise RuntimeError("finish() before records() ran out")
        problems = self.problems
        if problems:
            raise IatiError(problems, file=self.file)

    def _record(self, element: Element, first_seen: dict[str, int]) -> Record | None:
        """Read one activity; `first_seen` (identifier -> line) finds one that comes twice."""
        reader = self._reader
        identifier_element = element.find("iati-identifier")
        identifier = identifier_element.text if identifier_element is not None else ""
        if identifier_element is None or not identifier:
            reader.problem(
                "structure",
                "<iati-activity> necesita un <iati-identifier> con texto",
                "<iati-activity> needs an <iati-identifier> with text",
                identifier_element or element,
            )
            return None
        if identifier in first_seen:
            reader.problem(
                "conflict",
                f"la actividad {identifier!r} aparece dos veces (la primera en la línea {first_seen[identifier]})",
                f"the activity {identifier!r} appears twice (first at line {first_seen[identifier]})",
                element,
            )
            return None
        first_seen[identifier] = element.line
        record = Record(identifier, URIRef(activity_iri(identifier)), [], Positions())
        reader.current = record
        reader.activity(element, record.iri, identifier_element, self.source, self.province)
        return record

    def _given_province(self) -> str | None:
        given = self._given
        if not given:
            return None
        if given.startswith(CGR):
            return given
        if _PROVINCE_CODE.match(given.upper()):
            return province_iri(given.upper())
        return None

    def _resolve(self, root: Element, named: set[str]) -> URIRef:
        """The register's province, from the option or the file, with the problems of a missing or
        disagreeing one (computed as a whole, once every activity has been seen)."""
        problems: list[Problem] = []

        def problem(kind: str, es: str, en: str, at: Element | None = None) -> None:
            problems.append(Problem(kind, Text(es=es, en=en), at.line if at else None, at.column if at else None))

        given = self._given
        wanted = self._given_province()
        if given and wanted is None:
            problem(
                "value",
                f"{given!r} no es una provincia (código ISO 3166-2, p. ej. EC-L)",
                f"{given!r} is not a province (an ISO 3166-2 code such as EC-L)",
            )
        if wanted is None and len(named) == 1:
            wanted = next(iter(named))
        self._province_problems = problems
        if wanted is None:
            if not problems and not self._head_problems:
                problem(
                    "structure",
                    "falta la provincia del registro: indíquela (--province EC-L)",
                    "the register's province is missing: give it (--province EC-L)",
                )
            return URIRef(CGR + "provincia-desconocida")
        for other in sorted(named - {wanted}):
            problem(
                "conflict",
                f"el archivo es del registro de {other}, no de {wanted}",
                f"the file belongs to the register of {other}, not of {wanted}",
                root,
            )
        return URIRef(wanted)

    def _start(self, root: Element, province: URIRef) -> None:
        """The province is known: the file's `cg:IatiFileImport` can be described."""
        self.province = province
        when = self.stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        source, file = self.source, self.file
        triples: list[Triple] = [
            (source, RDF.type, _cg("IatiFileImport")),
            (source, RDFS.label, Literal(f"Archivo IATI importado: {file} ({when})", lang="es")),
            (source, RDFS.label, Literal(f"Imported IATI file: {file} ({when})", lang="en")),
            (source, DCTERMS.title, Literal(file)),
            (source, DCTERMS.creator, Literal(self._recorded_by)),
            (source, _cg("recordedAt"), Literal(when, datatype=XSD.dateTime)),
            (source, _cg("sha256"), Literal(self.sha256)),
            (source, _cg("iatiVersion"), Literal(root.attrs.get("version", ""))),
            (source, _cg("registerProvince"), province),
        ]
        generated = root.attrs.get("generated-datetime")
        if generated and _DATETIME.match(generated):
            triples.append((source, PROV.generatedAtTime, Literal(generated, datatype=XSD.dateTime)))
        self.source_triples = triples


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.current = Record("", URIRef(""), [], Positions())
        self.problems: list[Problem] = []
        self.skipped: Counter[str] = Counter()

    # ------------------------------------------------------------ helpers

    def problem(self, kind: str, es: str, en: str, at: Element | None = None) -> None:
        self.problems.append(Problem(kind, Text(es=es, en=en), at.line if at else None, at.column if at else None))

    def add(self, s: rdflib.term.Node, p: str | URIRef, o: rdflib.term.Node, at: Element) -> None:
        triple = (s, URIRef(p), o)
        record = self.current
        if triple not in record.positions.triples:
            record.triples.append(triple)
            record.positions.triples[triple] = (at.line, at.column)

    def node(self, at: Element, cls: str) -> BNode:
        node = BNode()
        self.current.triples.append((node, RDF.type, _cg(cls)))
        self.current.positions.nodes[node] = (at.line, at.column)
        return node

    def required(self, element: Element, name: str) -> str | None:
        value = element.attrs.get(name)
        if value is None or not value.strip():
            self.problem(
                "structure",
                f"<{element.tag}> necesita el atributo {name}",
                f"<{element.tag}> needs the attribute {name}",
                element,
            )
            return None
        return value.strip()

    def child(self, element: Element, tag: str) -> Element | None:
        found = element.find(tag)
        if found is None:
            self.problem(
                "structure",
                f"<{element.tag}> necesita un elemento <{tag}>",
                f"<{element.tag}> needs a <{tag}> element",
                element,
            )
        return found

    def date(self, element: Element, name: str = "iso-date") -> Literal | None:
        text = self.required(element, name)
        if text is None:
            return None
        match = _DATE.match(text)
        try:
            if match is None:
                raise ValueError
            dt.date.fromisoformat(match.group(1))
        except ValueError:
            self.problem(
                "value",
                f"{name}={text!r} no es una fecha (AAAA-MM-DD)",
                f"{name}={text!r} is not a date (YYYY-MM-DD)",
                element,
            )
            return None
        return Literal(match.group(1), datatype=XSD.date)

    def decimal(self, element: Element, text: str | None, what: str) -> Literal | None:
        if text is None:
            return None
        text = text.strip()
        try:
            if not _DECIMAL.match(text):
                raise InvalidOperation
            number = Decimal(text)
        except InvalidOperation:
            self.problem("value", f"{what} {text!r} no es un número", f"{what} {text!r} is not a number", element)
            return None
        return Literal(canonical_decimal(number), datatype=XSD.decimal)

    def narratives(self, element: Element, default_lang: str | None, path: str) -> list[tuple[str, str, Element]]:
        """(lang, text, element) of the es/en narratives; others are counted as not kept."""
        found = []
        for narrative in element.findall("narrative"):
            text = narrative.text
            if not text:
                continue
            lang = (narrative.attrs.get(XML_LANG) or default_lang or "").lower().split("-")[0]
            if not lang:
                self.problem(
                    "structure",
                    "una narrativa sin idioma: indique xml:lang en la narrativa o en <iati-activity> (regla IATI 4.1.1)",
                    "a narrative without a language: give xml:lang on the narrative or on <iati-activity> "
                    "(IATI rule 4.1.1)",
                    narrative,
                )
                continue
            if lang not in LANGS:
                self.skipped[f"{path}/narrative[@xml:lang='{lang}']"] += 1
                continue
            found.append((lang, text, narrative))
        return found

    def text_property(
        self, subject: rdflib.term.Node, prop: URIRef | str, element: Element, lang: str | None, path: str
    ) -> int:
        count = 0
        for narrative_lang, text, narrative in self.narratives(element, lang, path):
            self.add(subject, prop, Literal(text, lang=narrative_lang), narrative)
            count += 1
        return count

    def code(self, subject: rdflib.term.Node, prop: str, codelist: str, element: Element, attr: str = "code") -> None:
        value = self.required(element, attr)
        if value is not None:
            self.add(subject, _cg(prop), URIRef(concept_iri(codelist, value)), element)

    def organisation(self, subject: rdflib.term.Node, element: Element, lang: str | None, path: str) -> None:
        if ref := (element.attrs.get("ref") or "").strip():
            self.add(subject, _cg("orgRef"), Literal(ref), element)
        if org_type := (element.attrs.get("type") or "").strip():
            self.add(subject, _cg("orgType"), URIRef(concept_iri("OrganisationType", org_type)), element)
        self.text_property(subject, _cg("orgName"), element, lang, path)

    def value(self, subject: rdflib.term.Node, element: Element, default_currency: str | None) -> None:
        amount = self.decimal(element, element.text, "value")
        if amount is not None:
            self.add(subject, _cg("amount"), amount, element)
        currency = (element.attrs.get("currency") or "").strip() or default_currency
        if currency is None:
            self.problem(
                "structure",
                "un valor sin moneda: indique currency o default-currency en la actividad (regla IATI 7.8.1)",
                "a value without a currency: give currency, or default-currency on the activity (IATI rule 7.8.1)",
                element,
            )
        else:
            self.add(subject, _cg("currency"), URIRef(concept_iri("Currency", currency)), element)
        if (value_date := self.date(element, "value-date")) is not None:
            self.add(subject, _cg("valueDate"), value_date, element)

    # ------------------------------------------------------------ one activity

    def activity(
        self, element: Element, activity: URIRef, identifier_element: Element, source: URIRef, province: URIRef
    ) -> None:
        """Read one <iati-activity> into `self.current`."""
        identifier = identifier_element.text
        self.current.positions.nodes[activity] = (element.line, element.column)
        lang = element.attrs.get(XML_LANG)
        default_currency = (element.attrs.get("default-currency") or "").strip() or None
        self.add(activity, RDF.type, _cg("CooperationActivity"), element)
        self.add(activity, _cg("iatiIdentifier"), Literal(identifier), identifier_element)
        self.add(activity, DCTERMS.source, source, element)
        self.add(activity, _cg("registerProvince"), province, element)
        if default_currency:
            self.add(activity, _cg("defaultCurrency"), URIRef(concept_iri("Currency", default_currency)), element)
        if (hierarchy := element.attrs.get("hierarchy")) is not None:
            if _INTEGER.match(hierarchy.strip()):
                self.add(activity, _cg("hierarchy"), Literal(int(hierarchy), datatype=XSD.integer), element)
            else:
                self.problem(
                    "value",
                    f"hierarchy={hierarchy!r} no es un entero",
                    f"hierarchy={hierarchy!r} is not an integer",
                    element,
                )
        if (updated := element.attrs.get("last-updated-datetime")) is not None:
            if _DATETIME.match(updated.strip()):
                self.add(activity, _cg("lastUpdated"), Literal(updated.strip(), datatype=XSD.dateTime), element)
            else:
                self.problem(
                    "value",
                    f"last-updated-datetime={updated!r} no es una fecha y hora",
                    f"last-updated-datetime={updated!r} is not a date-time",
                    element,
                )
        title = element.find("title")
        if title is None:
            self.child(element, "title")
        else:
            seen: set[str] = set()
            for narrative_lang, text, narrative in self.narratives(title, lang, "title"):
                if narrative_lang in seen:
                    self.skipped[f"title/narrative[@xml:lang='{narrative_lang}'] (a second one)"] += 1
                    continue
                seen.add(narrative_lang)
                self.add(activity, RDFS.label, Literal(text, lang=narrative_lang), narrative)
            self._title_languages(title, seen)
        for child in element.children:
            self._activity_child(activity, child, lang, default_currency)

    def _title_languages(self, title: Element, langs: set[str]) -> None:
        for missing in [x for x in LANGS if x not in langs]:
            self.problem(
                "structure",
                f'el registro guarda cada título en español e inglés: falta una narrativa xml:lang="{missing}"',
                f'the register keeps every title in Spanish and English: a narrative xml:lang="{missing}" is missing',
                title,
            )

    def _activity_child(self, activity: URIRef, child: Element, lang: str | None, default_currency: str | None) -> None:
        tag = child.tag
        if tag.startswith("{"):
            self._extension(activity, child)
        elif tag not in _HANDLED:
            self.skipped[tag] += 1
        elif tag == "reporting-org":
            org = self.node(child, "NamedOrganisation")
            self.add(activity, _cg("reportingOrg"), org, child)
            self.organisation(org, child, lang, "reporting-org")
        elif tag == "description":
            if child.attrs.get("type", "1") == "1":
                self.text_property(activity, DCTERMS.description, child, lang, "description")
            else:
                self.skipped[f"description[@type='{child.attrs['type']}']"] += 1
        elif tag == "participating-org":
            participation = self.node(child, "Participation")
            self.add(activity, _cg("participatingOrg"), participation, child)
            self.code(participation, "organisationRole", "OrganisationRole", child, "role")
            self.organisation(participation, child, lang, "participating-org")
        elif tag == "activity-status":
            self.code(activity, "activityStatus", "ActivityStatus", child)
        elif tag == "activity-date":
            self._activity_date(activity, child)
        elif tag == "recipient-country":
            share = self.node(child, "CountryShare")
            self.add(activity, _cg("recipientCountry"), share, child)
            if (code := self.required(child, "code")) is not None:
                self.add(share, _cg("countryCode"), Literal(code), child)
            self._percentage(share, child)
        elif tag == "sector":
            self._sector(activity, child)
        elif tag == "budget":
            self._budget(activity, child, default_currency)
        elif tag == "transaction":
            self._transaction(activity, child, lang, default_currency)
        elif tag == "document-link":
            self._document(activity, child, lang)
        elif tag == "result":
            self._result(activity, child, lang)

    def _extension(self, activity: URIRef, child: Element) -> None:
        namespace, _, name = child.tag[1:].partition("}")
        if namespace != EXTENSION_NS or name not in ("activityTerritory", "executes", "registerProvince"):
            self.skipped[child.tag] += 1
            return
        if name == "registerProvince":
            return  # read once for the whole file (_province)
        ref = self.required(child, "ref")
        if ref is None:
            return
        if not ref.startswith(CGR):
            self.problem(
                "value",
                f"{name}: {ref!r} no es un recurso del grafo ({CGR}…)",
                f"{name}: {ref!r} is not a resource of the graph ({CGR}…)",
                child,
            )
            return
        self.add(activity, _cg(name), URIRef(ref), child)

    def _activity_date(self, activity: URIRef, child: Element) -> None:
        date_type = self.required(child, "type")
        if date_type is None:
            return
        prop = DATE_TYPES.get(date_type)
        if prop is None:
            self.problem(
                "value",
                f"activity-date type={date_type!r} no es un código de ActivityDateType (1, 2, 3, 4)",
                f"activity-date type={date_type!r} is not an ActivityDateType code (1, 2, 3, 4)",
                child,
            )
            return
        if child.findall("narrative"):
            self.skipped["activity-date/narrative"] += len(child.findall("narrative"))
        if any(s == activity and p == _cg(prop) for s, p, _ in self.current.triples):
            self.problem(
                "structure",
                f"dos activity-date de tipo {date_type}",
                f"two activity-date elements of type {date_type}",
                child,
            )
            return
        if (date := self.date(child)) is not None:
            self.add(activity, _cg(prop), date, child)

    def _percentage(self, subject: rdflib.term.Node, child: Element) -> None:
        if (text := child.attrs.get("percentage")) is not None:
            percentage = self.decimal(child, text, "percentage")
            if percentage is not None:
                self.add(subject, _cg("percentage"), percentage, child)

    def _sector(self, activity: URIRef, child: Element) -> None:
        vocabulary = (child.attrs.get("vocabulary") or "").strip() or DEFAULT_SECTOR_VOCABULARY
        codelist = SECTOR_VOCABULARIES.get(vocabulary)
        if codelist is None:
            self.skipped[f"sector[@vocabulary='{vocabulary}']"] += 1
            return
        share = self.node(child, "SectorShare")
        self.add(activity, _cg("sectorShare"), share, child)
        self.add(share, _cg("sectorVocabulary"), URIRef(concept_iri("SectorVocabulary", vocabulary)), child)
        self.code(share, "sectorCode", codelist, child)
        self._percentage(share, child)

    def _period(self, subject: rdflib.term.Node, element: Element) -> None:
        for tag, prop in (("period-start", "periodStart"), ("period-end", "periodEnd")):
            part = self.child(element, tag)
            if part is not None and (date := self.date(part)) is not None:
                self.add(subject, _cg(prop), date, part)

    def _budget(self, activity: URIRef, child: Element, default_currency: str | None) -> None:
        budget = self.node(child, "Budget")
        self.add(activity, _cg("budget"), budget, child)
        for attr, prop, allowed in (("type", "budgetType", BUDGET_TYPES), ("status", "budgetStatus", BUDGET_STATUSES)):
            if (code := child.attrs.get(attr)) is not None:
                self._closed_code(budget, prop, code, allowed, child, f"budget/@{attr}")
        self._period(budget, child)
        if (value := self.child(child, "value")) is not None:
            self.value(budget, value, default_currency)

    def _closed_code(
        self, subject: rdflib.term.Node, prop: str, code: str, allowed: tuple[str, ...], at: Element, what: str
    ) -> None:
        if code not in allowed:
            self.problem(
                "rule",
                f"{what}={code!r} no es un código válido ({', '.join(allowed)})",
                f"{what}={code!r} is not a valid code ({', '.join(allowed)})",
                at,
            )
            return
        self.add(subject, _cg(prop), Literal(code), at)

    def _transaction(self, activity: URIRef, child: Element, lang: str | None, default_currency: str | None) -> None:
        transaction = self.node(child, "Transaction")
        self.add(activity, _cg("transaction"), transaction, child)
        if ref := (child.attrs.get("ref") or "").strip():
            self.add(transaction, _cg("transactionRef"), Literal(ref), child)
        if (kind := self.child(child, "transaction-type")) is not None:
            self.code(transaction, "transactionType", "TransactionType", kind)
        if (when := self.child(child, "transaction-date")) is not None and (date := self.date(when)) is not None:
            self.add(transaction, _cg("transactionDate"), date, when)
        if (value := self.child(child, "value")) is not None:
            self.value(transaction, value, default_currency)
        for part in child.children:
            if part.tag == "description":
                self.text_property(transaction, DCTERMS.description, part, lang, "transaction/description")
            elif part.tag in ("provider-org", "receiver-org"):
                org = self.node(part, "NamedOrganisation")
                self.add(transaction, _cg("providerOrg" if part.tag == "provider-org" else "receiverOrg"), org, part)
                self.organisation(org, part, lang, f"transaction/{part.tag}")
            elif part.tag not in ("transaction-type", "transaction-date", "value"):
                self.skipped[f"transaction/{part.tag}"] += 1

    def _document(self, activity: rdflib.term.Node, child: Element, lang: str | None) -> None:
        document = self.node(child, "DocumentLink")
        self.add(activity, _cg("document"), document, child)
        if (url := self.required(child, "url")) is not None:
            self.add(document, _cg("url"), Literal(url, datatype=XSD.anyURI), child)
        if (media := self.required(child, "format")) is not None:
            self.add(document, DCTERMS["format"], Literal(media), child)
        for part in child.children:
            if part.tag == "title":
                self.text_property(document, DCTERMS.title, part, lang, "document-link/title")
            elif part.tag == "category":
                self.code(document, "documentCategory", "DocumentCategory", part)
            elif part.tag == "document-date":
                if (date := self.date(part)) is not None:
                    self.add(document, _cg("documentDate"), date, part)
            else:
                self.skipped[f"document-link/{part.tag}"] += 1

    def _result(self, activity: URIRef, child: Element, lang: str | None) -> None:
        result = self.node(child, "Result")
        self.add(activity, _cg("result"), result, child)
        if (code := self.required(child, "type")) is not None:
            self._closed_code(result, "resultType", code, RESULT_TYPES, child, "result/@type")
        for part in child.children:
            if part.tag == "title":
                self.text_property(result, DCTERMS.title, part, lang, "result/title")
            elif part.tag == "description":
                self.text_property(result, DCTERMS.description, part, lang, "result/description")
            elif part.tag == "indicator":
                self._indicator(result, part, lang)
            else:
                self.skipped[f"result/{part.tag}"] += 1

    def _indicator(self, result: BNode, element: Element, lang: str | None) -> None:
        indicator = self.node(element, "Indicator")
        self.add(result, _cg("indicator"), indicator, element)
        if (code := self.required(element, "measure")) is not None:
            self._closed_code(indicator, "measure", code, INDICATOR_MEASURES, element, "indicator/@measure")
        if (ascending := element.attrs.get("ascending")) is not None:
            if ascending in ("true", "1", "false", "0"):
                self.add(indicator, _cg("ascending"), Literal(ascending in ("true", "1")), element)
            else:
                self.problem(
                    "value",
                    f"ascending={ascending!r} no es un booleano",
                    f"ascending={ascending!r} is not a boolean",
                    element,
                )
        baselines = 0
        for part in element.children:
            if part.tag == "title":
                self.text_property(indicator, DCTERMS.title, part, lang, "result/indicator/title")
            elif part.tag == "description":
                self.text_property(indicator, DCTERMS.description, part, lang, "result/indicator/description")
            elif part.tag == "baseline" and baselines == 0:
                baselines += 1
                self._baseline(indicator, part)
            elif part.tag == "period":
                self._indicator_period(indicator, part)
            else:
                self.skipped[f"result/indicator/{part.tag}"] += 1

    def _baseline(self, indicator: BNode, part: Element) -> None:
        year = self.required(part, "year")
        if year is not None:
            if _INTEGER.match(year):
                self.add(indicator, _cg("baselineYear"), Literal(int(year), datatype=XSD.integer), part)
            else:
                self.problem("value", f"year={year!r} no es un año", f"year={year!r} is not a year", part)
        if (value := part.attrs.get("value")) is not None:
            self.add(indicator, _cg("baseline"), Literal(value), part)
        for extra in part.children:
            self.skipped[f"result/indicator/baseline/{extra.tag}"] += 1

    def _indicator_period(self, indicator: BNode, part: Element) -> None:
        period = self.node(part, "IndicatorPeriod")
        self.add(indicator, _cg("indicatorPeriod"), period, part)
        self._period(period, part)
        for tag in ("target", "actual"):
            values = part.findall(tag)
            for index, item in enumerate(values):
                if index == 0 and (value := item.attrs.get("value")) is not None:
                    self.add(period, _cg(tag), Literal(value), item)
                else:
                    self.skipped[f"result/indicator/period/{tag}"] += 1
                for extra in item.children:
                    self.skipped[f"result/indicator/period/{tag}/{extra.tag}"] += 1


def canonical_decimal(number: Decimal) -> str:
    """A decimal in plain notation without trailing zeros: `Decimal("1000.50")` -> `1000.5`.

    >>> canonical_decimal(Decimal("1000.50")), canonical_decimal(Decimal("100")), canonical_decimal(Decimal("1E+2"))
    ('1000.5', '100', '100')
    """
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
