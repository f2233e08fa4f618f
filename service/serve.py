"""`coopgraph serve`: the service under waitress (a production WSGI server), on 127.0.0.1:8000 by default."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
import waitress

from graph.cli import DATA_DIR_HELP, MEMORY_HELP, StoreOpener, handle_errors
from service.app import create_app
from service.settings import DEFAULTS, SETTINGS
from service.state import EXTENSION

HELP = {setting.name: setting.help for setting in SETTINGS}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.option("--memory", is_flag=True, help=MEMORY_HELP)
@click.option(
    "--query-timeout", type=float, default=DEFAULTS["query_timeout_s"], show_default=True, help=HELP["query_timeout_s"]
)
@click.option(
    "--max-rows", type=click.IntRange(1), default=DEFAULTS["max_rows"], show_default=True, help=HELP["max_rows"]
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1),
    default=DEFAULTS["max_body_bytes"],
    show_default=True,
    help=HELP["max_body_bytes"],
)
@click.option("--service-allow", "service_allowlist", multiple=True, help=HELP["service_allowlist"] + " (repeatable)")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=DEFAULTS["workers"],
    show_default=True,
    help="Query worker processes (each holds an in-memory snapshot of the store).",
)
@click.option("--threads", type=click.IntRange(1), default=DEFAULTS["threads"], show_default=True, help=HELP["threads"])
@click.pass_context
@handle_errors
def serve(
    ctx: click.Context,
    *,
    host: str,
    port: int,
    data_dir: Path | None,
    memory: bool,
    query_timeout: float,
    max_rows: int,
    max_body_bytes: int,
    service_allowlist: tuple[str, ...],
    workers: int,
    threads: int,
) -> None:
    """Serve the graph: the pages (/, /match, /explore), SPARQL at /sparql, the JSON APIs under /api, /healthz."""
    opener = ctx.find_object(StoreOpener)  # `coopgraph --data-dir X serve` works too
    if opener is not None:
        data_dir = data_dir or opener.data_dir
        memory = memory or opener.memory
    if memory and data_dir is not None:
        raise click.UsageError("--memory and --data-dir exclude each other")
    config = {
        "data_dir": str(data_dir) if data_dir else None,
        "memory": memory,
        "query_timeout_s": query_timeout,
        "max_rows": max_rows,
        "max_body_bytes": max_body_bytes,
        "service_allowlist": service_allowlist,
        "workers": workers,
        "threads": threads,
    }
    app = create_app(config)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the query workers on SIGTERM too
    try:
        click.echo(f"coopgraph: serving http://{host}:{port}/ (SPARQL endpoint at /sparql; Ctrl-C stops)", err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="coopgraph")
    finally:
        app.extensions[EXTENSION].close()
