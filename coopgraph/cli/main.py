"""The `coopgraph` command line: one click group; each module of this package adds its commands."""

from __future__ import annotations

from pathlib import Path

import click

from coopgraph import __version__
from coopgraph.cli import build, data, export, match, register, serve, writes
from coopgraph.cli.common import DATA_DIR_HELP, MEMORY_HELP, StoreOpener


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.option("--memory", is_flag=True, help=MEMORY_HELP)
@click.version_option(__version__, prog_name="coopgraph")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, memory: bool) -> None:
    """coopgraph: a cited knowledge graph of decentralised international cooperation."""
    ctx.obj = StoreOpener(data_dir=data_dir, memory=memory)
    ctx.call_on_close(ctx.obj.close)


for command in (
    data.load,
    data.validate,
    data.query,
    data.list_queries,
    data.stats,
    data.synth,
    export.export_command,
    match.match,
    match.eval_match,
    serve.serve,
    build.build,
    register.import_iati_command,
    register.export_iati_command,
    writes.token,
    writes.history_command,
    writes.revert_command,
):
    cli.add_command(command)


def main() -> None:
    """Run the coopgraph command line."""
    cli(prog_name="coopgraph")
