"""The register's IRIs and the fixed IATI 2.03 tables the reader and the writer share.

>>> activity_iri("XM-DAC-41114-PROJECT-00077463")
'https://w3id.org/coopgraph/id/actividad/XM-DAC-41114-PROJECT-00077463'
>>> province_iri("EC-L")
'https://w3id.org/coopgraph/id/provincia-ec-l'
>>> code_of(concept_iri("Currency", "USD"), "Currency")
'USD'
"""

from __future__ import annotations

from urllib.parse import quote

from coopgraph.core.codelists import concept_iri
from coopgraph.core.vocab import CG, CGR, GRAPH_BASE, IATI

REGISTER_GRAPH = GRAPH_BASE + "register"
"""The named graph that holds every register record (never the shipped data graph)."""
ACTIVITY_BASE = CGR + "actividad/"
IMPORT_BASE = CGR + "importacion-iati/"
PROVINCE_BASE = CGR + "provincia-"
IATI_VERSION = "2.03"
EXTENSION_NS = CG
"""IATI allows elements of other namespaces at the end of iati-activity: coopgraph writes the
register's own links there as elements named after the ontology property, in its namespace
(`<cg:registerProvince ref="…"/>`), with the object IRI in `ref`."""
EXTENSION_PROPERTIES: tuple[str, ...] = ("registerProvince", "activityTerritory", "executes")

DATE_TYPES: dict[str, str] = {"1": "plannedStart", "2": "actualStart", "3": "plannedEnd", "4": "actualEnd"}
"""IATI ActivityDateType code -> cg: property (the ActivityDateType codelist: 1 planned start,
2 actual start, 3 planned end, 4 actual end)."""
BUDGET_TYPES = ("1", "2")
"""IATI BudgetType: 1 original, 2 revised."""
BUDGET_STATUSES = ("1", "2")
"""IATI BudgetStatus: 1 indicative, 2 committed."""
RESULT_TYPES = ("1", "2", "3", "9")
"""IATI ResultType: 1 output, 2 outcome, 3 impact, 9 other."""
INDICATOR_MEASURES = ("1", "2", "3", "4", "5")
"""IATI IndicatorMeasure: 1 unit, 2 percentage, 3 nominal, 4 ordinal, 5 qualitative."""
SECTOR_VOCABULARIES: dict[str, str] = {"1": "Sector", "2": "SectorCategory", "7": "UNSDG-Goals"}
"""Sector vocabularies the register keeps, and the codelist their codes come from."""
DEFAULT_SECTOR_VOCABULARY = "1"
FORBIDDEN_IN_IDENTIFIERS = "/&|?"
LANGS = ("es", "en")


def activity_iri(identifier: str) -> str:
    """The register IRI of an activity: its IATI identifier, percent-encoded where an IRI needs it."""
    return ACTIVITY_BASE + quote(identifier, safe="-._~:")


def province_iri(code: str) -> str:
    """`EC-L` -> the graph's province IRI."""
    return PROVINCE_BASE + code.lower()


def province_code(iri: str) -> str | None:
    """The ISO 3166-2 code of a province IRI (None for another IRI)."""
    if not iri.startswith(PROVINCE_BASE):
        return None
    return iri[len(PROVINCE_BASE) :].upper()


def code_of(iri: str, codelist: str) -> str | None:
    """The code of a concept IRI of `codelist` (None if the IRI is not of that list)."""
    base = IATI + codelist + "/"
    return iri[len(base) :] if iri.startswith(base) else None


__all__ = [
    "ACTIVITY_BASE",
    "BUDGET_STATUSES",
    "BUDGET_TYPES",
    "DATE_TYPES",
    "DEFAULT_SECTOR_VOCABULARY",
    "EXTENSION_NS",
    "EXTENSION_PROPERTIES",
    "FORBIDDEN_IN_IDENTIFIERS",
    "IATI_VERSION",
    "IMPORT_BASE",
    "INDICATOR_MEASURES",
    "LANGS",
    "REGISTER_GRAPH",
    "RESULT_TYPES",
    "SECTOR_VOCABULARIES",
    "activity_iri",
    "code_of",
    "concept_iri",
    "province_code",
    "province_iri",
]
