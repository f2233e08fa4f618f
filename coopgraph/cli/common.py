"""What every `coopgraph` command shares: opening the store on first use, its options, and error handling.

Exit codes: 0 success, 1 validation found violations, 2 bad input or usage
(a clear message on stderr; the store is left unchanged).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from coopgraph.core.loading import LoadSummary, default_data_dir, ensure_loaded
from coopgraph.core.store import OxigraphStore, SparqlStore, Store, StoreError

DATA_DIR_HELP = "Folder of the on-disk store [default: $COOPGRAPH_DATA_DIR, else the user data folder]."
MEMORY_HELP = "Use a fresh in-memory store with the shipped data; nothing is saved."
STORE_HELP = "Which store: the embedded Oxigraph (default) or a SPARQL 1.1 engine (--query-url, --update-url)."
STORE_KINDS = ("oxigraph", "sparql")
ENGINE_TIMEOUT = 30.0


@dataclass(frozen=True)
class StoreChoice:
    """Which store the command line opens: embedded (on disk or in memory) or a SPARQL engine and its URLs."""

    data_dir: Path | None = None
    memory: bool = False
    kind: str | None = None
    query_url: str | None = None
    update_url: str | None = None
    gsp_url: str | None = None
    timeout: float | None = None

    def merged(self, later: StoreChoice) -> StoreChoice:
        """This choice with what `later` (options after the command) gives."""
        given = {name: value for name, value in vars(later).items() if value not in (None, False)}
        return replace(self, **given)

    def checked(self) -> StoreChoice:
        """Itself, or a UsageError naming the options that do not go together."""
        if self.memory and self.data_dir is not None:
            raise click.UsageError("--memory and --data-dir exclude each other")
        remote = {"--query-url": self.query_url, "--update-url": self.update_url, "--gsp-url": self.gsp_url}
        if self.kind != "sparql":
            given = [flag for flag, value in remote.items() if value] + (["--store-timeout"] if self.timeout else [])
            if given:
                raise click.UsageError(f"{', '.join(given)} need(s) --store sparql")
            return self
        if self.memory or self.data_dir is not None:
            raise click.UsageError("--store sparql keeps the data in the engine: --memory and --data-dir do not apply")
        missing = [flag for flag in ("--query-url", "--update-url") if not remote[flag]]
        if missing:
            raise click.UsageError(f"--store sparql needs {' and '.join(missing)}")
        return self


class StoreOpener:
    """Opens the store on first use (so --help and synth never touch it) and closes it at exit."""

    def __init__(self, choice: StoreChoice | None = None) -> None:
        self._store: Store | None = None
        self.summary: LoadSummary | None = None
        self.choice = choice or StoreChoice()

    def configure(self, later: StoreChoice) -> None:
        self.choice = self.choice.merged(later)

    @property
    def data_dir(self) -> Path | None:
        return self.choice.data_dir

    @property
    def memory(self) -> bool:
        return self.choice.memory

    @property
    def remote(self) -> bool:
        return self.choice.kind == "sparql"

    @property
    def where(self) -> str:
        if self.remote:
            return f"{self._store.name if isinstance(self._store, SparqlStore) else self.choice.query_url}"
        return "memory" if self.memory else str(self.data_dir or default_data_dir())

    def open(self) -> Store:
        """The store, with the shipped graphs loaded (first start) or upgraded."""
        if self._store is None:
            choice = self.choice.checked()
            store: Store
            if self.remote:
                store = SparqlStore.from_env(
                    query_url=choice.query_url or "",
                    update_url=choice.update_url or "",
                    gsp_url=choice.gsp_url,
                    timeout=choice.timeout or ENGINE_TIMEOUT,
                )
            elif self.memory:
                store = OxigraphStore.in_memory()
            else:
                store = OxigraphStore.open(self.data_dir or default_data_dir())
            self._store = store
            # A memory store loads the shipped data every time: only report loads that persist.
            self.summary = ensure_loaded(store, progress=None if self.memory else progress)
            if self.summary.status != "current" and not self.memory:
                echo_summary(self.summary)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _option_decorators(prefix: str) -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """The store's options, named `{prefix}data_dir` and so on: the one place they are defined."""
    return [
        click.option(
            "--data-dir", f"{prefix}data_dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP
        ),
        click.option("--memory", f"{prefix}memory", is_flag=True, help=MEMORY_HELP),
        click.option("--store", f"{prefix}kind", type=click.Choice(STORE_KINDS), help=STORE_HELP),
        click.option(
            "--query-url", f"{prefix}query_url", metavar="URL", help="The engine's SPARQL 1.1 Query endpoint."
        ),
        click.option(
            "--update-url", f"{prefix}update_url", metavar="URL", help="The engine's SPARQL 1.1 Update endpoint."
        ),
        click.option(
            "--gsp-url",
            f"{prefix}gsp_url",
            metavar="URL",
            help="The engine's Graph Store Protocol endpoint (optional: faster loads and reads).",
        ),
        click.option(
            "--store-timeout",
            f"{prefix}timeout",
            type=click.FloatRange(min=0, min_open=True),
            help=f"Seconds to wait for the engine [default: {ENGINE_TIMEOUT:g}]. "
            "Credentials: $COOPGRAPH_STORE_USER and $COOPGRAPH_STORE_PASSWORD (HTTP Basic).",
        ),
    ]


def group_store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The store's options on the command group (`coopgraph --store sparql … stats`); passed as `choice`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fields = {name: kwargs.pop(name) for name in list(kwargs) if name in StoreChoice.__dataclass_fields__}
        return command(*args, choice=StoreChoice(**fields), **kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in _option_decorators(""):
        decorated = option(decorated)
    return decorated


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Accept the store's options after the command too (`coopgraph stats --memory`)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fields = {name[len("store_") :]: kwargs.pop(name) for name in list(kwargs) if name.startswith("store_")}
        opener = click.get_current_context().find_object(StoreOpener)
        if opener is not None:
            opener.configure(StoreChoice(**fields))
        return command(*args, **kwargs)

    decorated: Callable[..., Any] = wrapper
    for option in _option_decorators("store_"):
        decorated = option(decorated)
    return decorated


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a one-line message on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:  # `coopgraph query ... | head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except (StoreError, ValueError, SyntaxError, OSError, NotImplementedError) as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(2) from None
        except RecursionError:  # a library that walks the data recursively (rdflib, pyshacl) on deeply nested input
            click.echo("error: the data nests too deeply to be processed", err=True)
            raise SystemExit(2) from None
        except MemoryError as error:
            click.echo(f"error: out of memory ({error})", err=True)
            raise SystemExit(2) from None

    return wrapper


def progress(path: Path, count: int) -> None:
    click.echo(f"  parsed {path.parent.name}/{path.name}: {count} triples", err=True)


def echo_summary(summary: LoadSummary) -> None:
    for graph, count in summary.triples.items():
        click.echo(f"{summary.status} <{graph}>: {count} triples", err=True)
