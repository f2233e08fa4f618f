"""A form's record as quads in the register graph: its IRI minted as the register mints them, its `cg:ManualEntry`.

IRIs follow ontology/README.md ("The register"): a signed instrument is
`cgr:instrumento/<province, lower>-<year>-<number>`, a demand
`cgr:demanda/<province>-<year>-<number>` (the year of its signature or of
the day it was stated, the number one more than the highest of that
province and year), the entry `cgr:anotacion/<province>-<UTC time>`.
Editing replaces the record's whole description (its parties, blank nodes,
go with it) and cites a new entry: who changed it, when; the earlier entry
stays, as the record of who entered it first. A project keeps what its form
does not ask for (an actual start, budgets, transactions of an IATI import).
An edit made from a form filled before someone else changed the record is
refused (`EditedSince`): the form carries the record's version (version.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pyoxigraph as ox

from coopgraph.core.forms.fields import (
    ACTIVITY,
    AGREEMENT,
    AGREEMENT_TYPES,
    DEMAND,
    FormError,
    RecordForm,
    SectorPick,
)
from coopgraph.core.forms.version import record_version
from coopgraph.core.iati.model import REGISTER_GRAPH, province_iri
from coopgraph.core.vocab import CG, CGR, DCTERMS, IATI, LABEL, RDF_TYPE, XSD, Text
from coopgraph.core.writes.delta import Delta, change

REGISTER = ox.NamedNode(REGISTER_GRAPH)
BASES = {AGREEMENT: CGR + "instrumento/", DEMAND: CGR + "demanda/", ACTIVITY: CGR + "actividad/"}
ENTRY_BASE = CGR + "anotacion/"
ACTIVITY_CLASS = CG + "CooperationActivity"
CLASSES = {
    AGREEMENT: tuple(CG + name for name in (*AGREEMENT_TYPES, "Agreement")),
    DEMAND: (CG + "CooperationDemand",),
    ACTIVITY: (ACTIVITY_CLASS,),
}
"""The classes a record of each kind may have (an instrument whose kind is missing is a plain cg:Agreement)."""
ACTIVITY_FORM_PROPERTIES = frozenset(
    [RDF_TYPE, LABEL, DCTERMS + "description", DCTERMS + "source"]
    + [
        CG + name
        for name in (
            "registerProvince",
            "iatiIdentifier",
            "reportingOrg",
            "activityStatus",
            "plannedStart",
            "plannedEnd",
            "participatingOrg",
            "sectorShare",
            "activityTerritory",
            "executes",
        )
    ]
)
"""What the project form writes: an edit replaces these and keeps the project's other triples."""
SKOS = "http://www.w3.org/2004/02/skos/core#"
SECTOR_LISTS = {IATI + "Sector": "1", IATI + "SectorCategory": "2"}
"""The IATI sector lists a project's sector may come from, and their SectorVocabulary code (1 DAC 5-digit, 2 DAC 3-digit)."""
MATCHES = tuple(SKOS + name for name in ("exactMatch", "closeMatch", "narrowMatch", "broadMatch"))
MAX_DEPTH = 4
_TYPE = ox.NamedNode(RDF_TYPE)
_DATE = ox.NamedNode(XSD + "date")
_DECIMAL = ox.NamedNode(XSD + "decimal")


class RecordMissing(LookupError):
    """The record a form edits is not in the register (or is of another kind)."""


class EditedSince(RuntimeError):
    """The record changed since the edit form was filled from it: `version` is its version now."""

    def __init__(self, record: str, version: str) -> None:
        super().__init__(f"record {record} changed since the form was filled")
        self.record, self.version = record, version


class AlreadySubmitted(LookupError):
    """The form's submission id is already on an entry of the register: `record` is what that submission saved."""

    def __init__(self, submission: str, record: str) -> None:
        super().__init__(f"submission {submission} already saved record {record}")
        self.submission, self.record = submission, record


def submitted_record(store: ox.Store, submission: str) -> str | None:
    """The record a submission id saved (the record citing the entry that carries the id); None when it is new.

    An entry with the id whose record is gone (an edit since replaced it, say) still counts: its IRI is the entry's.
    """
    for quad in store.quads_for_pattern(None, _cg("submissionId"), ox.Literal(submission), REGISTER):
        entry = quad.subject
        for cited in store.quads_for_pattern(None, ox.NamedNode(DCTERMS + "source"), entry, REGISTER):
            if isinstance(cited.subject, ox.NamedNode):
                return cited.subject.value
        return entry.value if isinstance(entry, ox.NamedNode) else ""
    return None


def _cg(name: str) -> ox.NamedNode:
    return ox.NamedNode(CG + name)


def record_kind(store: ox.Store, record: ox.NamedNode) -> str | None:
    """`agreement`, `demand` or `activity` for a register record of that kind, else None."""
    types = {
        quad.object.value
        for quad in store.quads_for_pattern(record, _TYPE, None, REGISTER)
        if isinstance(quad.object, ox.NamedNode)
    }
    return next((kind for kind, classes in CLASSES.items() if types & set(classes)), None)


def record_quads(store: ox.Store, record: ox.NamedNode) -> list[ox.Quad]:
    """The record's description in the register graph, with the blank nodes under it."""
    return _described(store, [record])


def _described(store: ox.Store, subjects: list[ox.NamedNode | ox.BlankNode]) -> list[ox.Quad]:
    """The register graph's quads about `subjects`, and about the blank nodes under them (to MAX_DEPTH levels)."""
    found: list[ox.Quad] = []
    for _ in range(MAX_DEPTH):
        nested: list[ox.NamedNode | ox.BlankNode] = []
        for subject in subjects:
            for quad in store.quads_for_pattern(subject, None, None, REGISTER):
                found.append(quad)
                if isinstance(quad.object, ox.BlankNode):
                    nested.append(quad.object)
        subjects = nested
    return found


def _numbers(store: ox.Store, kind: str, prefix: str) -> Iterator[int]:
    for cls in CLASSES[kind]:
        for quad in store.quads_for_pattern(None, _TYPE, ox.NamedNode(cls), REGISTER):
            iri = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
            tail = iri.removeprefix(prefix)
            if tail != iri and tail.isdigit():
                yield int(tail)


def mint_record(store: ox.Store, form: RecordForm, *, now: dt.datetime) -> ox.NamedNode:
    """The next free IRI of the form's kind, province and year."""
    date = form.text("signed" if form.kind == AGREEMENT else "stated")
    year = date[:4] if date else str(now.year)
    prefix = f"{BASES[form.kind]}{form.province.lower()}-{year}-"
    return ox.NamedNode(f"{prefix}{max(_numbers(store, form.kind, prefix), default=0) + 1:03d}")


def mint_entry(store: ox.Store, province: str, *, now: dt.datetime) -> ox.NamedNode:
    """`cgr:anotacion/<province>-<UTC time>`, with `-2`, `-3`… when that second is taken."""
    base = f"{ENTRY_BASE}{province.lower()}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    candidate, n = base, 1
    while any(True for _ in store.quads_for_pattern(ox.NamedNode(candidate), None, None, None)):
        n += 1
        candidate = f"{base}-{n}"
    return ox.NamedNode(candidate)


def record_change(store: ox.Store, form: RecordForm, *, who: str, now: dt.datetime | None = None) -> tuple[str, Delta]:
    """Write the form's record to `store` (replacing the edited one); its IRI and the net change."""
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    if form.submission and (done := submitted_record(store, form.submission)) is not None:
        raise AlreadySubmitted(form.submission, done)
    old: list[ox.Quad] = []
    if form.iri:
        record = ox.NamedNode(form.iri)
        if record_kind(store, record) != form.kind:
            raise RecordMissing(form.iri)
        if form.version and (now_version := record_version(store, form.iri)) != form.version:
            raise EditedSince(form.iri, now_version)
        old = record_quads(store, record)
        if form.kind == ACTIVITY:
            old = _form_part(store, record, old)
    elif form.kind == ACTIVITY:
        record = mint_activity(store, form, now=moment)
    else:
        record = mint_record(store, form, now=moment)
    entry = mint_entry(store, form.province, now=moment)
    triples = [
        *record_triples(form, record, entry),
        *(activity_triples(store, form, record) if form.kind == ACTIVITY else []),
        *entry_triples(form.province, entry, who=who, now=moment, submission=form.submission),
    ]
    quads = [ox.Quad(s, p, o, REGISTER) for s, p, o in triples]
    return record.value, change(store, remove=old, add=quads)


def _form_part(store: ox.Store, record: ox.NamedNode, quads: list[ox.Quad]) -> list[ox.Quad]:
    """Of a project's quads, those the project form writes (with the blank nodes under them): what an edit replaces."""
    mine = [quad for quad in quads if quad.subject == record and quad.predicate.value in ACTIVITY_FORM_PROPERTIES]
    nodes: list[ox.NamedNode | ox.BlankNode] = [quad.object for quad in mine if isinstance(quad.object, ox.BlankNode)]
    return mine + _described(store, nodes)


Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


def record_triples(form: RecordForm, record: ox.NamedNode, entry: ox.NamedNode) -> list[Triple]:
    """The record's triples: kind, titles, descriptions, source, province, then what its kind has."""
    triples: list[Triple] = []
    for lang in ("es", "en"):
        if form.text(f"title_{lang}"):
            triples.append((record, ox.NamedNode(LABEL), ox.Literal(form.text(f"title_{lang}"), language=lang)))
        if form.text(f"description_{lang}"):
            text = ox.Literal(form.text(f"description_{lang}"), language=lang)
            triples.append((record, ox.NamedNode(DCTERMS + "description"), text))
    triples.append((record, ox.NamedNode(DCTERMS + "source"), entry))
    triples.append((record, _cg("registerProvince"), ox.NamedNode(province_iri(form.province))))
    if form.kind == AGREEMENT:
        triples += _agreement(form, record)
    elif form.kind == DEMAND:
        triples += _demand(form, record)
    return triples  # an activity's other triples need the graph: activity_triples


def _date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=_DATE)


def _participations(form: RecordForm, record: ox.NamedNode, field: str, prop: str) -> list[Triple]:
    """The form's `field` rows as the record's `prop` participations: a role, and the name typed or the actor
    picked (or both)."""
    triples: list[Triple] = []
    for party in form.items(field):
        node = ox.BlankNode()
        triples += [(record, _cg(prop), node), (node, _TYPE, _cg("Participation"))]
        triples.append((node, _cg("organisationRole"), ox.NamedNode(f"{IATI}OrganisationRole/{party.role}")))
        if party.name:
            triples.append((node, _cg("orgName"), ox.Literal(party.name, language="es")))
        if party.actor:
            triples.append((node, _cg("actor"), ox.NamedNode(party.actor)))
    return triples


def _agreement(form: RecordForm, record: ox.NamedNode) -> list[Triple]:
    kind = form.text("instrument")
    triples: list[Triple] = [(record, _TYPE, _cg(kind or "Agreement"))]
    triples += _participations(form, record, "parties", "party")
    for name, prop in (("signed", "signatureDate"), ("valid_from", "validFrom"), ("valid_until", "validUntil")):
        if form.text(name):
            triples.append((record, _cg(prop), _date(form.text(name))))
    for name, prop in (("mechanism", "agreementMechanism"), ("negotiation_instrument", "agreementInstrument")):
        if form.text(name):
            triples.append((record, _cg(prop), ox.NamedNode(form.text(name))))
    return triples


def _demand(form: RecordForm, record: ox.NamedNode) -> list[Triple]:
    triples: list[Triple] = [(record, _TYPE, _cg("CooperationDemand"))]
    for name, prop in (("themes", "demandTheme"), ("territories", "demandTerritory"), ("answered_by", "answeredBy")):
        triples += [(record, _cg(prop), ox.NamedNode(iri)) for iri in form.items(name)]
    for name, prop in (("priority", "priority"), ("status", "demandStatus")):
        if form.text(name):
            triples.append((record, _cg(prop), _cg(form.text(name))))
    for lang in ("es", "en"):
        if form.text(f"pdot_{lang}"):
            triples.append((record, _cg("pdotAlignment"), ox.Literal(form.text(f"pdot_{lang}"), language=lang)))
    if form.text("stated"):
        triples.append((record, _cg("statedOn"), _date(form.text("stated"))))
    if form.text("cooperation_type"):
        triples.append((record, _cg("requestedCooperationType"), ox.NamedNode(form.text("cooperation_type"))))
    return triples


def reporting_ref(province: str) -> str:
    """The IATI organisation identifier a province's government reports under: `EC-GADPL` for EC-L."""
    return "EC-GADP" + province.removeprefix("EC-")


def mint_activity(store: ox.Store, form: RecordForm, *, now: dt.datetime) -> ox.NamedNode:
    """`cgr:actividad/<IATI identifier>`: the reporting government's identifier, the year, the next number.

    `EC-GADPL-2026-003`: the year of the planned start (else this year), one more than the highest number of the
    province and year among the register's activities.
    """
    date = form.text("planned_start")
    year = date[:4] if date else str(now.year)
    prefix = f"{BASES[ACTIVITY]}{reporting_ref(form.province)}-{year}-"
    numbers = (
        int(tail)
        for quad in store.quads_for_pattern(None, _TYPE, ox.NamedNode(ACTIVITY_CLASS), REGISTER)
        if isinstance(quad.subject, ox.NamedNode)
        and (tail := quad.subject.value.removeprefix(prefix)) != quad.subject.value
        and tail.isdigit()
    )
    return ox.NamedNode(f"{prefix}{max(numbers, default=0) + 1:03d}")


def _sector_code(store: ox.Store, iri: str) -> tuple[str, str] | None:
    """A picked sector → (IATI sector code IRI, SectorVocabulary code): itself when it is a DAC code, else the DAC
    code a sector of the graph matches (skos:exactMatch, closeMatch, narrowMatch, broadMatch); None when none."""
    node = ox.NamedNode(iri)
    candidates = [node] + [
        quad.object
        for prop in MATCHES
        for quad in store.quads_for_pattern(node, ox.NamedNode(prop), None, None)
        if isinstance(quad.object, ox.NamedNode)
    ]
    for candidate in candidates:
        for quad in store.quads_for_pattern(candidate, ox.NamedNode(SKOS + "inScheme"), None, None):
            if isinstance(quad.object, ox.NamedNode) and quad.object.value in SECTOR_LISTS:
                return candidate.value, SECTOR_LISTS[quad.object.value]
    return None


def _governments(store: ox.Store, province: str) -> list[ox.NamedNode]:
    found = store.quads_for_pattern(None, _cg("governs"), ox.NamedNode(province_iri(province)), None)
    return sorted({quad.subject for quad in found if isinstance(quad.subject, ox.NamedNode)}, key=str)


def _label_es(store: ox.Store, node: ox.NamedNode) -> str:
    for quad in store.quads_for_pattern(node, ox.NamedNode(LABEL), None, None):
        if isinstance(quad.object, ox.Literal) and quad.object.language == "es":
            return quad.object.value
    return ""


def _identifier(store: ox.Store, record: ox.NamedNode) -> str:
    """The project's IATI identifier: the one it has (an edited project keeps its own), else its IRI's tail.

    Its own function so that no store iterator outlives it in a frame an exception's traceback keeps (pyoxigraph's
    iterators must be dropped on the thread that made them)."""
    own = [
        quad.object.value
        for quad in store.quads_for_pattern(record, _cg("iatiIdentifier"), None, REGISTER)
        if isinstance(quad.object, ox.Literal)
    ]
    return own[0] if own else record.value.removeprefix(BASES[ACTIVITY])


def activity_triples(store: ox.Store, form: RecordForm, record: ox.NamedNode) -> list[Triple]:
    """A programme or project (IATI activity) of the form: identifier, reporting government, status, dates,
    participating organisations, sectors, territory, the instrument it executes.

    The reporting organisation is the province's government (IATI OrganisationType 11, local government). A sector
    is a DAC code or a sector of the graph that matches one, with the percentage the officer gave (two picks of one
    code add up); when no percentage is given, several sectors share the activity evenly. Whether a vocabulary's
    percentages add up to 100 is the shapes' say (cgsh:sector-percentages). `FormError` names a sector that matches
    no DAC code.
    """
    identifier = _identifier(store, record)
    triples: list[Triple] = [
        (record, _TYPE, ox.NamedNode(ACTIVITY_CLASS)),
        (record, _cg("iatiIdentifier"), ox.Literal(identifier)),
    ]
    reporting = ox.BlankNode()
    triples += [
        (record, _cg("reportingOrg"), reporting),
        (reporting, _TYPE, _cg("NamedOrganisation")),
        (reporting, _cg("orgRef"), ox.Literal(reporting_ref(form.province))),
        (reporting, _cg("orgType"), ox.NamedNode(IATI + "OrganisationType/11")),
    ]
    for government in _governments(store, form.province)[:1]:
        triples.append((reporting, _cg("actor"), government))
        if name := _label_es(store, government):
            triples.append((reporting, _cg("orgName"), ox.Literal(name, language="es")))
    if form.text("activity_status"):
        status = ox.NamedNode(f"{IATI}ActivityStatus/{form.text('activity_status')}")
        triples.append((record, _cg("activityStatus"), status))
    for name, prop in (("planned_start", "plannedStart"), ("planned_end", "plannedEnd")):
        if form.text(name):
            triples.append((record, _cg(prop), _date(form.text(name))))
    triples += _participations(form, record, "participants", "participatingOrg")
    codes: dict[tuple[str, str], Decimal | None] = {}
    picks: tuple[SectorPick, ...] = form.items("sectors")
    for picked in picks:
        code = _sector_code(store, picked.sector)
        if code is None:
            raise FormError(
                {
                    "sectors": Text(
                        f"el sector {picked.sector} no corresponde a ningún código CAD",
                        f"the sector {picked.sector} matches no DAC code",
                    )
                }
            )
        if code not in codes:
            codes[code] = picked.percentage
        elif codes[code] is not None or picked.percentage is not None:  # two picks of one code: one share
            codes[code] = (codes[code] or Decimal(0)) + (picked.percentage or Decimal(0))
    given = any(percentage is not None for percentage in codes.values())
    triples += _given_shares(record, codes) if given else _shares(record, list(codes))
    if form.text("territory"):
        triples.append((record, _cg("activityTerritory"), ox.NamedNode(form.text("territory"))))
    if form.text("executes"):
        triples.append((record, _cg("executes"), ox.NamedNode(form.text("executes"))))
    return triples


def _shares(record: ox.NamedNode, codes: list[tuple[str, str]]) -> list[Triple]:
    """One cg:SectorShare per code; with several of one vocabulary, even percentages adding up to exactly 100."""
    triples: list[Triple] = []
    for vocabulary in dict.fromkeys(v for _, v in codes):
        mine = [code for code, v in codes if v == vocabulary]
        cents = [10000 // len(mine)] * len(mine)
        cents[0] += 10000 - sum(cents)
        for code, share in zip(mine, cents, strict=True):
            node = ox.BlankNode()
            triples += [
                (record, _cg("sectorShare"), node),
                (node, _TYPE, _cg("SectorShare")),
                (node, _cg("sectorCode"), ox.NamedNode(code)),
                (node, _cg("sectorVocabulary"), ox.NamedNode(f"{IATI}SectorVocabulary/{vocabulary}")),
            ]
            if len(mine) > 1:
                percentage = ox.Literal(f"{share // 100}.{share % 100:02d}", datatype=ox.NamedNode(XSD + "decimal"))
                triples.append((node, _cg("percentage"), percentage))
    return triples


def _given_shares(record: ox.NamedNode, codes: dict[tuple[str, str], Decimal | None]) -> list[Triple]:
    """One cg:SectorShare per code, with the percentage the officer gave (none where none was given)."""
    triples: list[Triple] = []
    for (code, vocabulary), percentage in codes.items():
        node = ox.BlankNode()
        triples += [
            (record, _cg("sectorShare"), node),
            (node, _TYPE, _cg("SectorShare")),
            (node, _cg("sectorCode"), ox.NamedNode(code)),
            (node, _cg("sectorVocabulary"), ox.NamedNode(f"{IATI}SectorVocabulary/{vocabulary}")),
        ]
        if percentage is not None:
            triples.append((node, _cg("percentage"), ox.Literal(_decimal(percentage), datatype=_DECIMAL)))
    return triples


def _decimal(value: Decimal) -> str:
    """`value` as an xsd:decimal lexical form: `40`, `33.5` (never an exponent)."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0",) else "0"


def entry_triples(
    province: str, entry: ox.NamedNode, *, who: str, now: dt.datetime, submission: str = ""
) -> list[Triple]:
    """The `cg:ManualEntry` a record cites: who recorded it, when, in which province's register, which submission."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    triples: list[Triple] = [
        (entry, _TYPE, _cg("ManualEntry")),
        (entry, ox.NamedNode(LABEL), ox.Literal(f"Anotación de {who} ({stamp})", language="es")),
        (entry, ox.NamedNode(LABEL), ox.Literal(f"Entry by {who} ({stamp})", language="en")),
        (entry, ox.NamedNode(DCTERMS + "creator"), ox.Literal(who)),
        (entry, _cg("recordedAt"), ox.Literal(now.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))),
        (entry, _cg("registerProvince"), ox.NamedNode(province_iri(province))),
    ]
    if submission:
        triples.append((entry, _cg("submissionId"), ox.Literal(submission)))
    return triples
