"""The refusal check: real SERVICE/FROM/LOAD/updates are refused; the same words in strings, comments,
IRIs, variables and prefixed names are not."""

from __future__ import annotations

import pytest

from coopgraph.web.errors import ApiError
from coopgraph.web.guard import check_query

ALLOWED = {
    "keywords in a string": 'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { } LOAD <http://x/> FROM <x:y>" }',
    "keywords in a long string": "SELECT * { ?s ?p '''it's a\nSERVICE <http://x/> {}\nINSERT DATA {}''' }",
    "escaped quote in a string": r'SELECT * { ?s ?p "say \" SERVICE <http://x/> {} \"" }',
    "keywords in a comment": "SELECT * # SERVICE <http://x/> { } FROM <x:y> DELETE\nWHERE { ?s ?p ?o }",
    "keywords in IRIs": "ASK { <http://e.org/SERVICE> <http://e.org/p#FROM> <http://e.org/LOAD> }",
    "keywords as variables": "SELECT ?service $from ?load ?insert WHERE { ?service ?from ?load }",
    "keywords as prefixed names": (
        "PREFIX service: <http://e.org/> PREFIX e: <http://e.org/>\n"
        "SELECT * { service:from e:service e:load . _:insert e:delete.drop ?x }"
    ),
    "less-than is not an IRI": "SELECT * { ?a ?p ?b FILTER (?b < 3 && ?b > 1) } # SERVICE",
    "hash inside an IRI": "SELECT * { <http://e.org/a#SERVICE> ?p ?o }",
    "escaped hash in a local name": r"PREFIX e: <http://e.org/> SELECT * { ?s e:a\#SERVICE ?o }",
    "a language tag": 'SELECT * { ?s ?p "x"@from }',
}
REFUSED = {
    "SERVICE": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "service, lower case, SILENT": "select * { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SERVICE with a variable": "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SERVICE with a prefixed name": "PREFIX e: <http://127.0.0.1:9/> SELECT * { SeRvIcE e:sparql { ?s ?p ?o } }",
    "SERVICE after a comment": "SELECT * { # a comment\nSERVICE<http://127.0.0.1:9/>{} }",
    "SERVICE after an escaped hash (not a comment)": (
        r"PREFIX e: <http://e.org/> SELECT * { ?s e:a\#b ?o . SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } }"
    ),
    "SERVICE after an escaped quote (not a string)": (
        r"PREFIX e: <http://e.org/> SELECT * { ?s e:a\'b ?o . SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } } # '"
    ),
    "FROM": "SELECT * FROM <http://127.0.0.1:9/g> { ?s ?p ?o }",
    "FROM without spaces": "SELECT*FROM<http://127.0.0.1:9/g>{?s ?p ?o}",
    "FROM NAMED": "SELECT * FROM NAMED <http://127.0.0.1:9/g> { GRAPH ?g { ?s ?p ?o } }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "INSERT DATA": 'INSERT DATA { <http://e.org/a> <http://e.org/b> "SELECT" }',
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DROP": "DROP ALL",
    "CLEAR": "clear default",
    "update after a query-looking comment": "# SELECT * {}\nCREATE GRAPH <http://e.org/g>",
}


@pytest.mark.parametrize("query", ALLOWED.values(), ids=ALLOWED.keys())
def test_not_refused(query: str) -> None:
    check_query(query)


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_400_and_position(query: str) -> None:
    with pytest.raises(ApiError) as caught:
        check_query(query)
    error = caught.value
    assert error.status == 400
    assert error.details["line"] >= 1 and error.details["column"] >= 1
    line = query.splitlines()[error.details["line"] - 1]
    word = line[error.details["column"] - 1 :].split()[0].upper()
    assert word.startswith(("SERVICE", "FROM", "LOAD", "INSERT", "DELETE", "DROP", "CLEAR", "CREATE"))


def test_allowlisted_service_passes_others_do_not() -> None:
    allow = ["https://query.wikidata.org/sparql"]
    check_query("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", service_allowlist=allow)
    check_query(
        "PREFIX wd: <https://query.wikidata.org/> SELECT * { SERVICE SILENT wd:sparql { ?s ?p ?o } }",
        service_allowlist=allow,
    )
    with pytest.raises(ApiError, match="SERVICE is refused"):
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", service_allowlist=allow)
    with pytest.raises(ApiError, match="SERVICE is refused"):
        check_query("SELECT * { SERVICE ?x { ?s ?p ?o } }", service_allowlist=allow)


def test_from_is_allowed_when_the_protocol_gives_the_dataset() -> None:
    """SPARQL 1.1 Protocol 2.1.4: default-graph-uri / named-graph-uri override FROM (nothing is fetched)."""
    check_query("SELECT * FROM <http://e.org/g> { ?s ?p ?o }", dataset_given=True)
    with pytest.raises(ApiError, match="SERVICE"):
        check_query("SELECT * FROM <http://e.org/g> { SERVICE <http://x/> {} }", dataset_given=True)
