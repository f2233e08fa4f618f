"""`/`: the SPARQL query page (editor, stored queries, results table, downloads), Spanish first, offline."""

from __future__ import annotations

from flask import Blueprint, Response, request

from coopgraph.core.vocab import PREFIXES, Text, sparql_prefixes
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
        "Consulta modificada: se ejecuta tal como está en el editor, con los valores de su bloque VALUES.",
        "Query edited: it runs as written in the editor, with the values of its VALUES block.",
    ),
    "params_not_in_text": Text(
        "El bloque VALUES ya no está en la consulta: cambie los valores en el texto.",
        "The VALUES block is no longer in the query: change the values in the text.",
    ),
    "default": Text("por defecto: {value}", "default: {value}"),
    "list_failed": Text(
        "No se pudo cargar la lista de consultas guardadas: {message}",
        "Could not load the stored queries: {message}",
    ),
    "unknown_name": Text("No existe la consulta guardada «{name}».", "There is no stored query '{name}'."),
    "empty": Text("Escriba una consulta.", "Write a query."),
    "editor_label": Text("Consulta SPARQL", "SPARQL query"),
    "declare": Text("Añade también «PREFIX {prefix} …» si falta", "Also adds “PREFIX {prefix} …” if missing"),
    # results: paging and sorting
    "page_info": Text("Filas {from} a {to} de {count}", "Rows {from} to {to} of {count}"),
    "sort_by": Text("Ordenar por {column}", "Sort by {column}"),
    # history
    "history_empty": Text("Aún no ha ejecutado ninguna consulta.", "You have not run any query yet."),
    "history_count": Text("({count})", "({count})"),
    "history_restore": Text("Volver a esta consulta", "Back to this query"),
    # errors: titles by the service's English title, then by HTTP status
    "title:SPARQL syntax error": Text("Error de sintaxis SPARQL", "SPARQL syntax error"),
    "title:Refused": Text("Consulta rechazada", "Query refused"),
    "title:Query timeout": Text("Tiempo agotado", "Query timeout"),
    "title:Query evaluation failed": Text("La consulta falló al evaluarse", "Query evaluation failed"),
    "title:Bad parameter": Text("Parámetro incorrecto", "Bad parameter"),
    "title:Bad Request": Text("Solicitud incorrecta", "Bad request"),
    "title:Unknown graph": Text("Grafo desconocido", "Unknown graph"),
    "title:Unknown query": Text("Pregunta desconocida", "Unknown question"),
    "title:Not Acceptable": Text("Formato no disponible", "Format not available"),
    "title:Request Entity Too Large": Text("Consulta demasiado grande", "Query too large"),
    "title:Payload Too Large": Text("Consulta demasiado grande", "Query too large"),
    "title:Unsupported Media Type": Text("Tipo de contenido no admitido", "Unsupported media type"),
    "title:Service Unavailable": Text("Servicio no disponible", "Service unavailable"),
    "title:Too Many Requests": Text("Demasiadas consultas", "Too many requests"),
    "title:Internal Server Error": Text("Error del servidor", "Server error"),
    "status:400": Text("Consulta incorrecta", "Bad query"),
    "status:404": Text("No encontrado", "Not found"),
    "status:413": Text("Consulta demasiado grande", "Query too large"),
    "status:429": Text("Demasiadas consultas", "Too many requests"),
    "status:500": Text("Error del servidor", "Server error"),
    "status:503": Text("Servicio no disponible", "Service unavailable"),
    # errors: the parser's messages, read
    "undeclared_prefix": Text(
        "El prefijo «{prefix}» no está declarado: añada al principio «PREFIX {prefix} <…>».",
        "The prefix “{prefix}” is not declared: add “PREFIX {prefix} <…>” at the top.",
    ),
    "add_prefix": Text("Añadir PREFIX {prefix} <{iri}>", "Add PREFIX {prefix} <{iri}>"),
    "bad_form": Text(
        "Una consulta empieza (tras sus PREFIX) por SELECT, ASK, CONSTRUCT o DESCRIBE; «{word}» no es ninguna.",
        "A query starts (after its PREFIX lines) with SELECT, ASK, CONSTRUCT or DESCRIBE; “{word}” is none of them.",
    ),
    "did_you_mean": Text("¿Quiso decir {word}?", "Did you mean {word}?"),
    "unexpected_end": Text(
        "La consulta termina antes de tiempo: falta cerrar un grupo con «}» o un paréntesis.",
        "The query ends too early: a group needs its closing “}” or a parenthesis is missing.",
    ),
    "unexpected_here": Text(
        "Aquí no se esperaba «{found}».",
        "“{found}” was not expected here.",
    ),
    "expected": Text("Se esperaba: {tokens}.", "Expected: {tokens}."),
    "unbound_select": Text(
        "La SELECT usa una variable que no está ligada (con GROUP BY, proyecte solo variables agrupadas o agregados).",
        "The SELECT uses a variable that is not bound (with GROUP BY, project only grouped variables or aggregates).",
    ),
    "parser_said": Text("Mensaje del analizador", "The parser's message"),
    "refused_service": Text(
        "SERVICE no está permitido: este servicio no consulta otros sitios.",
        "SERVICE is refused: this service makes no requests to other sites.",
    ),
    "refused_update": Text(
        "Esta página solo consulta: las actualizaciones (INSERT, DELETE…) se envían con un token de escritura "
        "(POST update=… o la página /register); LOAD nunca.",
        "This page only queries: updates (INSERT, DELETE…) are sent with a write token "
        "(POST update=… or the /register page); LOAD never.",
    ),
    "refused_from": Text(
        "FROM y FROM NAMED no están permitidos: el servicio consulta solo sus propios grafos.",
        "FROM and FROM NAMED are refused: the service queries only its own graphs.",
    ),
    "timeout": Text(
        "La consulta tardó más que el límite del servicio. Afínela (LIMIT, FILTER) e inténtelo de nuevo.",
        "The query ran past the service's time limit. Narrow it (LIMIT, FILTER) and try again.",
    ),
}
"""Texts the page's script shows, (Spanish, English)."""


PAGE_SIZES = (50, 100, 500)
PAGE_SIZE = 100
"""Result rows drawn at once: a `SELECT *` of 10,000 rows draws one page, not 10,000 table rows."""


@bp.route("/")
def query() -> Response:
    """The query page; `?query=` prefills the editor and runs it; `?name=` (with the stored query's parameters by
    name, `param-lang` for its `lang`) selects a stored question and runs it."""
    given = request.args.get("query", "")
    name = request.args.get("name", "")
    return render_page(
        "query.html",
        strings=STRINGS,
        editor_text=given or EXAMPLE[page_lang()],
        autorun=bool(given.strip() or name.strip()),
        stored_name=name,
        prefixes=PREFIXES,
        page_sizes=PAGE_SIZES,
        page_size=PAGE_SIZE,
    )
