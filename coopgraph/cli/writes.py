"""The write commands: tokens (`token add|list|revoke`), `history`, `revert`, and the client half of
`load --service` (a write to a running service through its Graph Store endpoint).

A token lives in the data folder (coopgraph/core/writes/tokens.py), so the
token commands work while the service runs. `history` and `revert` talk to
a running service when given `--service URL` (the token from
$COOPGRAPH_TOKEN), else work on the data folder directly (the service must
then be stopped: it holds the store's lock).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from coopgraph.cli.common import StoreOpener, handle_errors, store_options
from coopgraph.core.loading import default_data_dir
from coopgraph.core.store import OxigraphStore, StoreError
from coopgraph.core.store.sources import stage_sources
from coopgraph.core.writes.audit import RevertError, history, revert_delta
from coopgraph.core.writes.delta import change
from coopgraph.core.writes.journal import Journal
from coopgraph.core.writes.plan import prepare
from coopgraph.core.writes.tokens import TokenBook, TokenError

TOKEN_ENV = "COOPGRAPH_TOKEN"
SERVICE_HELP = "Base URL of a running coopgraph serve (http://127.0.0.1:8000); the token comes from $COOPGRAPH_TOKEN."
TIMEOUT_S = 120


def _book(opener: StoreOpener) -> TokenBook:
    return TokenBook(opener.data_dir or default_data_dir())


@click.group()
def token() -> None:
    """Write tokens: a token is printed once, stored hashed in the data folder."""


@token.command("add")
@click.argument("name")
@click.option("--scope", required=True, help="'all', or a province's ISO 3166-2 code (EC-L): its records only.")
@store_options
@click.pass_obj
@handle_errors
def token_add(opener: StoreOpener, name: str, scope: str) -> None:
    """Make a token NAME; print it (once: keep it, it cannot be shown again)."""
    try:
        secret = _book(opener).add(name, scope)
    except TokenError as error:
        raise click.UsageError(str(error)) from None
    click.echo(secret)
    click.echo(f"token {name!r} made for scope {scope}; send it as 'Authorization: Bearer TOKEN'", err=True)


@token.command("list")
@store_options
@click.pass_obj
@handle_errors
def token_list(opener: StoreOpener) -> None:
    """The tokens: name, scope, made, revoked (never the token itself)."""
    for item in _book(opener).tokens():
        click.echo(f"{item.name}\t{item.scope}\t{item.created}\t{item.revoked or 'active'}")


@token.command("revoke")
@click.argument("name")
@store_options
@click.pass_obj
@handle_errors
def token_revoke(opener: StoreOpener, name: str) -> None:
    """Revoke token NAME: its next request is refused (401)."""
    try:
        _book(opener).revoke(name)
    except TokenError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"token {name!r} revoked", err=True)


@click.command("history")
@click.option("--service", help=SERVICE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the writes as JSON.")
@store_options
@click.pass_obj
@handle_errors
def history_command(opener: StoreOpener, service: str | None, as_json: bool) -> None:
    """The audited writes, newest first: id, time, token, operation, quads added and removed, graphs."""
    records = _records(service, opener)
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    for record in records:
        undoes = f"\treverts {record['reverts']}" if record["reverts"] else ""
        graphs = " ".join(record["graphs"])
        click.echo(
            f"{record['id']}\t{record['time']}\t{record['who']}\t{record['operation']}\t"
            f"+{record['added']} -{record['removed']}\t{graphs}{undoes}"
        )


@click.command("revert")
@click.argument("write_id")
@click.option("--service", help=SERVICE_HELP)
@click.option(
    "--as", "who", default="cli", show_default=True, help="Name recorded for a revert made without --service."
)
@store_options
@click.pass_obj
@handle_errors
def revert_command(opener: StoreOpener, write_id: str, service: str | None, who: str) -> None:
    """Undo write WRITE_ID (itself a write: checked and audited)."""
    if service:
        result = call(service, "POST", f"/api/writes/{urllib.parse.quote(write_id, safe='')}/revert")
    else:
        store = opener.open()
        if not isinstance(store, OxigraphStore):
            raise StoreError("revert without --service needs the embedded store")

        def operation(target: ox.Store) -> Any:
            try:
                undo = revert_delta(target, write_id)
            except RevertError as error:
                raise ValueError(str(error)) from None
            return change(target, remove=undo.removed, add=undo.added)

        plan = prepare(store.oxigraph, operation, who=who, scope="all", name="Revert", reverts=write_id)
        journal = Journal(store.oxigraph, store.path)
        try:
            journal.commit(plan.delta)
        finally:
            journal.close()
        result = {"write": plan.write_id, "added": len(plan.changed.added), "removed": len(plan.changed.removed)}
    click.echo(f"reverted {write_id}: write {result['write']} (+{result['added']} -{result['removed']})")


def push(service: str, files: tuple[Path, ...], *, graph: str, fmt: str | None, replace: bool) -> dict[str, Any]:
    """`load --service`: parse FILES here (all or nothing), send them as one write to /data."""
    staging = stage_sources(files, graph=graph, format=fmt)
    body = staging.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
    path = "/data?" + urllib.parse.urlencode({"graph": graph})
    return call(service, "PUT" if replace else "POST", path, body=body, content_type="application/n-triples")


def fetch(service: str, path: str, accept: str) -> bytes | None:
    """A public read from a running service (None for a 404); ValueError with its message otherwise."""
    return _request(service, "GET", path, accept=accept, missing_ok=True)


def call(
    service: str, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None
) -> dict[str, Any]:
    """One request to a running service; its JSON answer (ValueError with the service's message on an error)."""
    answer: dict[str, Any] = json.loads(_request(service, method, path, body=body, content_type=content_type) or b"{}")
    return answer


def _request(
    service: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    accept: str = "application/json",
    missing_ok: bool = False,
) -> bytes | None:
    """The body of one request to a running service (a write carries the token of $COOPGRAPH_TOKEN)."""
    url = service.rstrip("/") + path
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--service must be an http(s) URL, not {service!r}")
    headers = {"Accept": accept}
    secret = os.environ.get(TOKEN_ENV)
    if secret and method != "GET":
        headers["Authorization"] = f"Bearer {secret}"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as error:
        if error.code == 404 and missing_ok:
            return None
        detail = error.read()
        try:
            message = json.loads(detail)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = detail[:300].decode("utf-8", "replace")
        hint = f" (set ${TOKEN_ENV})" if error.code == 401 and not secret else ""
        raise ValueError(f"the service answered {error.code}: {message}{hint}") from None
    except urllib.error.URLError as error:
        raise ValueError(f"cannot reach {service}: {error.reason}") from None


def _records(service: str | None, opener: StoreOpener) -> list[dict[str, Any]]:
    if service:
        found: list[dict[str, Any]] = call(service, "GET", "/api/writes")["writes"]
        return found
    return [dict(record.__dict__) for record in history(_oxigraph(opener))]


def _oxigraph(opener: StoreOpener) -> ox.Store:
    store = opener.open()
    if not isinstance(store, OxigraphStore):
        raise StoreError("this command needs the embedded store")
    return store.oxigraph
