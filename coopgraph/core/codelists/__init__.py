"""IATI codelists (XML) to SKOS concept schemes (Turtle).

Why: the graph maps its own cooperation taxonomies to IATI / OECD-DAC codes
with SKOS mapping properties, so the codes themselves must be SKOS concepts
with stable IRIs. This module derives them from the IATI codelist XML files
(passed in as a directory, never read at run time from a fixed place) and
writes deterministic Turtle, so the committed file can be regenerated and
compared.

IRIs: the scheme of codelist ``<Codelist>`` is ``{BASE}<Codelist>`` and the
concept of code ``<code>`` is ``{BASE}<Codelist>/<code>`` (the code exactly).

Hierarchy: an item whose ``<category>`` is a code of the list's category
codelist (AidType -> AidType-category, FinanceType -> FinanceType-category,
Sector -> SectorCategory) gets ``skos:broader`` to that category concept; an
item whose category is a code of its own list (AidType B021 -> B02,
CRSChannelCode 11000 -> 10000) gets ``skos:broader`` within its scheme. An item
is ``skos:topConceptOf`` its own scheme when it has no broader concept *in that
scheme*, so every scheme can be browsed from its top concepts. A category code
that exists nowhere (FinanceType 451 -> 450) yields no broader link and an
editorial note instead of a dangling IRI.

Spanish: IATI publishes English and French only. Spanish labels are
coopgraph's own translations, kept in ``SPANISH_LABELS`` for the codes the
graph maps to, and marked as such on every concept and scheme.

Example::

    >>> concept_iri("Sector", "11110")
    'https://w3id.org/coopgraph/iati/Sector/11110'

What is where (import everything from this package):

- `iati_xml`: reading one IATI codelist XML file (`read_codelist`), with
  the DOCTYPE/ENTITY guard (`parse_xml`, `UnsafeXMLError`).
- `spanish`: the Spanish translations (`SPANISH_LABELS`, of which
  `REGISTER_SPANISH_LABELS` are the register's short lists), a table to edit.
- `currency`: the Currency list (ISO 4217) from pycountry, which the IATI
  files at hand lack.
- `skos`: the IRIs (`scheme_iri`, `concept_iri`) and the Turtle writer
  (`codelists_to_skos`); it reads the XML through `iati_xml`.
"""

from __future__ import annotations

from coopgraph.core.codelists.currency import iso4217_codelist
from coopgraph.core.codelists.iati_xml import Codelist, Item, UnsafeXMLError, parse_xml, read_codelist
from coopgraph.core.codelists.skos import (
    ATTRIBUTION,
    BASE,
    DEFAULT_CODELISTS,
    LICENSE,
    SOURCE,
    codelists_to_skos,
    concept_iri,
    scheme_iri,
)
from coopgraph.core.codelists.spanish import CONCEPT_SPANISH_NOTE, REGISTER_SPANISH_LABELS, SPANISH_LABELS, SPANISH_NOTE

__all__ = [
    "ATTRIBUTION",
    "BASE",
    "CONCEPT_SPANISH_NOTE",
    "DEFAULT_CODELISTS",
    "LICENSE",
    "REGISTER_SPANISH_LABELS",
    "SOURCE",
    "SPANISH_LABELS",
    "SPANISH_NOTE",
    "Codelist",
    "Item",
    "UnsafeXMLError",
    "codelists_to_skos",
    "concept_iri",
    "iso4217_codelist",
    "parse_xml",
    "read_codelist",
    "scheme_iri",
]
