"""`/`: the SPARQL query page (editor, stored queries, results table, downloads), Spanish first, offline."""

from __future__ import annotations

from flask import Blueprint, Response, request

from coopgraph.core.vocab import Text, sparql_prefixes
from coopgraph.web.ui import page_lang, render_page

bp = Blueprint("pages", __name__)

EXAMPLE = {
    lang: sparql_prefixes("cg", "cgr", "rdfs", "skos")
    + f"""
# {comment}
SELECT ?code ?province ?gad ?label WHERE {{
  ?gad a cg:SubnationalGovernment ;
       cg:governmentLevel cgr:nivel-provincial ;
       cg:governs ?province ;
       rdfs:label ?label .
  ?province skos:notation ?code .
  FILTER(lang(?label) = "{lang}")
}}
ORDER BY ?code
"""
    for lang, comment in (
        ("es", "Los GAD provinciales del Ecuador y la provincia que gobierna cada uno"),
        ("en", "Ecuador's provincial governments and the province each one governs"),
    )
}
"""The editor's starting query, in the page language: every provincial government (GAD) and its province."""

STRINGS: dict[str, Text] = {
    "own": Text("— Escribir mi propia consulta —", "— Write my own query —"),
    "questions": Text("Preguntas", "Questions"),
    "checks": Text("Controles de datos (no deben dar filas)", "Data checks (must return no rows)"),
    "running": Text("Ejecutando…", "Running…"),
    "rows": Text("{count} filas · {ms} ms", "{count} rows · {ms} ms"),
    "one_row": Text("1 fila · {ms} ms", "1 row · {ms} ms"),
    "graph": Text("Grafo RDF (Turtle) · {ms} ms", "RDF graph (Turtle) · {ms} ms"),
    "boolean": Text("Respuesta: {value} · {ms} ms", "Answer: {value} · {ms} ms"),
    "true": Text("sí (true)", "yes (true)"),
    "false": Text("no (false)", "no (false)"),
    "no_rows": Text("La consulta no devolvió filas.", "The query returned no rows."),
    "truncated": Text(
        "Resultado truncado: el servicio devuelve como máximo {max} filas. Afine la consulta (LIMIT, FILTER).",
        "Truncated result: the service returns at most {max} rows. Narrow the query (LIMIT, FILTER).",
    ),
    "truncated_plain": Text(
        "Resultado truncado por el límite de filas del servicio.",
        "Result truncated by the service's row limit.",
    ),
    "error_at": Text("{title} (línea {line}, columna {column})", "{title} (line {line}, column {column})"),
    "error": Text("Error", "Error"),
    "network_error": Text("No se pudo contactar con el servicio: {message}", "Could not reach the service: {message}"),
    "download": Text("Descargar:", "Download:"),
    "edited": Text(
        "Consulta modificada: se ejecutará tal como está en el editor, sin los parámetros.",
        "Query edited: it will run as written in the editor, without the parameters.",
    ),
    "default": Text("por defecto: {value}", "default: {value}"),
    "list_failed": Text(
        "No se pudo cargar la lista de consultas guardadas: {message}",
        "Could not load the stored queries: {message}",
    ),
    "unknown_name": Text("No existe la consulta guardada «{name}».", "There is no stored query '{name}'."),
    "empty": Text("Escriba una consulta.", "Write a query."),
}
"""Texts the page's script shows, (Spanish, English)."""


@bp.route("/")
def query() -> Response:
    """The query page; `?query=` prefills the editor and runs it, `?name=` selects a stored query."""
    given = request.args.get("query", "")
    return render_page(
        "query.html",
        strings=STRINGS,
        editor_text=given or EXAMPLE[page_lang()],
        autorun=bool(given.strip()),
        stored_name=request.args.get("name", ""),
    )
