"""Reading the register back for the officers' page: one record as its form's fields or its page, and the reads the
list (coopgraph.core.forms.listing) is made of."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from coopgraph.core.forms.fields import ACTIVITY, AGREEMENT, AGREEMENT_TYPES
from coopgraph.core.forms.records import MATCHES, REGISTER, record_kind
from coopgraph.core.forms.version import record_version
from coopgraph.core.iati.model import province_code
from coopgraph.core.vocab import CG, DCTERMS, IATI, LABEL, RDF_TYPE

Term = ox.NamedNode | ox.BlankNode | ox.Literal
_TYPE = ox.NamedNode(RDF_TYPE)
_LABEL = ox.NamedNode(LABEL)
LISTED = {
    "agreement": tuple(CG + name for name in (*AGREEMENT_TYPES, "Agreement")),
    "activity": (CG + "CooperationActivity",),
    "demand": (CG + "CooperationDemand",),
    "report": (CG + "FollowUpReport",),
}
"""The record kinds the page lists, by their classes."""
DATE_OF = {
    "agreement": CG + "signatureDate",
    "activity": CG + "plannedStart",
    "demand": CG + "statedOn",
    "report": CG + "reportDate",
}
STATUS_OF = {"activity": CG + "activityStatus", "demand": CG + "demandStatus"}


def _cg(name: str) -> ox.NamedNode:
    return ox.NamedNode(CG + name)


def values(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str) -> list[Term]:
    quads = store.quads_for_pattern(subject, ox.NamedNode(prop), None, REGISTER)
    return [quad.object for quad in quads if not isinstance(quad.object, ox.Triple)]


def _first(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str) -> str:
    found = values(store, subject, prop)
    return found[0].value if found else ""


def _text(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str, lang: str) -> str:
    for value in values(store, subject, prop):
        if isinstance(value, ox.Literal) and value.language == lang:
            return value.value
    return ""


def label(store: ox.Store, iri: str, lang: str) -> str:
    """A resource's rdfs:label (or skos:prefLabel) in `lang`, in any graph; the IRI when it has none."""
    node = ox.NamedNode(iri)
    for prop in (LABEL, "http://www.w3.org/2004/02/skos/core#prefLabel"):
        for quad in store.quads_for_pattern(node, ox.NamedNode(prop), None, None):
            if isinstance(quad.object, ox.Literal) and quad.object.language == lang:
                return quad.object.value
    return iri


@dataclass(frozen=True)
class RecordFilter:
    """What an officer narrows the register list by; an empty field does not narrow.

    `q`: every word in a title or label (any language), accents and case ignored; `partner`: an actor's IRI, or a
    name held by a party's name or its actor's label; `sector`: a sector IRI (a demand's theme, an activity's DAC code
    or the DAC code a sector of the graph matches); `status`: a status IRI, a demand status's name or an IATI
    ActivityStatus code; `year`: of the record's date; `kind`: agreement, activity, demand or report.
    """

    province: str = ""
    q: str = ""
    partner: str = ""
    sector: str = ""
    status: str = ""
    year: str = ""
    kind: str = ""


def fold(text: str) -> str:
    """`text` without accents and case, for matching what an officer types: `Educación` → `educacion`."""
    if text.isascii():  # nothing to decompose
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def organisations(store: ox.Store, record: ox.NamedNode) -> list[ox.NamedNode | ox.BlankNode]:
    nodes = [*values(store, record, CG + "party"), *values(store, record, CG + "participatingOrg")]
    return [node for node in nodes if isinstance(node, ox.NamedNode | ox.BlankNode)]


def record_sectors(store: ox.Store, record: ox.NamedNode) -> list[str]:
    """A record's sectors: a demand's themes, an activity's sector codes."""
    found = [value.value for value in values(store, record, CG + "demandTheme")]
    for share in values(store, record, CG + "sectorShare"):
        if isinstance(share, ox.BlankNode | ox.NamedNode):
            found += [value.value for value in values(store, share, CG + "sectorCode")]
    return found


def sector_and_matches(store: ox.Store, sector: str) -> set[str]:
    node = ox.NamedNode(sector)
    matched = {
        quad.object.value
        for prop in MATCHES
        for quad in store.quads_for_pattern(node, ox.NamedNode(prop), None, None)
        if isinstance(quad.object, ox.NamedNode)
    }
    return {sector} | matched


def status_iris(status: str) -> set[str]:
    return {status, CG + status, f"{IATI}ActivityStatus/{status}"}


def read_record(store: ox.Store, iri: str) -> dict[str, Any] | None:
    """A register record of a kind the forms edit, as the form's fields, with its `version` (None otherwise)."""
    record = ox.NamedNode(iri)
    kind = record_kind(store, record)
    if kind is None:
        return None
    code = province_code(_first(store, record, CG + "registerProvince")) or ""
    fields: dict[str, Any] = {}
    for lang in ("es", "en"):
        fields[f"title_{lang}"] = _text(store, record, LABEL, lang)
        fields[f"description_{lang}"] = _text(store, record, DCTERMS + "description", lang)
    if kind == AGREEMENT:
        types = {value.value for value in values(store, record, RDF_TYPE)}
        fields["instrument"] = next((name for name in AGREEMENT_TYPES if CG + name in types), "")
        fields["parties"] = [_party(store, node) for node in values(store, record, CG + "party")]
        for name, prop in (("signed", "signatureDate"), ("valid_from", "validFrom"), ("valid_until", "validUntil")):
            fields[name] = _first(store, record, CG + prop)
        fields["mechanism"] = _first(store, record, CG + "agreementMechanism")
        fields["negotiation_instrument"] = _first(store, record, CG + "agreementInstrument")
    elif kind == ACTIVITY:
        fields |= _activity_fields(store, record)
    else:
        for name, prop in (
            ("themes", "demandTheme"),
            ("territories", "demandTerritory"),
            ("answered_by", "answeredBy"),
        ):
            fields[name] = sorted(value.value for value in values(store, record, CG + prop))
        fields["priority"] = _first(store, record, CG + "priority").removeprefix(CG)
        fields["status"] = _first(store, record, CG + "demandStatus").removeprefix(CG)
        for lang in ("es", "en"):
            fields[f"pdot_{lang}"] = _text(store, record, CG + "pdotAlignment", lang)
        fields["stated"] = _first(store, record, CG + "statedOn")
        fields["cooperation_type"] = _first(store, record, CG + "requestedCooperationType")
    return {"kind": kind, "iri": iri, "province": code, "fields": fields, "version": record_version(store, iri)}


def _activity_fields(store: ox.Store, record: ox.NamedNode) -> dict[str, Any]:
    """A project's form fields: status code, dates, participants, sectors with their percentages, territory, instrument."""
    shares = []
    for share in values(store, record, CG + "sectorShare"):
        if isinstance(share, ox.NamedNode | ox.BlankNode):
            shares.append(
                {
                    "sector": _first(store, share, CG + "sectorCode"),
                    "percentage": _first(store, share, CG + "percentage"),
                }
            )
    return {
        "activity_status": _first(store, record, CG + "activityStatus").removeprefix(IATI + "ActivityStatus/"),
        "planned_start": _first(store, record, CG + "plannedStart"),
        "planned_end": _first(store, record, CG + "plannedEnd"),
        "participants": [_party(store, node) for node in values(store, record, CG + "participatingOrg")],
        "sectors": sorted(shares, key=lambda share: share["sector"]),
        "territory": _first(store, record, CG + "activityTerritory"),
        "executes": _first(store, record, CG + "executes"),
    }


def _party(store: ox.Store, node: Term) -> dict[str, str]:
    if not isinstance(node, ox.NamedNode | ox.BlankNode):
        return {"name": "", "role": "", "actor": ""}
    names = [value.value for value in values(store, node, CG + "orgName")]
    return {
        "name": names[0] if names else "",
        "role": _first(store, node, CG + "organisationRole").removeprefix(IATI + "OrganisationRole/"),
        "actor": _first(store, node, CG + "actor"),
    }


DATES = {
    "signed": CG + "signatureDate",
    "valid_from": CG + "validFrom",
    "valid_until": CG + "validUntil",
    "planned_start": CG + "plannedStart",
    "planned_end": CG + "plannedEnd",
    "stated": CG + "statedOn",
    "report_date": CG + "reportDate",
}
"""The dates a record's page shows, by the name the page labels them with."""


def _kind_of(store: ox.Store, record: ox.NamedNode) -> tuple[str, str] | None:
    types = {value.value for value in values(store, record, RDF_TYPE)}
    for kind, classes in LISTED.items():
        for cls in classes:
            if cls in types:
                return kind, cls
    return None


def _linked(store: ox.Store, iris: list[str], lang: str) -> list[dict[str, str]]:
    return [{"iri": iri, "label": label(store, iri, lang)} for iri in dict.fromkeys(iris)]


def view_record(store: ox.Store, iri: str, *, lang: str = "es") -> dict[str, Any] | None:
    """A register record for its page, in `lang`: its fields, and the resources it links to (labelled), or None.

    Partners (with their IATI role and, when known, their actor), sectors, territories, the province, the
    instrument a project executes and the projects that execute an instrument, its source entries.
    """
    record = ox.NamedNode(iri)
    found = _kind_of(store, record)
    if found is None:
        return None
    kind, cls = found
    province = _first(store, record, CG + "registerProvince")
    partners = []
    for node in organisations(store, record):
        actor = _first(store, node, CG + "actor")
        role = _first(store, node, CG + "organisationRole")
        names = [value.value for value in values(store, node, CG + "orgName")]
        partners.append(
            {
                "name": names[0] if names else "",
                "role": role,
                "roleLabel": label(store, role, lang) if role else "",
                "actor": actor,
                "actorLabel": label(store, actor, lang) if actor else "",
            }
        )
    status = _first(store, record, STATUS_OF[kind]) if kind in STATUS_OF else ""
    priority = _first(store, record, CG + "priority")
    executed_by = sorted(
        quad.subject.value
        for quad in store.quads_for_pattern(None, _cg("executes"), record, REGISTER)
        if isinstance(quad.subject, ox.NamedNode)
    )
    sources = []
    for entry in values(store, record, DCTERMS + "source"):
        if isinstance(entry, ox.NamedNode):
            sources.append(
                {
                    "iri": entry.value,
                    "label": label(store, entry.value, lang),
                    "creator": _first(store, entry, DCTERMS + "creator"),
                    "recordedAt": _first(store, entry, CG + "recordedAt"),
                }
            )
    sources.sort(key=lambda source: source["recordedAt"])
    return {
        "iri": iri,
        "kind": kind,
        "type": cls,
        "typeLabel": label(store, cls, lang),
        "title": _text(store, record, LABEL, lang) or _text(store, record, LABEL, "es") or iri,
        "titles": {code: _text(store, record, LABEL, code) for code in ("es", "en")},
        "description": _text(store, record, DCTERMS + "description", lang)
        or _text(store, record, DCTERMS + "description", "es"),
        "identifier": _first(store, record, CG + "iatiIdentifier"),
        "province": {"iri": province, "code": province_code(province) or "", "label": label(store, province, lang)}
        if province
        else None,
        "dates": {name: value for name, prop in DATES.items() if (value := _first(store, record, prop))},
        "status": {"iri": status, "label": label(store, status, lang)} if status else None,
        "priority": {"iri": priority, "label": label(store, priority, lang)} if priority else None,
        "partners": partners,
        "sectors": _linked(store, record_sectors(store, record), lang),
        "territories": _linked(
            store,
            [
                value.value
                for prop in ("demandTerritory", "activityTerritory")
                for value in values(store, record, CG + prop)
            ],
            lang,
        ),
        "executes": _linked(store, [value.value for value in values(store, record, CG + "executes")], lang),
        "executedBy": [
            {"iri": other, "label": _text(store, ox.NamedNode(other), LABEL, lang) or label(store, other, "es")}
            for other in executed_by
        ],
        "sources": sources,
    }
