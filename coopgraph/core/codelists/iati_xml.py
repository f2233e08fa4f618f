"""Reading IATI codelist XML: `read_codelist()` into `Codelist` and `Item`, refusing any DTD.

The files come from outside (the IATI codelist repository), so `parse_xml`
refuses a DOCTYPE or ENTITY declaration before any parser sees it, and uses
defusedxml when it is installed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

_defused_et: ModuleType | None
try:  # defusedxml refuses DTDs, entities and external references itself.
    import defusedxml.ElementTree as _defused_et
except ImportError:  # fallback: the stdlib parser, behind parse_xml's DOCTYPE check
    _defused_et = None

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXMLError(ValueError):
    """An XML input declares a DOCTYPE or ENTITY; such input is refused."""


@dataclass(frozen=True)
class Item:
    """One codelist item, as IATI publishes it."""

    code: str
    names: dict[str, str]
    descriptions: dict[str, str]
    category: str | None
    withdrawn: bool
    withdrawal_date: str | None


@dataclass(frozen=True)
class Codelist:
    """One IATI codelist: metadata and items in file order."""

    name: str
    category_codelist: str | None
    names: dict[str, str]
    descriptions: dict[str, str]
    url: str | None
    items: tuple[Item, ...] = field(default_factory=tuple)
    rights: str | None = None
    """Where the list comes from, when not from an IATI codelist file (the scheme's dcterms:rights)."""
    license: str | None = None
    """The list's licence IRI when it is not IATI's CC BY 4.0 (names taken from a source under another licence)."""

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(item.code for item in self.items)


def parse_xml(data: bytes) -> ET.Element:
    """Parse XML bytes, refusing any DOCTYPE or ENTITY declaration.

    Why: entity expansion can exhaust memory or CPU; IATI codelists never
    declare a DTD, so refusing one costs nothing.
    """
    if _FORBIDDEN_XML.search(data):
        raise UnsafeXMLError("XML input declares a DOCTYPE or ENTITY; refused")
    if _defused_et is not None:  # a module found at run time: its functions type as Any
        root: ET.Element = _defused_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        return root
    return ET.fromstring(data)


def _narratives(element: ET.Element | None, default_lang: str) -> dict[str, str]:
    """Text of the ``narrative`` children by language (first one per language)."""
    out: dict[str, str] = {}
    if element is None:
        return out
    for narrative in element.findall("narrative"):
        text = (narrative.text or "").strip()
        lang = narrative.get(_XML_LANG, default_lang)
        if text and lang not in out:
            out[lang] = text
    return out


def _metadata_url(metadata: ET.Element | None) -> str | None:
    if metadata is None:
        return None
    return (metadata.findtext("url") or "").strip() or None


def read_codelist(path: Path) -> Codelist:
    """Read one IATI codelist XML file."""
    root = parse_xml(path.read_bytes())
    if root.tag != "codelist" or not root.get("name"):
        raise ValueError(f"{path}: not an IATI codelist file")
    lang = root.get(_XML_LANG, "en")
    metadata = root.find("metadata")
    items = []
    for el in root.findall("codelist-items/codelist-item"):
        code = el.findtext("code")
        if code is None or code != code.strip() or not code:
            raise ValueError(f"{path}: item with a missing or padded code: {code!r}")
        category = el.findtext("category")
        items.append(
            Item(
                code=code,
                names=_narratives(el.find("name"), lang),
                descriptions=_narratives(el.find("description"), lang),
                category=category.strip() if category else None,
                withdrawn=el.get("status") == "withdrawn",
                withdrawal_date=el.get("withdrawal-date"),
            )
        )
    return Codelist(
        name=root.get("name", ""),
        category_codelist=root.get("category-codelist"),
        names=_narratives(metadata.find("name") if metadata is not None else None, lang),
        descriptions=_narratives(metadata.find("description") if metadata is not None else None, lang),
        url=_metadata_url(metadata),
        items=tuple(items),
    )
