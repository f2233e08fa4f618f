"""The data commands: load, validate, query, queries, stats, synth."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from types import ModuleType

import click
import pyoxigraph as ox

from coopgraph.cli.common import StoreOpener, echo_summary, handle_errors, progress, store_options
from coopgraph.cli.writes import push
from coopgraph.core.loading import LOCAL_GRAPH, rebuild
from coopgraph.core.results import FORMATTERS, compact, format_results
from coopgraph.core.store import FORMATS, solutions
from coopgraph.core.synth import FORMATS as SYNTH_FORMATS
from coopgraph.core.synth import synth_vocabulary, write_synthetic
from coopgraph.core.validation import validate_files, validate_store


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--graph", "graph_iri", default=LOCAL_GRAPH, show_default=True, help="Named graph to load FILES into.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS), case_sensitive=False),
    help="RDF format of FILES [default: from each file's suffix].",
)
@click.option("--replace", is_flag=True, help="Replace the graph's content instead of adding to it.")
@click.option("--rebuild", "do_rebuild", is_flag=True, help="Reload the shipped graphs now.")
@click.option(
    "--bulk",
    is_flag=True,
    help="Faster write for very large FILES, not in one transaction (a parse error still changes nothing).",
)
@click.option(
    "--service",
    help="Send FILES to a running coopgraph serve at this URL instead (one write through its /data endpoint: "
    "checked, audited; the token from $COOPGRAPH_TOKEN).",
)
@store_options
@click.pass_obj
@handle_errors
def load(
    opener: StoreOpener,
    files: tuple[Path, ...],
    graph_iri: str,
    fmt: str | None,
    replace: bool,
    do_rebuild: bool,
    bulk: bool,
    service: str | None,
) -> None:
    """Load RDF FILES into the store, all or nothing (no FILES: the shipped data)."""
    if service:
        if not files or do_rebuild or bulk:
            raise click.UsageError("--service sends FILES (no --rebuild, no --bulk)")
        result = push(service, files, graph=graph_iri, fmt=fmt, replace=replace)
        click.echo(f"write {result['write']}: +{result['added']} -{result['removed']} quads in <{graph_iri}>")
        return
    store = opener.open()
    if do_rebuild:
        echo_summary(rebuild(store, progress=progress))
    if files:
        count = store.load(files, graph=graph_iri, replace=replace, format=fmt, progress=progress, bulk=bulk)
        click.echo(f"loaded {count} triples from {len(files)} file(s) into <{graph_iri}>")
    elif opener.summary is not None and opener.summary.status == "current" and not do_rebuild:
        click.echo(f"shipped data is current in {opener.where} ({store.count()} quads)")


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--lang", type=click.Choice(["es", "en"]), default="es", show_default=True, help="Language of the report."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--strict", is_flag=True, help="Warnings also make the graph non-conforming.")
@store_options
@click.pass_obj
@handle_errors
def validate(opener: StoreOpener, files: tuple[Path, ...], lang: str, as_json: bool, strict: bool) -> None:
    """Check FILES (a folder means its *.ttl files) against the SHACL shapes, with the graph as context.

    No FILES: check the store. Exit 1 on violations.
    """
    if files:
        report = validate_files(list(files), lang=lang, allow_warnings=not strict)
    else:
        report = validate_store(opener.open(), lang=lang, allow_warnings=not strict)
    click.echo(report.to_json() if as_json else report.text(lang), nl=as_json)
    if report.exit_code:
        raise SystemExit(report.exit_code)


@click.command()
@click.argument("source", required=False)
@click.option("-e", "--expression", "text", help="The SPARQL query text (instead of SOURCE).")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A stored query's parameter (repeatable); the others keep their defaults.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATTERS)),
    help="Output format [default: table for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE].",
)
@click.option("--graph", "graphs", multiple=True, help="Use only this named graph as the default graph (repeatable).")
@store_options
@click.pass_obj
@handle_errors
def query(
    opener: StoreOpener,
    source: str | None,
    text: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    graphs: tuple[str, ...],
) -> None:
    """Run a query: a stored query's NAME (see queries/), a .rq FILE ('-' for stdin), or -e TEXT.

    Stored queries (files with a header) get their parameters bound safely:
    --param for the ones you give, defaults for the rest.
    """
    from coopgraph.core import queries as stored

    if (source is None) == (text is None):
        raise click.UsageError("give exactly one of SOURCE (a stored query name or a file) or -e TEXT")
    if text is None:
        text, name = _query_source(source, stored)  # type: ignore[arg-type]
    else:
        name = "expression"
    values = dict(_name_value(p) for p in params)
    substitutions = None
    if _declares_params(text):
        substitutions = stored.parse_query(text, name=name).bind(values)
    elif values:
        raise click.UsageError(f"{name} declares no parameters; --param is for stored queries")
    results = opener.open().query(text, default_graph=list(graphs) or None, substitutions=substitutions)
    chosen = fmt or ("turtle" if isinstance(results, ox.QueryTriples) else "table")
    click.echo(format_results(results, chosen), nl=False)


def _query_source(source: str, stored: ModuleType) -> tuple[str, str]:
    """The text and name of SOURCE: '-' (stdin), an existing file, or a stored query's name."""
    if source == "-":
        return sys.stdin.read(), "stdin"
    path = Path(source)
    if path.is_file():
        return path.read_text(encoding="utf-8"), path.stem
    known = stored.load_queries()
    if source in known:
        return known[source].text, source
    close = difflib.get_close_matches(source, list(known), n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else " `coopgraph queries` lists them."
    raise click.BadParameter(f"{source!r} is neither a file nor a stored query.{hint}", param_hint="SOURCE")


def _declares_params(text: str) -> bool:
    """Whether the query's leading comment header declares parameters (a stored query's header)."""
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            return False
        if line.lstrip("# \t").startswith("param:"):
            return True
    return False


def _name_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
    return name.strip(), value


@click.command("queries")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
def list_queries(lang: str) -> None:
    """List the stored queries with their titles and parameters."""
    from coopgraph.core import queries as stored

    for name, item in sorted(stored.load_queries(kind="competency").items()):
        params = " ".join(f"{p.name}={p.default}" for p in item.params if p.name != "lang")
        click.echo(f"{name}  {item.title.get(lang, '')}" + (f"  [{params}]" if params else ""))


@click.command()
@store_options
@click.pass_obj
@handle_errors
def stats(opener: StoreOpener) -> None:
    """Triples per named graph and instances per class."""
    store = opener.open()
    click.echo(f"store: {opener.where}")
    graph_rows = [(f"<{g}>", store.count(g)) for g in store.graphs()]
    click.echo(_rows("triples per named graph", [*graph_rows, ("total (quads)", store.count())]))
    classes = solutions(store.query("SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"))
    class_rows = sorted(((compact(s["class"]), int(s["n"].value)) for s in classes), key=lambda r: (-r[1], r[0]))
    click.echo(_rows("instances per class", class_rows))


@click.command()
@click.option("--actors", type=click.IntRange(min=1), default=1000, show_default=True, help="Number of actors.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; same seed, same bytes.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="File to write ('-' for stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SYNTH_FORMATS),
    help="turtle or ntriples [default: from the output suffix, .nt for ntriples, else turtle].",
)
@click.option("--standalone", is_flag=True, help="Declare every concept used instead of pointing at the shipped ones.")
@handle_errors
def synth(actors: int, seed: int, output: Path, fmt: str | None, standalone: bool) -> None:
    """Write a deterministic synthetic graph of N actors (for scale tests and benchmarks)."""
    chosen = fmt or ("ntriples" if output.suffix == ".nt" else "turtle")
    vocabulary = synth_vocabulary(standalone=standalone)
    if str(output) == "-":
        count = write_synthetic(sys.stdout, actors=actors, seed=seed, format=chosen, vocabulary=vocabulary)
    else:
        with output.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            count = write_synthetic(out, actors=actors, seed=seed, format=chosen, vocabulary=vocabulary)
    click.echo(f"wrote {count} triples ({actors} actors, seed {seed}) to {output}", err=True)


def _rows(title: str, rows: list[tuple[str, int]]) -> str:
    width = max([len(name) for name, _ in rows] + [1])
    digits = max([len(str(n)) for _, n in rows] + [1])
    return "\n".join([title, *(f"  {name.ljust(width)}  {str(n).rjust(digits)}" for name, n in rows)]) + "\n"
