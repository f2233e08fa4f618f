"""`/api/queries`: the stored queries (queries/*.rq) listed with their headers, and run with typed parameters.

Parameters are validated and bound by `graph.queries` (pyoxigraph
substitutions, never string formatting); the query then takes the same path
as `/sparql` (`coopgraph().run`), so the time limit, the row cap, the
truncation header and every result format apply identically.
"""

from __future__ import annotations

import difflib
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from coopgraph.core.queries import ParameterError, StoredQuery, load_queries
from coopgraph.web.errors import ApiError
from coopgraph.web.executor import QueryRequest
from coopgraph.web.guard import statement_form
from coopgraph.web.sparql import _with_charset
from coopgraph.web.state import coopgraph

bp = Blueprint("queries_api", __name__)
FORMAT_PARAMS = ("format", "output", "results")
"""Reserved: choose the result format (`format` as on /sparql; `output` and `results` are the aliases
SPARQLWrapper sends for other servers); never a stored query's parameter."""
QUERY_PARAM = "query"
"""Reserved: SPARQL protocol clients always send a query; here it may only repeat the stored text."""
FORM = "application/x-www-form-urlencoded"
_CACHE_KEY = "stored queries"
_FORMS_KEY = "stored query forms"


def stored_queries() -> dict[str, StoredQuery]:
    """Every shipped stored query by name (read once per app)."""
    cache = coopgraph().cache
    if _CACHE_KEY not in cache:
        cache[_CACHE_KEY] = load_queries()
    queries: dict[str, StoredQuery] = cache[_CACHE_KEY]
    return queries


def query_form(query: StoredQuery) -> str:
    """The query form (select, ask, construct, describe), as the SPARQL parser reads it (once per app)."""
    forms: dict[str, str] = coopgraph().cache.setdefault(_FORMS_KEY, {})
    if query.name not in forms:
        forms[query.name] = statement_form(query.text)
    return forms[query.name]


def describe_query(query: StoredQuery) -> dict[str, Any]:
    """The JSON description of one stored query."""
    return {
        "name": query.name,
        "title": dict(query.title),
        "description": dict(query.description),
        "kind": query_form(query),
        "category": query.kind,
        "tags": list(query.tags),
        "parameters": [
            {
                "name": param.name,
                "type": param.type,
                "default": param.default,
                "required": param.required,
                "description": _bilingual(param.label),
                "allowed": list(param.enum),
            }
            for param in query.params
        ],
        "url": url_for("queries_api.run_query", name=query.name),
        "text_url": url_for("queries_api.query_text", name=query.name),
        "query": query.text,
    }


@bp.route("/api/queries")
def list_queries() -> Response:
    """Every stored query: competency questions first, then the data checks (`category: violation`)."""
    queries = sorted(stored_queries().values(), key=lambda q: (q.kind != "competency", q.name))
    return jsonify({"queries": [describe_query(query) for query in queries]})


@bp.route("/api/queries/<name>", methods=["GET", "POST"])
def run_query(name: str) -> Response:
    """Run a stored query with the request's parameters, in the negotiated format (Accept or `format=`)."""
    query = _find(name)
    values, formats = _read_parameters()
    _check_query_text(query, values.pop(QUERY_PARAM, None))
    try:
        substitutions = query.bind(values)
    except ParameterError as error:
        raise ApiError(
            400, "Bad parameter", str(error), query=query.name, parameters=[p.name for p in query.params]
        ) from None
    state = coopgraph()
    answer = state.run(
        QueryRequest(
            query.text,
            accept=request.headers.get("Accept"),
            formats=formats,
            max_rows=int(state.settings["max_rows"]),
            max_bytes=int(state.settings["max_result_bytes"]),
            substitutions=substitutions,
        )
    )
    response = Response(answer.body, content_type=_with_charset(answer.media_type))
    response.vary.add("Accept")
    if answer.truncated:
        response.headers["X-Coopgraph-Truncated"] = "true"
    return response


@bp.get("/api/queries/<name>/text")
def query_text(name: str) -> Response:
    """The stored query's text with the request's parameter values written in as a VALUES block (the page's editor).

    `{"name", "parameters": {name: value}, "values": the VALUES block, "query": text}`: the text runs as it is at /sparql, or anywhere,
    with the answer the stored query gives for those values, and keeps its parameters when edited.
    """
    query = _find(name)
    values, formats = _read_parameters()
    if formats or QUERY_PARAM in values:
        raise ApiError(
            400, "Bad parameter", "give only the stored query's parameters", parameters=[p.name for p in query.params]
        )
    try:
        text, block = query.with_values(values), query.values_block(values)
    except ParameterError as error:
        raise ApiError(
            400, "Bad parameter", str(error), query=query.name, parameters=[p.name for p in query.params]
        ) from None
    used = {param.name: values.get(param.name, param.default) for param in query.params}
    return jsonify({"name": query.name, "parameters": used, "values": block, "query": text})


def _find(name: str) -> StoredQuery:
    """The stored query `name`, or a 404 naming the closest ones."""
    queries = stored_queries()
    if name in queries:
        return queries[name]
    lowered = name.lower()
    close = [known for known in queries if lowered and (lowered in known or known in lowered)]
    close += [
        known for known in difflib.get_close_matches(lowered, list(queries), n=5, cutoff=0.5) if known not in close
    ]
    close = close[:5]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ApiError(
        404,
        "Unknown query",
        f"there is no stored query {name!r}{hint} (every stored query is listed at "
        f"{url_for('queries_api.list_queries')})",
        suggestions=close,
    )


def _read_parameters() -> tuple[dict[str, str], tuple[str, ...]]:
    """Query parameters from the URL (and a form body on POST), one value each; plus the `format` values."""
    sources = [request.args]
    if request.method == "POST":
        media_type = (request.mimetype or "").lower()
        if media_type == FORM:
            sources.append(request.form)
        elif media_type or request.content_length:
            raise ApiError(
                415, "Unsupported Media Type", f"POST the parameters as {FORM}; got {media_type or 'no Content-Type'}"
            )
    collected: dict[str, list[str]] = {}
    for source in sources:
        for key in source:
            collected.setdefault(key, []).extend(source.getlist(key))
    formats = tuple(value for key in FORMAT_PARAMS for value in collected.pop(key, []))
    repeated = sorted(key for key, items in collected.items() if len(items) > 1)
    if repeated:
        raise ApiError(400, "Bad parameter", f"give each parameter once; repeated: {', '.join(repeated)}")
    return {key: items[0] for key, items in collected.items()}, formats


def _check_query_text(query: StoredQuery, text: str | None) -> None:
    """A `query` parameter (SPARQLWrapper always sends one) must be the stored text: other text runs at /sparql."""
    if text is not None and text.strip() != query.text.strip():
        raise ApiError(
            400,
            "Bad parameter",
            f"{url_for('queries_api.run_query', name=query.name)} runs the stored query {query.name!r} only; "
            f"leave out the 'query' parameter (or send the stored text), and run other queries at "
            f"{url_for('sparql.sparql')}",
        )


def _bilingual(label: str) -> dict[str, str]:
    """A parameter label `"Español / English"` as {es, en}; one text serves both when it is not split."""
    parts = [part.strip() for part in label.split(" / ")]
    if len(parts) == 2 and all(parts):
        return {"es": parts[0], "en": parts[1]}
    return {"es": label, "en": label}
