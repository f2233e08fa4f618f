"""The app factory, settings table, /healthz, headers, CORS and the JSON error shape (Flask test client).

Embedded only: the factory and its settings, not the store; the routes run on each backend in the modules
marked `backends` (tests/backends.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from coopgraph.core.store import OxigraphStore
from coopgraph.web.app import create_app
from coopgraph.web.settings import DEFAULTS, SETTINGS, resolve
from coopgraph.web.state import EXTENSION


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"max_body_bytes": 2_000}


def test_every_setting_has_help_and_the_listed_defaults() -> None:
    assert {s.name for s in SETTINGS} >= {"data_dir", "memory", "query_timeout_s", "max_rows", "max_body_bytes"}
    assert all(s.help.strip() for s in SETTINGS)
    assert DEFAULTS["query_timeout_s"] == 10 and DEFAULTS["max_rows"] == 10_000
    assert DEFAULTS["max_body_bytes"] == 1_000_000 and DEFAULTS["sandbox"] is True
    assert "service_allowlist" not in DEFAULTS  # SERVICE is refused, always: no allow-list reaches a sandbox


def test_unknown_setting_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        resolve({"max_rowz": 3})


def test_settings_reach_the_app(app: Flask, shipped_store: OxigraphStore) -> None:
    state = app.extensions[EXTENSION]
    assert state.store is shipped_store and state.settings["max_body_bytes"] == 2_000
    assert app.config["MAX_CONTENT_LENGTH"] == 2_000


def test_memory_setting_opens_a_loaded_store() -> None:
    app = create_app({"memory": True})
    state = app.extensions[EXTENSION]
    assert state.store.count() > 0
    state.close()


def test_data_dir_setting_opens_the_disk_store(tmp_path: Path) -> None:
    app = create_app({"data_dir": str(tmp_path / "store")})
    state = app.extensions[EXTENSION]
    assert state.store.count() > 0 and (tmp_path / "store").is_dir()
    state.close()


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def _headers(client: FlaskClient, path: str) -> Headers:
    with client.get(path) as response:  # a static file's response holds the file open until closed
        return response.headers


@pytest.mark.parametrize("path", ["/", "/healthz", "/sparql?query=ASK%7B%7D", "/no-such-page", "/static/query.js"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    headers = _headers(client, path)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_pages_get_the_page_policy(client: FlaskClient) -> None:
    headers = _headers(client, "/")
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/healthz", "/sparql?query=ASK%7B%7D", "/no-such-page", "/static/favicon.svg"])
def test_other_responses_may_load_nothing_and_skip_the_document_only_headers(client: FlaskClient, path: str) -> None:
    headers = _headers(client, path)
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Referrer-Policy" not in headers and "Cross-Origin-Opener-Policy" not in headers


def test_cors_open_for_sparql_reads(client: FlaskClient) -> None:
    assert client.get("/sparql?query=ASK%7B%7D").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_cors_not_on_other_paths(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/healthz").headers


def test_errors_are_json_without_traceback(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.json["error"]["status"] == 404


def test_unexpected_error_is_a_json_500_without_traceback(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert response.json["error"]["status"] == 500


def test_body_cap_is_413(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"#" * 5_000, content_type="application/sparql-query")
    assert response.status_code == 413 and response.json["error"]["status"] == 413


def test_every_setting_is_documented() -> None:
    """The README lists each setting of the table (a setting missing from the docs fails here)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in readme and setting.help in readme
