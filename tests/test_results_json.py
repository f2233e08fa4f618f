"""The executor's results (rows kept by the caps, written through a TSV round trip) are pyoxigraph's own bytes,
for every kind of term and every format; a cut result says so in its body and still parses."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from coopgraph.core.store import OxigraphStore
from coopgraph.web.executor import TRUNCATED_KEY, TRUNCATED_LINK, Answer, QueryRequest, execute

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DATA = r"""
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:iri ex:p ex:o , <http://example.org/caf%C3%A9/é?q=1#frag> , <urn:uuid:0e6d1b4c-8f0a-4f37-9d5e-1b0d4c3e2a11> .
_:node ex:p _:other , "from a blank node" .
ex:plain ex:p "plain" , ""^^xsd:string , "" .
ex:lang ex:p "chat"@fr , "Colour"@en-GB , "EN"@EN-us , "zh"@zh-Hant-TW .
ex:dir ex:p "left"@en--ltr , "مرحبا"@ar--rtl .
ex:typed ex:p 42 , -0 , 1.50 , 1e3 , true , "2024-02-29"^^xsd:date , "2024-02-29T12:00:00Z"^^xsd:dateTime ,
    "P1Y"^^xsd:duration , "abc"^^xsd:integer , "x"^^ex:custom , "y"^^<http://example.org/dt/é> .
ex:escapes ex:p "quote \" backslash \\ slash / tab \t newline \n return \r" ,
    "controls \u0000 \u0001 \b \f \u001F \u007F \u0080 \u009F" ,
    "separators \u2028 \u2029 bom \uFEFF nonchar \uFFFE \uFFFF" ,
    "non-ASCII é ñ 中文 😀 \U0010FFFF" , "\"\"\"" , "\\u0041 is not an escape" .
ex:triple ex:p <<( ex:s ex:p "o" )>> , <<( _:node ex:p <<( ex:a ex:b "deep"@en--rtl )>> )>> .
ex:reified ex:p << ex:s ex:p ex:o >> .
"""
QUERIES = {
    "every quad": "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "variables in another order": "SELECT ?o ?s { ?s ?p ?o } ORDER BY ?o ?s",
    "projection of an unbound variable": "SELECT ?x ?s ?y { ?s ?p ?o } ORDER BY ?s",
    "optional, unbound in some rows": (
        "PREFIX ex: <http://example.org/> SELECT ?s ?label"
        " { ?s ?p ?o OPTIONAL { ?s ex:p ?label FILTER isLiteral(?label) } } ORDER BY ?s ?label"
    ),
    "values with undef": (
        'SELECT ?a ?b ?c { VALUES (?a ?b ?c) { (<http://e/1> "x"@en--rtl UNDEF) (UNDEF UNDEF UNDEF) (UNDEF 1 2.5) } }'
    ),
    "bind of expressions": (
        'SELECT * { BIND(STRDT("a", <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>) AS ?weird)'
        ' BIND(STRLANG("b", "de") AS ?lang) BIND("x"^^<http://www.w3.org/2001/XMLSchema#string> AS ?string)'
        ' BIND(1.0e0 / 3 AS ?double) BIND(TRIPLE(<http://e/s>, <http://e/p>, "o") AS ?triple)'
        " BIND(NOW() = NOW() AS ?boolean) }"
    ),
    "non-ASCII variable names": 'SELECT ?é ?名前 { BIND("v" AS ?é) BIND(<http://e/n> AS ?名前) }',
    "triple terms and their parts": (
        "SELECT ?t ?ts ?to { ?s ?p ?t FILTER isTriple(?t) BIND(SUBJECT(?t) AS ?ts) BIND(OBJECT(?t) AS ?to) }"
    ),
    "no rows": "SELECT ?x { FILTER(false) }",
    "no variables": "SELECT * {}",
    "no variables, no rows": "SELECT * { FILTER(false) }",
    "one empty row": "SELECT ?x {}",
    "several empty rows": "SELECT ?x { VALUES ?y { 1 2 3 } }",
    "several rows without variables": "SELECT * { {} UNION {} }",
    "duplicate rows": "SELECT ?p { ?s ?p ?o }",
}


@pytest.fixture(scope="module")
def store() -> Iterator[OxigraphStore]:
    with OxigraphStore.in_memory() as store:
        store.oxigraph.load(DATA, format=ox.RdfFormat.TURTLE)
        yield store


def fast(
    store: OxigraphStore, query: str, *, max_rows: int = 100_000, format: str = "json", max_bytes: int = 1 << 30
) -> Answer:
    """The executor's answer in `format`."""
    return execute(store, QueryRequest(query, formats=(format,), max_rows=max_rows, max_bytes=max_bytes))


def native(store: OxigraphStore, query: str, format: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON) -> bytes:
    """pyoxigraph's own serialisation of the same query's solutions."""
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return result.serialize(format=format)


def test_the_data_has_every_kind_of_term(store: OxigraphStore) -> None:
    objects = [quad.object for quad in store.oxigraph]
    assert {type(term) for term in objects} == {ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple}
    literals = [term for term in objects if isinstance(term, ox.Literal)]
    assert any(term.direction is not None for term in literals)
    assert any(term.language is not None and term.direction is None for term in literals)
    assert len({term.datatype.value for term in literals}) >= 10
    nested = [term for term in objects if isinstance(term, ox.Triple) and isinstance(term.object, ox.Triple)]
    assert nested and isinstance(nested[0].subject, ox.BlankNode)


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_json_is_pyoxigraphs_byte_for_byte(store: OxigraphStore, query: str) -> None:
    answer = fast(store, query)
    assert answer.body == native(store, query)
    assert not answer.truncated and answer.media_type == "application/sparql-results+json"


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("format", ["xml", "csv", "tsv"])
def test_other_formats_are_pyoxigraphs_too(store: OxigraphStore, query: str, format: str) -> None:
    serializer = {"xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
    assert fast(store, query, format=format).body == native(store, query, serializer[format])


def test_json_of_an_explicit_result_shape(store: OxigraphStore) -> None:
    """Member names and order written out, not taken from pyoxigraph (whose output the other tests follow)."""
    query = 'SELECT ?b ?a ?unbound { BIND("v"@en--rtl AS ?a) BIND(TRIPLE(<http://e/s>, <http://e/p>, 7) AS ?b) }'
    assert fast(store, query).body.decode() == (
        '{"head":{"vars":["b","a","unbound"]},"results":{"bindings":[{'
        '"b":{"type":"triple","value":{"subject":{"type":"uri","value":"http://e/s"},'
        '"predicate":{"type":"uri","value":"http://e/p"},'
        '"object":{"type":"literal","value":"7","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}},'
        '"a":{"type":"literal","value":"v","xml:lang":"en","its:dir":"rtl"}}]}}'
    )


@pytest.mark.parametrize("cap", [1, 2, 5])
def test_truncation_cuts_rows_and_marks_the_head(store: OxigraphStore, cap: int) -> None:
    query = QUERIES["every quad"]
    answer = fast(store, query, max_rows=cap)
    expected = json.loads(native(store, query))
    expected["results"]["bindings"] = expected["results"]["bindings"][:cap]
    expected["head"]["link"] = [TRUNCATED_LINK]
    expected["head"][TRUNCATED_KEY] = {"truncated": True, "max_rows": cap, "max_result_bytes": 1 << 30}
    assert answer.truncated
    assert answer.body == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert list(json.loads(answer.body)) == ["head", "results"]


@pytest.mark.parametrize("format", [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML])
def test_truncated_results_parse_with_oxigraphs_own_parser(store: OxigraphStore, format: ox.QueryResultsFormat) -> None:
    name = "json" if format == ox.QueryResultsFormat.JSON else "xml"
    answer = fast(store, QUERIES["every quad"], max_rows=3, format=name)
    assert answer.truncated and TRUNCATED_LINK.encode() in answer.body
    assert len(list(ox.parse_query_results(answer.body, format=format))) == 3


def test_exactly_the_cap_is_not_truncated(store: OxigraphStore) -> None:
    query = QUERIES["every quad"]
    rows = len(json.loads(native(store, query))["results"]["bindings"])
    answer = fast(store, query, max_rows=rows)
    assert not answer.truncated and answer.body == native(store, query)


def test_truncated_rows_of_csv_are_cut_without_a_mark(store: OxigraphStore) -> None:
    answer = fast(store, QUERIES["every quad"], max_rows=3, format="csv")
    assert answer.truncated and len(answer.body.decode().splitlines()) == 1 + 3


@pytest.mark.parametrize("format", ["json", "xml", "csv", "tsv"])
def test_the_byte_cap_keeps_whole_rows_within_it(store: OxigraphStore, format: str) -> None:
    query = QUERIES["every quad"]
    whole = fast(store, query, format=format).body
    cap = len(whole) // 2
    answer = fast(store, query, format=format, max_bytes=cap)
    assert answer.truncated and len(answer.body) <= cap
    if format in ("json", "xml"):
        kind = ox.QueryResultsFormat.JSON if format == "json" else ox.QueryResultsFormat.XML
        kept = list(ox.parse_query_results(answer.body, format=kind))
        assert 0 < len(kept) < len(list(ox.parse_query_results(whole, format=kind)))


def test_every_code_point_is_escaped_as_pyoxigraph_does(memory_store: OxigraphStore) -> None:
    code_points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    chunks = ["".join(code_points[start : start + 512]) for start in range(0, len(code_points), 512)]
    predicate = ox.NamedNode(f"{EX}p")
    memory_store.oxigraph.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{index}"), predicate, ox.Literal(chunk)) for index, chunk in enumerate(chunks)
    )
    query = "SELECT ?o { ?s ?p ?o }"
    assert fast(memory_store, query).body == native(memory_store, query)


LANGUAGE_TAGS = [
    "en", "en-gb", "zh-hant-tw", "sgn-be-fr", "de-ch-1996", "x-private", "es-419", "fr-latn-ca", "i-klingon",
    "en-a-bbb-x-a-ccc", "qaa", "tlh", "zh-cmn-hans-cn", "hy-latn-it-arevela",
]  # fmt: skip


def random_string(rng: random.Random, alphabet: str) -> str:
    """Mostly from `alphabet`, sometimes any code point but a surrogate."""
    characters = []
    for _ in range(rng.randrange(0, 12)):
        if rng.random() < 0.7:
            characters.append(rng.choice(alphabet))
        else:
            code = rng.choice([rng.randrange(0x20), rng.randrange(0x80, 0x800), rng.randrange(0xE000, 0x110000)])
            characters.append(chr(code))
    return "".join(characters)


def random_literal(rng: random.Random) -> ox.Literal:
    """A literal with a random value and a random language tag, base direction or datatype."""
    value = random_string(rng, "\"\\/'\t\n\r\b\f\x00\x1f\x7f\u2028\u2029é😀 aZ09{}[]:,")
    kind = rng.randrange(4)
    if kind == 0:
        return ox.Literal(value)
    if kind == 1:
        tag = "".join(c.upper() if rng.random() < 0.3 else c for c in rng.choice(LANGUAGE_TAGS))
        direction = rng.choice([None, ox.BaseDirection.LTR, ox.BaseDirection.RTL])
        return ox.Literal(value, language=tag, direction=direction)
    if kind == 2:
        known = ["string", "integer", "decimal", "double", "boolean", "date", "gYear", "anyURI", "hexBinary"]
        return ox.Literal(value, datatype=ox.NamedNode(XSD + rng.choice(known)))
    path = "".join(rng.choices("abcXYZ019-._~!$&'()*+,;=:@/é中😀\U000e1000", k=rng.randrange(12)))
    return ox.Literal(value, datatype=ox.NamedNode(f"{EX}dt/{path}"))


def test_random_literals(memory_store: OxigraphStore) -> None:
    rng = random.Random(20240611)
    predicate = ox.NamedNode(f"{EX}p")
    literals = [random_literal(rng) for _ in range(3000)]
    memory_store.oxigraph.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{index}"), predicate, literal) for index, literal in enumerate(literals)
    )
    subject = ox.BlankNode()
    memory_store.oxigraph.extend(
        ox.Quad(subject, predicate, ox.Triple(subject, predicate, literal)) for literal in literals[:300]
    )
    for query in [
        "SELECT ?s ?o { ?s ?p ?o }",
        "SELECT ?o ?s { ?s ?p ?o } ORDER BY ?o",
        (
            "SELECT ?lang ?o ?dt { ?s ?p ?o OPTIONAL { BIND(LANG(?o) AS ?lang) FILTER(?lang != '') }"
            " BIND(IF(isLiteral(?o), DATATYPE(?o), ?unbound) AS ?dt) }"
        ),
    ]:
        assert fast(memory_store, query).body == native(memory_store, query), query
