"""`coopgraph serve`: the service on 127.0.0.1:8000 by default (coopgraph.web.serve has the served layout)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from coopgraph.cli.common import DATA_DIR_HELP, MEMORY_HELP, StoreOpener, handle_errors
from coopgraph.web import prefork
from coopgraph.web.serve import run
from coopgraph.web.settings import DEFAULTS, SETTINGS, resolve

HELP = {setting.name: setting.help for setting in SETTINGS}


def _setting(flag: str, name: str, kind: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command-line option for a setting of the table: its default and help come from there."""
    return click.option(flag, name, type=kind, default=DEFAULTS[name], show_default=True, help=HELP[name])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.option("--memory", is_flag=True, help=MEMORY_HELP)
@_setting("--query-timeout", "query_timeout_s", float)
@_setting("--max-rows", "max_rows", click.IntRange(1))
@_setting("--max-body-bytes", "max_body_bytes", click.IntRange(1))
@click.option("--service-allow", "service_allowlist", multiple=True, help=HELP["service_allowlist"] + " (repeatable)")
@_setting("--processes", "processes", click.IntRange(1))
@_setting("--threads", "threads", click.IntRange(1))
@click.pass_context
@handle_errors
def serve(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    data_dir: Path | None,
    memory: bool,
    query_timeout_s: float,
    max_rows: int,
    max_body_bytes: int,
    service_allowlist: tuple[str, ...],
    processes: int,
    threads: int,
) -> None:
    """Serve the graph: the pages (/, /match, /explore), SPARQL at /sparql, the JSON APIs under /api, /healthz."""
    opener = ctx.find_object(StoreOpener)  # `coopgraph --data-dir X serve` works too
    if opener is not None:
        data_dir = data_dir or opener.data_dir
        memory = memory or opener.memory
    if memory and data_dir is not None:
        raise click.UsageError("--memory and --data-dir exclude each other")
    settings = resolve(
        {
            "data_dir": str(data_dir) if data_dir else None,
            "memory": memory,
            "query_timeout_s": query_timeout_s,
            "max_rows": max_rows,
            "max_body_bytes": max_body_bytes,
            "service_allowlist": list(service_allowlist),
            "processes": processes,
            "threads": threads,
        }
    )

    def announce(listener: socket.socket) -> None:
        bound_host, bound_port = listener.getsockname()[:2]
        authority = f"[{bound_host}]:{bound_port}" if ":" in bound_host else f"{bound_host}:{bound_port}"
        click.echo(
            f"coopgraph: serving http://{authority}/ with {processes} request processes "
            "(SPARQL endpoint at /sparql; Ctrl-C stops)",
            err=True,
        )

    try:
        run(settings, host=host, port=port, announce=announce)
    except prefork.StartError as error:
        raise click.ClickException(str(error)) from None
