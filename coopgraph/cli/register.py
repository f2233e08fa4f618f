"""The register's commands: `import-iati` (IATI 2.03 activity XML in) and `export-iati` (out).

Exit codes as for every command: 0 success, 2 bad input (every problem on
stderr with file:line:column; the store is left unchanged).
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from coopgraph.cli.common import StoreOpener, handle_errors, store_options
from coopgraph.cli.writes import call, fetch
from coopgraph.core.iati import (
    DEFAULT_MAX_BYTES,
    IatiError,
    Timeouts,
    download_iati,
    export_iati,
    import_iati,
    is_url,
)
from coopgraph.core.iati.model import REGISTER_GRAPH
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore, Store

_PROVINCE_HELP = "The register's province, ISO 3166-2 (EC-L) [default: the province the file names]."


@click.command("import-iati")
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--province", help=_PROVINCE_HELP)
@click.option(
    "--recorded-by",
    help="Who records the file, cited by every record it brings [default: the login name].",
)
@click.option("--replace", is_flag=True, help="Replace activities already in the register (else: a conflict).")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Largest file accepted (a download is stopped past it).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=Timeouts.read,
    show_default=True,
    help="Seconds to wait for each read of a download (connect: 10 s; the whole download: 300 s).",
)
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True, help="Language of messages.")
@click.option(
    "--service",
    help="Send the import to a running coopgraph serve at this URL as one write (checked by its SHACL gate, "
    "audited); the token from $COOPGRAPH_TOKEN. The file is read and checked here first.",
)
@store_options
@click.pass_obj
@handle_errors
def import_iati_command(
    opener: StoreOpener,
    source: str,
    province: str | None,
    recorded_by: str | None,
    replace: bool,
    max_bytes: int,
    timeout: float,
    lang: str,
    service: str | None,
) -> None:
    """Import an IATI 2.03 activity file (a path, or an http(s) URL) into the register: validated, all or nothing."""
    try:
        data, name = _read_source(source, max_bytes=max_bytes, timeout=timeout)
        store = _service_register(service) if service else opener.open()
        before = _register_quads(store) if service else set()
        summary = import_iati(
            store,
            data,
            file=name,
            recorded_by=recorded_by or getpass.getuser(),
            recorded_at=dt.datetime.now(dt.UTC),
            province=province,
            replace=replace,
            max_bytes=max_bytes,
        )
        if service:
            result = _send_register(service, store, before, replace=replace)
            click.echo(f"write {result['write']}: +{result['added']} -{result['removed']} quads", err=True)
    except IatiError as error:
        error.file = source
        click.echo(error.text(lang), err=True)
        count = len(error.problems)
        click.echo(
            f"{count} problema(s): no se importó nada" if lang == "es" else f"{count} problem(s): nothing imported",
            err=True,
        )
        raise SystemExit(2) from None
    added, replaced = len(summary.added), len(summary.replaced)
    if lang == "es":
        click.echo(
            f"importadas {added} actividades, reemplazadas {replaced} ({summary.triples} tripletas) desde {source}"
        )
    else:
        click.echo(f"imported {added} activities, replaced {replaced} ({summary.triples} triples) from {source}")
    if summary.skipped:
        click.echo("no guardado por el registro:" if lang == "es" else "not kept by the register:", err=True)
        for path, count in summary.skipped.items():
            click.echo(f"  {count:>5}  {path}", err=True)


def _service_register(service: str) -> OxigraphStore:
    """A scratch store holding the shipped graphs and the service's register graph, to import into here."""
    store = OxigraphStore.in_memory()
    ensure_loaded(store)
    current = fetch(service, "/data?" + urllib.parse.urlencode({"graph": REGISTER_GRAPH}), "application/n-triples")
    if current:
        store.oxigraph.load(current, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(REGISTER_GRAPH))
    return store


def _register_quads(store: Store) -> set[ox.Quad]:
    assert isinstance(store, OxigraphStore)
    return set(store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(REGISTER_GRAPH)))


def _send_register(service: str, store: Store, before: set[ox.Quad], *, replace: bool) -> dict[str, Any]:
    """The import as one write: the new triples (POST), or, when it replaced activities, the whole register
    graph (PUT; the service works out what changed, and audits that)."""
    after = _register_quads(store)
    quads = after if replace else after - before
    body = ox.serialize([quad.triple for quad in quads], format=ox.RdfFormat.N_TRIPLES) or b""
    path = "/data?" + urllib.parse.urlencode({"graph": REGISTER_GRAPH})
    return call(service, "PUT" if replace else "POST", path, body=body, content_type="application/n-triples")


def _read_source(source: str, *, max_bytes: int, timeout: float) -> tuple[bytes, str]:
    """The bytes of a file or URL, and the name its import records (the URL, or the file's name)."""
    if is_url(source):
        return download_iati(source, max_bytes=max_bytes, timeouts=Timeouts(read=timeout)), source
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"{source!r} is neither a file nor an http(s) URL", param_hint="FILE_OR_URL")
    return path.read_bytes(), path.name


@click.command("export-iati")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), default=Path("-"))
@click.option("--province", help="Only this province's register (ISO 3166-2, EC-L) [default: every activity].")
@store_options
@click.pass_obj
@handle_errors
def export_iati_command(opener: StoreOpener, output: Path, province: str | None) -> None:
    """Write the register's programmes and projects as IATI 2.03 activity XML."""
    xml = export_iati(opener.open(), province=province, generated=dt.datetime.now(dt.UTC))
    if str(output) == "-":
        sys.stdout.buffer.write(xml)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(xml)
        click.echo(f"wrote {output}", err=True)
