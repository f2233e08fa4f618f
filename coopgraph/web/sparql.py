"""`/sparql`: the W3C SPARQL 1.1 Protocol query operation (GET, POST form, POST direct)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, request

from coopgraph.web import urlencoded
from coopgraph.web.description import PREFIXES, describe
from coopgraph.web.errors import ApiError
from coopgraph.web.executor import QueryRequest
from coopgraph.web.guard import check_query
from coopgraph.web.negotiation import choose, offered
from coopgraph.web.state import coopgraph

bp = Blueprint("sparql", __name__)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE_TYPES = ("application/sparql-update",)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer a SPARQL query in the negotiated format; refused forms and bad requests get a 400.

    The hot path of the service: it reads the WSGI environ directly rather than
    through `request`'s properties (each a context-local lookup and a parse).
    """
    environ = request.environ
    method = environ["REQUEST_METHOD"]
    params = _url_params(environ)
    if method == "GET" and not params:
        return _service_description()
    query = _read_query(method, params)
    default_graph, named_graphs = _dataset(params)
    state = coopgraph()
    check_query(
        query,
        service_allowlist=state.settings["service_allowlist"],
        dataset_given=default_graph is not None or named_graphs is not None,
    )
    answer = state.run(
        QueryRequest(
            query,
            default_graph=default_graph,
            named_graphs=named_graphs,
            accept=environ.get("HTTP_ACCEPT"),
            formats=tuple(params.get("format", [])),
            max_rows=int(state.settings["max_rows"]),
            base_iri=_base_iri(environ),
        ),
        environ,
    )
    response = Response(answer.body, content_type=_with_charset(answer.media_type))
    response.headers.add("Vary", "Accept")  # a fresh response has no Vary to merge with
    if answer.truncated:
        response.headers["X-Coopgraph-Truncated"] = "true"
    return response


def _url_params(environ: dict[str, Any]) -> dict[str, list[str]]:
    """The query string's parameters (a 400 when its raw bytes are not UTF-8)."""
    try:
        return urlencoded.parse(environ.get("QUERY_STRING", ""))
    except UnicodeDecodeError as error:
        raise ApiError(400, "Bad Request", f"the query string is not valid UTF-8: {error}") from None


_BASE_IRIS: dict[tuple[object, ...], str] = {}
_BASE_IRIS_MAX = 256


def _base_iri(environ: dict[str, Any]) -> str:
    """`request.base_url`, the base IRI the protocol resolves relative IRIs against, remembered per environ key.

    Werkzeug rebuilds and IRI-decodes it on every request (~15 µs, a tenth of
    a cheap query's cost in this process); the same few endpoint URLs repeat.
    """
    get = environ.get  # the keys werkzeug's `Request.base_url` is computed from
    key: tuple[object, ...] = (get("wsgi.url_scheme"), get("HTTP_HOST"), get("SERVER_NAME"), get("SERVER_PORT"))
    key += (get("SCRIPT_NAME"), get("PATH_INFO"))
    base = _BASE_IRIS.get(key)
    if base is None:
        base = request.base_url
        if len(_BASE_IRIS) < _BASE_IRIS_MAX:  # Host is the client's to choose: keep the table bounded
            _BASE_IRIS[key] = base
    return base


def _service_description() -> Response:
    """GET /sparql with no parameters: the Service Description with VoID, in a negotiated RDF format."""
    fmt = choose("graph", accept=request.headers.get("Accept"))
    if fmt is None:
        raise ApiError(406, "Not Acceptable", f"the service description is available as {', '.join(offered('graph'))}")
    state = coopgraph()
    key = f"description {request.base_url}"
    if key not in state.cache:
        state.cache[key] = describe(state.store, request.base_url)
    assert isinstance(fmt.serializer, ox.RdfFormat)  # a graph format
    body = ox.serialize(state.cache[key], format=fmt.serializer, prefixes=PREFIXES)
    response = Response(body, content_type=_with_charset(fmt.media_type))
    response.vary.add("Accept")
    return response


def _read_query(method: str, params: dict[str, list[str]]) -> str:
    """The query text, per the request's method and media type; form parameters join `params`."""
    if method == "GET":
        if "update" in params:
            raise _update_refused()
        return _one_query(params.get("query", []))
    media_type = (request.mimetype or "").lower()
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if media_type in UPDATE_TYPES:
        raise _update_refused()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "Unsupported Media Type", f"the request must be UTF-8, not {charset!r}")
    if media_type == FORM:
        try:
            form = urlencoded.parse_bytes(request.get_data(cache=False))
        except UnicodeDecodeError as error:
            raise ApiError(400, "Bad Request", f"the form is not valid UTF-8: {error}") from None
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        if "update" in params:
            raise _update_refused()
        return _one_query(params.get("query", []))
    if media_type == DIRECT:
        if "query" in params:
            raise ApiError(400, "Bad Request", "give the query either in the body or as a parameter, not both")
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ApiError(400, "Bad Request", f"the query is not valid UTF-8: {error}") from None
    raise ApiError(
        415,
        "Unsupported Media Type",
        f"POST a query as {FORM} (query=...) or as {DIRECT}; got {media_type or 'no Content-Type'}",
    )


def _update_refused() -> ApiError:
    return ApiError(400, "Refused", "SPARQL Update is refused on /sparql: this endpoint is read-only")


def _one_query(values: list[str]) -> str:
    if len(values) != 1:
        raise ApiError(
            400, "Bad Request", "exactly one 'query' parameter is required" + (f", got {len(values)}" if values else "")
        )
    return values[0]


def _dataset(params: dict[str, list[str]]) -> tuple[list[str] | None, list[str] | None]:
    """The protocol dataset; each graph must be one the store holds (graphs are never fetched)."""
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    if default is None and named is None:
        return None, None
    held = set(coopgraph().store.graphs())
    unknown = sorted({iri for iri in (default or []) + (named or []) if iri not in held})
    if unknown:
        raise ApiError(
            400,
            "Unknown graph",
            f"the store holds no graph {', '.join(unknown)} (graphs are never fetched); "
            f"held graphs: {', '.join(sorted(held))}",
        )
    return default or [], named or []


def _with_charset(media_type: str) -> str:
    textual = media_type.startswith("text/") or media_type.endswith(("json", "xml", "triples", "quads", "trig"))
    return f"{media_type}; charset=utf-8" if textual else media_type
