"""Shared fixtures: stores, fixture files, a CLI runner; no test touches the user's data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.loading import DATA_DIR_ENV, ensure_loaded
from graph.store import OxigraphStore

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


@pytest.fixture(params=["memory", "disk"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphStore]:
    """Each store implementation in turn, empty."""
    store = OxigraphStore.in_memory() if request.param == "memory" else OxigraphStore.open(tmp_path / "any-store")
    with store:
        yield store


@pytest.fixture(scope="session")
def shipped_store() -> Iterator[OxigraphStore]:
    """An in-memory store with the shipped graphs loaded, shared by the session: do not modify it."""
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


@pytest.fixture
def cli_runner() -> CliRunner:
    """A click runner (stdout and stderr captured separately)."""
    return CliRunner()
