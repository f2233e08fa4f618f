"""The Currency codelist, which /work/shared does not carry: ISO 4217 through pycountry.

IATI's Currency codelist is ISO 4217 (three-letter codes). The IATI codelist
files at hand lack it, so `coopgraph build codelists` makes it from
pycountry's copy of the ISO 4217 data (the iso-codes project), and says so on
the scheme. Officers pick a currency in Spanish, so every code also gets a
Spanish name: the iso-codes project's Spanish translation (made by people,
through the Translation Project; pycountry ships it), and, for the names it
leaves in English, coopgraph's own (`SPANISH_LABELS`, marked on the concept).
A `Currency.xml` in the source folder takes precedence (see
`skos._resolve_lists`).

    >>> currency = iso4217_codelist()
    >>> "USD" in currency.codes and "EUR" in currency.codes
    True
    >>> spanish_names()["USD"]
    'Dólar estadounidense'
"""

from __future__ import annotations

import functools
import gettext
import importlib.metadata

import pycountry

from coopgraph.core.codelists.iati_xml import Codelist, Item

LGPL_2_1 = "https://spdx.org/licenses/LGPL-2.1-only.html"
"""pycountry's licence, which covers the iso-codes names and Spanish translations it ships."""

CURRENCY = "Currency"
ISO_CODES_SPANISH_NOTE = "The Spanish label is the iso-codes project's translation of the ISO 4217 name (pycountry)."
"""On every currency whose Spanish name comes from iso-codes."""


@functools.lru_cache(maxsize=1)
def spanish_names() -> dict[str, str]:
    """ISO 4217 code -> Spanish name, from iso-codes' Spanish catalogue; names it leaves in English are left out."""
    catalogue = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["es"])
    names = {currency.alpha_3: catalogue.gettext(currency.name) for currency in pycountry.currencies}
    english = {currency.alpha_3: currency.name for currency in pycountry.currencies}
    return {code: name for code, name in names.items() if name != english[code]}


def iso4217_codelist() -> Codelist:
    """ISO 4217 currencies (code and English name) as a `Codelist` named Currency, sorted by code."""
    version = importlib.metadata.version("pycountry")
    spanish = spanish_names()
    items = tuple(
        Item(
            code=currency.alpha_3,
            names={"en": currency.name} | ({"es": spanish[currency.alpha_3]} if currency.alpha_3 in spanish else {}),
            descriptions={},
            category=None,
            withdrawn=False,
            withdrawal_date=None,
        )
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    )
    return Codelist(
        name=CURRENCY,
        category_codelist=None,
        names={"en": "Currency"},
        descriptions={"en": "ISO 4217 currency codes, which the IATI Currency codelist uses for every monetary value."},
        url=None,
        items=items,
        rights=(
            f"ISO 4217 codes and English names from pycountry {version} (the iso-codes project's ISO 4217 data), "
            "Spanish names from iso-codes' Spanish translation, or coopgraph's own where it has none (marked), "
            "standing for the IATI Currency codelist, which is ISO 4217; IATI Standard (iatistandard.org). "
            "Licence of this derived list: LGPL-2.1-only, pycountry's, because it carries iso-codes' names "
            "and Spanish translations (the codes themselves are ISO 4217's)."
        ),
        license=LGPL_2_1,
    )
