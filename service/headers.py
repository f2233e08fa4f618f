"""Security headers on every response; CORS open for reads (the SPARQL endpoint is public and read-only).

Added by a WSGI middleware on the header list the app hands to the server:
plain tuples, no werkzeug `Headers` validation per header (a fifth of a
cheap query's cost in the request process when done in `after_request`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

from service.prefork import StartResponse, WSGIApp

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CORS_PATHS = (
    "/sparql",
    "/api/queries",
    "/api/match",
    "/api/partners",
    "/api/export",
    "/api/resource",
)
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type"
EXPOSED_HEADERS = "X-Coopgraph-Truncated, X-Coopgraph-Nodes, X-Coopgraph-Edges, Content-Disposition"
"""What cross-origin scripts may read: truncation, export sizes, the download file name."""

CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
]
PREFLIGHT = CORS + [
    ("Access-Control-Allow-Methods", CORS_METHODS),
    ("Access-Control-Allow-Headers", CORS_HEADERS),
    ("Access-Control-Max-Age", "86400"),
]


_SECURITY = [(name.lower(), (name, value)) for name, value in SECURITY_HEADERS.items()]
_CORS_PATHS = frozenset(CORS_PATHS)
_CORS_PREFIXES = tuple(path + "/" for path in CORS_PATHS)


def completed(environ: dict[str, Any], headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` plus the security headers (a view's own value wins) and, on the CORS paths, the CORS
    headers (replacing a view's)."""
    path = environ.get("PATH_INFO", "")
    present = {name.lower() for name, _ in headers}
    added = [header for lower, header in _SECURITY if lower not in present]
    if path.rstrip("/") in _CORS_PATHS or path.startswith(_CORS_PREFIXES):
        cors = PREFLIGHT if environ.get("REQUEST_METHOD") == "OPTIONS" else CORS
        replaced = {name.lower() for name, _ in cors}
        headers = [header for header in headers if header[0].lower() not in replaced] + cors
    return headers + added


def with_headers(app: WSGIApp) -> WSGIApp:
    """`app` whose responses carry the `completed` headers."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, completed(environ, headers), exc_info)

        return app(environ, start)

    return application


def init_app(app: Flask) -> None:
    """Wrap the app's WSGI callable (what the server and the test client call)."""
    app.wsgi_app = with_headers(app.wsgi_app)  # type: ignore[method-assign]
