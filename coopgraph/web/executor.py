"""Run one query against a store and serialise its result.

Pure of Flask: it takes strings in and gives bytes out (or raises ApiError),
so it runs the same in a request thread or on a companion thread (coopgraph/web/time_limit.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from json.encoder import encode_basestring as _quote

import pyoxigraph as ox

from coopgraph.core.store import Store
from coopgraph.core.vocab import XSD_STRING
from coopgraph.web.errors import ApiError
from coopgraph.web.negotiation import choose, offered

_POSITION = re.compile(r"^error at (\d+):(\d+): ")
TRUNCATED_KEY = "coopgraph"
"""Top-level member added to SPARQL JSON results when truncated (readers ignore unknown members)."""


@dataclass(frozen=True)
class QueryRequest:
    """A query with its protocol dataset and what the client accepts."""

    query: str
    default_graph: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    accept: str | None = None
    formats: tuple[str, ...] = ()
    """Values of the `format` parameter, in order: the first one that names a format for the result wins."""
    max_rows: int = 10_000
    base_iri: str | None = None
    """Resolves relative IRIs in the query (the protocol uses the endpoint's URL)."""
    substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None
    """Values bound to variables by pyoxigraph (stored queries' parameters), never formatted into the text."""


@dataclass(frozen=True)
class Answer:
    """A serialised result: body, media type, and whether the row cap cut it."""

    body: bytes
    media_type: str
    truncated: bool = False


def execute(store: Store, request: QueryRequest) -> Answer:
    """Evaluate, negotiate the format for the result's kind, cap the rows, serialise (JSON solutions ourselves)."""
    try:
        result = _query(store, request)
    except SyntaxError as error:
        raise syntax_error(error) from None
    except (ValueError, OSError, RuntimeError) as error:
        raise ApiError(400, "Query evaluation failed", str(error)) from None
    kind = (
        "boolean"
        if isinstance(result, ox.QueryBoolean)
        else "graph"
        if isinstance(result, ox.QueryTriples)
        else "solutions"
    )
    fmt = None
    for name in request.formats:  # clients such as SPARQLWrapper send several (format=csv&format=text/csv)
        fmt = fmt or choose(kind, format=name)
    if not request.formats:
        fmt = choose(kind, accept=request.accept)
    if fmt is None:
        wanted = f"format={', '.join(request.formats)}" if request.formats else f"Accept: {request.accept}"
        raise ApiError(
            406, "Not Acceptable", f"cannot answer {wanted} for this query; available: {', '.join(offered(kind))}"
        )
    serializer = fmt.serializer
    try:
        if isinstance(result, ox.QueryTriples):
            assert isinstance(serializer, ox.RdfFormat)  # negotiation offers graph formats for graphs only
            triples = list(islice(result, request.max_rows + 1))
            truncated = len(triples) > request.max_rows
            return Answer(
                _bytes(ox.serialize(triples[: request.max_rows], format=serializer)), fmt.media_type, truncated
            )
        assert isinstance(serializer, ox.QueryResultsFormat)  # and results formats for solutions and booleans
        if isinstance(result, ox.QueryBoolean):
            return Answer(_bytes(result.serialize(format=serializer)), fmt.media_type)
        return _solutions(result, serializer, fmt.media_type, request.max_rows)
    except (ValueError, OSError, RuntimeError) as error:
        raise ApiError(400, "Query evaluation failed", str(error)) from None


def _query(store: Store, request: QueryRequest) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """`store.query` with the request's dataset and base IRI."""
    return store.query(
        request.query,
        default_graph=request.default_graph,
        named_graphs=request.named_graphs,
        base_iri=request.base_iri,
        substitutions=request.substitutions,
    )


def _solutions(result: ox.QuerySolutions, serializer: ox.QueryResultsFormat, media_type: str, cap: int) -> Answer:
    """Serialise at most `cap` rows: JSON directly, other formats by a TSV round trip through pyoxigraph."""
    variables = result.variables
    rows = list(islice(result, cap + 1))
    truncated = len(rows) > cap
    if serializer == ox.QueryResultsFormat.JSON:
        return Answer(_json_body(variables, rows[:cap], cap if truncated else None), media_type, truncated)
    lines = ["\t".join(str(v) for v in variables)]
    for row in rows[:cap]:
        lines.append("\t".join(_tsv_term(value) for value in row))
    capped = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    return Answer(_bytes(capped.serialize(format=serializer)), media_type, truncated)


def _bytes(body: bytes | None) -> bytes:
    """pyoxigraph's serialisers return bytes when given no output file (their stubs say `bytes | None`)."""
    assert body is not None
    return body


def _tsv_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """A TSV cell: `str()` of the term, except that a triple term needs its `<<( )>>` (str() leaves it bare)."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {term} )>>"
    return str(term)


_XSD_STRING = XSD_STRING
# `_quote` is the escaper of json.dumps(ensure_ascii=False) and escapes as pyoxigraph does: `"`, backslash,
# \b \f \n \r \t, the other C0 controls as lower-case \u00xx, the rest raw (the tests check every code point).


def _json_body(variables: list[ox.Variable], rows: list[ox.QuerySolution], cap: int | None) -> bytes:
    """SPARQL 1.1 Query Results JSON, byte for byte as pyoxigraph writes it, plus the truncation member if `cap`.

    Written as text: `json.dumps` of even a one-row document costs ~4 µs (its encoder is set up per call),
    as much as writing the whole document with the same C string escaper.
    """
    names = [_quote(variable.value) for variable in variables]
    bindings = []
    for row in rows:
        members = [f"{name}:{_json_term(value)}" for name, value in zip(names, row, strict=False) if value is not None]
        bindings.append("{" + ",".join(members) + "}")
    truncation = "" if cap is None else f',{_quote(TRUNCATED_KEY)}:{{"truncated":true,"max_rows":{cap}}}'
    head = f'{{"head":{{"vars":[{",".join(names)}]}}'
    return f'{head},"results":{{"bindings":[{",".join(bindings)}]}}{truncation}}}'.encode()


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """One RDF term as a JSON object, members in pyoxigraph's order (terms from a query have these exact types)."""
    if isinstance(term, ox.Literal):
        value = _quote(term.value)
        language = term.language
        if language is not None:
            direction = term.direction
            if direction is None:
                return f'{{"type":"literal","value":{value},"xml:lang":{_quote(language)}}}'
            return f'{{"type":"literal","value":{value},"xml:lang":{_quote(language)},"its:dir":"{direction.value}"}}'
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return f'{{"type":"literal","value":{value}}}'
        return f'{{"type":"literal","value":{value},"datatype":{_quote(datatype)}}}'
    if isinstance(term, ox.NamedNode):
        return f'{{"type":"uri","value":{_quote(term.value)}}}'
    if isinstance(term, ox.BlankNode):
        return f'{{"type":"bnode","value":{_quote(term.value)}}}'
    subject, predicate, object_ = _json_term(term.subject), _json_term(term.predicate), _json_term(term.object)
    return f'{{"type":"triple","value":{{"subject":{subject},"predicate":{predicate},"object":{object_}}}}}'


def syntax_error(error: SyntaxError) -> ApiError:
    """A 400 with the parser's message and its 1-based line and column."""
    message = str(error.msg or error)
    match = _POSITION.match(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return ApiError(400, "SPARQL syntax error", message, line=line, column=column)
