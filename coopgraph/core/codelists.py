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
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from coopgraph.core.vocab import IATI, prefixes

try:  # defusedxml refuses DTDs, entities and external references itself.
    import defusedxml.ElementTree as _defused_et
except ImportError:  # fallback: the stdlib parser, behind parse_xml's DOCTYPE check
    _defused_et = None

__all__ = [
    "BASE",
    "DEFAULT_CODELISTS",
    "SPANISH_LABELS",
    "Codelist",
    "Item",
    "UnsafeXMLError",
    "codelists_to_skos",
    "concept_iri",
    "parse_xml",
    "read_codelist",
    "scheme_iri",
]

BASE = IATI
ATTRIBUTION = "IATI Standard (iatistandard.org)"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "https://w3id.org/coopgraph/id/ref-iati-codelists"
SPANISH_NOTE = "Spanish labels are coopgraph's own translation, not IATI's."
CONCEPT_SPANISH_NOTE = "The Spanish label is coopgraph's own translation, not IATI's."

DEFAULT_CODELISTS: tuple[str, ...] = (
    "AidType",
    "AidType-category",
    "CollaborationType",
    "CRSChannelCode",
    "FlowType",
    "FinanceType",
    "FinanceType-category",
    "OrganisationType",
    "Sector",
    "SectorCategory",
    "UNSDG-Goals",
)

# coopgraph's own Spanish translations, only for codes the graph maps to
# (graph/*.ttl). Key: (codelist, code). Regeneration keeps them.
SPANISH_LABELS: dict[tuple[str, str], str] = {
    ("AidType-category", "A"): "Apoyo presupuestario",
    ("AidType-category", "D"): "Expertos y otras formas de asistencia técnica",
    ("AidType", "B01"): (
        "Apoyo a los presupuestos generales de ONG, otros organismos privados, APP e institutos de investigación"
    ),
    ("AidType", "B021"): "Contribuciones a los presupuestos generales de instituciones multilaterales",
    ("AidType", "B022"): "Contribuciones a los presupuestos generales de fondos mundiales",
    ("AidType", "B03"): (
        "Contribuciones a programas y fondos de propósito específico gestionados por socios ejecutores"
    ),
    ("AidType", "B04"): "Fondos canasta / financiación mancomunada",
    ("AidType", "C01"): "Intervenciones de tipo proyecto",
    ("AidType", "D02"): "Otra asistencia técnica",
    ("AidType", "E01"): "Becas / formación en el país donante",
    ("AidType", "F01"): "Alivio de la deuda",
    ("CollaborationType", "1"): "Bilateral",
    ("CollaborationType", "2"): "Multilateral (entradas)",
    ("CollaborationType", "4"): "Salidas multilaterales",
    ("CollaborationType", "8"): "Bilateral, cooperación triangular",
    ("CRSChannelCode", "13000"): "Gobierno de un tercer país (cooperación delegada)",
    ("CRSChannelCode", "20000"): "Organizaciones no gubernamentales (ONG) y sociedad civil",
    ("CRSChannelCode", "31000"): "Alianzas público-privadas (APP)",
    ("CRSChannelCode", "40000"): "Organizaciones multilaterales",
    ("CRSChannelCode", "43000"): "Fondo Monetario Internacional (FMI)",
    ("CRSChannelCode", "44000"): "Grupo Banco Mundial (BM)",
    ("CRSChannelCode", "46000"): "Bancos regionales de desarrollo",
    ("CRSChannelCode", "51000"): (
        "Universidad, instituto de enseñanza superior u otra institución docente, "
        "instituto de investigación o centro de pensamiento"
    ),
    ("FinanceType", "110"): "Donación estándar",
    ("FinanceType-category", "420"): "Instrumentos de deuda",
    ("OrganisationType", "10"): "Gobierno",
    ("OrganisationType", "11"): "Gobierno local",
    ("Sector", "24040"): "Intermediarios financieros informales y semiformales",
    ("SectorCategory", "720"): "Respuesta de emergencia",
    # codes mapped by graph/sectors.ttl
    ("Sector", "11330"): "Formación profesional",
    ("Sector", "15110"): "Política del sector público y gestión administrativa",
    ("Sector", "15112"): "Descentralización y apoyo a los gobiernos subnacionales",
    ("Sector", "15113"): "Organizaciones e instituciones anticorrupción",
    ("Sector", "15130"): "Desarrollo legal y judicial",
    ("Sector", "15150"): "Participación democrática y sociedad civil",
    ("Sector", "15160"): "Derechos humanos",
    ("Sector", "15170"): (
        "Organizaciones y movimientos por los derechos de las mujeres, e instituciones gubernamentales"
    ),
    ("Sector", "15190"): ("Facilitación de la migración y la movilidad ordenadas, seguras, regulares y responsables"),
    ("Sector", "15220"): "Construcción de la paz civil, prevención y resolución de conflictos",
    ("Sector", "16010"): "Protección social",
    ("Sector", "16066"): "Cultura",
    ("Sector", "21020"): "Transporte por carretera",
    ("Sector", "31140"): "Recursos hídricos para uso agrícola",
    ("Sector", "41030"): "Biodiversidad",
    ("Sector", "43030"): "Desarrollo y gestión urbana",
    ("Sector", "43040"): "Desarrollo rural",
    ("Sector", "43060"): "Reducción del riesgo de desastres",
    ("SectorCategory", "111"): "Educación, nivel no especificado",
    ("SectorCategory", "112"): "Educación básica",
    ("SectorCategory", "113"): "Educación secundaria",
    ("SectorCategory", "114"): "Educación postsecundaria",
    ("SectorCategory", "121"): "Salud, general",
    ("SectorCategory", "122"): "Salud básica",
    ("SectorCategory", "123"): "Enfermedades no transmisibles (ENT)",
    ("SectorCategory", "130"): "Políticas y programas de población y salud reproductiva",
    ("SectorCategory", "140"): "Abastecimiento de agua y saneamiento",
    ("SectorCategory", "151"): "Gobierno y sociedad civil, general",
    ("SectorCategory", "152"): "Conflicto, paz y seguridad",
    ("SectorCategory", "160"): "Otros servicios e infraestructuras sociales",
    ("SectorCategory", "231"): "Política energética",
    ("SectorCategory", "232"): "Generación de energía, fuentes renovables",
    ("SectorCategory", "233"): "Generación de energía, fuentes no renovables",
    ("SectorCategory", "234"): "Centrales de energía híbridas",
    ("SectorCategory", "235"): "Centrales nucleares",
    ("SectorCategory", "236"): "Distribución de energía",
    ("SectorCategory", "311"): "Agricultura",
    ("SectorCategory", "331"): "Políticas y regulaciones comerciales",
    ("SectorCategory", "410"): "Protección general del medio ambiente",
    ("SectorCategory", "730"): "Reconstrucción, socorro y rehabilitación",
    ("SectorCategory", "740"): "Prevención de desastres y preparación",
}

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORBIDDEN_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?")

_PREFIXES = prefixes("cgr", "dcterms", "iati", "owl", "rdfs", "skos")


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

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(item.code for item in self.items)


def scheme_iri(codelist: str) -> str:
    """IRI of the concept scheme for a codelist."""
    return BASE + codelist


def concept_iri(codelist: str, code: str) -> str:
    """IRI of the concept for one code of a codelist (the code kept exactly)."""
    return f"{BASE}{codelist}/{code}"


def parse_xml(data: bytes) -> ET.Element:
    """Parse XML bytes, refusing any DOCTYPE or ENTITY declaration.

    Why: entity expansion can exhaust memory or CPU; IATI codelists never
    declare a DTD, so refusing one costs nothing.
    """
    if _FORBIDDEN_XML.search(data):
        raise UnsafeXMLError("XML input declares a DOCTYPE or ENTITY; refused")
    if _defused_et is not None:
        return _defused_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
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


def _prefix_of(codelist: str) -> str:
    return "iati-" + codelist.lower()


def _ref(iri: str, prefixes: dict[str, str]) -> str:
    """Shortest safe Turtle form of an IRI: a prefixed name or ``<iri>``."""
    for prefix, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and _SAFE_LOCAL.fullmatch(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def _lit(text: str, lang: str | None = None) -> str:
    return Literal(text, lang=lang).n3()


def _block(subject: str, pairs: list[tuple[str, str]]) -> str:
    """One Turtle subject block; pairs keep their order."""
    lines = [f"{subject} {pairs[0][0]} {pairs[0][1]}"]
    lines += [f"    {p} {o}" for p, o in pairs[1:]]
    return " ;\n".join(lines) + " .\n"


def _lang_pairs(predicate: str, texts: dict[str, str]) -> list[tuple[str, str]]:
    order = sorted(texts, key=lambda lang: (lang != "en", lang != "fr", lang))
    return [(predicate, _lit(texts[lang], lang)) for lang in order]


def _resolve_lists(src_dir: Path, codelists: list[str]) -> dict[str, Codelist]:
    """Read the requested lists plus the category lists they depend on."""
    wanted = list(dict.fromkeys(codelists))
    loaded: dict[str, Codelist] = {}
    while wanted:
        name = wanted.pop(0)
        if name in loaded:
            continue
        path = src_dir / f"{name}.xml"
        if not path.is_file():
            raise FileNotFoundError(f"IATI codelist {name!r} not found at {path}")
        codelist = read_codelist(path)
        if codelist.name != name:
            raise ValueError(f"{path}: declares codelist {codelist.name!r}, expected {name!r}")
        loaded[name] = codelist
        if codelist.category_codelist and codelist.category_codelist not in loaded:
            wanted.append(codelist.category_codelist)
    return loaded


def _check_spanish(lists: dict[str, Codelist]) -> None:
    for name, code in SPANISH_LABELS:
        if name in lists and code not in lists[name].codes:
            raise ValueError(f"SPANISH_LABELS has {name}/{code}, which the codelist lacks")


def _scheme_block(codelist: Codelist, tops: list[str], prefixes: dict[str, str]) -> str:
    pairs: list[tuple[str, str]] = [("a", "skos:ConceptScheme")]
    names = codelist.names or {"en": codelist.name}
    pairs += _lang_pairs("skos:prefLabel", names)
    pairs += _lang_pairs("rdfs:label", names)
    pairs.append(("skos:notation", _lit(codelist.name)))
    pairs += _lang_pairs("skos:definition", codelist.descriptions)
    pairs += [
        ("dcterms:source", "cgr:ref-iati-codelists"),
        ("dcterms:license", f"<{LICENSE}>"),
        (
            "dcterms:rights",
            _lit(
                f'Derived from the IATI codelist "{codelist.name}". Attribution: {ATTRIBUTION}. Licence: CC BY 4.0.',
                "en",
            ),
        ),
        ("skos:editorialNote", _lit(SPANISH_NOTE, "en")),
    ]
    if codelist.url:
        pairs.append(("rdfs:seeAlso", f"<{codelist.url}>"))
    if tops:
        pairs.append(("skos:hasTopConcept", ",\n        ".join(tops)))
    return _block(_ref(scheme_iri(codelist.name), prefixes), pairs)


def _concept_block(
    codelist: Codelist, item: Item, lists: dict[str, Codelist], prefixes: dict[str, str]
) -> tuple[str, bool]:
    """Turtle for one item, and whether it is a top concept of its scheme."""
    pairs: list[tuple[str, str]] = [("a", "skos:Concept")]
    scheme = _ref(scheme_iri(codelist.name), prefixes)
    pairs.append(("skos:inScheme", scheme))
    pairs.append(("skos:notation", _lit(item.code)))
    names = dict(item.names)
    spanish = SPANISH_LABELS.get((codelist.name, item.code))
    if spanish:
        names["es"] = spanish
    if not names:
        names = {"en": item.code}
    pairs += _lang_pairs("skos:prefLabel", names)
    pairs += _lang_pairs("rdfs:label", names)
    pairs += _lang_pairs("skos:definition", item.descriptions)

    broader: str | None = None
    in_scheme_broader = False
    category_list = lists.get(codelist.category_codelist or "")
    if item.category is not None:
        if category_list is not None and item.category in category_list.codes:
            broader = concept_iri(category_list.name, item.category)
        elif item.category in codelist.codes and item.category != item.code:
            broader = concept_iri(codelist.name, item.category)
            in_scheme_broader = True
    is_top = not in_scheme_broader
    if broader:
        pairs.append(("skos:broader", _ref(broader, prefixes)))
    elif item.category is not None:
        where = codelist.category_codelist or codelist.name
        pairs.append(
            (
                "skos:editorialNote",
                _lit(
                    f'IATI gives this item the category "{item.category}", '
                    f"which is not a code of {where}; no broader concept is asserted.",
                    "en",
                ),
            )
        )
    if is_top:
        pairs.append(("skos:topConceptOf", scheme))
    if item.withdrawn:
        pairs.append(("owl:deprecated", "true"))
        when = f" (withdrawal date {item.withdrawal_date})" if item.withdrawal_date else ""
        pairs.append(("skos:changeNote", _lit(f"Withdrawn from the IATI codelist{when}.", "en")))
    if spanish:
        pairs.append(("skos:editorialNote", _lit(CONCEPT_SPANISH_NOTE, "en")))
    pairs.append(("dcterms:source", "cgr:ref-iati-codelists"))
    return _block(_ref(concept_iri(codelist.name, item.code), prefixes), pairs), is_top


def _header(lists: dict[str, Codelist], order: list[str]) -> str:
    counts = "\n".join(f"#   {name}: {len(lists[name].items)} concepts" for name in order)
    return (
        "# IATI codelists as SKOS: one skos:ConceptScheme per codelist at\n"
        f"# {BASE}<Codelist>, one skos:Concept per code at\n"
        f"# {BASE}<Codelist>/<code> (skos:notation = the code exactly).\n"
        "# GENERATED by `coopgraph build codelists SRC_DIR -o graph/codelists/iati.ttl`\n"
        "# from the IATI codelist XML files; do not edit by hand.\n"
        "#\n"
        f"# Derived from the IATI Standard codelists. Attribution: {ATTRIBUTION}.\n"
        f"# Licence: CC BY 4.0 ({LICENSE}).\n"
        "# English and French labels and definitions are IATI's. Spanish labels\n"
        "# (@es) are coopgraph's own translation, not IATI's, given only for codes\n"
        "# the graph maps to; each such concept carries a skos:editorialNote.\n"
        "#\n"
        "# Schemes:\n"
        f"{counts}\n"
    )


def codelists_to_skos(src_dir: Path, codelists: list[str]) -> str:
    """Convert IATI codelist XML files in ``src_dir`` to SKOS Turtle.

    Category codelists that a requested list depends on are added. The output
    depends only on the input files: schemes in the given order (added
    category lists after them), items in file order.
    """
    lists = _resolve_lists(Path(src_dir), codelists)
    _check_spanish(lists)
    order = list(lists)
    prefixes = dict(_PREFIXES)
    for name in order:
        prefixes[_prefix_of(name)] = BASE + name + "/"

    sections: list[str] = []
    for name in order:
        codelist = lists[name]
        concepts, tops = [], []
        for item in codelist.items:
            block, is_top = _concept_block(codelist, item, lists, prefixes)
            concepts.append(block)
            if is_top:
                tops.append(_ref(concept_iri(name, item.code), prefixes))
        sections.append(
            f"# ---- {name} ----\n\n" + _scheme_block(codelist, tops, prefixes) + "\n" + "\n".join(concepts)
        )

    prefix_lines = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))
    return _header(lists, order) + prefix_lines + "\n" + "\n".join(sections)
