"""A stored question's text with its parameters written in (a VALUES block): the query page's editor holds it, so
an edited question keeps its parameters. The text must give the answer of the stored question with those values
bound by substitution, for every question (issue #18: edited questions returned no rows)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from coopgraph.core.queries import ParameterError, load_queries, parse_query, run
from coopgraph.core.store import OxigraphStore

QUERIES = load_queries()
HEADER = "# title@es: T\n# title@en: T\n# description@es: D\n# description@en: D\n"


def _rows(result: Any) -> list[tuple[str, ...]]:
    return sorted(tuple(str(term) for term in row) for row in result)


def _other_values(shipped_store: OxigraphStore, name: str) -> dict[str, str]:
    """Values other than the defaults where the graph has some: English labels, and for an IRI parameter another
    allowed value, or another resource of the same type as its default."""
    query = QUERIES[name]
    values = {"lang": "en"} if any(param.name == "lang" for param in query.params) else {}
    for param in query.params:
        if param.type != "iri" or param.default is None:
            continue
        if param.enum:
            values[param.name] = next(value for value in param.enum if value != param.default)
            continue
        found = shipped_store.query(
            f"SELECT ?other WHERE {{ <{param.default}> a ?type . ?other a ?type . "
            f"FILTER(?other != <{param.default}>) }} ORDER BY ?other LIMIT 1"
        )
        for row in found:
            values[param.name] = row["other"].value
    return values


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_text_with_values_answers_as_the_bound_question(shipped_store: OxigraphStore, name: str) -> None:
    query = QUERIES[name]
    takes_lang = any(param.name == "lang" for param in query.params)
    given = ({}, {"lang": "es"} if takes_lang else {}, _other_values(shipped_store, name))
    for values in given if query.params else ({},):
        text = query.with_values(values)
        assert _rows(shipped_store.query(text)) == _rows(run(shipped_store, query, values)), (name, values)
        if query.params:
            assert query.values_block(values) in text
            assert text.count("VALUES (" if len(query.params) > 1 else f"VALUES ?{query.params[0].name} {{") == 1


def test_a_question_without_parameters_keeps_its_text() -> None:
    query = parse_query(HEADER + "SELECT * WHERE { ?s ?p ?o }", name="q")
    assert query.with_values() == query.text and query.values_block() == ""


def test_values_are_checked_and_written_as_sparql_terms(memory_store: OxigraphStore) -> None:
    params = "# param: s string default=x\n# param: n decimal default=1.5\n# param: y year default=2019\n"
    query = parse_query(HEADER + params + 'SELECT ?s ?n ?y WHERE { FILTER(true) } # "{"', name="q")
    hostile = 'a" } ; DROP ALL ; SELECT * { "'
    text = query.with_values({"s": hostile})
    assert text.endswith(
        'SELECT ?s ?n ?y WHERE { VALUES (?s ?n ?y) { ("a\\" } ; DROP ALL ; SELECT * { \\"" 1.5 '
        '2019) } FILTER(true) } # "{"'  # a year is a plain integer in the graph (xsd:integer), written bare
    )
    (row,) = list(memory_store.query(text))
    assert row["s"].value == hostile and row["y"].value == "2019"
    with pytest.raises(ParameterError):
        query.with_values({"n": "ten"})


def test_the_block_opens_the_where_group_past_comments_strings_and_iris() -> None:
    body = '# a { in a comment\nPREFIX x: <http://example.org/x#>\nSELECT ?lang\n{ ?s ?p "{" }'
    query = parse_query(HEADER + "# param: lang lang default=es\n" + body, name="q")
    assert query.with_values().endswith('SELECT ?lang\n{ VALUES ?lang { "es" } ?s ?p "{" }')


# --- GET /api/queries/<name>/text -------------------------------------------------------------------------------


def test_text_endpoint_writes_the_values(client: FlaskClient) -> None:
    sector = "https://w3id.org/coopgraph/id/sector-salud"
    response = client.get("/api/queries/partners-by-sector/text", query_string={"sector": sector, "lang": "en"})
    assert response.status_code == 200
    body = response.get_json()
    query = QUERIES["partners-by-sector"]
    assert body == {
        "name": "partners-by-sector",
        "parameters": {"sector": sector, "lang": "en"},
        "values": query.values_block({"sector": sector, "lang": "en"}),
        "query": query.with_values({"sector": sector, "lang": "en"}),
    }
    listed = client.get("/api/queries").get_json()["queries"]
    assert next(q for q in listed if q["name"] == "partners-by-sector")["text_url"] == (
        "/api/queries/partners-by-sector/text"
    )


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/api/queries/partners-by-sector/text?sector=not-an-iri", 400, "Bad parameter"),
        ("/api/queries/partners-by-sector/text?lang=fr", 400, "Bad parameter"),
        ("/api/queries/partners-by-sector/text?color=red", 400, "Bad parameter"),
        ("/api/queries/partners-by-sector/text?format=csv", 400, "Bad parameter"),
        ("/api/queries/partners-by-sector/text?lang=es&lang=en", 400, "Bad parameter"),
        ("/api/queries/no-such-question/text", 404, "Unknown query"),
    ],
)
def test_text_endpoint_refuses_bad_values_clearly(client: FlaskClient, path: str, status: int, title: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["title"] == title and error["message"]
