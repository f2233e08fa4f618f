"""Shared fixtures: stores, fixture files, a CLI runner; no test touches the user's data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import Backend, start_backend
from browser_tabs import site_tab
from click.testing import CliRunner
from engines import BACKENDS, EMBEDDED, OxigraphServer
from flask import Flask
from flask.testing import FlaskClient
from tools import chromium_program, dot_program, missing

from coopgraph.core.loading import DATA_DIR_ENV, ensure_loaded
from coopgraph.core.store import OxigraphStore, Store
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default on-disk store at a per-test folder."""
    folder = tmp_path / "coopgraph-store"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def fixtures_dir() -> Path:
    """tests/fixtures: small RDF files of our own (good, malformed, hazardous)."""
    return FIXTURES


@pytest.fixture
def memory_store() -> Iterator[OxigraphStore]:
    """A fresh, empty in-memory store."""
    with OxigraphStore.in_memory() as store:
        yield store


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[OxigraphStore]:
    """A fresh, empty on-disk store in a temporary folder."""
    with OxigraphStore.open(tmp_path / "disk-store") as store:
        yield store


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One `oxigraph serve` (in memory, union default graph) for the session; tests empty it before use."""
    server = OxigraphServer()
    yield server
    server.stop()


REMOTE_PAGE_TRIPLES = 2
"""Pages of two triples for the remote stores of `any_store`: every fixture file takes the paged, staged path."""


@pytest.fixture(
    params=[
        "memory",
        "disk",
        pytest.param("sparql", marks=pytest.mark.slow),
        pytest.param("sparql-no-gsp", marks=pytest.mark.slow),
    ]
)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each store implementation in turn, empty: embedded in memory and on disk, and a real `oxigraph serve`
    through SparqlStore, with and without the Graph Store Protocol."""
    store: Store
    if request.param == "memory":
        store = OxigraphStore.in_memory()
    elif request.param == "disk":
        store = OxigraphStore.open(tmp_path / "any-store")
    else:
        server = request.getfixturevalue("oxigraph_server")
        store = server.store(gsp=request.param == "sparql", page_triples=REMOTE_PAGE_TRIPLES)
        store.clear()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def shipped_store() -> Iterator[OxigraphStore]:
    """An in-memory store with the shipped graphs loaded, shared by the session: do not modify it."""
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


# --- The backend a service test runs on: the embedded store, or each engine (tests/backends.py). ----------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends: run once per store backend (embedded, and each engine of tests/engines.py ENGINES)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `backends` that uses `store_backend` (through `app`, `client`, `backend`...) runs on each."""
    if metafunc.definition.get_closest_marker("backends") and "store_backend" in metafunc.fixturenames:
        params = [pytest.param(name, marks=() if name == EMBEDDED else pytest.mark.slow, id=name) for name in BACKENDS]
        metafunc.parametrize("store_backend", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_backend(request: pytest.FixtureRequest) -> str:
    """The backend's name: `embedded` unless the test is marked `backends`."""
    name: str = getattr(request, "param", EMBEDDED)
    return name


@pytest.fixture(scope="session")
def backend(
    store_backend: str, shipped_store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The session's backend of that name, with the shipped graphs (read-only, like `shipped_store`)."""
    store = shipped_store if store_backend == EMBEDDED else None
    started = start_backend(store_backend, store, tmp_path_factory.mktemp(f"backend-{store_backend}"))
    yield started
    if not started.embedded:
        started.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings of the `app` fixture (see coopgraph.web.settings): a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def app(app_config: dict[str, Any], backend: Backend) -> Iterator[Flask]:
    """A fresh app per test over the session's shipped store (which no test may modify), or, in a test marked
    `backends`, over each backend's store of the shipped graphs."""
    app = create_app(app_config, store=backend.store)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client of `app`."""
    return app.test_client()


@pytest.fixture
def needs_dot() -> str:
    """Graphviz's dot: skips the test when it is absent (fails under CI=true)."""
    return dot_program()


@pytest.fixture
def cli_runner() -> CliRunner:
    """A click runner (stdout and stderr captured separately)."""
    return CliRunner()


# --- Browser tests: Debian's chromium driven by Playwright, against the app served over real HTTP. -------------

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's `chromium`; `.ci/run` installs it). Skips with the reason when it is absent
    (fails under CI=true)."""
    executable = chromium_program()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("browser test: playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site_url(backend: Backend) -> Iterator[str]:
    """The service over real HTTP on the shipped graph, shared by the session's page tests: waitress over the
    embedded store, or, in a test marked `backends`, `coopgraph serve --store sparql` on each engine too."""
    with backend.live() as url:
        yield url


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[Any]:
    """A fresh browser page whose relative URLs go to the live site; any request leaving loopback fails the test."""
    with site_tab(browser, site_url, locale="es-EC") as tab:
        yield tab
