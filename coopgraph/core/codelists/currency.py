"""The Currency codelist, which /work/shared does not carry: ISO 4217 through pycountry.

IATI's Currency codelist is ISO 4217 (three-letter codes). The IATI codelist
files at hand lack it, so `coopgraph build codelists` makes it from
pycountry's copy of the ISO 4217 data (the iso-codes project), with English
names only, and says so on the scheme. A `Currency.xml` in the source folder
takes precedence (see `skos._resolve_lists`).

    >>> currency = iso4217_codelist()
    >>> "USD" in currency.codes and "EUR" in currency.codes
    True
"""

from __future__ import annotations

import importlib.metadata

import pycountry

from coopgraph.core.codelists.iati_xml import Codelist, Item

CURRENCY = "Currency"


def iso4217_codelist() -> Codelist:
    """ISO 4217 currencies (code and English name) as a `Codelist` named Currency, sorted by code."""
    version = importlib.metadata.version("pycountry")
    items = tuple(
        Item(
            code=currency.alpha_3,
            names={"en": currency.name},
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
            "standing for the IATI Currency codelist, which is ISO 4217; IATI Standard (iatistandard.org). "
            "Licence of this derived list: CC BY 4.0."
        ),
    )
