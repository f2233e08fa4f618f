"""Run one query against a store and serialise its result: the work a query worker does.

Pure of Flask: it takes strings in and gives bytes out (or raises ApiError),
so it runs the same in the request thread or in a worker process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from graph.store import Store
from service.errors import ApiError
from service.negotiation import choose, offered

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
    """Evaluate, negotiate the format for the result's kind, cap the rows, serialise with pyoxigraph."""
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
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer(result.serialize(format=fmt.serializer), fmt.media_type)
        if isinstance(result, ox.QueryTriples):
            triples = list(islice(result, request.max_rows + 1))
            truncated = len(triples) > request.max_rows
            body = ox.serialize(triples[: request.max_rows], format=fmt.serializer)
            return Answer(body, fmt.media_type, truncated)
        return _solutions(result, fmt.serializer, fmt.media_type, request.max_rows)
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
    """Serialise at most `cap` rows: rebuild the capped rows as TSV, parse, then serialise with pyoxigraph."""
    variables = result.variables
    rows = list(islice(result, cap + 1))
    truncated = len(rows) > cap
    lines = ["\t".join(str(v) for v in variables)]
    for row in rows[:cap]:
        lines.append("\t".join("" if row[v] is None else str(row[v]) for v in variables))
    capped = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    body = capped.serialize(format=serializer)
    if truncated and serializer == ox.QueryResultsFormat.JSON:
        document = json.loads(body)
        document[TRUNCATED_KEY] = {"truncated": True, "max_rows": cap}
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(body, media_type, truncated)


def syntax_error(error: SyntaxError) -> ApiError:
    """A 400 with the parser's message and its 1-based line and column."""
    message = str(error.msg or error)
    match = _POSITION.match(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return ApiError(400, "SPARQL syntax error", message, line=line, column=column)
