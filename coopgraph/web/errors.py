"""Errors as JSON (never an HTML page, never a traceback): the service's one error shape."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from coopgraph.core.vocab import Text

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client caused (or a limit it hit): status, short title, readable message, details.

    A bilingual message (`Text`) is answered in English with its Spanish in `message_es`.
    """

    def __init__(self, status: int, title: str, message: str | Text, **details: Any) -> None:
        if isinstance(message, Text):
            details.setdefault("message_es", message.es)
            message = message.en
        super().__init__(message)
        self.status, self.title, self.message, self.details = status, title, message, details


def error_document(status: int, title: str, message: str, **details: Any) -> dict[str, Any]:
    """`{"error": {"status", "title", "message", ...details}}`: the one error shape."""
    body = {"status": status, "title": title, "message": message}
    body.update({key: value for key, value in details.items() if value is not None})
    return {"error": body}


def error_response(status: int, title: str, message: str, **details: Any) -> Response:
    """The error document as a JSON response with that status."""
    response = jsonify(error_document(status, title, message, **details))
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers: ApiError, HTTP errors (405, 413, 404...) and, last resort, anything else."""

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.title, error.message, **error.details)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error_response(error.code or 500, error.name, error.description or error.name)
        if error.code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "Internal Server Error", "The server failed to answer; the error was logged.")
