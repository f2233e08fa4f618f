"""The `coopgraph` console command: graph.cli's click group; the service adds its commands here."""

from graph.cli import cli
from service.serve import serve

cli.add_command(serve)


def main() -> None:
    """Run the coopgraph command line."""
    cli(prog_name="coopgraph")
