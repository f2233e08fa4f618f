"""Reading the register back for the officers' page: a province's records listed, one record as its form's fields."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from coopgraph.core.forms.fields import AGREEMENT, AGREEMENT_TYPES
from coopgraph.core.forms.records import REGISTER, record_kind
from coopgraph.core.iati.model import province_code, province_iri
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


def _values(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str) -> list[Term]:
    quads = store.quads_for_pattern(subject, ox.NamedNode(prop), None, REGISTER)
    return [quad.object for quad in quads if not isinstance(quad.object, ox.Triple)]


def _first(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str) -> str:
    found = _values(store, subject, prop)
    return found[0].value if found else ""


def _text(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str, lang: str) -> str:
    for value in _values(store, subject, prop):
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


def list_records(store: ox.Store, province: str, *, lang: str = "es") -> list[dict[str, str]]:
    """The register records of `province` (an ISO code), newest date first: IRI, kind, type, title, date, status."""
    where = ox.NamedNode(province_iri(province))
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for kind, classes in LISTED.items():
        for cls in classes:
            for quad in store.quads_for_pattern(None, _TYPE, ox.NamedNode(cls), REGISTER):
                record = quad.subject
                if not isinstance(record, ox.NamedNode) or record.value in seen:
                    continue
                if where not in _values(store, record, CG + "registerProvince"):
                    continue
                seen.add(record.value)
                status = _first(store, record, STATUS_OF[kind]) if kind in STATUS_OF else ""
                rows.append(
                    {
                        "iri": record.value,
                        "kind": kind,
                        "type": cls,
                        "typeLabel": label(store, cls, lang),
                        "label": _text(store, record, LABEL, lang) or _text(store, record, LABEL, "es") or record.value,
                        "date": _first(store, record, DATE_OF[kind]),
                        "status": status,
                        "statusLabel": label(store, status, lang) if status else "",
                    }
                )
    return sorted(rows, key=lambda row: (row["kind"], row["date"], row["iri"]), reverse=True)


def read_record(store: ox.Store, iri: str) -> dict[str, Any] | None:
    """A register record of a kind the forms edit, as the form's fields (None otherwise)."""
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
        types = {value.value for value in _values(store, record, RDF_TYPE)}
        fields["instrument"] = next((name for name in AGREEMENT_TYPES if CG + name in types), "")
        fields["parties"] = [_party(store, node) for node in _values(store, record, CG + "party")]
        for name, prop in (("signed", "signatureDate"), ("valid_from", "validFrom"), ("valid_until", "validUntil")):
            fields[name] = _first(store, record, CG + prop)
        fields["mechanism"] = _first(store, record, CG + "agreementMechanism")
        fields["negotiation_instrument"] = _first(store, record, CG + "agreementInstrument")
    else:
        for name, prop in (
            ("themes", "demandTheme"),
            ("territories", "demandTerritory"),
            ("answered_by", "answeredBy"),
        ):
            fields[name] = sorted(value.value for value in _values(store, record, CG + prop))
        fields["priority"] = _first(store, record, CG + "priority").removeprefix(CG)
        fields["status"] = _first(store, record, CG + "demandStatus").removeprefix(CG)
        for lang in ("es", "en"):
            fields[f"pdot_{lang}"] = _text(store, record, CG + "pdotAlignment", lang)
        fields["stated"] = _first(store, record, CG + "statedOn")
        fields["cooperation_type"] = _first(store, record, CG + "requestedCooperationType")
    return {"kind": kind, "iri": iri, "province": code, "fields": fields}


def _party(store: ox.Store, node: Term) -> dict[str, str]:
    if not isinstance(node, ox.NamedNode | ox.BlankNode):
        return {"name": "", "role": "", "actor": ""}
    names = [value.value for value in _values(store, node, CG + "orgName")]
    return {
        "name": names[0] if names else "",
        "role": _first(store, node, CG + "organisationRole").removeprefix(IATI + "OrganisationRole/"),
        "actor": _first(store, node, CG + "actor"),
    }
