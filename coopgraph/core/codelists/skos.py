"""IATI codelists as SKOS concept schemes: the IRIs, and deterministic Turtle from the parsed codelists."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal

from coopgraph.core.codelists.currency import CURRENCY, ISO_CODES_SPANISH_NOTE, iso4217_codelist
from coopgraph.core.codelists.iati_xml import Codelist, Item, read_codelist
from coopgraph.core.codelists.spanish import CONCEPT_SPANISH_NOTE, SPANISH_LABELS, SPANISH_NOTE
from coopgraph.core.vocab import IATI, prefixes

BASE = IATI
ATTRIBUTION = "IATI Standard (iatistandard.org)"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

SOURCE = "https://w3id.org/coopgraph/id/ref-iati-codelists"

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
    # the register's codes (ontology/register.ttl, coopgraph/core/iati)
    "ActivityStatus",
    "OrganisationRole",
    "TransactionType",
    "DocumentCategory",
    "SectorVocabulary",
    "Currency",
)
"""The codelists `coopgraph build codelists` converts (their category codelists come along when present).

Currency is ISO 4217: when the source folder has no Currency.xml it is made
from pycountry (`currency.iso4217_codelist`).
"""

_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?")
_PREFIXES = prefixes("cgr", "dcterms", "iati", "owl", "rdfs", "skos")


def scheme_iri(codelist: str) -> str:
    """IRI of the concept scheme for a codelist."""
    return BASE + codelist


def concept_iri(codelist: str, code: str) -> str:
    """IRI of the concept for one code of a codelist (the code kept exactly)."""
    return f"{BASE}{codelist}/{code}"


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
    """Read the requested lists plus the category lists they depend on that `src_dir` has.

    A requested list must exist (Currency falls back to ISO 4217 from
    pycountry); a missing category list (DocumentCategory-category) only
    leaves its items without a broader concept, with a note saying so.
    """
    wanted = [(name, True) for name in dict.fromkeys(codelists)]
    loaded: dict[str, Codelist] = {}
    while wanted:
        name, required = wanted.pop(0)
        if name in loaded:
            continue
        path = src_dir / f"{name}.xml"
        if not path.is_file():
            if name == CURRENCY:
                loaded[name] = iso4217_codelist()
                continue
            if not required:
                continue
            raise FileNotFoundError(f"IATI codelist {name!r} not found at {path}")
        codelist = read_codelist(path)
        if codelist.name != name:
            raise ValueError(f"{path}: declares codelist {codelist.name!r}, expected {name!r}")
        loaded[name] = codelist
        if codelist.category_codelist and codelist.category_codelist not in loaded:
            wanted.append((codelist.category_codelist, False))
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
        ("dcterms:license", f"<{codelist.license or LICENSE}>"),
        (
            "dcterms:rights",
            _lit(
                codelist.rights
                or f'Derived from the IATI codelist "{codelist.name}". Attribution: {ATTRIBUTION}. Licence: CC BY 4.0.',
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
    elif "es" in item.names and codelist.name == CURRENCY:
        pairs.append(("skos:editorialNote", _lit(ISO_CODES_SPANISH_NOTE, "en")))
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
        f"# Licence: CC BY 4.0 ({LICENSE}), except the schemes that name another below.\n"
        "# English and French labels and definitions are IATI's. Spanish labels\n"
        "# (@es) are coopgraph's own translation, not IATI's, given only for codes\n"
        "# the graph maps to and for the lists the register offers (currencies take\n"
        "# iso-codes' Spanish where it has one); each such concept carries a\n"
        "# skos:editorialNote saying whose translation it is.\n"
        "#\n"
        "# Schemes:\n"
        f"{counts}\n" + "".join(f"# {name}: {lists[name].rights}\n" for name in order if lists[name].rights)
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
