"""Tests for the stored queries (queries/*.rq) and coopgraph/core/queries.py.

Every competency query is run with its default parameters on the shipped
graphs and compared with its golden file, tests/golden/<name>.json (rows as
lists of strings, full IRIs, sorted unless the query has ORDER BY).
Regenerate the goldens with

    COOPGRAPH_REGEN_GOLDEN=1 pytest tests/test_queries.py

and review the diff against the study before committing: a golden is only
worth keeping if it is right. Every *-violation query must return no rows on
the shipped graphs, and must catch its own bad case below (so that a check
that matches nothing cannot pass unnoticed).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.core.loading import CODELISTS_GRAPH, DATA_GRAPH, ONTOLOGY_GRAPH, shipped_sources
from coopgraph.core.queries import (
    PARAM_TYPES,
    Param,
    ParameterError,
    QueryFormatError,
    StoredQuery,
    load_queries,
    parse_query,
    run,
)
from coopgraph.core.resources import resource_dir
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import LANGS

ROOT = Path(__file__).resolve().parents[1]
QUERIES_DIR = ROOT / "queries"
GOLDEN_DIR = Path(__file__).parent / "golden"
REGEN = os.environ.get("COOPGRAPH_REGEN_GOLDEN") == "1"
CGR = "https://w3id.org/coopgraph/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

QUERIES = load_queries(QUERIES_DIR)
COMPETENCY = sorted(
    name for name, query in QUERIES.items() if query.kind == "competency" and "register" not in query.tags
)
"""The shipped graph has no register records: the register's queries have goldens over test fixtures
(tests/test_register_queries.py)."""
VIOLATIONS = sorted(name for name, query in QUERIES.items() if query.kind == "violation")


# ---------------------------------------------------------------- golden form


def cell(term: object | None) -> str | None:
    """A term as a reviewable string: full IRI, `text@lang`, `value^^xsd:type`, plain text; None if unbound."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:blank"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        datatype = term.datatype.value
        if datatype == XSD + "string":
            return term.value
        short = "xsd:" + datatype[len(XSD) :] if datatype.startswith(XSD) else f"<{datatype}>"
        return f"{term.value}^^{short}"
    raise TypeError(f"unexpected term {term!r}")


def has_order_by(query: StoredQuery) -> bool:
    """Whether the query orders its rows (comment lines are ignored)."""
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE) is not None


def golden_document(query: StoredQuery, results: ox.QuerySolutions) -> dict:
    """The golden form of a query's result for its default parameters."""
    variables = [variable.value for variable in results.variables]
    rows = [[cell(solution[name]) for name in variables] for solution in results]
    ordered = has_order_by(query)
    if not ordered:
        rows.sort(key=lambda row: json.dumps(row, ensure_ascii=False))
    return {
        "query": query.name,
        "parameters": query.defaults,
        "variables": variables,
        "ordered": ordered,
        "rows": rows,
    }


def dump_golden(document: dict) -> str:
    """JSON with one row per line, so that a diff shows which rows changed."""
    lines = ["{"]
    for key, value in document.items():
        if key != "rows":
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    rows = [f"    {json.dumps(row, ensure_ascii=False)}" for row in document["rows"]]
    lines.append('  "rows": [' + ("\n" + ",\n".join(rows) + "\n  ]" if rows else "]"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def rows_of(results: ox.QuerySolutions) -> list[dict[str, str | None]]:
    variables = [variable.value for variable in results.variables]
    return [{name: cell(solution[name]) for name in variables} for solution in results]


# ---------------------------------------------------------------- the set of queries


def test_the_checks_see_their_input() -> None:
    """Enough queries are found, so the data-driven tests below cannot silently check nothing."""
    assert len(COMPETENCY) >= 20, f"only {len(COMPETENCY)} competency queries in {QUERIES_DIR}"
    assert len(VIOLATIONS) >= 6, f"only {len(VIOLATIONS)} violation queries in {QUERIES_DIR}"
    assert set(QUERIES) == {path.stem for path in QUERIES_DIR.glob("*.rq")}


def test_default_directory_is_the_shipped_queries_folder() -> None:
    assert set(load_queries()) == set(load_queries(resource_dir("queries")))
    register = {name for name, query in QUERIES.items() if "register" in query.tags}
    assert set(load_queries(kind="competency")) == set(COMPETENCY) | register
    assert set(load_queries(kind="violation")) == set(VIOLATIONS)
    with pytest.raises(ValueError, match="unknown query kind"):
        load_queries(kind="public")


def test_every_golden_belongs_to_a_query() -> None:
    """A golden left behind by a renamed or deleted query is an error."""
    orphans = sorted(path.stem for path in GOLDEN_DIR.glob("*.json") if path.stem not in COMPETENCY)
    assert orphans == []


def test_readme_lists_every_query() -> None:
    readme = (QUERIES_DIR / "README.md").read_text(encoding="utf-8")
    missing = [name for name in QUERIES if f"`{name}`" not in readme]
    assert missing == [], "queries/README.md does not list: " + ", ".join(missing)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_header(name: str) -> None:
    query = QUERIES[name]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), "file names are English kebab-case slugs"
    for lang in LANGS:
        assert query.title[lang].strip(), f"empty title@{lang}"
        assert len(query.description[lang]) > len(query.title[lang]) / 2, f"description@{lang} too short"
    assert query.tags, "at least one tag"
    for param in query.params:
        assert param.type in PARAM_TYPES
        assert param.default is not None, f"parameter {param.name!r} has no default: the query must run unchanged"
        assert param.label, f"parameter {param.name!r} has no label"
    if query.kind == "violation":
        assert "violation" in query.tags
        assert not query.params, "violation checks take no parameters"


LABELLED = [name for name in COMPETENCY if "rdfs:label" in QUERIES[name].text or "skos:prefLabel" in QUERIES[name].text]
"""The stored questions that return labels (the others have no language to pick)."""
WITH_LANG = [name for name in COMPETENCY if any(param.name == "lang" for param in QUERIES[name].params)]
"""The stored questions with a `lang` parameter (the others' rows carry no language-tagged labels)."""


@pytest.mark.parametrize("name", LABELLED)
def test_labels_follow_the_lang_parameter(name: str) -> None:
    """A query that returns labels picks their language with the `lang` parameter (es/en, default es)."""
    query = QUERIES[name]
    lang = query.param("lang")
    assert (lang.type, lang.default, lang.enum) == ("lang", "es", ("es", "en"))
    assert "langMatches(lang(" in query.text


# ---------------------------------------------------------------- golden results


@pytest.mark.parametrize("name", COMPETENCY)
def test_golden(name: str, shipped_store: OxigraphStore) -> None:
    query = QUERIES[name]
    document = golden_document(query, run(shipped_store, query))
    path = GOLDEN_DIR / f"{name}.json"
    if REGEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(dump_golden(document), encoding="utf-8")
    assert path.is_file(), f"no golden for {name}; run COOPGRAPH_REGEN_GOLDEN=1 pytest {__file__} and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert document["rows"], f"{name} returns no rows for its defaults: its golden would check nothing"
    assert document == expected


@pytest.mark.parametrize("name", WITH_LANG)
def test_english_labels(name: str, shipped_store: OxigraphStore) -> None:
    """With lang=en the query returns as many rows, and every language-tagged label is English."""
    query = QUERIES[name]
    spanish = rows_of(run(shipped_store, query))
    english = rows_of(run(shipped_store, query, {"lang": "en"}))
    assert len(english) == len(spanish)
    tagged = [value for row in english for value in row.values() if value and re.search(r"@[a-z]{2}$", value)]
    assert tagged and all(value.endswith("@en") for value in tagged)


# ---------------------------------------------------------------- violation checks


@pytest.mark.parametrize("name", VIOLATIONS)
def test_violation_query_finds_nothing(name: str, shipped_store: OxigraphStore) -> None:
    rows = rows_of(run(shipped_store, QUERIES[name]))
    assert rows == [], f"{name}: {len(rows)} violation(s), e.g. {rows[:5]}"


PREFIXES = """
@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

# Each violation query's bad case: Turtle loaded (with the shipped ontology) into the data
# graph, and the IRI the check must report.
BAD_CASES: dict[str, tuple[str, str]] = {
    "missing-source-violation": (
        'cgr:ghost a cg:Organisation ; rdfs:label "Fantasma"@es, "Ghost"@en .',
        CGR + "ghost",
    ),
    "label-language-violation": (
        'cgr:half a cg:Organisation ; rdfs:label "Solo español"@es ; dcterms:source cgr:ref-estudio .',
        CGR + "half",
    ),
    "mechanism-modality-violation": (
        "cgr:modalidad-programable a cg:Modality . cgr:modalidad-no-programable a cg:Modality .\n"
        "cgr:mecanismo-doble a cg:Mechanism ; cg:modality cgr:modalidad-programable, cgr:modalidad-no-programable .",
        CGR + "mecanismo-doble",
    ),
    "member-of-non-organisation-violation": (
        "cgr:sector-x a cg:Sector . cgr:gadp-x a cg:SubnationalGovernment ; org:memberOf cgr:sector-x .",
        CGR + "gadp-x",
    ),
    "province-iso-notation-violation": (
        "cgr:pais-ec a cg:Country .\n"
        'cgr:provincia-ec-l a cg:Province ; skos:notation "EC-Q" ; cg:inCountry cgr:pais-ec .',
        CGR + "provincia-ec-l",
    ),
    "country-iso-notation-violation": (
        'cgr:pais-cl a cg:Country ; skos:notation "cl" .',
        CGR + "pais-cl",
    ),
    "dangling-iri-violation": (
        "cgr:agci a cg:CooperationAgency ; cg:sector cgr:sector-medio-ambiete .",
        CGR + "sector-medio-ambiete",
    ),
    "iati-mapping-target-violation": (
        "cgr:mecanismo-x a cg:Mechanism ; skos:closeMatch <https://w3id.org/coopgraph/iati/AidType/Z99> .",
        "https://w3id.org/coopgraph/iati/AidType/Z99",
    ),
    "concept-scheme-violation": (
        "cgr:esquema-a a skos:ConceptScheme . cgr:esquema-b a skos:ConceptScheme .\n"
        "cgr:sector-huerfano a cg:Sector .\n"
        "cgr:sector-doble a cg:Sector ; skos:inScheme cgr:esquema-a, cgr:esquema-b .",
        CGR + "sector-huerfano",
    ),
}


def test_every_violation_query_has_a_bad_case() -> None:
    assert set(BAD_CASES) == set(VIOLATIONS)


@pytest.mark.parametrize("name", VIOLATIONS)
def test_violation_query_catches_its_bad_case(name: str, tmp_path: Path, memory_store: OxigraphStore) -> None:
    turtle, offender = BAD_CASES[name]
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + turtle, encoding="utf-8")
    memory_store.load(shipped_sources()[ONTOLOGY_GRAPH], graph=ONTOLOGY_GRAPH)
    memory_store.load([bad], graph=DATA_GRAPH)
    rows = rows_of(run(memory_store, QUERIES[name]))
    assert any(offender in row.values() for row in rows), f"{name} missed {offender}: {rows}"


def test_iati_check_accepts_a_target_in_the_codelists_graph(tmp_path: Path, memory_store: OxigraphStore) -> None:
    """The IATI check looks in the codelists graph, not just anywhere."""
    data, codes = tmp_path / "data.ttl", tmp_path / "codes.ttl"
    data.write_text(PREFIXES + "cgr:m a cg:Mechanism ; skos:closeMatch <https://w3id.org/coopgraph/iati/AidType/C01> .")
    codes.write_text(PREFIXES + "<https://w3id.org/coopgraph/iati/AidType/C01> a skos:Concept .")
    memory_store.load([data], graph=DATA_GRAPH)
    assert rows_of(run(memory_store, QUERIES["iati-mapping-target-violation"])) != []
    memory_store.load([codes], graph=CODELISTS_GRAPH)
    assert rows_of(run(memory_store, QUERIES["iati-mapping-target-violation"])) == []


# ---------------------------------------------------------------- parameters


def test_non_default_country(shipped_store: OxigraphStore) -> None:
    """Belgium's Tabla 2 partners: two e-mails for the Brussels association and the VVSG's site."""
    rows = rows_of(
        run(shipped_store, QUERIES["partner-websites-of-country"], {"country": CGR + "pais-be", "lang": "en"})
    )
    assert {(row["partner"], row["contact"]) for row in rows} == {
        (CGR + "avcb-vsgb", "mailto:welcome@avcb-vsgb.be"),
        (CGR + "avcb-vsgb", "mailto:webmaster@avcb-vsgb.be"),
        (CGR + "vvsg", "http://www.vvsg.be/"),
    }
    assert {row["country"] for row in rows} == {CGR + "pais-be"}


def test_non_default_table(shipped_store: OxigraphStore) -> None:
    """META Loja covers Loja and works with UNDP."""
    rows = rows_of(run(shipped_store, QUERIES["technical-table-provinces-cooperants"], {"table": CGR + "meta-loja"}))
    assert [(row["provinceCode"], row["cooperant"]) for row in rows] == [("EC-L", CGR + "pnud")]


def test_english_process_labels(shipped_store: OxigraphStore) -> None:
    rows = rows_of(run(shipped_store, QUERIES["unit-processes"], {"lang": "en"}))
    assert rows[0]["processLabel"] == "Management of international cooperation information@en"
    assert [row["number"] for row in rows] == ["1", "2", "3", "4", "5"]


def test_bind_fills_defaults_and_converts() -> None:
    query = QUERIES["partners-by-sector"]
    bound = query.bind({})
    assert bound[ox.Variable("sector")] == ox.NamedNode(CGR + "sector-medio-ambiente")
    assert bound[ox.Variable("lang")] == ox.Literal("es")
    assert query.bind({"lang": "en"})[ox.Variable("lang")] == ox.Literal("en")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sector": "not an iri"}, "not a valid absolute IRI"),
        ({"sector": "https://w3id.org/coopgraph/id/a b"}, "not a valid absolute IRI"),
        ({"sector": "https://w3id.org/coopgraph/id/x> } ; DROP ALL ; #"}, "not a valid absolute IRI"),
        ({"lang": "fr"}, "not one of the allowed values (es, en)"),
        ({"lang": "e s"}, "not a language tag"),
        ({"colour": "red"}, "unknown parameter(s) for query 'partners-by-sector': colour"),
        ({"sector": 42}, "expected a string"),
    ],
)
def test_bind_errors(values: dict, message: str) -> None:
    with pytest.raises(ParameterError) as error:
        QUERIES["partners-by-sector"].bind(values)
    assert message in str(error.value)


TYPED = parse_query(
    "# title@es: Prueba\n# title@en: Test\n# description@es: Una prueba.\n# description@en: A test.\n"
    '# param: n integer "N"\n# param: amount decimal "Amount" default=2.50\n'
    '# param: year year "Year" default=2019\n# param: name string "Name" "default=Consejo Provincial"\n'
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s ?n ?amount ?year ?name WHERE { ?s rdfs:label ?l FILTER(STR(?l) = ?name) }\n",
    name="typed",
)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "missing required parameter 'n'"),
        ({"n": "1.5"}, "'1.5' is not an integer"),
        ({"n": "ten"}, "'ten' is not an integer"),
        ({"n": "1", "amount": "1e3"}, "is not a decimal number"),
        ({"n": "1", "year": "19"}, "is not a four-digit year"),
    ],
)
def test_bind_type_errors(values: dict, message: str) -> None:
    with pytest.raises(ParameterError) as error:
        TYPED.bind(values)
    assert message in str(error.value)


def test_bind_types() -> None:
    bound = TYPED.bind({"n": "+7"})
    assert bound[ox.Variable("n")] == ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))
    assert bound[ox.Variable("amount")] == ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal"))
    # years are plain numbers in the graph (xsd:gYear is outside the OWL 2 datatype map), so a year binds as one
    assert bound[ox.Variable("year")] == ox.Literal("2019", datatype=ox.NamedNode(XSD + "integer"))
    assert bound[ox.Variable("name")] == ox.Literal("Consejo Provincial")


def test_string_values_are_bound_not_spliced(shipped_store: OxigraphStore) -> None:
    """A value that looks like SPARQL stays a literal: it matches nothing and changes nothing."""
    found = {row["s"] for row in rows_of(run(shipped_store, TYPED, {"n": "1"}))}
    assert CGR + "consejo-provincial" in found
    hostile = 'x") } UNION { ?s ?p ?o } #'
    assert rows_of(run(shipped_store, TYPED, {"n": "1", "name": hostile})) == []


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# title@es: T\n# description@es: D\n# description@en: D\n", "missing '# title@en:'"),
        ("# title@es: T\n# title@en: T\n# description@en: D\n", "missing '# description@es:'"),
        ("# title: T\n", "title needs a language"),
        ("# title@es: T\n# title@es: U\n", "title@es given twice"),
        ("# param: x colour\n", "unknown parameter type 'colour'"),
        ("# param: x iri default=nope\n", "not a valid absolute IRI"),
        ("# param: x lang default=fr enum=es,en\n", "default 'fr' is not one of enum=es,en"),
        ("# param: x integer oops=1\n", "unexpected 'oops=1'"),
        ("# param: 9x integer\n", "not a valid SPARQL variable name"),
        ("# param@es: x integer\n", "param takes no language tag"),
        ("# param: unused integer default=1\n", "parameter 'unused' is not used"),
        ("# param: s iri default=https://x/y\n", "?s must be in the SELECT projection"),
    ],
)
def test_header_errors(header: str, message: str) -> None:
    complete = "# title@es: T\n# title@en: T\n# description@es: D\n# description@en: D\n"
    text = header + ("" if "title" in header or "description" in header else complete)
    text += "SELECT ?o WHERE { ?s ?p ?o }\n"
    with pytest.raises(QueryFormatError) as error:
        parse_query(text, name="bad")
    assert message in str(error.value)


def test_parameters_need_a_select_query() -> None:
    """pyoxigraph binds projected SELECT variables only, so a parameterised ASK is refused."""
    header = "# title@es: T\n# title@en: T\n# description@es: D\n# description@en: D\n"
    with pytest.raises(QueryFormatError, match=r"\?p must be in the SELECT projection"):
        parse_query(header + "# param: p iri default=https://x/y\nASK { ?s ?p ?o }\n", name="ask")
    star = parse_query(header + "# param: p iri default=https://x/y\nSELECT * WHERE { ?s ?p ?o }\n", name="star")
    assert star.params[0].name == "p"


def test_header_parsing() -> None:
    query = parse_query(
        "# title@es: Título\n# title@en: Title\n"
        "# description@es: Primera línea.\n# description@es: Segunda línea.\n# description@en: One line.\n"
        '# param: country iri "País socio / Partner country" default=https://w3id.org/coopgraph/id/pais-cl\n'
        "# tags: tabla-2, countries\n# a free comment: ignored\n"
        "SELECT ?country WHERE { ?x ?p ?country }\n",
        name="sample",
    )
    assert query.title == {"es": "Título", "en": "Title"}
    assert query.description["es"] == "Primera línea. Segunda línea."
    assert query.params == (
        Param("country", "iri", "País socio / Partner country", "https://w3id.org/coopgraph/id/pais-cl"),
    )
    assert query.tags == ("tabla-2", "countries")
    assert query.kind == "competency"
    assert parse_query(query.text, name="sample-violation").kind == "violation"


def test_run_refuses_a_store_without_substitutions() -> None:
    class Remote:
        def query(self, sparql: str) -> None:
            raise AssertionError("must not be called")

    with pytest.raises(TypeError):
        run(Remote(), QUERIES["unit-processes"])
