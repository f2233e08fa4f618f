"""Tests for coopgraph.core.codelists and the committed IATI SKOS file.

Tests that read the IATI XML under ../shared skip when it is absent (a plain
clone has no shared/); the others check the committed Turtle on its own or
convert small codelists written here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from coopgraph.cli.main import cli
from coopgraph.core.codelists import (
    ATTRIBUTION,
    BASE,
    CONCEPT_SPANISH_NOTE,
    DEFAULT_CODELISTS,
    REGISTER_SPANISH_LABELS,
    SPANISH_LABELS,
    SPANISH_NOTE,
    UnsafeXMLError,
    codelists_to_skos,
    concept_iri,
    read_codelist,
    scheme_iri,
)
from coopgraph.core.codelists.currency import ISO_CODES_SPANISH_NOTE, spanish_names

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "graph" / "codelists" / "iati.ttl"
DATA_DIR = ROOT / "graph"
SHARED_CODELISTS = ROOT.parent / "shared" / "data" / "iati-codelists"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
LGPL = URIRef("https://spdx.org/licenses/LGPL-2.1-only.html")
"""pycountry's licence: the Currency scheme carries iso-codes' names and translations, as pycountry ships them."""
REF = URIRef("https://w3id.org/coopgraph/id/ref-iati-codelists")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

needs_shared = pytest.mark.skipif(
    not SHARED_CODELISTS.is_dir(),
    reason=f"IATI codelist XML not found at {SHARED_CODELISTS} (../shared is absent)",
)


@pytest.fixture(scope="module")
def committed() -> Graph:
    return Graph().parse(COMMITTED, format="turtle")


XML_CODELISTS = [name for name in DEFAULT_CODELISTS if name != "Currency"]
"""The lists made from IATI codelist XML (Currency is made from pycountry: tested on its own)."""


def xml_items(name: str) -> list[ET.Element]:
    """The items of one codelist, read independently of coopgraph.core.codelists ([] if the file is absent)."""
    path = SHARED_CODELISTS / f"{name}.xml"
    if not path.is_file():
        return []
    return ET.parse(path).getroot().findall("codelist-items/codelist-item")


def xml_root(name: str) -> ET.Element:
    return ET.parse(SHARED_CODELISTS / f"{name}.xml").getroot()


# --- regeneration ----------------------------------------------------------


@needs_shared
def test_regenerated_file_is_isomorphic_with_committed(committed: Graph) -> None:
    fresh = Graph().parse(data=codelists_to_skos(SHARED_CODELISTS, list(DEFAULT_CODELISTS)), format="turtle")
    assert isomorphic(fresh, committed), (
        "graph/codelists/iati.ttl is stale: run "
        "`coopgraph build codelists ../shared/data/iati-codelists -o graph/codelists/iati.ttl`"
    )


@needs_shared
def test_generation_is_deterministic() -> None:
    first = codelists_to_skos(SHARED_CODELISTS, list(DEFAULT_CODELISTS))
    second = codelists_to_skos(SHARED_CODELISTS, list(DEFAULT_CODELISTS))
    assert first == second


# --- counts and codes against the XML ----------------------------------------


@needs_shared
@pytest.mark.parametrize("name", XML_CODELISTS)
def test_concept_count_per_scheme_equals_xml_items(committed: Graph, name: str) -> None:
    items = xml_items(name)
    assert items, f"{name}.xml has no items: the check would see nothing"
    concepts = set(committed.subjects(SKOS.inScheme, URIRef(scheme_iri(name))))
    assert len(concepts) == len(items)


@needs_shared
@pytest.mark.parametrize("name", XML_CODELISTS)
def test_each_code_has_its_iri_and_exact_notation(committed: Graph, name: str) -> None:
    for item in xml_items(name):
        code = item.findtext("code")
        concept = URIRef(concept_iri(name, code))
        assert (concept, RDF.type, SKOS.Concept) in committed, concept
        assert list(committed.objects(concept, SKOS.notation)) == [Literal(code)]


@needs_shared
@pytest.mark.parametrize("name", XML_CODELISTS)
def test_withdrawn_items_and_only_they_are_deprecated(committed: Graph, name: str) -> None:
    withdrawn = {
        URIRef(concept_iri(name, i.findtext("code"))) for i in xml_items(name) if i.get("status") == "withdrawn"
    }
    in_scheme = set(committed.subjects(SKOS.inScheme, URIRef(scheme_iri(name))))
    deprecated = {c for c in in_scheme if (c, OWL.deprecated, Literal(True)) in committed}
    assert deprecated == withdrawn


@needs_shared
@pytest.mark.parametrize("name", XML_CODELISTS)
def test_labels_and_definitions_are_the_narratives(committed: Graph, name: str) -> None:
    for item in xml_items(name):
        concept = URIRef(concept_iri(name, item.findtext("code")))
        for part, prop in (("name", SKOS.prefLabel), ("description", SKOS.definition)):
            element = item.find(part)
            if element is None:
                continue
            for narrative in element.findall("narrative"):
                text = (narrative.text or "").strip()
                if not text:  # IATI has a few empty narratives; they carry nothing
                    continue
                lang = narrative.get(XML_LANG, "en")
                expected = Literal(text, lang=lang)
                assert expected in set(committed.objects(concept, prop)), (concept, lang)


@needs_shared
@pytest.mark.parametrize("name", XML_CODELISTS)
def test_broader_follows_the_xml_category(committed: Graph, name: str) -> None:
    root = xml_root(name)
    category_list = root.get("category-codelist")
    own = {i.findtext("code") for i in xml_items(name)}
    categories = {i.findtext("code") for i in xml_items(category_list)} if category_list else set()
    for item in xml_items(name):
        concept = URIRef(concept_iri(name, item.findtext("code")))
        category = item.findtext("category")
        broader = set(committed.objects(concept, SKOS.broader))
        if category in categories:
            expected = {URIRef(concept_iri(category_list, category))}
        elif category in own:
            expected = {URIRef(concept_iri(name, category))}
        else:
            expected = set()
        assert broader == expected, concept
        in_scheme_broader = category in own and category not in categories
        is_top = (concept, SKOS.topConceptOf, URIRef(scheme_iri(name))) in committed
        assert is_top == (not in_scheme_broader), concept


@needs_shared
def test_sector_iris_have_the_form_other_files_use(committed: Graph) -> None:
    """Sector concepts are .../Sector/<5 digits>, categories .../SectorCategory/<3 digits>."""
    sectors = set(committed.subjects(SKOS.inScheme, URIRef(scheme_iri("Sector"))))
    assert len(sectors) == len(xml_items("Sector"))
    for sector in sectors:
        code = str(sector).rsplit("/", 1)[1]
        assert str(sector) == f"{BASE}Sector/{code}" and len(code) == 5 and code.isdigit()
        (category,) = committed.objects(sector, SKOS.broader)
        cat_code = str(category).rsplit("/", 1)[1]
        assert str(category) == f"{BASE}SectorCategory/{cat_code}"
        assert len(cat_code) == 3 and cat_code.isdigit()
        assert code.startswith(cat_code)


# --- the committed file on its own ------------------------------------------------


def test_header_carries_attribution_and_licence() -> None:
    header = "".join(
        line for line in COMMITTED.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith("#")
    )
    assert ATTRIBUTION in header
    assert str(CC_BY) in header
    assert "coopgraph's own translation" in header


def test_every_scheme_carries_attribution_licence_and_source(committed: Graph) -> None:
    schemes = set(committed.subjects(RDF.type, SKOS.ConceptScheme))
    assert {URIRef(scheme_iri(n)) for n in DEFAULT_CODELISTS} <= schemes
    for scheme in schemes:
        licence = LGPL if scheme == URIRef(scheme_iri("Currency")) else CC_BY
        assert set(committed.objects(scheme, DCTERMS.license)) == {licence}, scheme
        assert (scheme, DCTERMS.source, REF) in committed
        rights = " ".join(str(r) for r in committed.objects(scheme, DCTERMS.rights))
        assert ATTRIBUTION in rights, scheme
        assert Literal(SPANISH_NOTE, lang="en") in set(committed.objects(scheme, SKOS.editorialNote))


def test_every_concept_is_in_one_scheme_with_source_and_english_label(committed: Graph) -> None:
    concepts = set(committed.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 900
    for concept in concepts:
        (scheme,) = committed.objects(concept, SKOS.inScheme)
        assert str(concept).startswith(str(scheme) + "/")
        assert (concept, DCTERMS.source, REF) in committed
        english = [lit for lit in committed.objects(concept, SKOS.prefLabel) if lit.language == "en"]
        assert len(english) == 1, concept
        assert set(committed.objects(concept, SKOS.prefLabel)) == set(committed.objects(concept, RDFS.label))


def test_top_concepts_are_consistent_and_broader_links_resolve(committed: Graph) -> None:
    concepts = set(committed.subjects(RDF.type, SKOS.Concept))
    for concept in concepts:
        (scheme,) = committed.objects(concept, SKOS.inScheme)
        tops = set(committed.objects(concept, SKOS.topConceptOf))
        assert tops <= {scheme}
        assert bool(tops) == ((scheme, SKOS.hasTopConcept, concept) in committed)
        for broader in committed.objects(concept, SKOS.broader):
            assert broader in concepts, f"{concept} has a dangling broader {broader}"
            in_same = (broader, SKOS.inScheme, scheme) in committed
            assert not (in_same and tops), f"{concept} is top yet has a broader in its scheme"


def test_spanish_labels_are_exactly_the_translation_table_and_marked(committed: Graph) -> None:
    spanish = {(c, lit) for c, lit in committed.subject_objects(SKOS.prefLabel) if lit.language == "es"}
    ours = {
        (URIRef(concept_iri(name, code)), Literal(label, lang="es")) for (name, code), label in SPANISH_LABELS.items()
    }
    iso_codes = {
        (URIRef(concept_iri("Currency", code)), Literal(label, lang="es")) for code, label in spanish_names().items()
    }
    assert spanish == ours | iso_codes
    for concepts, note in ((ours, CONCEPT_SPANISH_NOTE), (iso_codes, ISO_CODES_SPANISH_NOTE)):
        for concept, _ in concepts:
            assert Literal(note, lang="en") in set(committed.objects(concept, SKOS.editorialNote)), concept


def iati_codes_the_graph_maps() -> set[URIRef]:
    """IATI concepts that any file of graph/data (not the codelists) points to."""
    data = Graph()
    files = sorted(DATA_DIR.glob("*.ttl"))
    assert files, "no Turtle in graph/data: the check would see nothing"
    for path in files:
        data.parse(path, format="turtle")
    return {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(BASE)}


def test_spanish_labels_only_where_the_graph_maps_to_the_code_or_the_register_offers_it() -> None:
    referenced = iati_codes_the_graph_maps()
    unused = [
        f"{name}/{code}"
        for name, code in SPANISH_LABELS
        if URIRef(concept_iri(name, code)) not in referenced and (name, code) not in REGISTER_SPANISH_LABELS
    ]
    assert not unused, f"SPANISH_LABELS has codes no file in graph/data maps to: {unused}"


REGISTER_LISTS_IN_FULL = (
    "ActivityStatus",
    "OrganisationRole",
    "TransactionType",
    "SectorVocabulary",
    "DocumentCategory",
)


@needs_shared
@pytest.mark.parametrize("name", REGISTER_LISTS_IN_FULL)
def test_the_register_lists_are_translated_in_full(name: str) -> None:
    """Officers pick these codes in Spanish: every code of the list has our Spanish label."""
    codes = {item.findtext("code") for item in xml_items(name)}
    assert codes, f"{name}.xml has no items: the check would see nothing"
    assert codes == {code for listed, code in REGISTER_SPANISH_LABELS if listed == name}


def test_activity_document_categories_are_translated(committed: Graph) -> None:
    for number in range(1, 13):
        concept = URIRef(concept_iri("DocumentCategory", f"A{number:02d}"))
        assert any(lit.language == "es" for lit in committed.objects(concept, SKOS.prefLabel)), concept


@pytest.mark.parametrize("name", ["Currency", "DocumentCategory"])
def test_every_code_of_the_register_pickers_has_a_spanish_and_an_english_label(committed: Graph, name: str) -> None:
    """Officers pick a budget's currency and a document's category: every code reads in Spanish and English."""
    concepts = set(committed.subjects(SKOS.inScheme, URIRef(scheme_iri(name))))
    assert len(concepts) > 20, f"{name} has {len(concepts)} concepts: the check would see too little"
    missing = sorted(
        f"{concept} @{lang}"
        for concept in concepts
        for lang in ("es", "en")
        if not [label for label in committed.objects(concept, SKOS.prefLabel) if label.language == lang]
    )
    assert not missing, missing


def test_our_currency_names_are_exactly_those_iso_codes_leaves_in_english() -> None:
    """Each currency's Spanish has one author: iso-codes' translators, else our table (never both, none missing)."""
    import pycountry

    untranslated = {currency.alpha_3 for currency in pycountry.currencies} - set(spanish_names())
    ours = {code for name, code in SPANISH_LABELS if name == "Currency"}
    assert ours == untranslated
    assert spanish_names()["USD"] == "Dólar estadounidense"
    assert SPANISH_LABELS[("Currency", "JPY")] == "Yen japonés"


def test_currency_is_iso_4217_from_pycountry(committed: Graph) -> None:
    import pycountry

    scheme = URIRef(scheme_iri("Currency"))
    concepts = set(committed.subjects(SKOS.inScheme, scheme))
    codes = {str(next(committed.objects(c, SKOS.notation))) for c in concepts}
    assert codes == {currency.alpha_3 for currency in pycountry.currencies}
    assert {"USD", "EUR"} <= codes
    assert (URIRef(concept_iri("Currency", "USD")), SKOS.prefLabel, Literal("US Dollar", lang="en")) in committed
    rights = " ".join(str(r) for r in committed.objects(scheme, DCTERMS.rights))
    assert "ISO 4217" in rights and "pycountry" in rights


def test_missing_category_list_leaves_a_note_not_a_dangling_broader(committed: Graph) -> None:
    """DocumentCategory's category list is not among the IATI files at hand: no broader, a note instead."""
    a09 = URIRef(concept_iri("DocumentCategory", "A09"))
    assert not list(committed.objects(a09, SKOS.broader))
    assert any("DocumentCategory-category" in str(n) for n in committed.objects(a09, SKOS.editorialNote))


def test_every_code_the_graph_maps_has_a_spanish_label(committed: Graph) -> None:
    referenced = iati_codes_the_graph_maps()
    assert referenced, "graph/data maps to no IATI code: the check would see nothing"
    missing = sorted(
        str(c) for c in referenced if not any(lit.language == "es" for lit in committed.objects(c, SKOS.prefLabel))
    )
    assert not missing, f"add these to coopgraph.core.codelists.SPANISH_LABELS and regenerate the codelists: {missing}"


# --- conversion of small codelists written here ---------------------------------------

FOO = """<codelist name="Foo" xml:lang="en" category-codelist="Foo-category" complete="1">
  <metadata><name><narrative>Foo list</narrative></name>
    <description><narrative>A test list.</narrative></description></metadata>
  <codelist-items>
    <codelist-item status="active"><code>A1</code>
      <name><narrative>Alpha one</narrative><narrative xml:lang="fr">Alpha un</narrative></name>
      <description><narrative>The first.</narrative></description>
      <category>A</category></codelist-item>
    <codelist-item status="active"><code>A11</code>
      <name><narrative>Alpha one one</narrative></name><category>A1</category></codelist-item>
    <codelist-item status="withdrawn" withdrawal-date="2015-12-31"><code>Z9</code>
      <name><narrative>Gone</narrative></name><category>Z</category></codelist-item>
    <codelist-item><code>0</code><name><narrative>No category</narrative></name></codelist-item>
  </codelist-items>
</codelist>
"""
FOO_CATEGORY = """<codelist name="Foo-category" xml:lang="en" complete="1">
  <metadata><name><narrative>Foo (category)</narrative></name></metadata>
  <codelist-items>
    <codelist-item status="active"><code>A</code>
      <name><narrative>Category A</narrative></name></codelist-item>
  </codelist-items>
</codelist>
"""


@pytest.fixture
def foo_dir(tmp_path: Path) -> Path:
    (tmp_path / "Foo.xml").write_text(FOO, encoding="utf-8")
    (tmp_path / "Foo-category.xml").write_text(FOO_CATEGORY, encoding="utf-8")
    return tmp_path


def test_small_codelist_converts_with_hierarchy_and_withdrawal(foo_dir: Path) -> None:
    g = Graph().parse(data=codelists_to_skos(foo_dir, ["Foo"]), format="turtle")
    foo, cat = URIRef(scheme_iri("Foo")), URIRef(scheme_iri("Foo-category"))
    a1, a11 = URIRef(concept_iri("Foo", "A1")), URIRef(concept_iri("Foo", "A11"))
    z9, zero = URIRef(concept_iri("Foo", "Z9")), URIRef(concept_iri("Foo", "0"))
    category_a = URIRef(concept_iri("Foo-category", "A"))
    # the category list is pulled in
    assert (cat, RDF.type, SKOS.ConceptScheme) in g
    assert (category_a, SKOS.topConceptOf, cat) in g
    # category from the category list: broader there, top of its own scheme
    assert (a1, SKOS.broader, category_a) in g and (a1, SKOS.topConceptOf, foo) in g
    assert (a1, SKOS.prefLabel, Literal("Alpha un", lang="fr")) in g
    assert (a1, SKOS.definition, Literal("The first.", lang="en")) in g
    # category from its own list: broader within the scheme, not top
    assert (a11, SKOS.broader, a1) in g and (a11, SKOS.topConceptOf, foo) not in g
    # category found nowhere: no dangling broader, a note instead
    assert not list(g.objects(z9, SKOS.broader))
    assert any("Z" in str(n) for n in g.objects(z9, SKOS.editorialNote))
    assert (z9, OWL.deprecated, Literal(True)) in g
    assert any("2015-12-31" in str(n) for n in g.objects(z9, SKOS.changeNote))
    # no category: a top concept, active
    assert (zero, SKOS.topConceptOf, foo) in g and (zero, OWL.deprecated, None) not in g
    assert list(g.objects(zero, SKOS.notation)) == [Literal("0")]


def test_build_codelists_writes_the_turtle_file(foo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "foo.ttl"
    result = CliRunner().invoke(cli, ["build", "codelists", str(foo_dir), "-o", str(out), "--codelist", "Foo"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# IATI codelists as SKOS")
    assert len(Graph().parse(data=text, format="turtle")) > 0


def test_missing_codelist_is_an_error(foo_dir: Path) -> None:
    with pytest.raises(FileNotFoundError):
        codelists_to_skos(foo_dir, ["Nope"])


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE codelist [<!ENTITY a "aaaa">]>',
        '<!DOCTYPE codelist SYSTEM "http://example.org/x.dtd">',
        "<!doctype codelist>",
    ],
)
def test_xml_with_a_doctype_is_refused(tmp_path: Path, prolog: str) -> None:
    path = tmp_path / "Foo.xml"
    path.write_text('<?xml version="1.0"?>\n' + prolog + "\n" + FOO, encoding="utf-8")
    with pytest.raises(UnsafeXMLError):
        read_codelist(path)


def test_stdlib_fallback_still_refuses_a_doctype(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without defusedxml the stdlib parser is used, behind the same DOCTYPE check."""
    import coopgraph.core.codelists.iati_xml as iati_module

    monkeypatch.setattr(iati_module, "_defused_et", None)
    good = tmp_path / "Foo.xml"
    good.write_text(FOO, encoding="utf-8")
    assert [i.code for i in read_codelist(good).items] == ["A1", "A11", "Z9", "0"]
    bad = tmp_path / "Bad.xml"
    bad.write_text('<!DOCTYPE codelist [<!ENTITY a "a">]>\n' + FOO, encoding="utf-8")
    with pytest.raises(UnsafeXMLError):
        read_codelist(bad)
