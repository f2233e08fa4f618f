"""The `coopgraph` command line: one click group; each module of this package adds its commands.

A command's module is imported when that command runs (click's documented
lazy loading of subcommands): `coopgraph serve` then starts without the
libraries the other commands need (rdflib's SPARQL engine, pyshacl,
networkx, Flask), which its front would import before it could start the
data holder.
"""

from __future__ import annotations

import importlib

import click

from coopgraph import __version__
from coopgraph.cli.common import StoreChoice, StoreOpener, group_store_options

COMMANDS: dict[str, tuple[str, str]] = {
    "load": ("data", "load"),
    "validate": ("data", "validate"),
    "query": ("data", "query"),
    "queries": ("data", "list_queries"),
    "stats": ("data", "stats"),
    "synth": ("data", "synth"),
    "export": ("export", "export_command"),
    "match": ("match", "match"),
    "eval-match": ("match", "eval_match"),
    "serve": ("serve", "serve"),
    "build": ("build", "build"),
    "import-iati": ("register", "import_iati_command"),
    "export-iati": ("register", "export_iati_command"),
    "token": ("writes", "token"),
    "history": ("writes", "history_command"),
    "revert": ("writes", "revert_command"),
}
"""Each command's name: its module in this package and the command's name there."""


class LazyGroup(click.Group):
    """A group whose commands (`COMMANDS`) are imported when one is asked for by name (or listed by --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"coopgraph.cli.{module}"), name)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"coopgraph.cli.{module}.{name} is not the command {cmd_name!r}")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@group_store_options
@click.version_option(__version__, prog_name="coopgraph")
@click.pass_context
def cli(ctx: click.Context, choice: StoreChoice) -> None:
    """coopgraph: a cited knowledge graph of decentralised international cooperation."""
    ctx.obj = StoreOpener(choice)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """Run the coopgraph command line."""
    cli(prog_name="coopgraph")
