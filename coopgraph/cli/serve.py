"""`coopgraph serve`: the service on 127.0.0.1:8000 by default (coopgraph.web.serve has the served layout)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import click

from coopgraph.cli.common import ENGINE_TIMEOUT, StoreChoice, StoreOpener, handle_errors, store_options
from coopgraph.web.engine import EngineConfig
from coopgraph.web.serve import StartError, run
from coopgraph.web.settings import DEFAULTS, SETTINGS, resolve

HELP = {setting.name: setting.help for setting in SETTINGS}


def _setting(flag: str, name: str, kind: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command-line option for a setting of the table: its default and help come from there."""
    return click.option(flag, name, type=kind, default=DEFAULTS[name], show_default=True, help=HELP[name])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@_setting("--query-timeout", "query_timeout_s", click.FloatRange(min=0.1))
@_setting("--max-rows", "max_rows", click.IntRange(1))
@_setting("--max-result-bytes", "max_result_bytes", click.IntRange(1000))
@_setting("--max-body-bytes", "max_body_bytes", click.IntRange(1))
@_setting("--max-query-bytes", "max_query_bytes", click.IntRange(1))
@_setting("--max-query-depth", "max_query_depth", click.IntRange(1))
@_setting("--query-memory", "query_memory_mb", click.IntRange(0))
@_setting("--workers", "workers", click.IntRange(1))
@_setting("--long-workers", "long_workers", click.IntRange(1))
@_setting("--max-connections", "max_connections", click.IntRange(1))
@_setting("--client-connections", "client_connections", click.IntRange(1))
@click.option(
    "--no-sync-writes",
    "no_sync_writes",
    is_flag=True,
    help="Do not sync each write to disk before answering it (faster; a power cut may lose the last "
    "acknowledged writes, a killed process never does).",
)
@click.option(
    "--no-sandbox",
    "no_sandbox",
    is_flag=True,
    help="Serve without the sandbox (outbound connections possible): "
    "only where none can be installed, never facing the internet.",
)
@store_options
@click.pass_context
@handle_errors
def serve(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    query_timeout_s: float,
    max_rows: int,
    max_result_bytes: int,
    max_body_bytes: int,
    max_query_bytes: int,
    max_query_depth: int,
    query_memory_mb: int,
    workers: int,
    long_workers: int,
    max_connections: int,
    client_connections: int,
    no_sync_writes: bool,
    no_sandbox: bool,
) -> None:
    """Serve the graph: the pages (/, /match, /explore), SPARQL at /sparql, the JSON APIs under /api, /healthz.

    With --store sparql it serves from that engine (README: "Run on your own triple store").
    """
    opener = ctx.find_object(StoreOpener)  # `coopgraph --data-dir X serve` works too
    choice = (opener.choice if opener is not None else StoreChoice()).checked()
    engine = None
    if choice.kind == "sparql":
        engine = EngineConfig(
            query_url=choice.query_url or "",
            update_url=choice.update_url or "",
            gsp_url=choice.gsp_url,
            timeout=choice.timeout or ENGINE_TIMEOUT,
        )
    settings = resolve(
        {
            "data_dir": str(choice.data_dir) if choice.data_dir else None,
            "memory": choice.memory,
            "query_timeout_s": query_timeout_s,
            "max_rows": max_rows,
            "max_result_bytes": max_result_bytes,
            "max_body_bytes": max_body_bytes,
            "max_query_bytes": max_query_bytes,
            "max_query_depth": max_query_depth,
            "query_memory_mb": query_memory_mb,
            "workers": workers,
            "long_workers": min(long_workers, workers),
            "max_connections": max_connections,
            "client_connections": client_connections,
            "sandbox": not no_sandbox,
            "sync_writes": not no_sync_writes,
        }
    )

    def announce(listener: socket.socket, layers: list[str]) -> None:
        bound_host, bound_port = listener.getsockname()[:2]
        authority = f"[{bound_host}]:{bound_port}" if ":" in bound_host else f"{bound_host}:{bound_port}"
        sandbox = " + ".join(layers) if layers else "NONE (--no-sandbox: queries can open connections)"
        click.echo(
            f"coopgraph: serving http://{authority}/ with {workers} workers; sandbox: {sandbox} "
            "(SPARQL endpoint at /sparql; Ctrl-C stops)",
            err=True,
        )

    try:
        run(settings, host=host, port=port, announce=announce, engine=engine)
    except StartError as error:
        raise click.ClickException(str(error)) from None
