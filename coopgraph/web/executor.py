"""Run one query against a store and serialise its result, within a row cap and a byte cap.

Pure of Flask: it takes strings in and gives bytes out (or raises ApiError).
pyoxigraph writes every format. The rows kept (at most `max_rows`, and as
many as fit in `max_result_bytes`) are written through a TSV round trip:
pyoxigraph can only serialise a result it made, so the kept rows become TSV
text that it parses back. A cut result says so in its body wherever the
format can: SPARQL JSON gets `"link": ["urn:coopgraph:truncated"]` and a
`"coopgraph"` member in its `head` (both read by SPARQL JSON parsers as
metadata, Oxigraph's included), SPARQL XML a `<link>` in its head, Turtle,
TriG, N-Triples and N-Quads a closing `#` comment, RDF/XML a closing XML
comment; CSV, TSV and JSON-LD have no place for it (the
`X-Coopgraph-Truncated` header, sent with every format, says it there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from coopgraph.core.store import EngineError, Store
from coopgraph.core.vocab import Text
from coopgraph.web.errors import ApiError, engine_error
from coopgraph.web.negotiation import choose, offered

_POSITION = re.compile(r"^error at (\d+):(\d+): ")
TRUNCATED_LINK = "urn:coopgraph:truncated"
"""The `link` SPARQL JSON and XML results carry in their head when the service cut them."""
TRUNCATED_KEY = "coopgraph"
"""The member of a cut SPARQL JSON result's `head` that says how: {"truncated", "max_rows", "max_result_bytes"}."""
MAX_MESSAGE = 1000
"""Longest engine message passed on to a client (the rest is cut: no echo of huge inputs)."""
_OVERHEAD = {
    ox.QueryResultsFormat.JSON: 40,
    ox.QueryResultsFormat.XML: 60,
    ox.QueryResultsFormat.CSV: 2,
    ox.QueryResultsFormat.TSV: 2,
}
"""Bytes a format adds around each value (for the first guess of how many rows fit; the cap itself is exact)."""

MAX_ROW_BYTES = (16 << 20) - 4096
"""Largest row the TSV round trip carries: pyoxigraph's TSV and N-Triples readers stop at 16 MiB a line.
A row past it ends the result there, marked truncated, like the byte cap."""

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class QueryRequest:
    """A query with its dataset and what the client accepts."""

    query: str
    default_graph: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    accept: str | None = None
    formats: tuple[str, ...] = ()
    """Values of the `format` parameter, in order: the first one that names a format for the result wins."""
    max_rows: int = 10_000
    max_bytes: int = 16_000_000
    """Most bytes of the serialised result."""
    base_iri: str | None = None
    """Resolves relative IRIs in the query (the protocol uses the endpoint's URL)."""
    substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None
    """Values bound to variables by pyoxigraph (stored queries' parameters), never formatted into the text."""


@dataclass(frozen=True)
class Answer:
    """A serialised result: body, media type, and whether a cap cut it."""

    body: bytes
    media_type: str
    truncated: bool = False


def execute(store: Store, request: QueryRequest) -> Answer:
    """Evaluate, negotiate the format for the result's kind, keep what the caps allow, serialise."""
    try:
        result = store.query(
            request.query,
            default_graph=request.default_graph,
            named_graphs=request.named_graphs,
            base_iri=request.base_iri,
            substitutions=request.substitutions,
        )
    except SyntaxError as error:
        raise syntax_error(error) from None
    except (ValueError, OSError, RuntimeError) as error:
        raise evaluation_error(error) from None
    except EngineError as error:
        raise refused_by_engine(error, request) from None
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
        wanted = wanted if len(wanted) <= 100 else wanted[:100] + "…"  # a header is the client's to make huge
        raise ApiError(
            406,
            "Not Acceptable",
            Text(
                f"no se puede responder {wanted} a esta consulta; formatos: {', '.join(offered(kind))}",
                f"cannot answer {wanted} for this query; available: {', '.join(offered(kind))}",
            ),
        )
    serializer = fmt.serializer
    try:
        if isinstance(result, ox.QueryTriples):
            assert isinstance(serializer, ox.RdfFormat)  # negotiation offers graph formats for graphs only
            body, truncated = _graph(result, serializer, request)
            return Answer(body, fmt.media_type, truncated)
        assert isinstance(serializer, ox.QueryResultsFormat)  # and results formats for solutions and booleans
        if isinstance(result, ox.QueryBoolean):
            return Answer(_bytes(result.serialize(format=serializer)), fmt.media_type)
        body, truncated = _solutions(result, serializer, request)
        return Answer(body, fmt.media_type, truncated)
    except (ValueError, OSError, RuntimeError, SyntaxError) as error:
        raise evaluation_error(error) from None


def _keep(items: Iterable[Sequence[Term | None]], request: QueryRequest, overhead: int) -> tuple[list[list[str]], bool]:
    """The rows (as TSV cells) within the row cap and, by a first estimate, the byte cap; and whether any was left."""
    kept: list[list[str]] = []
    size = 0
    for row in items:
        if len(kept) == request.max_rows:
            return kept, True
        cells = [_tsv_term(term) for term in row]
        row_size = sum(len(cell) + overhead for cell in cells)
        size += row_size
        if size > request.max_bytes or row_size > MAX_ROW_BYTES:
            return kept, True
        kept.append(cells)
    return kept, False


def _fit(
    write: Callable[[list[list[str]]], bytes], rows: list[list[str]], truncated: bool, limit: int
) -> tuple[bytes, bool]:
    """`write(rows)`, with rows dropped from the end until it is at most `limit` bytes."""
    body = write(rows)
    while len(body) > limit and rows:
        keep = min(len(rows) - 1, int(len(rows) * limit / len(body) * 0.95))
        rows, truncated = rows[:keep], True
        body = write(rows)
    return body, truncated


def _solutions(
    result: ox.QuerySolutions, serializer: ox.QueryResultsFormat, request: QueryRequest
) -> tuple[bytes, bool]:
    variables = [str(variable) for variable in result.variables]
    rows, truncated = _keep(result, request, _OVERHEAD[serializer])

    def write(rows: list[list[str]]) -> bytes:
        text = "\n".join(["\t".join(variables), *("\t".join(cells) for cells in rows)]) + "\n"
        parsed = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
        assert isinstance(parsed, ox.QuerySolutions)
        return _bytes(parsed.serialize(format=serializer))

    body, truncated = _fit(write, rows, truncated, request.max_bytes - 200)
    if truncated:
        body = _mark_results(body, serializer, request)
    return body, truncated


def _graph(result: ox.QueryTriples, serializer: ox.RdfFormat, request: QueryRequest) -> tuple[bytes, bool]:
    rows, truncated = _keep(((t.subject, t.predicate, t.object) for t in result), request, 8)

    def write(rows: list[list[str]]) -> bytes:
        text = "".join(" ".join(cells) + " .\n" for cells in rows)
        triples = [quad.triple for quad in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)]
        return _bytes(ox.serialize(triples, format=serializer))

    body, truncated = _fit(write, rows, truncated, request.max_bytes - 200)
    if truncated:
        note = f"truncated by the service: at most {request.max_rows} triples and {request.max_bytes} bytes"
        if serializer == ox.RdfFormat.RDF_XML:
            body += f"<!-- {note} -->\n".encode()
        elif serializer != ox.RdfFormat.JSON_LD:
            body += f"# {note}\n".encode()
    return body, truncated


def _mark_results(body: bytes, serializer: ox.QueryResultsFormat, request: QueryRequest) -> bytes:
    """The truncation mark in a SPARQL JSON or XML result's head (CSV and TSV have no place for one)."""
    if serializer == ox.QueryResultsFormat.JSON:
        start = body.index(b'"vars":[')
        end = body.index(b"]", start) + 1  # variable names hold no "]"
        member = (
            f',"link":["{TRUNCATED_LINK}"],"{TRUNCATED_KEY}":{{"truncated":true,'
            f'"max_rows":{request.max_rows},"max_result_bytes":{request.max_bytes}}}'
        )
        return body[:end] + member.encode() + body[end:]
    if serializer == ox.QueryResultsFormat.XML:
        return body.replace(b"</head>", f'<link href="{TRUNCATED_LINK}"/></head>'.encode(), 1)
    return body


def _bytes(body: bytes | None) -> bytes:
    """pyoxigraph's serialisers return bytes when given no output file (their stubs say `bytes | None`)."""
    assert body is not None
    return body


def _tsv_term(term: Term | None) -> str:
    """A TSV cell (or N-Triples term): `str()` of the term, except that a triple term needs its `<<( )>>`."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"
    return str(term)


def evaluation_error(error: BaseException) -> ApiError:
    """A 400 with the engine's message, cut to MAX_MESSAGE characters."""
    message = str(error)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "…"
    return ApiError(
        400,
        "Query evaluation failed",
        Text(f"la evaluación de la consulta falló: {message}", f"query evaluation failed: {message}"),
    )


def refused_by_engine(error: EngineError, request: QueryRequest) -> ApiError:
    """What the client is told when the engine failed. When it refused a text our parser cannot read either, the
    answer is our syntax error, as on the embedded store (title, message, line and column, which the query page
    explains and marks), whatever words and positions the engine uses; the engine and its own words are added."""
    answer = engine_error(error)
    if answer.status != 400:
        return answer
    try:
        ox.Store().query(request.query, base_iri=request.base_iri)  # an empty store: parsed, nothing to evaluate
    except SyntaxError as local:
        ours = syntax_error(local)
        said = str(error)
        cut = said[:MAX_MESSAGE] + ("…" if len(said) > MAX_MESSAGE else "")
        ours.details.update(engine=error.engine, engine_status=error.status, engine_message=cut)
        return ours
    except (ValueError, OSError, RuntimeError):
        pass  # read, then failed: the engine's words stand alone
    return answer


def syntax_error(error: SyntaxError) -> ApiError:
    """A 400 with the parser's message and its 1-based line and column."""
    message = str(error.msg or error)[:MAX_MESSAGE]
    match = _POSITION.match(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return ApiError(
        400,
        "SPARQL syntax error",
        Text(f"error de sintaxis SPARQL: {message}", message),
        line=line,
        column=column,
    )
