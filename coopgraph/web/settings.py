"""The service's settings: one table, each with its default and help text (documented in the README); the store they name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coopgraph.core.loading import default_data_dir, ensure_loaded
from coopgraph.core.store import OxigraphStore


@dataclass(frozen=True)
class Setting:
    """One setting: its name (a Flask config key, upper-cased), default and help."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", None, "Folder of the on-disk store [default: $COOPGRAPH_DATA_DIR, else the user data folder]."),
    Setting("memory", False, "Use a fresh in-memory store with the shipped data (tests, demos); nothing is saved."),
    Setting(
        "query_timeout_s",
        10.0,
        "Seconds a request may run; past it `coopgraph serve` stops it (its worker is replaced) and answers 503.",
    ),
    Setting("max_rows", 10_000, "Most result rows (or triples) returned; past it the response says it was truncated."),
    Setting(
        "max_result_bytes",
        16_000_000,
        "Most bytes of a query result's body; past it the rows that fit are returned, marked truncated.",
    ),
    Setting("max_body_bytes", 1_000_000, "Largest request body accepted (bigger bodies get HTTP 413, unread)."),
    Setting("max_query_bytes", 100_000, "Longest SPARQL query text, in UTF-8 bytes (longer: HTTP 400, unparsed)."),
    Setting(
        "max_query_depth",
        64,
        "Deepest nesting of brackets ( { [ in a SPARQL query, counted on the raw text (deeper: HTTP 400, unparsed).",
    ),
    Setting(
        "query_memory_mb",
        512,
        "Memory one request may add to its worker (address-space limit); past it the client gets HTTP 507.",
    ),
    Setting("workers", 4, "Worker processes of `coopgraph serve`; each runs one request at a time."),
    Setting(
        "long_workers",
        2,
        "Of those, how many may run requests longer than half a second at once (at the lowest CPU priority).",
    ),
    Setting("max_connections", 4096, "Open connections `coopgraph serve` accepts at once."),
    Setting("client_connections", 64, "Open connections accepted from one client address."),
    Setting(
        "sync_writes",
        True,
        "Sync each write to disk (its journal record) before answering it; off: faster writes, and a power cut "
        "may lose the last acknowledged ones (a killed process never does).",
    ),
    Setting(
        "sandbox",
        True,
        "Serve only from processes that cannot open network connections (seccomp, network namespace); "
        "`coopgraph serve` refuses to start when it cannot install one.",
    ),
)
DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}


def resolve(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The defaults overridden by `config` (keys in either case); unknown keys are an error."""
    values = dict(DEFAULTS)
    for key, value in (config or {}).items():
        name = key.lower()
        if name not in DEFAULTS:
            if key.isupper():  # other Flask settings (TESTING, ...) pass through untouched
                continue
            raise ValueError(f"unknown setting {key!r}; settings: {', '.join(DEFAULTS)}")
        values[name] = value
    return values


def open_store(settings: Mapping[str, Any]) -> OxigraphStore:
    """The store the settings name: on disk in `data_dir` (or the default folder), or in memory; loaded."""
    if settings["memory"]:
        store: OxigraphStore = OxigraphStore.in_memory()
    else:
        store = OxigraphStore.open(Path(settings["data_dir"]) if settings["data_dir"] else default_data_dir())
    ensure_loaded(store)
    return store
