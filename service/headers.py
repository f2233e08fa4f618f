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
CORS_PATHS = ("/sparql", "/api/queries", "/api/match", "/api/partners", "/api/export", "/api/resource")
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type"
EXPOSED_HEADERS = "X-Coopgraph-Truncated, X-Coopgraph-Nodes, X-Coopgraph-Edges, Content-Disposition"
"""What cross-origin scripts may read: truncation, export sizes, the download file name."""


def init_app(app: Flask) -> None:
    """Add the headers after each request.

    Runs on every response, so it avoids `Headers.setdefault` (a KeyError per
    missing header): it reads the names present once, then adds what is missing.
    """
    security = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
    cors_paths = frozenset(CORS_PATHS)
    cors_prefixes = tuple(path + "/" for path in CORS_PATHS)

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - iterating Headers gives pairs
        for lower, name, value in security:
            if lower not in present:  # a view's own value wins (setdefault semantics)
                headers.add(name, value)
        path = request.path
        if path.rstrip("/") in cors_paths or path.startswith(cors_prefixes):
            cors = [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            ]
            if request.method == "OPTIONS":
                cors += [
                    ("Access-Control-Allow-Methods", CORS_METHODS),
                    ("Access-Control-Allow-Headers", CORS_HEADERS),
                    ("Access-Control-Max-Age", "86400"),
                ]
            for name, value in cors:  # these replace a view's value, as `headers[name] = value` does
                if name.lower() in present:
                    headers[name] = value
                else:
                    headers.add(name, value)
        return response
