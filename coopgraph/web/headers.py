"""Security headers on every response; CORS open for reads (the SPARQL endpoint is public and read-only).

Two policies, by the response's media type:

- pages (HTML) get the page CSP, `Referrer-Policy` and `Cross-Origin-Opener-Policy`;
- everything else (SPARQL results, RDF, JSON, exports, static files) gets a
  stricter CSP, `default-src 'none'` as GitHub's API sends, and not the two
  headers that only act on documents' own requests and windows.

Both get `nosniff` and frame denial (`X-Frame-Options` and CSP
`frame-ancestors`), the set OWASP's REST Security Cheat Sheet asks of API
responses. `Access-Control-Expose-Headers` lists the exposable headers the
response carries, and is absent when it carries none: a cross-origin script
could read nothing more with it. Each header not sent is one fewer for the
server and the client to process on every query.

Added by a WSGI middleware on the header list the app hands to the server:
plain tuples, no werkzeug `Headers` validation per header (a fifth of a
cheap query's cost in the request process when done in `after_request`).

Also the header between a worker and the front of `coopgraph serve` that
marks a prepared write (`COMMIT_HEADER`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

COMMIT_HEADER = "X-Coopgraph-Commit"
"""Marks a worker's reply that carries a prepared write for the front to commit (never sent to a client)."""
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

FRAMING = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
PAGE_HEADERS = {
    **FRAMING,
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""On HTML pages: their scripts, styles and forms come from this service only."""
RESOURCE_HEADERS = {**FRAMING, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}
"""On everything else: nothing may load or run if a browser renders it, and nothing may frame it."""
PAGE_TYPES = ("text/html", "application/xhtml+xml")

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
EXPOSED_HEADERS = ("X-Coopgraph-Truncated", "X-Coopgraph-Nodes", "X-Coopgraph-Edges", "Content-Disposition")
"""What cross-origin scripts may read, when a response carries it: truncation, export sizes, the file name."""

CORS = [("Access-Control-Allow-Origin", "*")]
PREFLIGHT = [
    *CORS,
    ("Access-Control-Allow-Methods", CORS_METHODS),
    ("Access-Control-Allow-Headers", CORS_HEADERS),
    ("Access-Control-Max-Age", "86400"),
]


def _lowered(headers: dict[str, str]) -> list[tuple[str, tuple[str, str]]]:
    return [(name.lower(), (name, value)) for name, value in headers.items()]


_PAGE = _lowered(PAGE_HEADERS)
_RESOURCE = _lowered(RESOURCE_HEADERS)
_CORS_PATHS = frozenset(CORS_PATHS)
_CORS_PREFIXES = tuple(path + "/" for path in CORS_PATHS)
_CORS_NAMES = frozenset(name.lower() for name, _ in PREFLIGHT) | {"access-control-expose-headers"}
_EXPOSED = {name.lower(): name for name in EXPOSED_HEADERS}


def completed(environ: dict[str, Any], headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` plus the security headers for the response's media type (a view's own value wins) and,
    on the CORS paths, the CORS headers (replacing a view's)."""
    present = {name.lower(): value for name, value in headers}
    page = present.get("content-type", "").startswith(PAGE_TYPES)
    added = [header for lower, header in (_PAGE if page else _RESOURCE) if lower not in present]
    path = environ.get("PATH_INFO", "")
    if path.rstrip("/") in _CORS_PATHS or path.startswith(_CORS_PREFIXES):
        cors = PREFLIGHT if environ.get("REQUEST_METHOD") == "OPTIONS" else CORS
        exposed = [name for lower, name in _EXPOSED.items() if lower in present]
        if exposed:
            cors = [*cors, ("Access-Control-Expose-Headers", ", ".join(exposed))]
        if not _CORS_NAMES.isdisjoint(present):
            headers = [header for header in headers if header[0].lower() not in _CORS_NAMES]
        headers = headers + cors
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
    app.wsgi_app = with_headers(app.wsgi_app)  # type: ignore[method-assign, assignment]  # Flask's documented way
