"""The forms' fields: what each record kind asks for, reading a submitted form, and which field a SHACL result is about.

A form is read only as far as the record's quads can be built: a date that
is not `YYYY-MM-DD`, a choice that is not offered, an IRI that is not one
of the graph's, a text too long → `FormError`, field by field. Whether the
record is *complete and right* (two parties, titles in both languages,
dates in order, a theme of the sector scheme…) is the SHACL shapes' say, at
the write gate, like any other write; `field_of` then places each result
beside the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from coopgraph.core.vocab import CG, CGSH, DCTERMS, RDF_TYPE, RDFS, Text

AGREEMENT = "agreement"
DEMAND = "demand"
ACTIVITY = "activity"
KINDS = (AGREEMENT, DEMAND, ACTIVITY)
AGREEMENT_TYPES = (
    "MemorandumOfUnderstanding",
    "LetterOfCommitment",
    "CooperationAgreement",
    "TwinningAgreement",
    "InterInstitutionalAgreement",
)
"""The kinds of signed instrument (cg: classes), as the study lists them."""
PRIORITIES = ("HighPriority", "MediumPriority", "LowPriority")
DEMAND_STATUSES = ("DemandIdentified", "DemandPrioritised", "DemandInNegotiation", "DemandAnswered", "DemandDismissed")
ACTIVITY_STATUSES = ("1", "2", "3", "4", "5", "6")
"""IATI ActivityStatus codes: 1 pipeline, 2 implementation, 3 finalisation, 4 closed, 5 cancelled, 6 suspended."""
ROLES = ("1", "2", "3", "4")
"""IATI OrganisationRole codes: 1 funding, 2 accountable, 3 extending, 4 implementing."""
MAX_TEXT = 2000
MAX_ITEMS = 50
GRAPH_IRI = re.compile(r"^https://w3id\.org/coopgraph/[A-Za-z0-9._~:/#%-]+$")
PROVINCE_CODE = re.compile(r"^EC-[A-Z]{1,2}$")
SUBMISSION = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
"""A submission id: the UUID the page makes once per form fill (lower-case, as `crypto.randomUUID()` writes it)."""
VERSION = re.compile(r"^[0-9a-f]{64}$")
"""A record's version as the edit form got it (`coopgraph.core.forms.version.record_version`: a SHA-256 in hex)."""

TEXT, DATE, IRI, IRIS, PARTIES, SHARES = "text", "date", "iri", "iris", "parties", "shares"
CHOICES: dict[str, tuple[str, ...]] = {
    "instrument": AGREEMENT_TYPES,
    "priority": PRIORITIES,
    "status": DEMAND_STATUSES,
    "activity_status": ACTIVITY_STATUSES,
}
COMMON = {"title_es": TEXT, "title_en": TEXT, "description_es": TEXT, "description_en": TEXT}
FIELDS: dict[str, dict[str, str]] = {
    AGREEMENT: COMMON
    | {
        "instrument": "choice",
        "parties": PARTIES,
        "signed": DATE,
        "valid_from": DATE,
        "valid_until": DATE,
        "mechanism": IRI,
        "negotiation_instrument": IRI,
    },
    DEMAND: COMMON
    | {
        "themes": IRIS,
        "territories": IRIS,
        "priority": "choice",
        "status": "choice",
        "pdot_es": TEXT,
        "pdot_en": TEXT,
        "stated": DATE,
        "cooperation_type": IRI,
        "answered_by": IRIS,
    },
    ACTIVITY: COMMON
    | {
        "activity_status": "choice",
        "planned_start": DATE,
        "planned_end": DATE,
        "participants": PARTIES,
        "sectors": SHARES,
        "territory": IRI,
        "executes": IRI,
    },
}
"""Each kind's fields and how each is read."""


class FormError(ValueError):
    """Fields that cannot be read, each with its reason in Spanish and English."""

    def __init__(self, fields: Mapping[str, Text]) -> None:
        super().__init__("; ".join(f"{name}: {text.en}" for name, text in fields.items()))
        self.fields = dict(fields)


@dataclass(frozen=True)
class Party:
    """A party to an instrument: its name, its IATI role code, and optionally an actor of the graph."""

    name: str
    role: str
    actor: str = ""


@dataclass(frozen=True)
class SectorPick:
    """A project's sector as picked: a sector IRI (a DAC code or a sector of the graph) and its percentage, if given."""

    sector: str
    percentage: Decimal | None = None


@dataclass(frozen=True)
class RecordForm:
    """A form as read: the record kind, the province code, the record to replace (editing), the values, the
    submission id (one per form fill, so that a second POST of the same fill is recognised and changes nothing) and,
    when editing, the version of the record the form was filled from (a record changed since is not overwritten)."""

    kind: str
    province: str
    iri: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    submission: str = ""
    version: str = ""

    def text(self, name: str) -> str:
        return str(self.values.get(name) or "")

    def items(self, name: str) -> tuple[Any, ...]:
        return tuple(self.values.get(name) or ())


def read_form(data: Mapping[str, Any]) -> RecordForm:
    """A submitted form (a JSON object) → `RecordForm`; `FormError` names every field that cannot be read."""
    problems: dict[str, Text] = {}
    kind = str(data.get("kind", ""))
    if kind not in KINDS:
        raise FormError(
            {"kind": Text(f"clase de registro desconocida: {kind[:40]!r}", f"unknown record kind: {kind[:40]!r}")}
        )
    province = str(data.get("province", "")).strip().upper()
    if not PROVINCE_CODE.match(province):
        problems["province"] = Text("elija una provincia", "pick a province")
    iri = str(data.get("iri") or "").strip()
    if iri and not GRAPH_IRI.match(iri):
        problems["iri"] = Text(
            "el registro a editar no es un IRI del grafo", "the record to edit is not an IRI of the graph"
        )
    submission = str(data.get("submission") or "").strip().lower()
    if submission and not SUBMISSION.match(submission):
        problems["submission"] = Text("el identificador de envío no es un UUID", "the submission id is not a UUID")
    version = str(data.get("version") or "").strip().lower()
    if version and not VERSION.match(version):
        problems["version"] = Text(
            "la versión del registro editado no es válida: recárguelo",
            "the edited record's version is not valid: reload it",
        )
    values: dict[str, Any] = {}
    for name, how in FIELDS[kind].items():
        try:
            values[name] = _read(name, how, data.get(name))
        except ValueError as error:
            problems[name] = error.args[0] if isinstance(error.args[0], Text) else Text(str(error), str(error))
    if problems:
        raise FormError(problems)
    return RecordForm(kind, province, iri, values, submission, version)


def _read(name: str, how: str, value: Any) -> Any:
    if how == TEXT:
        return _text(value)
    if how == DATE:
        return _date(value)
    if how == IRI:
        return _iri(value)
    if how == IRIS:
        return tuple(_iri(item) for item in _list(value) if str(item or "").strip())
    if how == PARTIES:
        return tuple(party for party in (_party(item) for item in _list(value)) if party is not None)
    if how == SHARES:
        return tuple(pick for pick in (_share(item) for item in _list(value)) if pick is not None)
    return _choice(name, value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(Text("se esperaba un texto", "a text was expected"))
    text = " ".join(value.split()) if "\n" not in value else value.strip()
    if len(text) > MAX_TEXT:
        raise ValueError(
            Text(
                f"texto demasiado largo (máximo {MAX_TEXT} caracteres)",
                f"text too long (at most {MAX_TEXT} characters)",
            )
        )
    return text


def _date(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(Text("escriba la fecha como AAAA-MM-DD", "write the date as YYYY-MM-DD")) from None
    return text


def _iri(value: Any) -> str:
    text = _text(value)
    if text and not GRAPH_IRI.match(text):
        raise ValueError(Text("elija un valor de la lista", "pick a value from the list"))
    return text


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_ITEMS:
        raise ValueError(Text(f"demasiados elementos (máximo {MAX_ITEMS})", f"too many items (at most {MAX_ITEMS})"))
    return items


def _party(value: Any) -> Party | None:
    if not isinstance(value, Mapping):
        raise ValueError(Text("cada parte tiene nombre y rol", "each party has a name and a role"))
    name, role, actor = _text(value.get("name")), _text(value.get("role")), _iri(value.get("actor"))
    if not (name or actor):
        return None  # an empty row of the form
    if role not in ROLES:
        raise ValueError(Text("elija el rol de cada parte", "pick each party's role"))
    return Party(name, role, actor)


def _share(value: Any) -> SectorPick | None:
    """A sector IRI alone, or `{"sector": IRI, "percentage": "40"}` (a decimal comma is read too); None for an empty
    row. Whether the percentages add up to 100 is the shapes' say (cgsh:sector-percentages)."""
    if not isinstance(value, Mapping):
        sector = _iri(value)
        return SectorPick(sector) if sector else None
    sector, given = _iri(value.get("sector")), value.get("percentage")
    text = _text(str(given) if isinstance(given, int | float) and not isinstance(given, bool) else given)
    if not sector:
        if text:
            raise ValueError(Text("elija el sector de cada porcentaje", "pick the sector of each percentage"))
        return None
    if not text:
        return SectorPick(sector)
    try:
        percentage = Decimal(text.replace(",", "."))
    except InvalidOperation:
        percentage = Decimal("NaN")
    if not percentage.is_finite() or len(text) > 12:
        raise ValueError(
            Text("escriba el porcentaje como un número: 40 o 33,5", "write the percentage as a number: 40 or 33.5")
        )
    return SectorPick(sector, percentage)


def _choice(name: str, value: Any) -> str:
    text = _text(value)
    if text and text not in CHOICES[name]:
        raise ValueError(Text("elija un valor de la lista", "pick a value from the list"))
    return text


# --- which field a SHACL result is about --------------------------------------------------------------------------

FIELD_OF: dict[str, dict[str, str]] = {
    AGREEMENT: {
        RDF_TYPE: "instrument",
        CG + "party": "parties",
        CG + "signatureDate": "signed",
        CG + "validFrom": "valid_from",
        CG + "validUntil": "valid_until",
        CG + "agreementMechanism": "mechanism",
        CG + "agreementInstrument": "negotiation_instrument",
        CGSH + "record-dates-order": "valid_until",
        CGSH + "record-dates-not-future": "signed",
    },
    DEMAND: {
        CG + "demandTheme": "themes",
        CG + "demandTerritory": "territories",
        CG + "priority": "priority",
        CG + "demandStatus": "status",
        CG + "pdotAlignment": "pdot_es",
        CG + "statedOn": "stated",
        CG + "requestedCooperationType": "cooperation_type",
        CG + "answeredBy": "answered_by",
        CGSH + "demand-answered": "answered_by",
        CGSH + "record-dates-not-future": "stated",
    },
    ACTIVITY: {
        CG + "activityStatus": "activity_status",
        CGSH + "activity-start-date": "planned_start",
        CG + "plannedStart": "planned_start",
        CG + "plannedEnd": "planned_end",
        CGSH + "record-dates-order": "planned_end",
        CG + "participatingOrg": "participants",
        CG + "sectorShare": "sectors",
        CGSH + "sector-code-in-vocabulary": "sectors",
        CGSH + "sector-percentages": "sectors",
        CG + "activityTerritory": "territory",
        CG + "executes": "executes",
    },
}
"""Per record kind: a result's shape IRI, else its path IRI → the form field it is shown beside."""
COMMON_FIELD_OF = {
    CGSH + "label-en": "title_en",
    CGSH + "label-es": "title_es",
    RDFS + "label": "title_es",
    DCTERMS + "description": "description_es",
    CG + "registerProvince": "province",
    CGSH + "record-source-province": "province",
}


def field_of(kind: str, violation: Mapping[str, Any]) -> str:
    """The form field a SHACL result (`Report.as_dict()`'s violation) concerns; `form` when none does."""
    table = FIELD_OF.get(kind, {}) | COMMON_FIELD_OF
    for key in (violation.get("shape"), violation.get("path")):
        if key and key in table:
            return table[key]
    return "form"
