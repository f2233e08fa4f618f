"""/sparql over real HTTP (waitress on a loopback port): SPARQLWrapper in every tabular format, and each error."""

from __future__ import annotations

import csv
import http.client
import io
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping

import pyoxigraph as ox
import pytest
from backends import Backend
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from coopgraph.core.loading import DATA_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.store import OxigraphStore

PROVINCES = """PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?province ?code ?label WHERE {
  ?province a cg:Province ; skos:notation ?code ; rdfs:label ?label . FILTER(LANG(?label) = "es")
} ORDER BY ?code"""
SRX = "{http://www.w3.org/2005/sparql-results#}"


pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def endpoint(backend: Backend) -> Iterator[str]:
    """The /sparql URL of one service per backend for this module: one start-up, not one per test."""
    with backend.live({"max_body_bytes": 10_000, "max_rows": 50}) as base:
        yield f"{base}/sparql"


@pytest.fixture(scope="module")
def provinces(shipped_store: OxigraphStore) -> list[tuple[str, str, str]]:
    """The expected rows, asked of the store directly."""
    rows = [(r["province"].value, r["code"].value, r["label"].value) for r in shipped_store.query(PROVINCES)]
    assert len(rows) == 24 and ("EC-P", "Pichincha") in [(code, label) for _, code, label in rows]
    return rows


def _wrapper(endpoint: str, fmt: str, query: str = PROVINCES) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint, returnFormat=fmt)
    client.setQuery(query)
    return client


def test_sparqlwrapper_json(endpoint: str, provinces: list[tuple[str, str, str]]) -> None:
    result = _wrapper(endpoint, JSON).queryAndConvert()
    rows = [(b["province"]["value"], b["code"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]]
    assert rows == provinces


def test_sparqlwrapper_xml(endpoint: str, provinces: list[tuple[str, str, str]]) -> None:
    document = _wrapper(endpoint, XML).queryAndConvert()
    rows = []
    for result in document.getElementsByTagName("result"):
        values = {b.getAttribute("name"): b.firstChild.firstChild.data for b in result.getElementsByTagName("binding")}
        rows.append((values["province"], values["code"], values["label"]))
    assert rows == provinces


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_sparqlwrapper_csv_tsv(endpoint: str, fmt: str, provinces: list[tuple[str, str, str]]) -> None:
    text = _wrapper(endpoint, fmt).queryAndConvert().decode("utf-8")
    if fmt == CSV:
        header, *body = list(csv.reader(io.StringIO(text)))
        assert header == ["province", "code", "label"]
        assert [tuple(row) for row in body] == provinces
    else:
        header, *lines = text.splitlines()
        assert header == "?province\t?code\t?label"
        expected = [f'<{iri}>\t"{code}"\t"{label}"@es' for iri, code, label in provinces]
        assert lines == expected


def test_sparqlwrapper_ask(endpoint: str) -> None:
    result = _wrapper(endpoint, JSON, 'ASK { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }')
    assert result.queryAndConvert()["boolean"] is True


def _request(
    url: str,
    *,
    method: str = "GET",
    params: Mapping[str, str | list[str]] | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (http.client adds no Content-Type of its own)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.urlencode(params or {}, doseq=True)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(
            method, f"{parts.path}?{query}" if query else parts.path, body=body, headers=dict(headers or {})
        )
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def _error(status: int, body: bytes) -> dict[str, object]:
    assert status != 500
    error: dict[str, object] = json.loads(body)["error"]
    assert error["status"] == status and error["message"]
    assert b"Traceback" not in body
    return error


def test_get_post_form_and_post_direct_agree(endpoint: str) -> None:
    query = 'SELECT ?p WHERE { ?p <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }'
    get = _request(endpoint, params={"query": query})
    form = _request(
        endpoint,
        method="POST",
        body=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    direct = _request(
        endpoint, method="POST", body=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert get[0] == form[0] == direct[0] == 200
    assert get[2] == form[2] == direct[2]
    assert json.loads(get[2])["results"]["bindings"][0]["p"]["value"].endswith("provincia-ec-p")


@pytest.mark.parametrize(
    ("query", "accept", "fmt", "media_type"),
    [
        (
            'CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }',
            "text/turtle",
            None,
            "text/turtle",
        ),
        (
            "DESCRIBE <https://w3id.org/coopgraph/id/provincia-ec-p>",
            "application/n-triples",
            None,
            "application/n-triples",
        ),
        (
            'CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }',
            None,
            "jsonld",
            "application/ld+json",
        ),
        (
            'CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }',
            "application/rdf+xml",
            None,
            "application/rdf+xml",
        ),
        (
            'CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }',
            "application/n-quads",
            None,
            "application/n-quads",
        ),
        (
            'CONSTRUCT WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> "EC-P" }',
            None,
            "trig",
            "application/trig",
        ),
    ],
)
def test_graph_results_in_each_rdf_format(
    endpoint: str, query: str, accept: str | None, fmt: str | None, media_type: str
) -> None:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    status, headers, body = _request(endpoint, params=params, headers={"Accept": accept} if accept else {})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media_type
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    assert rdf_format is not None
    triples = list(ox.parse(body, format=rdf_format))
    expected = ox.Triple(
        ox.NamedNode("https://w3id.org/coopgraph/id/provincia-ec-p"),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"),
        ox.Literal("EC-P"),
    )
    assert expected in [ox.Triple(t.subject, t.predicate, t.object) for t in triples]


def test_protocol_dataset_selects_held_graphs(endpoint: str) -> None:
    query = "ASK { ?s a <https://w3id.org/coopgraph/def#Province> }"
    in_data = _request(endpoint, params={"query": query, "default-graph-uri": DATA_GRAPH})
    in_ontology = _request(endpoint, params={"query": query, "default-graph-uri": ONTOLOGY_GRAPH})
    assert json.loads(in_data[2])["boolean"] is True
    assert json.loads(in_ontology[2])["boolean"] is False
    named = _request(
        endpoint,
        params={
            "query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": [DATA_GRAPH, ONTOLOGY_GRAPH],
        },
    )
    graphs = {b["g"]["value"] for b in json.loads(named[2])["results"]["bindings"]}
    assert graphs == {DATA_GRAPH, ONTOLOGY_GRAPH}


def test_unknown_graph_is_400_and_never_fetched(endpoint: str) -> None:
    status, _, body = _request(endpoint, params={"query": "ASK {}", "default-graph-uri": "http://127.0.0.1:9/g"})
    assert status == 400 and "http://127.0.0.1:9/g" in str(_error(status, body)["message"])


def test_syntax_error_is_400_with_position(endpoint: str) -> None:
    status, _, body = _request(endpoint, params={"query": "SELECT * WHERE {\n  ?s ?p }"})
    error = _error(status, body)
    assert status == 400 and error["line"] == 2 and isinstance(error["column"], int)


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://127.0.0.1:9/g> { ?s ?p ?o }", "graph"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD"),
        ('INSERT DATA { <http://e.org/a> <http://e.org/b> "c" }', "Update"),
    ],
)
def test_refused_forms_are_400(endpoint: str, query: str, word: str) -> None:
    status, _, body = _request(endpoint, params={"query": query})
    assert status == 400 and word in str(_error(status, body)["message"])


def test_an_update_needs_a_token(endpoint: str) -> None:
    """This endpoint's data folder has no token: writes are off (tests/test_service_writes.py writes)."""
    status, _, body = _request(
        endpoint, method="POST", body=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert status == 403 and "token" in str(_error(status, body)["message"])


def test_from_chooses_held_graphs_and_is_never_fetched(endpoint: str) -> None:
    """FROM / FROM NAMED pick graphs the store holds (as the protocol's parameters do), instead of being ignored."""
    query = "ASK FROM <%s> { ?s a <https://w3id.org/coopgraph/def#Province> }"
    assert json.loads(_request(endpoint, params={"query": query % DATA_GRAPH})[2])["boolean"] is True
    assert json.loads(_request(endpoint, params={"query": query % ONTOLOGY_GRAPH})[2])["boolean"] is False
    named = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    graphs = {
        b["g"]["value"] for b in json.loads(_request(endpoint, params={"query": named})[2])["results"]["bindings"]
    }
    assert graphs == {ONTOLOGY_GRAPH}
    overridden = _request(endpoint, params={"query": query % ONTOLOGY_GRAPH, "default-graph-uri": DATA_GRAPH})
    assert json.loads(overridden[2])["boolean"] is True  # the protocol's dataset wins (SPARQL 1.1 Protocol 2.1.4)


def test_words_in_strings_and_comments_are_not_refused(endpoint: str) -> None:
    query = 'SELECT ?x { BIND("SERVICE <http://127.0.0.1:9/> FROM LOAD INSERT" AS ?x) } # FROM <http://x/>'
    status, _, body = _request(endpoint, params={"query": query})
    assert status == 200 and "SERVICE" in json.loads(body)["results"]["bindings"][0]["x"]["value"]


def test_wrong_method_is_405(endpoint: str) -> None:
    status, headers, body = _request(endpoint, method="PUT", params={"query": "ASK {}"})
    assert status == 405 and "POST" in headers["Allow"]
    _error(status, body)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), (None, 415), ("application/sparql-query; charset=UTF-16", 415)],
)
def test_wrong_media_type_is_415(endpoint: str, content_type: str | None, status: int) -> None:
    got, _, body = _request(
        endpoint, method="POST", body=b"ASK {}", headers={"Content-Type": content_type} if content_type else {}
    )
    assert got == status
    _error(got, body)


def test_not_acceptable_is_406(endpoint: str) -> None:
    status, _, body = _request(endpoint, params={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
    assert status == 406 and "application/sparql-results+json" in str(_error(status, body)["message"])


def test_missing_or_repeated_query_is_400(endpoint: str) -> None:
    status, _, body = _request(endpoint, params={"query": ["ASK {}", "ASK {}"]})
    assert status == 400
    _error(status, body)


def test_body_cap_is_413(endpoint: str) -> None:
    body = b"ASK {} #" + b"x" * 20_000
    status, _, payload = _request(
        endpoint, method="POST", body=body, headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 413
    _error(status, payload)


def test_row_cap_truncates_and_says_so(endpoint: str) -> None:
    status, headers, body = _request(endpoint, params={"query": "SELECT * { ?s ?p ?o }"})
    document = json.loads(body)
    assert status == 200 and headers["X-Coopgraph-Truncated"] == "true"
    assert len(document["results"]["bindings"]) == 50 and document["head"]["coopgraph"]["truncated"] is True
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == 50  # Oxigraph reads it
    status, headers, body = _request(endpoint, params={"query": "SELECT * { ?s ?p ?o } LIMIT 50", "format": "csv"})
    assert "X-Coopgraph-Truncated" not in headers and len(body.decode().splitlines()) == 51
    status, headers, body = _request(endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert headers["X-Coopgraph-Truncated"] == "true" and len(body.decode().splitlines()) == 50 + 1
    assert (
        body.decode().splitlines()[-1].startswith("# truncated")
        and len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == 50
    )


def test_xml_results_are_sparql_xml(endpoint: str) -> None:
    status, _, body = _request(
        endpoint, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert status == 200 and ET.fromstring(body).find(f"{SRX}boolean") is not None


def test_get_without_query_is_the_service_description(endpoint: str, shipped_store: OxigraphStore) -> None:
    status, headers, body = _request(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    described = ox.Store()
    described.load(body, format=ox.RdfFormat.TURTLE)
    sd, void = "http://www.w3.org/ns/sparql-service-description#", "http://rdfs.org/ns/void#"
    assert described.query(f"ASK {{ <{endpoint}> a <{sd}Service> ; <{sd}endpoint> <{endpoint}> }}")
    names = {r["g"].value for r in described.query(f"SELECT ?g {{ ?n <{sd}name> ?g }}")}
    assert names == set(shipped_store.graphs())
    for name in names:
        count = described.query(f"SELECT ?t {{ ?n <{sd}name> <{name}> ; <{sd}graph>/<{void}triples> ?t }}")
        assert int(next(iter(count))["t"].value) == shipped_store.count(name)
    classes = {r["c"].value for r in described.query(f"SELECT ?c {{ ?d <{void}classPartition>/<{void}class> ?c }}")}
    assert "https://w3id.org/coopgraph/def#Province" in classes
