"""The write endpoints: SPARQL Update on /sparql, the Graph Store Protocol on /data, history and revert.

Reads stay public; a write needs `Authorization: Bearer TOKEN` (a token of
`coopgraph token add`): none, unknown or revoked → 401 with
`WWW-Authenticate`; no token exists at all → 403 (writes are off); out of
the token's province → 403. Every write then runs the same way
(coopgraph/core/writes): the operation on this process's store, the gate
(403 for a protected graph or another province's record, 422 with the SHACL
report), the audit record, and the commit: here, when the app runs alone
(tests, `create_app`), or in the front of `coopgraph serve`, which receives
the prepared change from this worker, commits it through its journal, makes
every process see it, and answers the client (409 when a write committed
since this worker's copy changed the same resources).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, request

from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import Text
from coopgraph.core.writes.audit import RevertError, history, revert_delta
from coopgraph.core.writes.delta import Delta, change
from coopgraph.core.writes.gate import PROTECTED, Refusal
from coopgraph.core.writes.graph_store import (
    BodyError,
    Target,
    drop_graph,
    graph_quads,
    merge_graph,
    read_body,
    replace_graph,
)
from coopgraph.core.writes.plan import Plan
from coopgraph.core.writes.remote import DEFAULT_GRAPH_WRITE, Seeds, Unsupported, revert_seeds, update_seeds
from coopgraph.core.writes.tokens import Token, TokenError
from coopgraph.core.writes.update import UpdateRefused, run_update
from coopgraph.web.errors import ApiError, client_language, error_document
from coopgraph.web.guard import check_update
from coopgraph.web.headers import COMMIT_HEADER
from coopgraph.web.negotiation import choose, offered
from coopgraph.web.state import Coopgraph, coopgraph

bp = Blueprint("writes", __name__)
REPORT_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
"""Media types a client may ask for to get a refused write's `sh:ValidationReport` as RDF."""


# --- who writes ---------------------------------------------------------------------------------------------------


def authorise(state: Coopgraph) -> Token:
    """The token of this request (ApiError 401 or 403 otherwise)."""
    try:
        active = state.tokens.any_active()
    except TokenError as error:
        raise ApiError(
            503, "Service Unavailable", Text(f"tokens ilegibles: {error}", f"unreadable tokens: {error}")
        ) from None
    if not active:
        raise ApiError(
            403,
            "Forbidden",
            Text(
                "las escrituras están desactivadas: no hay ningún token (coopgraph token add NOMBRE --scope all)",
                "writes are off: no token exists (coopgraph token add NAME --scope all)",
            ),
        )
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorised(
            Text(
                "esta operación escribe: envíe Authorization: Bearer TOKEN",
                "this operation writes: send Authorization: Bearer TOKEN",
            ),
            'Bearer realm="coopgraph"',
        )
    token = state.tokens.verify(secret.strip())
    if token is None:
        raise _unauthorised(
            Text("token desconocido o revocado", "unknown or revoked token"),
            'Bearer realm="coopgraph", error="invalid_token"',
        )
    return token


def _unauthorised(message: Text, challenge: str) -> ApiError:
    error = ApiError(401, "Unauthorized", message)
    error.headers["WWW-Authenticate"] = challenge
    return error


def _lang() -> str:
    return client_language(request.headers.get("Accept-Language")) or "en"


# --- one write, start to end --------------------------------------------------------------------------------------


def write(
    operation: Callable[[ox.Store], Delta],
    *,
    name: str,
    status: int = 200,
    reverts: str | None = None,
    seeds: Callable[[], Seeds] | None = None,
) -> Response:
    """Authorise, prepare (operation + gate + audit), commit or hand to the front; the client's answer.

    `seeds` says what the write reads, for a store on a SPARQL engine (coopgraph/core/writes/remote.py).
    """
    state = coopgraph()
    token = authorise(state)
    if state.served:  # the front commits, one write at a time
        return _write(state, token, operation, name=name, status=status, reverts=reverts, seeds=seeds)
    with state.serial:
        return _write(state, token, operation, name=name, status=status, reverts=reverts, seeds=seeds)


def _write(
    state: Coopgraph,
    token: Token,
    operation: Callable[[ox.Store], Delta],
    *,
    name: str,
    status: int,
    reverts: str | None,
    seeds: Callable[[], Seeds] | None,
) -> Response:
    try:
        what = seeds() if seeds is not None and not isinstance(state.store, OxigraphStore) else None
        plan = state.prepare(
            operation, seeds=what, who=token.name, scope=token.scope, name=name, lang=_lang(), reverts=reverts
        )
    except Refusal as refusal:
        return _refused(refusal)
    except Unsupported as error:
        raise ApiError(501, "Not Implemented", error.text) from None
    summary = _summary(plan)
    if not plan.changed:
        return _json(summary, 200)
    if state.served:
        return _forward(plan, summary, status)
    state.commit(plan)
    return _json(summary, status)


def _summary(plan: Plan) -> dict[str, Any]:
    changed = plan.changed
    return {
        "write": plan.write_id if changed else None,
        "added": len(changed.added),
        "removed": len(changed.removed),
        "graphs": sorted(graph or "(default)" for graph in changed.graphs()),
    }


def _json(document: dict[str, Any], status: int) -> Response:
    response = jsonify(document)
    response.status_code = status
    return response


def _forward(plan: Plan, summary: dict[str, Any], status: int) -> Response:
    """The prepared write, for the front (coopgraph/web/front.py) to commit and answer."""
    added, removed = plan.delta.to_nquads()
    document = {
        "base": plan.base,
        "added": added,
        "removed": removed,
        "subjects": sorted(plan.changed.subjects()),
        "status": status,
        "body": summary,
    }
    response = Response(json.dumps(document, ensure_ascii=False), content_type="application/json")
    response.headers[COMMIT_HEADER] = "1"
    return response


def _refused(refusal: Refusal) -> Response:
    lang = _lang()
    if refusal.report is not None:
        wanted = request.accept_mimetypes.best_match(["application/json", *REPORT_TYPES], default="application/json")
        if wanted in REPORT_TYPES:
            fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}.get(
                wanted, "xml"
            )
            body = refusal.report.to_rdf().serialize(format=fmt)
            return Response(body, status=refusal.status, content_type=f"{wanted}; charset=utf-8")
    document = error_document(
        refusal.status,
        refusal.title,
        refusal.message(lang),
        message_es=refusal.message.es,
        message_en=refusal.message.en,
    )
    if refusal.report is not None:
        document["error"]["report"] = refusal.report.as_dict()
        document["error"]["report_text"] = refusal.report.text(lang)
    return _json(document, refusal.status)


# --- SPARQL Update (called by /sparql) ----------------------------------------------------------------------------


def sparql_update(text: str, params: dict[str, list[str]]) -> Response:
    """Run a SPARQL Update text sent to /sparql, with the protocol's using-graph-uri / using-named-graph-uri."""
    state = coopgraph()
    authorise(state)
    settings = state.settings
    limits = {"max_bytes": int(settings["max_query_bytes"]), "max_depth": int(settings["max_query_depth"])}
    tree = check_update(text, **limits)
    using, named = params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
    for iri in using + named:
        _graph_name(iri)

    def operation(store: ox.Store) -> Delta:
        try:
            return run_update(store, tree, base_iri=request.base_url, using=using, using_named=named, hidden=PROTECTED)
        except UpdateRefused as error:
            raise ApiError(400, "Bad Request", Text(f"actualización rechazada: {error}", str(error))) from None

    return write(
        operation,
        name="SPARQL Update",
        seeds=lambda: update_seeds(check_update(text, **limits), base_iri=request.base_url),
    )


# --- the Graph Store Protocol ---------------------------------------------------------------------------------------


@bp.route("/data", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    """GET/HEAD read a graph (public); PUT replaces, POST merges, DELETE drops one (a token is needed)."""
    target = _target()
    state = coopgraph()
    if request.method in ("GET", "HEAD"):
        return _read_graph(state, target)
    authorise(state)
    if request.method == "DELETE":
        if not _exists(state, target):
            raise _no_graph(target)
        return write(lambda store: drop_graph(store, target), name="Graph Store DELETE", seeds=lambda: _seeds(target))
    quads = _body_quads(target)
    existed = _exists(state, target)
    if request.method == "PUT":
        return write(
            lambda store: replace_graph(store, target, quads),
            name="Graph Store PUT",
            status=200 if existed else 201,
            seeds=lambda: _seeds(target, quads),
        )
    return write(
        lambda store: merge_graph(store, target, quads),
        name="Graph Store POST",
        status=200 if existed else 201,
        seeds=lambda: _seeds(target, quads),
    )


def _seeds(target: Target, quads: list[ox.Quad] | None = None) -> Seeds:
    """What a Graph Store write reads on a SPARQL engine: the graph, and what the body names."""
    if not isinstance(target, ox.NamedNode):
        raise Unsupported(DEFAULT_GRAPH_WRITE)
    seeds = Seeds(graphs={target.value})
    seeds.add_quads(quads or [])
    return seeds


def _target() -> Target:
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if default == bool(graphs) or len(graphs) > 1:
        raise ApiError(
            400,
            "Bad Request",
            Text(
                "nombre un grafo: ?graph=IRI o ?default (uno solo)",
                "name one graph: ?graph=IRI or ?default (exactly one)",
            ),
        )
    return ox.DefaultGraph() if default else _graph_name(graphs[0])


def _graph_name(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise ApiError(
            400, "Bad Request", Text(f"IRI de grafo no válido: {iri[:200]!r}", f"not a valid graph IRI: {iri[:200]!r}")
        ) from None


def _exists(state: Coopgraph, target: Target) -> bool:
    """The default graph always exists; a named graph while it holds a quad."""
    if isinstance(target, ox.DefaultGraph):
        return True
    if not isinstance(state.store, OxigraphStore):
        return state.store.count(target.value) > 0
    return any(True for _ in state.store.oxigraph.quads_for_pattern(None, None, None, target))


def _no_graph(target: Target) -> ApiError:
    name = target.value if isinstance(target, ox.NamedNode) else "(default)"
    return ApiError(404, "Not Found", Text(f"el almacén no tiene el grafo {name}", f"the store holds no graph {name}"))


def _read_graph(state: Coopgraph, target: Target) -> Response:
    if not _exists(state, target):
        raise _no_graph(target)
    fmt = choose("graph", accept=request.headers.get("Accept"), format=request.args.get("format"))
    if fmt is None:
        raise ApiError(
            406,
            "Not Acceptable",
            Text(
                f"el grafo se ofrece en {', '.join(offered('graph'))}",
                f"graphs are offered as {', '.join(offered('graph'))}",
            ),
        )
    assert isinstance(fmt.serializer, ox.RdfFormat)
    body = ox.serialize(_triples(state, target), format=fmt.serializer) or b""
    limit = int(state.settings["max_result_bytes"])
    if len(body) > limit:
        raise ApiError(
            400,
            "Graph too large",
            Text(
                f"el grafo ocupa {len(body)} bytes, más que el máximo de una respuesta ({limit}); "
                "léalo por partes con SPARQL (CONSTRUCT … LIMIT) o con coopgraph export",
                f"the graph takes {len(body)} bytes, more than a response's limit ({limit}); "
                "read it in parts with SPARQL (CONSTRUCT … LIMIT) or with coopgraph export",
            ),
        )
    response = Response(body, content_type=f"{fmt.media_type}; charset=utf-8")
    response.vary.add("Accept")
    return response


def _triples(state: Coopgraph, target: Target) -> list[ox.Triple]:
    """The triples of one graph (from a SPARQL engine: its named graphs only, its default graph being their
    union)."""
    if isinstance(state.store, OxigraphStore):
        quads = graph_quads(state.store.oxigraph, target)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    if isinstance(target, ox.DefaultGraph):
        raise ApiError(
            501,
            "Not Implemented",
            Text(
                "el grafo por omisión de un motor SPARQL es la unión de sus grafos: pida un grafo con ?graph=IRI",
                "a SPARQL engine's default graph is the union of its graphs: ask for one with ?graph=IRI",
            ),
        )
    data = state.store.dump(graph=target.value, format="ntriples")
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _body_quads(target: Target) -> list[ox.Quad]:
    base = target.value if isinstance(target, ox.NamedNode) else request.base_url
    try:
        return read_body(request.get_data(cache=False), (request.mimetype or "").lower(), target, base_iri=base)
    except BodyError as error:
        title = "Unsupported Media Type" if error.status == 415 else "Bad Request"
        raise ApiError(error.status, title, Text(f"cuerpo no aceptado: {error}", str(error))) from None


# --- history and revert -------------------------------------------------------------------------------------------


@bp.get("/api/writes")
def writes_history() -> Response:
    """The audited writes, newest first (public, like the audit graph they come from)."""
    store = coopgraph().store
    records = history(store.oxigraph if isinstance(store, OxigraphStore) else store)
    return jsonify({"writes": [record.__dict__ for record in records]})


@bp.post("/api/writes/<write_id>/revert")
def revert(write_id: str) -> Response:
    """Undo an audited write (itself a write: authorised, gated, audited)."""

    def operation(store: ox.Store) -> Delta:
        try:
            undo = revert_delta(store, write_id)
        except RevertError as error:
            status = 404 if "no write" in str(error) else 409
            raise ApiError(status, "Not Found" if status == 404 else "Conflict", Text(str(error), str(error))) from None
        return change(store, remove=undo.removed, add=undo.added)

    return write(operation, name="Revert", reverts=write_id, seeds=lambda: revert_seeds(coopgraph().store, write_id))
