"""Errors as JSON (never an HTML page, never a traceback): the service's one error shape, in the client's language.

Flask is imported only by the functions that answer through it: the front of
`coopgraph serve` (coopgraph/web/front.py), which is no Flask app, uses the
rest, and starts sooner without it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from coopgraph.core.store import EngineError, EngineTimeout, EngineUnavailable
from coopgraph.core.vocab import LANGS, Text

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client caused (or a limit it hit): status, short title, readable message, details.

    A bilingual message (`Text`) is answered in the client's language (`message`, see `client_language`),
    with both texts in `message_es` and `message_en`.
    """

    def __init__(self, status: int, title: str, message: str | Text, **details: Any) -> None:
        text = message if isinstance(message, Text) else None
        if text is not None:
            details.setdefault("message_es", text.es)
            details.setdefault("message_en", text.en)
        english = text.en if text is not None else str(message)
        super().__init__(english)
        self.status, self.title, self.message, self.details, self.text = status, title, english, details, text
        self.headers: dict[str, str] = {}
        """Headers the error response carries (WWW-Authenticate for a 401)."""

    def message_in(self, lang: str | None) -> str:
        """The message in `lang` (es, en) when it has both; English otherwise."""
        return self.text(lang) if self.text is not None and lang is not None else self.message


def client_language(accept_language: str | None) -> str | None:
    """es or en, whichever the Accept-Language header prefers (by q-value, then order); None if it names neither."""
    best, best_q = None, 0.0
    for part in (accept_language or "")[:1000].split(",")[:32]:
        tag, *params = (piece.strip() for piece in part.split(";"))
        primary = tag.lower().split("-")[0]
        if primary not in LANGS:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > best_q:
            best, best_q = primary, quality
    return best


def error_document(status: int, title: str, message: str, **details: Any) -> dict[str, Any]:
    """`{"error": {"status", "title", "message", ...details}}`: the one error shape."""
    body = {"status": status, "title": title, "message": message}
    body.update({key: value for key, value in details.items() if value is not None})
    return {"error": body}


def error_response(status: int, title: str, message: str, **details: Any) -> Response:
    """The error document as a JSON response with that status."""
    from flask import jsonify

    response = jsonify(error_document(status, title, message, **details))
    response.status_code = status
    return response


HTTP_TEXTS: dict[int, Text] = {
    400: Text("la solicitud está mal formada", "the request is malformed"),
    404: Text("esta ruta no existe en el servicio", "the service has no such path"),
    405: Text(
        "este método no se admite en esta ruta (ver la cabecera Allow)",
        "this method is not allowed here (see the Allow header)",
    ),
    413: Text("el cuerpo de la solicitud es demasiado grande", "the request body is too large"),
    415: Text("tipo de contenido no admitido", "unsupported media type"),
}
"""The client errors werkzeug raises, in both languages."""


ENGINE_RETRY_S = 5
"""Retry-After of a 503 when the engine is unreachable."""


def engine_error(error: EngineError) -> ApiError:
    """What a client is told when the SPARQL engine failed: 503 unreachable, 504 too slow, 400 when it refused
    the request (its words, cut, never a credential: coopgraph/core/store/engine.py scrubs them), else 502."""
    said = str(error)  # "<engine> <what happened>", in English: the engine's own words are too
    said = said if len(said) <= 1000 else said[:1000] + "…"
    details: dict[str, Any] = {"engine": error.engine, "engine_status": error.status}
    if isinstance(error, EngineTimeout):
        status, title = 504, "Gateway Timeout"
        es = f"el motor SPARQL no respondió a tiempo: {said}"
    elif isinstance(error, EngineUnavailable):
        status, title = 503, "Service Unavailable"
        es = f"el motor SPARQL no está disponible: {said}"
        details["retry_after_s"] = ENGINE_RETRY_S
    elif error.status is not None and 400 <= error.status < 500 and error.status not in (401, 403):
        status, title = 400, "Bad Request"
        es = f"el motor SPARQL rechazó la solicitud: {said}"
    else:
        status, title = 502, "Bad Gateway"
        es = f"el motor SPARQL falló: {said}"
    api_error = ApiError(status, title, Text(es, said), **details)
    if status == 503:
        api_error.headers["Retry-After"] = str(ENGINE_RETRY_S)
    return api_error


def init_app(app: Flask) -> None:
    """Register the handlers: ApiError, HTTP errors (405, 413, 404...) and, last resort, anything else."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        lang = client_language(request.headers.get("Accept-Language"))
        response = error_response(error.status, error.title, error.message_in(lang), **error.details)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(EngineError)
    def engine_failed(error: EngineError) -> Response:
        return api_error(engine_error(error))

    @app.errorhandler(MemoryError)
    def out_of_memory(error: MemoryError) -> Response:
        text = Text(
            "la solicitud necesitó más memoria que su límite; acótela (LIMIT, FILTER)",
            "the request needed more memory than its limit; narrow it (LIMIT, FILTER)",
        )
        lang = client_language(request.headers.get("Accept-Language"))
        return error_response(507, "Insufficient Storage", text(lang or "en"), message_es=text.es, message_en=text.en)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        text = HTTP_TEXTS.get(error.code or 500)
        if text is None:
            response = error_response(error.code or 500, error.name, error.description or error.name)
        else:
            lang = client_language(request.headers.get("Accept-Language"))
            response = error_response(
                error.code or 500, error.name, text(lang or "en"), message_es=text.es, message_en=text.en
            )
        if error.code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "Internal Server Error", "The server failed to answer; the error was logged.")
