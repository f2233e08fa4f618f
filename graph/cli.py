"""The `coopgraph` command line: load, validate, query, stats, synth.

Exit codes: 0 success, 1 validation found violations, 2 bad input or usage
(a clear message on stderr; the store is left unchanged).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import click
import pyoxigraph as ox

from graph import __version__
from graph.loading import LOCAL_GRAPH, LoadSummary, default_data_dir, ensure_loaded, rebuild
from graph.results import FORMATTERS, compact, format_results
from graph.store import FORMATS, OxigraphStore, Store, StoreError
from graph.synth import FORMATS as SYNTH_FORMATS
from graph.synth import synth_vocabulary, write_synthetic

DATA_DIR_HELP = "Folder of the on-disk store [default: $COOPGRAPH_DATA_DIR, else the user data folder]."
MEMORY_HELP = "Use a fresh in-memory store with the shipped data; nothing is saved."


class StoreOpener:
    """Opens the store on first use (so --help and synth never touch it) and closes it at exit."""

    def __init__(self, *, data_dir: Path | None, memory: bool) -> None:
        self._store: OxigraphStore | None = None
        self.summary: LoadSummary | None = None
        self.configure(data_dir=data_dir, memory=memory)

    def configure(self, *, data_dir: Path | None, memory: bool) -> None:
        if memory and data_dir is not None:
            raise click.UsageError("--memory and --data-dir exclude each other")
        self.data_dir, self.memory = data_dir, memory

    @property
    def where(self) -> str:
        return "memory" if self.memory else str(self.data_dir or default_data_dir())

    def open(self) -> Store:
        """The store, with the shipped graphs loaded (first start) or upgraded."""
        if self._store is None:
            store = (
                OxigraphStore.in_memory() if self.memory else OxigraphStore.open(self.data_dir or default_data_dir())
            )
            self._store = store
            # A memory store loads the shipped data every time: only report loads that persist.
            self.summary = ensure_loaded(store, progress=None if self.memory else _progress)
            if self.summary.status != "current" and not self.memory:
                _echo_summary(self.summary)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Accept --data-dir/--memory after the command too (`coopgraph stats --memory`)."""

    @functools.wraps(command)
    def wrapper(*args: Any, store_data_dir: Path | None, store_memory: bool, **kwargs: Any) -> Any:
        opener = click.get_current_context().find_object(StoreOpener)
        if opener is not None and (store_data_dir is not None or store_memory):
            opener.configure(data_dir=store_data_dir or opener.data_dir, memory=store_memory or opener.memory)
        return command(*args, **kwargs)

    wrapper = click.option("--memory", "store_memory", is_flag=True, help=MEMORY_HELP)(wrapper)
    return click.option(
        "--data-dir", "store_data_dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP
    )(wrapper)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a one-line message on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:  # `coopgraph query ... | head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except (StoreError, ValueError, SyntaxError, OSError, NotImplementedError) as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(2) from None

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help=DATA_DIR_HELP)
@click.option("--memory", is_flag=True, help=MEMORY_HELP)
@click.version_option(__version__, prog_name="coopgraph")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, memory: bool) -> None:
    """coopgraph: a cited knowledge graph of decentralised international cooperation."""
    ctx.obj = StoreOpener(data_dir=data_dir, memory=memory)
    ctx.call_on_close(ctx.obj.close)


@cli.command()
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
) -> None:
    """Load RDF FILES into the store, all or nothing (no FILES: the shipped data)."""
    store = opener.open()
    if do_rebuild:
        _echo_summary(rebuild(store, progress=_progress))
    if files:
        count = store.load(files, graph=graph_iri, replace=replace, format=fmt, progress=_progress, bulk=bulk)
        click.echo(f"loaded {count} triples from {len(files)} file(s) into <{graph_iri}>")
    elif opener.summary is not None and opener.summary.status == "current" and not do_rebuild:
        click.echo(f"shipped data is current in {opener.where} ({store.count()} quads)")


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--lang", type=click.Choice(["es", "en"]), default="es", show_default=True, help="Language of the report."
)
@store_options
@click.pass_obj
@handle_errors
def validate(opener: StoreOpener, files: tuple[Path, ...], lang: str) -> None:
    """Check FILES (no FILES: the store) against the SHACL shapes; exit 1 on violations."""
    validator = _validator()
    if files:
        report = validator.validate_files(list(files), lang=lang)
    else:
        report = validator.validate_store(opener.open(), lang=lang)
    click.echo(report.text(lang))
    if not report.conforms:
        raise SystemExit(1)


@cli.command()
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
    from graph import queries as stored

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


@cli.command("queries")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
def list_queries(lang: str) -> None:
    """List the stored queries with their titles and parameters."""
    from graph import queries as stored

    for name, item in sorted(stored.load_queries(kind="competency").items()):
        params = " ".join(f"{p.name}={p.default}" for p in item.params if p.name != "lang")
        click.echo(f"{name}  {item.title.get(lang, '')}" + (f"  [{params}]" if params else ""))


@cli.command()
@store_options
@click.pass_obj
@handle_errors
def stats(opener: StoreOpener) -> None:
    """Triples per named graph and instances per class."""
    store = opener.open()
    click.echo(f"store: {opener.where}")
    graph_rows = [(f"<{g}>", store.count(g)) for g in store.graphs()]
    click.echo(_rows("triples per named graph", [*graph_rows, ("total (quads)", store.count())]))
    classes = store.query("SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class")
    class_rows = sorted(((compact(s["class"]), int(s["n"].value)) for s in classes), key=lambda r: (-r[1], r[0]))
    click.echo(_rows("instances per class", class_rows))


@cli.command()
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


def _validator() -> ModuleType:
    """graph.validate, imported lazily; a clear NotImplementedError until it exists."""
    try:
        module = importlib.import_module("graph.validate")
    except ModuleNotFoundError as error:
        if error.name != "graph.validate":
            raise
        raise NotImplementedError("validation is not available yet (graph/validate.py is missing)") from None
    for name in ("validate_store", "validate_files"):
        if not hasattr(module, name):
            raise NotImplementedError(f"validation is not available yet (graph.validate.{name} is missing)")
    return module


def _progress(path: Path, count: int) -> None:
    click.echo(f"  parsed {path.parent.name}/{path.name}: {count} triples", err=True)


def _echo_summary(summary: LoadSummary) -> None:
    for graph, count in summary.triples.items():
        click.echo(f"{summary.status} <{graph}>: {count} triples", err=True)


def _rows(title: str, rows: list[tuple[str, int]]) -> str:
    width = max([len(name) for name, _ in rows] + [1])
    digits = max([len(str(n)) for _, n in rows] + [1])
    return "\n".join([title, *(f"  {name.ljust(width)}  {str(n).rjust(digits)}" for name, n in rows)]) + "\n"


from graph.export_cli import export_command  # noqa: E402 - each feature registers its commands last
from graph.match_cli import eval_match, match  # noqa: E402

cli.add_command(export_command)
cli.add_command(match)
cli.add_command(eval_match)
