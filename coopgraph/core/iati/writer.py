"""Register records -> IATI 2.03 activity XML: `write_iati(graph, activities)`.

Writes, for each `cg:CooperationActivity`, every field the register keeps,
in the element order of the IATI 2.03 schema (iati-activities-schema.xsd),
so that the output validates against it; the register's own links
(`cg:registerProvince`, `cg:activityTerritory`, `cg:executes`) go at the end
of iati-activity as elements of coopgraph's namespace, which IATI allows.
Narratives carry their language; the activity's default language is Spanish.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from coopgraph.core.iati.model import DATE_TYPES, EXTENSION_NS, EXTENSION_PROPERTIES, IATI_VERSION, code_of
from coopgraph.core.iati.xmltree import XML_LANG
from coopgraph.core.vocab import CG, IATI

ET.register_namespace("cg", EXTENSION_NS)
_DEFAULT_LANG = "es"


def _cg(name: str) -> URIRef:
    return URIRef(CG + name)


def write_iati(graph: rdflib.Graph, activities: Iterable[URIRef], *, generated: dt.datetime | None = None) -> bytes:
    """IATI 2.03 XML (UTF-8, with an XML declaration) for `activities`, described in `graph`."""
    root = ET.Element("iati-activities", {"version": IATI_VERSION})
    if generated is not None:
        root.set("generated-datetime", generated.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for activity in activities:
        root.append(_Writer(graph).activity(activity))
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _code(node: rdflib.term.Node | None, codelist: str) -> str | None:
    if node is None:
        return None
    return code_of(str(node), codelist) if str(node).startswith(IATI) else None


def _sorted_literals(values: Iterable[rdflib.term.Node]) -> list[Literal]:
    literals = [v for v in values if isinstance(v, Literal)]
    return sorted(literals, key=lambda lit: (lit.language != _DEFAULT_LANG, lit.language or "", str(lit)))


class _Writer:
    def __init__(self, graph: rdflib.Graph) -> None:
        self.g = graph

    def value(self, subject: rdflib.term.Node, prop: str) -> rdflib.term.Node | None:
        return self.g.value(subject, _cg(prop))

    def objects(self, subject: rdflib.term.Node, prop: str | URIRef) -> list[rdflib.term.Node]:
        predicate = prop if isinstance(prop, URIRef) else _cg(prop)
        return sorted(self.g.objects(subject, predicate), key=self._order)

    def _order(self, node: rdflib.term.Node) -> str:
        """A stable order for repeated nested elements: their own content, not blank-node ids."""
        if not isinstance(node, rdflib.BNode):
            return str(node)
        return "|".join(
            sorted(f"{p}={o}" for p, o in self.g.predicate_objects(node) if not isinstance(o, rdflib.BNode))
        )

    def narratives(self, parent: ET.Element, subject: rdflib.term.Node, prop: URIRef | str) -> ET.Element:
        predicate = prop if isinstance(prop, URIRef) else _cg(prop)
        for literal in _sorted_literals(self.g.objects(subject, predicate)):
            narrative = ET.SubElement(parent, "narrative")
            if literal.language and literal.language != _DEFAULT_LANG:
                narrative.set(XML_LANG, literal.language)
            narrative.text = str(literal)
        return parent

    def text_element(self, parent: ET.Element, tag: str, subject: rdflib.term.Node, prop: URIRef | str) -> None:
        predicate = prop if isinstance(prop, URIRef) else _cg(prop)
        if any(isinstance(v, Literal) for v in self.g.objects(subject, predicate)):
            self.narratives(ET.SubElement(parent, tag), subject, predicate)

    def organisation(self, parent: ET.Element, tag: str, org: rdflib.term.Node, attrs: dict[str, str]) -> None:
        element = ET.SubElement(parent, tag, attrs)
        if (ref := self.value(org, "orgRef")) is not None:
            element.set("ref", str(ref))
        if (org_type := _code(self.value(org, "orgType"), "OrganisationType")) is not None:
            element.set("type", org_type)
        self.narratives(element, org, "orgName")

    def money(self, parent: ET.Element, subject: rdflib.term.Node) -> None:
        value = ET.SubElement(parent, "value")
        if (currency := _code(self.value(subject, "currency"), "Currency")) is not None:
            value.set("currency", currency)
        if (value_date := self.value(subject, "valueDate")) is not None:
            value.set("value-date", str(value_date))
        value.text = str(self.value(subject, "amount") or "")

    def period(self, parent: ET.Element, subject: rdflib.term.Node) -> None:
        for tag, prop in (("period-start", "periodStart"), ("period-end", "periodEnd")):
            if (date := self.value(subject, prop)) is not None:
                ET.SubElement(parent, tag, {"iso-date": str(date)})

    # ------------------------------------------------------------ iati-activity, in schema order

    def activity(self, activity: URIRef) -> ET.Element:
        g = self.g
        element = ET.Element("iati-activity", {XML_LANG: _DEFAULT_LANG})
        if (updated := self.value(activity, "lastUpdated")) is not None:
            element.set("last-updated-datetime", str(updated))
        if (currency := _code(self.value(activity, "defaultCurrency"), "Currency")) is not None:
            element.set("default-currency", currency)
        if (hierarchy := self.value(activity, "hierarchy")) is not None:
            element.set("hierarchy", str(hierarchy))
        ET.SubElement(element, "iati-identifier").text = str(self.value(activity, "iatiIdentifier") or "")
        for org in self.objects(activity, "reportingOrg"):
            self.organisation(element, "reporting-org", org, {})
        self.narratives(ET.SubElement(element, "title"), activity, RDFS.label)
        if any(True for _ in g.objects(activity, DCTERMS.description)):
            self.narratives(ET.SubElement(element, "description", {"type": "1"}), activity, DCTERMS.description)
        for participation in self.objects(activity, "participatingOrg"):
            role = _code(self.value(participation, "organisationRole"), "OrganisationRole") or ""
            self.organisation(element, "participating-org", participation, {"role": role})
        if (status := _code(self.value(activity, "activityStatus"), "ActivityStatus")) is not None:
            ET.SubElement(element, "activity-status", {"code": status})
        for date_type, prop in DATE_TYPES.items():
            if (date := self.value(activity, prop)) is not None:
                ET.SubElement(element, "activity-date", {"type": date_type, "iso-date": str(date)})
        for share in self.objects(activity, "recipientCountry"):
            country = ET.SubElement(element, "recipient-country", {"code": str(self.value(share, "countryCode"))})
            if (percentage := self.value(share, "percentage")) is not None:
                country.set("percentage", str(percentage))
        for share in self.objects(activity, "sectorShare"):
            self.sector(element, share)
        for budget in self.objects(activity, "budget"):
            self.budget(element, budget)
        for transaction in self.objects(activity, "transaction"):
            self.transaction(element, transaction)
        for document in self.objects(activity, "document"):
            self.document(element, document)
        for result in self.objects(activity, "result"):
            self.result(element, result)
        for name in EXTENSION_PROPERTIES:
            for target in self.objects(activity, name):
                ET.SubElement(element, f"{{{EXTENSION_NS}}}{name}", {"ref": str(target)})
        return element

    def sector(self, parent: ET.Element, share: rdflib.term.Node) -> None:
        vocabulary = _code(self.value(share, "sectorVocabulary"), "SectorVocabulary") or "1"
        code_node = self.value(share, "sectorCode")
        code = str(code_node).rsplit("/", 1)[1] if code_node is not None else ""
        sector = ET.SubElement(parent, "sector", {"vocabulary": vocabulary, "code": code})
        if (percentage := self.value(share, "percentage")) is not None:
            sector.set("percentage", str(percentage))

    def budget(self, parent: ET.Element, budget: rdflib.term.Node) -> None:
        element = ET.SubElement(parent, "budget")
        for attr, prop in (("type", "budgetType"), ("status", "budgetStatus")):
            if (code := self.value(budget, prop)) is not None:
                element.set(attr, str(code))
        self.period(element, budget)
        self.money(element, budget)

    def transaction(self, parent: ET.Element, transaction: rdflib.term.Node) -> None:
        element = ET.SubElement(parent, "transaction")
        if (ref := self.value(transaction, "transactionRef")) is not None:
            element.set("ref", str(ref))
        kind = _code(self.value(transaction, "transactionType"), "TransactionType") or ""
        ET.SubElement(element, "transaction-type", {"code": kind})
        ET.SubElement(element, "transaction-date", {"iso-date": str(self.value(transaction, "transactionDate"))})
        self.money(element, transaction)
        self.text_element(element, "description", transaction, DCTERMS.description)
        for tag, prop in (("provider-org", "providerOrg"), ("receiver-org", "receiverOrg")):
            for org in self.objects(transaction, prop):
                self.organisation(element, tag, org, {})

    def document(self, parent: ET.Element, document: rdflib.term.Node) -> None:
        element = ET.SubElement(
            parent,
            "document-link",
            {"url": str(self.value(document, "url")), "format": str(self.g.value(document, DCTERMS["format"]))},
        )
        self.narratives(ET.SubElement(element, "title"), document, DCTERMS.title)
        for category in self.objects(document, "documentCategory"):
            ET.SubElement(element, "category", {"code": _code(category, "DocumentCategory") or ""})
        if (date := self.value(document, "documentDate")) is not None:
            ET.SubElement(element, "document-date", {"iso-date": str(date)})

    def result(self, parent: ET.Element, result: rdflib.term.Node) -> None:
        element = ET.SubElement(parent, "result", {"type": str(self.value(result, "resultType") or "")})
        self.narratives(ET.SubElement(element, "title"), result, DCTERMS.title)
        self.text_element(element, "description", result, DCTERMS.description)
        for indicator in self.objects(result, "indicator"):
            self.indicator(element, indicator)

    def indicator(self, parent: ET.Element, indicator: rdflib.term.Node) -> None:
        element = ET.SubElement(parent, "indicator", {"measure": str(self.value(indicator, "measure") or "")})
        if (ascending := self.value(indicator, "ascending")) is not None:
            element.set("ascending", "true" if isinstance(ascending, Literal) and ascending.toPython() else "false")
        self.narratives(ET.SubElement(element, "title"), indicator, DCTERMS.title)
        self.text_element(element, "description", indicator, DCTERMS.description)
        if (year := self.value(indicator, "baselineYear")) is not None:
            baseline = ET.SubElement(element, "baseline", {"year": str(year)})
            if (value := self.value(indicator, "baseline")) is not None:
                baseline.set("value", str(value))
        for period in self.objects(indicator, "indicatorPeriod"):
            period_element = ET.SubElement(element, "period")
            self.period(period_element, period)
            for tag in ("target", "actual"):
                if (value := self.value(period, tag)) is not None:
                    ET.SubElement(period_element, tag, {"value": str(value)})
