"""`/sparql`: the W3C SPARQL 1.1 Protocol query operation (GET, POST form, POST direct), and its update
operation (POST form `update=`, POST `application/sparql-update`), which coopgraph/web/writes.py runs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from coopgraph.core.vocab import Text
from coopgraph.web.description import DESCRIPTION_KEY, PREFIXES, Summary, description, summary
from coopgraph.web.errors import ApiError
from coopgraph.web.executor import QueryRequest
from coopgraph.web.guard import Dataset, check_limits, check_query
from coopgraph.web.negotiation import choose, offered
from coopgraph.web.state import Coopgraph, coopgraph
from coopgraph.web.writes import sparql_update

bp = Blueprint("sparql", __name__)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE_TYPES = ("application/sparql-update",)
_PLACEHOLDER = "urn:coopgraph:endpoint"
"""Stands for the endpoint's IRI in the cached description (it depends on the Host the client sent)."""
GUARD_KEY = "COOPGRAPH_GUARD"
"""Flask config key; False turns the guard's parse off (tests of the sandbox alone). Never in production."""


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer a SPARQL query in the negotiated format; refused forms and bad requests get a 400."""
    params = _url_params()
    if request.method == "GET" and not params:
        return _service_description()
    query = _read_query(params)
    if isinstance(query, Update):
        return sparql_update(query.text, params)
    default_graph, named_graphs = _dataset(params)
    state = coopgraph()
    settings = state.settings
    base_iri = request.base_url
    if current_app.config.get(GUARD_KEY, True):
        from_query = check_query(
            query,
            max_bytes=int(settings["max_query_bytes"]),
            max_depth=int(settings["max_query_depth"]),
            base_iri=base_iri,
            dataset_given=default_graph is not None or named_graphs is not None,
        )
    else:
        check_limits(query, max_bytes=int(settings["max_query_bytes"]), max_depth=int(settings["max_query_depth"]))
        from_query = Dataset()
    if from_query:  # the query's own FROM / FROM NAMED, over graphs the store holds
        _check_held(state, from_query.default + from_query.named)
        default_graph, named_graphs = from_query.default, from_query.named
    answer = state.run(
        QueryRequest(
            query,
            default_graph=default_graph,
            named_graphs=named_graphs,
            accept=request.headers.get("Accept"),
            formats=tuple(params.get("format", [])),
            max_rows=int(settings["max_rows"]),
            max_bytes=int(settings["max_result_bytes"]),
            base_iri=base_iri,
        )
    )
    response = Response(answer.body, content_type=_with_charset(answer.media_type))
    response.headers.add("Vary", "Accept")  # a fresh response has no Vary to merge with
    if answer.truncated:
        response.headers["X-Coopgraph-Truncated"] = "true"
    return response


def _url_params() -> dict[str, list[str]]:
    """The query string's parameters (a 400 when its raw bytes are not UTF-8)."""
    try:
        return {key: request.args.getlist(key) for key in request.args}
    except UnicodeDecodeError:
        raise ApiError(
            400,
            "Bad Request",
            Text("la cadena de consulta de la URL no es UTF-8 válido", "the query string is not valid UTF-8"),
        ) from None


def description_summary(state: Coopgraph) -> Summary:
    """What the service description counts of the store: counted once per app (a write patches it, see
    `Coopgraph.after_write`; the data holder of `coopgraph serve` saves it with the matching index)."""
    found: Summary | None = state.cache.get(DESCRIPTION_KEY)
    if found is None:
        found = state.cache[DESCRIPTION_KEY] = summary(state.store)
    return found


def restore_description(state: Coopgraph, saved: object) -> None:
    """Take the summary saved with the matching index (counting it scans the whole store: 2.6 s at 100k), if it
    has the fields this code's `Summary` has (the file's code hash covers the matching package, not this one)."""
    if isinstance(saved, Summary) and vars(saved).keys() == {field.name for field in fields(Summary)}:
        state.cache[DESCRIPTION_KEY] = saved


def description_triples(state: Coopgraph) -> list[ox.Triple]:
    """The service description, with a placeholder for the endpoint's IRI."""
    return description(description_summary(state), _PLACEHOLDER)


def _service_description() -> Response:
    """GET /sparql with no parameters: the Service Description with VoID, in a negotiated RDF format."""
    fmt = choose("graph", accept=request.headers.get("Accept"))
    if fmt is None:
        raise ApiError(
            406,
            "Not Acceptable",
            Text(
                f"la descripción del servicio está en {', '.join(offered('graph'))}",
                f"the service description is available as {', '.join(offered('graph'))}",
            ),
        )
    try:
        endpoint = ox.NamedNode(request.base_url)
    except ValueError:
        raise ApiError(
            400, "Bad Request", Text("la cabecera Host no es válida", "the Host header is not valid")
        ) from None
    placeholder = ox.NamedNode(_PLACEHOLDER)
    triples = [
        ox.Triple(
            endpoint if t.subject == placeholder else t.subject,
            t.predicate,
            endpoint if t.object == placeholder else t.object,
        )
        for t in description_triples(coopgraph())
    ]
    assert isinstance(fmt.serializer, ox.RdfFormat)  # a graph format
    body = ox.serialize(triples, format=fmt.serializer, prefixes=PREFIXES)
    response = Response(body, content_type=_with_charset(fmt.media_type))
    response.vary.add("Accept")
    return response


@dataclass(frozen=True)
class Update:
    """The text of a SPARQL Update sent to /sparql (POST only, per the protocol)."""

    text: str


def _read_query(params: dict[str, list[str]]) -> str | Update:
    """The query (or update) text, per the request's method and media type; form parameters join `params`."""
    if request.method == "GET":
        if "update" in params:
            raise _update_by_get()
        return _one_query(params.get("query", []))
    media_type = (request.mimetype or "").lower()
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(
            415,
            "Unsupported Media Type",
            Text(
                f"la solicitud debe ser UTF-8, no {charset[:40]!r}", f"the request must be UTF-8, not {charset[:40]!r}"
            ),
        )
    if media_type == FORM:
        try:
            form = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(
                400, "Bad Request", Text("el formulario no es UTF-8 válido", "the form is not valid UTF-8")
            ) from None
        for key, value in parse_qsl(form, keep_blank_values=True):  # what werkzeug's request.form does
            params.setdefault(key, []).append(value)
        if "update" in params:
            if "query" in params:
                raise _bad(Text("dé 'query' o 'update', no los dos", "give 'query' or 'update', not both"))
            return Update(_one(params["update"], "update"))
        return _one_query(params.get("query", []))
    if media_type in UPDATE_TYPES:
        if "update" in params or "query" in params:
            raise _bad(
                Text(
                    "dé la actualización en el cuerpo o como parámetro, no de las dos formas",
                    "give the update either in the body or as a parameter, not both",
                )
            )
        try:
            return Update(request.get_data(cache=False).decode("utf-8"))
        except UnicodeDecodeError:
            raise _bad(Text("la actualización no es UTF-8 válido", "the update is not valid UTF-8")) from None
    if media_type == DIRECT:
        if "query" in params:
            raise ApiError(
                400,
                "Bad Request",
                Text(
                    "dé la consulta en el cuerpo o como parámetro, no de las dos formas",
                    "give the query either in the body or as a parameter, not both",
                ),
            )
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(
                400, "Bad Request", Text("la consulta no es UTF-8 válido", "the query is not valid UTF-8")
            ) from None
    got = media_type[:100] or "no Content-Type"
    raise ApiError(
        415,
        "Unsupported Media Type",
        Text(
            f"envíe la consulta por POST como {FORM} (query=... o update=...), como {DIRECT} "
            f"o como {UPDATE_TYPES[0]}; se recibió {got}",
            f"POST a query as {FORM} (query=... or update=...), as {DIRECT} or as {UPDATE_TYPES[0]}; got {got}",
        ),
    )


def _update_by_get() -> ApiError:
    return ApiError(
        400,
        "Bad Request",
        Text(
            "una actualización SPARQL se envía por POST (formulario update=… o application/sparql-update), nunca por GET",
            "a SPARQL Update is sent by POST (form update=… or application/sparql-update), never by GET",
        ),
    )


def _bad(message: Text) -> ApiError:
    return ApiError(400, "Bad Request", message)


def _one_query(values: list[str]) -> str:
    return _one(values, "query")


def _one(values: list[str], name: str) -> str:
    if len(values) != 1:
        got = f", got {len(values)}" if values else ""
        raise _bad(
            Text(
                f"se necesita exactamente un parámetro '{name}'" + (f"; hay {len(values)}" if values else ""),
                f"exactly one '{name}' parameter is required" + got,
            )
        )
    return values[0]


def _dataset(params: dict[str, list[str]]) -> tuple[list[str] | None, list[str] | None]:
    """The protocol dataset; each graph must be one the store holds (graphs are never fetched)."""
    default = params.get("default-graph-uri")
    named = params.get("named-graph-uri")
    if default is None and named is None:
        return None, None
    _check_held(coopgraph(), (default or []) + (named or []))
    return default or [], named or []


def _check_held(state: Coopgraph, iris: list[str]) -> None:
    held = set(state.store.graphs())
    unknown = sorted({iri for iri in iris if iri not in held})
    if unknown:
        shown = ", ".join(iri[:200] for iri in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise ApiError(
            400,
            "Unknown graph",
            Text(
                f"el almacén no tiene el grafo {shown} (los grafos nunca se descargan); "
                f"grafos: {', '.join(sorted(held))}",
                f"the store holds no graph {shown} (graphs are never fetched); held graphs: {', '.join(sorted(held))}",
            ),
        )


def _with_charset(media_type: str) -> str:
    textual = media_type.startswith("text/") or media_type.endswith(("json", "xml", "triples", "quads", "trig"))
    return f"{media_type}; charset=utf-8" if textual else media_type
