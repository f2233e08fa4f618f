"""`coopgraph build`: regenerate the shipped Turtle that is generated, not curated (maintainers' commands)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coopgraph.cli.common import handle_errors
from coopgraph.core.codelists import DEFAULT_CODELISTS, codelists_to_skos
from coopgraph.core.territories import DEFAULT_OUTPUT, build_territories


@click.group()
def build() -> None:
    """Regenerate generated data files (territories from pycountry, IATI codelists as SKOS)."""


@build.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="File to write.",
)
@handle_errors
def territories(output: Path) -> None:
    """The countries the study names and Ecuador's provinces, with ISO codes and names from pycountry."""
    output.write_text(build_territories(), encoding="utf-8")
    click.echo(f"wrote {output}")


@build.command()
@click.argument("src_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write [default: stdout]."
)
@click.option(
    "--codelist",
    "names",
    multiple=True,
    metavar="NAME",
    help="A codelist to convert (repeatable) [default: the coopgraph set].",
)
@handle_errors
def codelists(src_dir: Path, output: Path | None, names: tuple[str, ...]) -> None:
    """Convert the IATI codelist XML files in SRC_DIR (<Codelist>.xml) to SKOS Turtle."""
    turtle = codelists_to_skos(src_dir, list(names) or list(DEFAULT_CODELISTS))
    if output is None:
        sys.stdout.write(turtle)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(turtle, encoding="utf-8", newline="\n")
