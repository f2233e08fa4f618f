"""The coopgraph command line: help everywhere, load/query/stats/validate/synth, bad input leaves the store alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coopgraph.cli.main import COMMANDS, cli
from coopgraph.core.loading import CODELISTS_GRAPH, DATA_GRAPH, LOCAL_GRAPH, ONTOLOGY_GRAPH, shipped_sources
from coopgraph.core.store import OxigraphStore

CGR = "https://w3id.org/coopgraph/id/"


def run(runner: CliRunner, *args: str | Path, input: str | None = None) -> Result:
    return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def store_snapshot(folder: Path) -> tuple[int, bytes]:
    with OxigraphStore.open(folder) as store:
        return store.count(), store.dump(format="nquads")


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(COMMANDS))])
def test_help_everywhere(cli_runner: CliRunner, command: list[str]) -> None:
    result = run(cli_runner, *command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")


def test_the_help_lists_every_command(cli_runner: CliRunner) -> None:
    listed = run(cli_runner, "--help").stdout.split("Commands:")[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)


def test_serve_starts_without_the_libraries_of_the_other_commands() -> None:
    """The command group imports a command's module when it runs (coopgraph/cli/main.py), and the front of
    `coopgraph serve` needs none of Flask, pyshacl, networkx or rdflib's SPARQL engine (its data holder does)."""
    heavy = ("flask", "werkzeug", "pyshacl", "networkx", "rdflib.plugins.sparql")
    script = (
        "import sys, click\n"
        "from coopgraph.cli.main import cli\n"
        "cli.get_command(click.Context(cli), 'serve')\n"
        "import coopgraph.web.front, coopgraph.web.serve\n"
        f"print([name for name in {heavy!r} if name in sys.modules])\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stderr


def test_version(cli_runner: CliRunner) -> None:
    assert "coopgraph, version" in run(cli_runner, "--version").stdout


def test_memory_and_data_dir_exclude_each_other(cli_runner: CliRunner, tmp_path: Path) -> None:
    result = run(cli_runner, "--memory", "--data-dir", tmp_path, "stats")
    assert result.exit_code == 2
    assert "exclude each other" in result.stderr


def test_store_options_also_after_the_command(cli_runner: CliRunner, tmp_path: Path) -> None:
    memory = run(cli_runner, "stats", "--memory")
    assert memory.exit_code == 0
    assert memory.stdout.startswith("store: memory\n")
    on_disk = run(cli_runner, "stats", "--data-dir", tmp_path / "here")
    assert on_disk.stdout.startswith(f"store: {tmp_path / 'here'}\n")
    assert (tmp_path / "here" / "CURRENT").exists()


def test_first_load_then_current(cli_runner: CliRunner, isolated_data_dir: Path) -> None:
    first = run(cli_runner, "load")
    assert first.exit_code == 0, first.stderr
    assert f"loaded <{ONTOLOGY_GRAPH}>" in first.stderr
    assert "parsed ontology/" in first.stderr  # progress, per file
    second = run(cli_runner, "load")
    assert second.exit_code == 0
    assert "shipped data is current" in second.stdout
    assert (isolated_data_dir / "CURRENT").exists()  # a RocksDB store lives in the data folder


@pytest.mark.slow
def test_rebuild(cli_runner: CliRunner) -> None:
    run(cli_runner, "load")
    result = run(cli_runner, "load", "--rebuild")
    assert result.exit_code == 0
    assert f"rebuilt <{DATA_GRAPH}>" in result.stderr


def test_load_files_into_a_graph(cli_runner: CliRunner, fixtures_dir: Path, isolated_data_dir: Path) -> None:
    result = run(cli_runner, "load", fixtures_dir / "good.ttl", fixtures_dir / "good2.nt")
    assert result.exit_code == 0, result.stderr
    assert f"loaded 9 triples from 2 file(s) into <{LOCAL_GRAPH}>" in result.stdout
    replaced = run(cli_runner, "load", "--replace", "--graph", LOCAL_GRAPH, fixtures_dir / "good.rdf")
    assert replaced.exit_code == 0
    with OxigraphStore.open(isolated_data_dir) as store:
        assert store.count(LOCAL_GRAPH) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad-syntax.ttl"], "bad-syntax.ttl:5:10: ; is not a valid predicate"),
        (["data.unknown"], "valid suffixes: .ttl"),
        (["missing.ttl"], "missing.ttl: no such file"),
        (["entity.rdf"], "entity.rdf:3:1: RDF/XML with a DOCTYPE or ENTITY declaration is refused"),
        (["named.trig"], "named.trig"),
        (["--format", "yaml", "good.ttl"], "Invalid value for '--format'"),
        (["good2.nt", "bad-syntax.ttl"], "bad-syntax.ttl:5:10"),
    ],
)
def test_bad_input_is_reported_and_changes_nothing(
    cli_runner: CliRunner, fixtures_dir: Path, isolated_data_dir: Path, args: list[str], message: str
) -> None:
    assert run(cli_runner, "load", fixtures_dir / "good.ttl").exit_code == 0
    before = store_snapshot(isolated_data_dir)
    paths = [a if a.startswith("--") or a == "yaml" else fixtures_dir / a for a in args]
    result = run(cli_runner, "load", *paths)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert store_snapshot(isolated_data_dir) == before


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("table", lambda out: out.splitlines()[-1] == "(1 row)"),
        ("csv", lambda out: out.splitlines()[0] == "n"),
        ("tsv", lambda out: out.splitlines()[0] == "?n"),
        ("json", lambda out: json.loads(out)["head"]["vars"] == ["n"]),
    ],
)
def test_query_formats(cli_runner: CliRunner, fmt: str, check) -> None:
    result = run(cli_runner, "--memory", "query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert check(result.stdout)


def test_query_construct_defaults_to_turtle(cli_runner: CliRunner) -> None:
    sparql = "CONSTRUCT { ?g a <http://example.org/Graph> } WHERE { GRAPH ?g { ?s ?p ?o } }"
    result = run(cli_runner, "--memory", "query", "-e", sparql)
    assert result.exit_code == 0, result.stderr
    assert f"<{ONTOLOGY_GRAPH}> a <http://example.org/Graph>" in result.stdout


def test_query_from_a_file_and_from_stdin(cli_runner: CliRunner, tmp_path: Path, fixtures_dir: Path) -> None:
    run(cli_runner, "load", fixtures_dir / "good2.nt")
    query_file = tmp_path / "labels.rq"
    query_file.write_text("SELECT ?l WHERE { <http://example.org/beta> ?p ?l . FILTER(isLiteral(?l)) }", "utf-8")
    from_file = run(cli_runner, "query", query_file, "--format", "csv")
    assert from_file.stdout.splitlines() == ["l", "Beta"]
    from_stdin = run(cli_runner, "query", "-", "--format", "csv", input=query_file.read_text("utf-8"))
    assert from_stdin.stdout == from_file.stdout


def test_query_restricted_to_a_graph(cli_runner: CliRunner, fixtures_dir: Path) -> None:
    run(cli_runner, "load", fixtures_dir / "good2.nt")
    sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    result = run(cli_runner, "query", "-e", sparql, "--graph", LOCAL_GRAPH, "--format", "csv")
    assert result.stdout.splitlines() == ["n", "2"]


@pytest.mark.parametrize("args", [[], ["-e", "ASK {}", "some.rq"]])
def test_query_needs_exactly_one_source(cli_runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    if args:
        (tmp_path / "some.rq").write_text("ASK {}", "utf-8")
        args = [*args[:2], str(tmp_path / "some.rq")]
    result = run(cli_runner, "--memory", "query", *args)
    assert result.exit_code == 2
    assert "exactly one of SOURCE (a stored query name or a file) or -e TEXT" in result.stderr


def test_bad_sparql_is_a_clear_error(cli_runner: CliRunner) -> None:
    result = run(cli_runner, "--memory", "query", "-e", "SELEC ?x WHERE { ?x ?p ?o }")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "1:10" in result.stderr  # the parser's position


def test_stats_lists_graphs_and_classes_sorted(cli_runner: CliRunner) -> None:
    result = run(cli_runner, "--memory", "stats")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for graph, paths in shipped_sources().items():
        if paths:
            assert f"<{graph}>" in out
    assert "instances per class" in out
    class_lines = out.split("instances per class\n", 1)[1].strip().splitlines()
    counts = [int(line.split()[-1]) for line in class_lines]
    assert counts and counts == sorted(counts, reverse=True)
    assert any(line.split()[0] == "owl:Class" for line in class_lines)


@pytest.mark.slow
def test_validate_the_store_conforms_and_exits_0(cli_runner: CliRunner) -> None:
    result = run(cli_runner, "--memory", "validate", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("SHACL validation: conforms")


def test_validate_files_with_violations_exits_1(cli_runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cg: <https://w3id.org/coopgraph/def#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/coopgraph/id/red-x> a cg:Network ; rdfs:label "Red X"@es .\n',
        encoding="utf-8",
    )
    result = run(cli_runner, "validate", bad)
    assert result.exit_code == 1
    assert result.stdout.startswith("Validación SHACL: no conforme")
    assert "cgr:red-x" in result.stdout


def test_synth_to_a_file_and_to_stdout(cli_runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "synth.nt"
    result = run(cli_runner, "synth", "--actors", "50", "--seed", "3", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr and "(50 actors, seed 3)" in result.stderr
    assert out.read_text("utf-8").splitlines()[2].startswith("<https://w3id.org/coopgraph/id/")
    stdout = run(cli_runner, "synth", "--actors", "50", "--seed", "3", "--format", "ntriples")
    assert stdout.stdout == out.read_text("utf-8")


def test_synth_rejects_zero_actors(cli_runner: CliRunner) -> None:
    result = run(cli_runner, "synth", "--actors", "0")
    assert result.exit_code == 2
    assert "--actors" in result.stderr


def test_graph_constants_match_the_contract() -> None:
    assert tuple(f"https://w3id.org/coopgraph/graph/{name}" for name in ("ontology", "data", "codelists")) == (
        ONTOLOGY_GRAPH,
        DATA_GRAPH,
        CODELISTS_GRAPH,
    )


def test_stored_query_by_name_binds_defaults_and_params(cli_runner: CliRunner) -> None:
    """A stored query run by name gets its defaults bound (unbound, it would return no rows)."""
    default = run(cli_runner, "--memory", "query", "networks-of-congope", "--format", "csv")
    assert default.exit_code == 0, default.stderr
    networks = {line.split(",")[1] for line in default.stdout.splitlines()[1:]}
    assert {CGR + "cglu", CGR + "oru-fogar", CGR + "regions4", CGR + "iclei"} <= networks
    english = run(cli_runner, "--memory", "query", "networks-of-congope", "-p", "lang=en", "--format", "csv")
    assert "United Cities and Local Governments" in english.stdout
    assert "Ciudades y Gobiernos Locales Unidos" not in english.stdout


def test_stored_query_bad_param_and_unknown_name_are_clear(cli_runner: CliRunner) -> None:
    bad = run(cli_runner, "--memory", "query", "partners-by-sector", "-p", "sector=notaniri")
    assert bad.exit_code == 2 and "parameter 'sector'" in bad.stderr
    typo = run(cli_runner, "--memory", "query", "netwroks-of-congope")
    assert typo.exit_code == 2 and "networks-of-congope" in typo.stderr
    plain = run(cli_runner, "--memory", "query", "-e", "ASK {}", "-p", "x=1")
    assert plain.exit_code == 2 and "declares no parameters" in plain.stderr


def test_a_store_in_use_is_named_with_the_way_out(tmp_path: Path) -> None:
    """Another process holding the on-disk store (e.g. `coopgraph serve`): the CLI says so and how to go on."""
    folder = tmp_path / "held"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import pyoxigraph, sys; s = pyoxigraph.Store({str(folder)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = subprocess.run(
            [sys.executable, "-c", "from coopgraph.cli.main import main; main()", "--data-dir", str(folder), "stats"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        holder.communicate("", timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "in use by another process" in result.stderr and "--memory" in result.stderr
