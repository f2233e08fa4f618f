"""The write commands: `token add|list|revoke`, `load --service`, `history`, `revert` (local and against a service)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from coopgraph.cli.main import cli
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.app import create_app
from coopgraph.web.state import EXTENSION
from coopgraph.web.testing import live_server

FIXTURES = Path(__file__).parent / "fixtures" / "writes"
REGISTER = "https://w3id.org/coopgraph/graph/register"


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_token_add_prints_the_token_once_and_list_never_shows_it(tmp_path: Path) -> None:
    runner = CliRunner()
    code, out, err = run(runner, "--data-dir", str(tmp_path), "token", "add", "loja", "--scope", "ec-l")
    secret = out.strip()
    assert code == 0 and secret.startswith("cgt_") and "loja" in err
    code, listing, _ = run(runner, "--data-dir", str(tmp_path), "token", "list")
    assert code == 0 and "loja\tEC-L" in listing and "active" in listing and secret not in listing
    assert TokenBook(tmp_path).verify(secret) is not None
    code, _, _ = run(runner, "--data-dir", str(tmp_path), "token", "revoke", "loja")
    assert code == 0 and TokenBook(tmp_path).verify(secret) is None
    code, listing, _ = run(runner, "--data-dir", str(tmp_path), "token", "list")
    assert "active" not in listing


def test_token_commands_refuse_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    code, _, err = run(runner, "--data-dir", str(tmp_path), "token", "add", "x", "--scope", "Loja")
    assert code == 2 and "ISO 3166-2" in err
    code, _, err = run(runner, "--data-dir", str(tmp_path), "token", "revoke", "nobody")
    assert code == 2 and "no active token" in err


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    secret = TokenBook(tmp_path / "service").add("officer", "all")
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        app = create_app({"data_dir": str(tmp_path / "service")}, store=store)
        try:
            with live_server(app) as base:
                yield base, secret
        finally:
            app.extensions[EXTENSION].close()


def test_load_service_history_and_revert_go_through_the_service(service: tuple[str, str]) -> None:
    base, secret = service
    runner = CliRunner()
    env = {"COOPGRAPH_TOKEN": secret}
    agreement = str(FIXTURES / "agreement-loja.ttl")
    code, out, err = run(runner, "load", agreement, "--graph", REGISTER, "--service", base, env=env)
    assert code == 0, err
    assert "write " in out and "+22" in out
    code, out, err = run(runner, "history", "--service", base)
    assert code == 0 and "officer\tGraph Store POST\t+22 -0" in out
    write_id = out.split("\t", 1)[0]
    code, out, err = run(runner, "revert", write_id, "--service", base, env=env)
    assert code == 0 and "(+0 -22)" in out, err
    refused = run(
        runner, "load", str(FIXTURES / "agreement-one-party.ttl"), "--graph", REGISTER, "--service", base, env=env
    )
    assert refused[0] == 2 and "422" in refused[2]
    no_token = run(runner, "load", agreement, "--graph", REGISTER, "--service", base, env={"COOPGRAPH_TOKEN": ""})
    assert no_token[0] == 2 and "401" in no_token[2] and "COOPGRAPH_TOKEN" in no_token[2]


def test_history_and_revert_work_on_the_data_folder_when_the_service_is_stopped(
    service: tuple[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    folder = tmp_path / "local"
    code, _, err = run(runner, "--data-dir", str(folder), "history")
    assert code == 0, err
    with OxigraphStore.open(folder) as store:
        app = create_app({"data_dir": str(folder)}, store=store)
        secret = TokenBook(folder).add("ana", "all")
        with live_server(app) as base:
            code, _, err = run(
                runner,
                "load",
                str(FIXTURES / "agreement-loja.ttl"),
                "--graph",
                REGISTER,
                "--service",
                base,
                env={"COOPGRAPH_TOKEN": secret},
            )
            assert code == 0, err
        app.extensions[EXTENSION].close()
    code, out, _ = run(runner, "--data-dir", str(folder), "history")
    (line,) = out.strip().splitlines()
    assert "\tana\tGraph Store POST\t+22 -0" in line
    code, out, err = run(runner, "--data-dir", str(folder), "revert", line.split("\t")[0], "--as", "ana")
    assert code == 0 and "(+0 -22)" in out, err
    code, out, _ = run(runner, "--data-dir", str(folder), "history")
    assert out.splitlines()[0].split("\t")[3] == "Revert"
    code, _, err = run(runner, "--data-dir", str(folder), "revert", "nope")
    assert code == 2 and "no write" in err


def test_import_iati_through_the_service_is_one_audited_write(service: tuple[str, str]) -> None:
    base, secret = service
    runner = CliRunner()
    env = {"COOPGRAPH_TOKEN": secret}
    fixture = str(Path(__file__).parent / "fixtures" / "iati" / "loja-activities.xml")
    code, out, err = run(
        runner, "import-iati", fixture, "--province", "EC-L", "--service", base, "--lang", "en", env=env
    )
    assert code == 0, err
    assert "imported" in out and "write " in err
    history = run(runner, "history", "--service", base, "--json")[1]
    (write,) = json.loads(history)
    assert (write["who"], write["operation"], write["graphs"]) == ("officer", "Graph Store POST", [REGISTER])
    assert write["added"] > 0
    again = run(runner, "import-iati", fixture, "--province", "EC-L", "--service", base, "--lang", "en", env=env)
    assert again[0] == 2 and "nothing imported" in again[2], "the service's register already holds the activities"
    replaced = run(
        runner, "import-iati", fixture, "--province", "EC-L", "--service", base, "--replace", "--lang", "en", env=env
    )
    assert replaced[0] == 0, replaced[2]
    assert json.loads(run(runner, "history", "--service", base, "--json")[1])[0]["operation"] == "Graph Store PUT"
    no_token = run(
        runner,
        "import-iati",
        fixture,
        "--province",
        "EC-L",
        "--service",
        base,
        "--replace",
        env={"COOPGRAPH_TOKEN": ""},
    )
    assert no_token[0] == 2 and "401" in no_token[2]
