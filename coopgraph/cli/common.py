"""What every `coopgraph` command shares: opening the store on first use, its options, and error handling.

Exit codes: 0 success, 1 validation found violations, 2 bad input or usage
(a clear message on stderr; the store is left unchanged).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from coopgraph.core.loading import LoadSummary, default_data_dir, ensure_loaded
from coopgraph.core.store import OxigraphStore, Store, StoreError

DATA_DIR_HELP = "Folder of the on-disk store [default: $COOPGRAPH_DATA_DIR, else the user data folder]."
MEMORY_HELP = "Use a fresh in-memory store with the shipped data; nothing is saved."


class StoreOpener:
    """Opens the store on first use (so --help and synth never touch it) and closes it at exit."""

    def __init__(self, *, data_dir: Path | None, memory: bool) -> None:
        self._store: OxigraphStore | None = None
        self.summary: LoadSummary | None = None
        self.configure(data_dir=data_dir, memory=memory)

    def configure(self, *, data_dir: Path | None, memory: bool) -> None:
        if memory and data_dir is not None:
            raise click.UsageError("--memory and --data-dir exclude each other")
        self.data_dir, self.memory = data_dir, memory

    @property
    def where(self) -> str:
        return "memory" if self.memory else str(self.data_dir or default_data_dir())

    def open(self) -> Store:
        """The store, with the shipped graphs loaded (first start) or upgraded."""
        if self._store is None:
            store = (
                OxigraphStore.in_memory() if self.memory else OxigraphStore.open(self.data_dir or default_data_dir())
            )
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


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Accept --data-dir/--memory after the command too (`coopgraph stats --memory`)."""

    @functools.wraps(command)
    def wrapper(*args: Any, store_data_dir: Path | None, store_memory: bool, **kwargs: Any) -> Any:
        opener = click.get_current_context().find_object(StoreOpener)
        if opener is not None and (store_data_dir is not None or store_memory):
            opener.configure(data_dir=store_data_dir or opener.data_dir, memory=store_memory or opener.memory)
        return command(*args, **kwargs)

    wrapper = click.option("--memory", "store_memory", is_flag=True, help=MEMORY_HELP)(wrapper)
    return click.option(
        "--data-dir", "store_data_dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP
    )(wrapper)


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
