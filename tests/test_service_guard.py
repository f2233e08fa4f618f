"""The guard decides on rdflib's parse tree: SERVICE, updates and LOAD are refused wherever they hide, the words
in strings, comments, IRIs and names are not; FROM names the dataset; size and depth are refused before parsing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from disguises import disguises, from_disguises, load_disguises, service_disguises
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from coopgraph.web.errors import ApiError
from coopgraph.web.guard import Dataset, _finds, check_query, depth, may_hold_refused, statement_form

CANARY = "http://127.0.0.1:9/"
ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "keywords in a string": 'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { } LOAD <http://x/> FROM <x:y>" }',
    "keywords in a long string": "SELECT * { ?s ?p '''it's a\nSERVICE <http://x/> {}\nINSERT DATA {}''' }",
    "escaped quote in a string": r'SELECT * { ?s ?p "say \" SERVICE <http://x/> {} \"" }',
    "keywords in a comment": "SELECT * # SERVICE <http://x/> { } FROM <x:y> DELETE\nWHERE { ?s ?p ?o }",
    "keywords in IRIs": "ASK { <http://e.org/SERVICE> <http://e.org/p#FROM> <http://e.org/LOAD> }",
    "keywords as variables": "SELECT ?service $from ?load ?insert WHERE { ?service ?from ?load }",
    "keywords as prefixed names": (
        "PREFIX service: <http://e.org/> PREFIX e: <http://e.org/>\n"
        "SELECT * { service:from e:service e:load . _:insert e:delete ?x }"
    ),
    "less-than is not an IRI": "SELECT * { ?a ?p ?b FILTER (?b < 3 && ?b > 1) } # SERVICE",
    "hash inside an IRI": "SELECT * { <http://e.org/a#SERVICE> ?p ?o }",
    "a language tag": 'SELECT * { ?s ?p "x"@from }',
    "an escaped keyword inside a string": r'SELECT * { ?s ?p "\u0053ERVICE" }',
}
REFUSED = {
    "SERVICE": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "glued to a variable by a dot": "SELECT * { ?s ?p ?o.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    "after a less-than in an expression": "SELECT * { ?s ?p ?o FILTER(?o<3) SERVICE <http://127.0.0.1:9/> {} }",
    "lower case, SILENT": "select * { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "a variable endpoint": "SELECT * { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "a prefixed name": "PREFIX e: <http://127.0.0.1:9/> SELECT * { SeRvIcE e:sparql { ?s ?p ?o } }",
    "inside NOT EXISTS": "ASK { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "inside a subquery": "SELECT * { { SELECT ?s { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "codepoint escape": r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "INSERT DATA": 'INSERT DATA { <http://e.org/a> <http://e.org/b> "SELECT" }',
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DROP": "DROP ALL",
    "update after a query-looking comment": "# SELECT * {}\nCREATE GRAPH <http://e.org/g>",
}


@pytest.mark.parametrize("query", ALLOWED.values(), ids=ALLOWED.keys())
def test_not_refused(query: str) -> None:
    assert check_query(query) == Dataset()


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_400_at_the_construct(query: str) -> None:
    with pytest.raises(ApiError) as caught:
        check_query(query)
    assert caught.value.status == 400
    assert any(word in caught.value.message for word in ("SERVICE", "Update", "LOAD"))
    if "\\u" not in query:  # rdflib decodes escapes first: positions are then in the decoded text
        line, column = caught.value.details["line"], caught.value.details["column"]
        word = query.splitlines()[line - 1][column - 1 :].split()[0].upper()
        assert word.startswith(("SERVICE", "LOAD", "INSERT", "DELETE", "DROP", "CREATE")), word


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("SELECT * FROM <http://e/g> WHERE {\n  ?s ?p }", 2, 3),
        ("SELECT * FROM <http://e/g> { ?s ?p <<( ?a ?b ?c )>> }", 1, 30),  # SPARQL 1.2: Oxigraph reads it, rdflib not
        ('VERSION "1.2" SELECT * FROM <http://e/g> {}', 1, 1),
    ],
)
def test_what_the_parser_cannot_read_is_refused_with_its_position(text: str, line: int, column: int) -> None:
    with pytest.raises(ApiError) as caught:
        check_query(text)
    assert caught.value.status == 400 and caught.value.title == "SPARQL syntax error"
    assert (caught.value.details["line"], caught.value.details["column"]) == (line, column)


def test_a_text_without_any_trigger_word_is_not_parsed() -> None:
    """SPARQL 1.2 syntax rdflib cannot read passes when the text cannot hold a refused construct (Oxigraph reads it)."""
    assert check_query("SELECT * { ?s ?p <<( ?a ?b ?c )>> }") == Dataset()
    assert not may_hold_refused("SELECT * { ?s ?p <<( ?a ?b ?c )>> }")


def _corpus() -> Iterator[str]:
    """The stored queries, the disguises, then random texts built from keyword-rich pieces (fixed seed)."""
    for path in sorted((ROOT / "queries").glob("*.rq")):
        yield path.read_text(encoding="utf-8")
    yield from disguises(CANARY)
    pieces = [
        "SERVICE", "service", "Service", "\u017fervice", "FROM", "from", "INSERT", "\u0131nsert", "WITH", "with",
        "ADD", "add", "LOAD", "DROP", "copy", "MOVE", "CLEAR", "CREATE", "DELETE", "SERV", "ICE", "FR", "OM",
        " ", "\n", "#", '"', "'", "<", ">", "?", "$", ":", ".", "{", "}", "\\", "\\u0053", "\\U00000046", "u0053",
        "a", "e:", "\u00df", "\ufb00", "@", "_:", "-", "SELECT * {", "}", "<http://e/x>", "?s ?p ?o", "ASK {",
    ]  # fmt: skip
    rng = random.Random(3)
    for _ in range(3000):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def _refused_by_the_parse(text: str) -> bool | None:
    """What the full path decides: True refused (or names a dataset), False allowed, None unreadable by rdflib."""
    try:
        tree = parseQuery(text)
    except ParseBaseException:
        try:
            update = parseUpdate(text)
        except ParseBaseException:
            return None
        return ("request" in update and bool(len(update["request"]))) or None
    query = tree[1]
    return _finds(query, "ServiceGraphPattern") or "datasetClause" in query


def test_the_texts_left_unparsed_are_ones_the_parse_would_let_through() -> None:
    """Every text `may_hold_refused` lets skip the parse, rdflib reads as allowed (or cannot read at all)."""
    skipped = [text for text in _corpus() if not may_hold_refused(text)]
    assert len(skipped) > 300  # the check sees its input
    wrong = [text for text in skipped if _refused_by_the_parse(text)]
    assert wrong == []


def test_from_names_the_dataset_resolved_against_base_and_prefixes() -> None:
    query = "PREFIX e: <http://e.org/> SELECT * FROM e:g FROM NAMED <n> { ?s ?p ?o }"
    assert check_query(query, base_iri="http://host/sparql") == Dataset(["http://e.org/g"], ["http://host/n"])
    assert check_query(query, base_iri="http://host/sparql", dataset_given=True) == Dataset()


def test_size_and_depth_are_refused_before_parsing_with_the_limit() -> None:
    with pytest.raises(ApiError) as caught:
        check_query("SELECT * {" + " " * 200 + "}", max_bytes=100)
    assert caught.value.title == "Query too large" and "100" in caught.value.message
    deep = "SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"  # ~10 KB: what crashed the engine
    with pytest.raises(ApiError) as caught:
        check_query(deep)
    assert caught.value.title == "Query too deep" and "64" in caught.value.message
    assert caught.value.details["limit"] == 64
    unbalanced = "((((((((((" * 10  # not even SPARQL: still refused for depth, not parsed
    with pytest.raises(ApiError, match="limit is 64"):
        check_query(unbalanced)


def test_depth_counts_every_bracket_as_written() -> None:
    assert depth("SELECT * { ?s ?p ?o }") == 1
    assert depth('SELECT * { FILTER((1)) } # "((((("') == 5  # in comments and strings too: never short
    assert depth('SELECT * { ?s ?p "((((" }') == 5
    assert depth("") == 0


def test_every_generated_disguise_is_refused_or_names_a_dataset() -> None:
    """SERVICE and LOAD disguises are refused; FROM disguises that parse name the canary as their dataset, which
    the endpoint then refuses as a graph it does not hold (tests/test_service_safety.py checks over HTTP)."""
    for query in [*service_disguises(CANARY), *load_disguises(CANARY)]:
        with pytest.raises(ApiError) as caught:
            check_query(query, base_iri="http://host/sparql")
        assert caught.value.status == 400, query
    for query in from_disguises(CANARY):
        outcome: ApiError | Dataset
        try:
            outcome = check_query(query, base_iri="http://host/sparql")
        except ApiError as error:
            outcome = error
        if isinstance(outcome, ApiError):
            assert outcome.status == 400, query
        else:
            assert any(iri.startswith(CANARY) for iri in outcome.default + outcome.named), query
    assert len(disguises(CANARY)) > 500


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "select"),
        ("# ASK\nCONSTRUCT WHERE { ?s ?p ?o }", "construct"),
        ('PREFIX e: <http://e/ASK> DESCRIBE <http://e/SELECT> # "x"', "describe"),
        ("ask {}", "ask"),
    ],
)
def test_statement_form_is_the_parsers(text: str, form: str) -> None:
    assert statement_form(text) == form
