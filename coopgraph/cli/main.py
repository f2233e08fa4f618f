"""The `coopgraph` command line: one click group; each module of this package adds its commands."""

from __future__ import annotations

import click

from coopgraph import __version__
from coopgraph.cli import build, data, export, match, register, serve, writes
from coopgraph.cli.common import StoreChoice, StoreOpener, group_store_options


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@group_store_options
@click.version_option(__version__, prog_name="coopgraph")
@click.pass_context
def cli(ctx: click.Context, choice: StoreChoice) -> None:
    """coopgraph: a cited knowledge graph of decentralised international cooperation."""
    ctx.obj = StoreOpener(choice)
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
