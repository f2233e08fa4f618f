"""`coopgraph export`: the network of a selection in a format for Gephi, Cytoscape, yEd, igraph, d3 or RDF tools."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import networkx as nx

from coopgraph.cli.common import StoreOpener, handle_errors, store_options
from coopgraph.core import export
from coopgraph.core.export import ExportError
from coopgraph.core.export.tables import write_csv_files
from coopgraph.core.projection import KIND_KEYS, MAX_RADIUS, Selection, project
from coopgraph.core.store import Store
from coopgraph.core.vocab import CGR, LANGS

FORMAT_HELP = "; ".join(f"{f.name}: {f.description}" for f in export.FORMATS.values())


def _expand(iri: str | None) -> str | None:
    """`cgr:slug` -> the full instance IRI (a convenience on the command line)."""
    if iri is not None and iri.startswith("cgr:"):
        return CGR + iri[len("cgr:") :]
    return iri


def _kinds(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip()))


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for text in values:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
        params[name.strip()] = value
    return params


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(export.FORMATS)), required=True, help=FORMAT_HELP)
@click.option("--focus", help="IRI (or cgr:slug) of the resource whose ego network to export.")
@click.option("--radius", type=click.IntRange(0, MAX_RADIUS), default=1, show_default=True, help="Steps from --focus.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND[,KIND]",
    help=f"Only nodes of these kinds (repeatable): {', '.join(KIND_KEYS)}.",
)
@click.option(
    "--query", "query", metavar="NAME|FILE", help="Only the resources of a stored query's result, or of a .rq file."
)
@click.option("-e", "--expression", help="Only the resources of this ad-hoc SELECT or CONSTRUCT query's result.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A stored query's parameter.")
@click.option("--lang", type=click.Choice(list(LANGS)), default="es", show_default=True, help="Label language.")
@click.option("--max-nodes", type=click.IntRange(min=1), help="Refuse selections with more nodes than this.")
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="File to write ('-': stdout). For csv: a folder (gets nodes.csv and edges.csv) or a .zip file.",
)
@store_options
@click.pass_obj
@handle_errors
def export_command(
    opener: StoreOpener,
    fmt: str,
    focus: str | None,
    radius: int,
    kinds: tuple[str, ...],
    query: str | None,
    expression: str | None,
    params: tuple[str, ...],
    lang: str,
    max_nodes: int | None,
    output: Path,
) -> None:
    """Export the network (whole, some kinds, an ego network, a query's resources) as FORMAT.

    Labels are in --lang (falling back to the other language); see the
    README's Exports section for what becomes a node, an edge and an attribute.
    """
    if query is not None and expression is not None:
        raise click.UsageError("give --query or --expression, not both")
    sparql = expression
    if query is not None and Path(query).is_file():
        sparql = Path(query).read_text(encoding="utf-8")
        query = None
    selection = Selection(
        kinds=_kinds(kinds), focus=_expand(focus), radius=radius, query=query, params=_params(params), sparql=sparql
    )
    store = opener.open()
    graph = project(store, selection, lang=lang, max_nodes=max_nodes)
    try:
        where = _write(graph, fmt, output, store=store)
    except ExportError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    click.echo(
        f"exported {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges ({fmt}, {lang}) to {where}",
        err=True,
    )


def _write(graph: nx.MultiDiGraph[str], fmt: str, output: Path, *, store: Store) -> str:
    """Write to stdout, a file (through a temporary file, so a failure leaves no partial file) or a CSV folder."""
    if str(output) == "-":
        export.write(graph, fmt, sys.stdout.buffer, store=store)
        sys.stdout.buffer.flush()
        return "stdout"
    if fmt == "csv" and output.suffix.lower() != ".zip":
        nodes, edges = write_csv_files(graph, output)
        return f"{nodes} and {edges}"
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as out:
            export.write(graph, fmt, out, store=store)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return str(output)
