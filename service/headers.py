"""Security headers on every response; CORS open for reads (the SPARQL endpoint is public and read-only)."""

from __future__ import annotations

from flask import Flask, Response, request

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CORS_PATHS = ("/sparql", "/api/queries", "/api/match", "/api/partners")
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type"


def init_app(app: Flask) -> None:
    """Add the headers after each request."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if any(request.path.rstrip("/") == path or request.path.startswith(path + "/") for path in CORS_PATHS):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = "X-Coopgraph-Truncated"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
                response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
                response.headers["Access-Control-Max-Age"] = "86400"
        return response
