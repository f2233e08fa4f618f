"""The service's settings: one table, each with its default and help text (documented in the README)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting: its name (a Flask config key, upper-cased), default and help."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", None, "Folder of the on-disk store [default: $COOPGRAPH_DATA_DIR, else the user data folder]."),
    Setting("memory", False, "Use a fresh in-memory store with the shipped data (tests, demos); nothing is saved."),
    Setting("query_timeout_s", 10.0, "Seconds a query may run before the client gets a timeout error."),
    Setting("max_rows", 10_000, "Most result rows (or triples) returned; past it the response says it was truncated."),
    Setting("max_body_bytes", 1_000_000, "Largest request body accepted (bigger bodies get HTTP 413)."),
    Setting("service_allowlist", (), "SERVICE endpoint IRIs a query may call; empty: SERVICE is refused."),
    Setting(
        "processes",
        2,
        "Request processes of `coopgraph serve`, each with an in-memory snapshot of the store; "
        "one whose query passes the time limit is replaced.",
    ),
    Setting("threads", 4, "Request threads of each request process (waitress)."),
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
