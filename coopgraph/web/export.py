"""`/api/export` (the network of a selection in one of nine formats) and `/api/resource` (one node's facts).

Empty parameters count as absent (`focus=&kind=`). `kind` may repeat or be
comma-separated. A stored query's own parameters are passed by name
(`query=partners-by-sector&sector=...`); any other parameter is a 400. The
projection stops past the export node cap (the `max_export_nodes` setting
when the service has one, else `max_rows`) with a 400 saying so.
"""

from __future__ import annotations

import itertools
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from coopgraph.core import export
from coopgraph.core.export import ExportError, RendererMissing, RenderFailed, RenderTimeout
from coopgraph.core.projection import (
    MAX_RADIUS,
    Selection,
    SelectionError,
    SelectionTooLarge,
    UnknownResource,
    project,
    stored_query,
)
from coopgraph.core.resource_view import MAX_LINKS, describe_resource
from coopgraph.core.vocab import LANGS
from coopgraph.web.errors import ApiError
from coopgraph.web.state import coopgraph

bp = Blueprint("export", __name__)
EXPORT_PARAMS = ("format", "focus", "radius", "kind", "query", "lang")
RESOURCE_PARAMS = ("iri", "lang")


@bp.get("/api/export")
def export_view() -> Response:
    """The selected network as a download: `Content-Disposition: attachment; filename=coopgraph-<selection>.<ext>`."""
    fmt = _format(_arg("format"))
    lang = _lang()
    selection = _selection()
    state = coopgraph()
    cap = int(state.settings.get("max_export_nodes") or state.settings["max_rows"])
    graph = _project(lambda: project(state.store, selection, lang=lang, max_nodes=cap))
    stream = export.chunks(graph, fmt.name, store=state.store)
    try:
        first = next(stream, b"")  # errors of the writer (Graphviz missing...) surface before the response starts
    except ExportError as error:
        raise _export_error(error) from None
    media_type = fmt.media_type
    if media_type.startswith("text/") or media_type.endswith("xml"):
        media_type += "; charset=utf-8"
    response = Response(itertools.chain([first], stream), content_type=media_type)
    response.headers["Content-Disposition"] = f"attachment; filename={export.filename(selection.slug, fmt.name)}"
    response.headers["X-Coopgraph-Nodes"] = str(graph.number_of_nodes())
    response.headers["X-Coopgraph-Edges"] = str(graph.number_of_edges())
    return response


@bp.get("/api/resource")
def resource_view() -> Response:
    """One resource's facts, links and sources for the explorer's side panel; an open demand's `match_url`."""
    _refuse_unknown(RESOURCE_PARAMS)
    iri = _arg("iri")
    if not iri:
        raise ApiError(400, "Bad Request", "the 'iri' parameter is required")
    lang = _lang()
    state = coopgraph()
    max_links = min(MAX_LINKS, int(state.settings["max_rows"]))
    body = _project(lambda: describe_resource(state.store, iri, lang=lang, max_links=max_links))
    params = body.get("demand_match")
    if params and "match.page" in current_app.view_functions:  # one click from an open demand to its partners
        body["match_url"] = url_for("match.page", **{k: v for k, v in params.items() if v}, lang=lang)
    return jsonify(body)


def _arg(name: str) -> str:
    """One parameter's value ('' when absent or empty); a repeated single-valued parameter is a 400."""
    values = [value.strip() for value in request.args.getlist(name) if value.strip()]
    if len(values) > 1:
        raise ApiError(400, "Bad Request", f"give the '{name}' parameter once, not {len(values)} times")
    return values[0] if values else ""


def _lang() -> str:
    lang = _arg("lang") or "es"
    if lang not in LANGS:
        raise ApiError(400, "Bad Request", f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")
    return lang


def _format(name: str) -> export.Format:
    if not name:
        raise ApiError(
            400,
            "Bad Request",
            f"the 'format' parameter is required; valid formats: {', '.join(export.FORMATS)}",
            formats=list(export.FORMATS),
        )
    if name not in export.FORMATS:
        raise ApiError(
            400,
            "Unknown format",
            f"unknown format {name!r}; valid formats: {', '.join(export.FORMATS)}",
            formats=list(export.FORMATS),
        )
    return export.FORMATS[name]


def _selection() -> Selection:
    """The selection from the query string; a 400 for anything malformed or unknown."""
    query = _arg("query") or None
    params = _query_params(query)
    _refuse_unknown(EXPORT_PARAMS + tuple(params))
    kinds = tuple(
        dict.fromkeys(
            part.strip() for value in request.args.getlist("kind") for part in value.split(",") if part.strip()
        )
    )
    radius_text = _arg("radius")
    try:
        radius = int(radius_text) if radius_text else 1
    except ValueError:
        raise ApiError(
            400, "Bad selection", f"radius must be an integer from 0 to {MAX_RADIUS}, not {radius_text!r}"
        ) from None
    selection = Selection(kinds=kinds, focus=_arg("focus") or None, radius=radius, query=query, params=params)
    _project(selection.check)
    return selection


def _query_params(query: str | None) -> dict[str, str]:
    """The request's values for the stored query's own parameters (`lang` stays the export's language)."""
    if query is None:
        return {}
    stored = _project(lambda: stored_query(query))
    names = [p.name for p in stored.params if p.name not in EXPORT_PARAMS]
    return {name: _arg(name) for name in names if _arg(name)}


def _refuse_unknown(known: tuple[str, ...]) -> None:
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise ApiError(400, "Bad Request", f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(known)}")


def _project(action: Any) -> Any:
    """Run a projection step, turning its errors into the service's 4xx."""
    try:
        return action()
    except UnknownResource as error:
        raise ApiError(404, "Unknown resource", str(error), iri=error.iri) from None
    except SelectionTooLarge as error:
        raise ApiError(400, "Selection too large", str(error), nodes=error.nodes, limit=error.limit) from None
    except SelectionError as error:
        raise ApiError(400, "Bad selection", str(error)) from None


def _export_error(error: ExportError) -> ApiError:
    if isinstance(error, RendererMissing | RenderTimeout | RenderFailed):
        return ApiError(503, "Renderer unavailable", str(error))
    return ApiError(400, "Cannot export", str(error))
