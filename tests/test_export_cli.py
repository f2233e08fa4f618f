"""`coopgraph export`: files in each shape (file, stdout, CSV folder or zip), readable, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner, Result
from network_oracle import expected_network

from coopgraph.cli.main import cli
from coopgraph.core.export import graphviz
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CGR

LOJA = CGR + "gadp-loja"


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(cli, ["export", "--memory", *(str(a) for a in args)], catch_exceptions=False)


def test_gexf_of_an_ego_network_to_a_file(cli_runner: CliRunner, shipped_store: OxigraphStore, tmp_path: Path) -> None:
    out = tmp_path / "loja.gexf"
    result = run(cli_runner, "--format", "gexf", "--focus", "cgr:gadp-loja", "--radius", "2", "--lang", "en", "-o", out)
    assert result.exit_code == 0, result.stderr
    expected = expected_network(shipped_store, lang="en").ego(LOJA, 2)
    read = nx.read_gexf(out)
    assert {n: d["label"] for n, d in read.nodes(data=True)} == expected.nodes
    assert read.number_of_edges() == sum(expected.edges.values())
    assert f"exported {len(expected.nodes)} nodes" in result.stderr
    assert not list(tmp_path.glob("*.part"))


def test_whole_graph_as_json_on_stdout(cli_runner: CliRunner, shipped_store: OxigraphStore) -> None:
    result = run(cli_runner, "--format", "nodelink")
    assert result.exit_code == 0, result.stderr
    read = nx.node_link_graph(json.loads(result.stdout), edges="links")
    assert read.number_of_nodes() == len(expected_network(shipped_store).nodes)


def test_csv_to_a_folder_or_a_zip(cli_runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    assert run(cli_runner, "--format", "csv", "--kind", "network,association", "-o", folder).exit_code == 0
    with (folder / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        nodes = list(csv.DictReader(handle))
    assert nodes and {row["kind"] for row in nodes} == {"network", "association"}
    archive_path = tmp_path / "net.zip"
    assert (
        run(cli_runner, "--format", "csv", "--kind", "network", "--kind", "association", "-o", archive_path).exit_code
        == 0
    )
    with zipfile.ZipFile(archive_path) as archive:
        zipped = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), encoding="utf-8", newline="")))
    assert zipped == nodes


def test_stored_and_ad_hoc_queries(cli_runner: CliRunner, tmp_path: Path) -> None:
    stored = run(cli_runner, "--format", "cyjs", "--query", "networks-of-congope")
    assert stored.exit_code == 0, stored.stderr
    ids = {node["data"]["id"] for node in json.loads(stored.stdout)["elements"]["nodes"]}
    assert CGR + "congope" in ids
    rq = tmp_path / "members.rq"
    rq.write_text(
        "CONSTRUCT { ?m <http://www.w3.org/ns/org#memberOf> ?n } WHERE { ?m <http://www.w3.org/ns/org#memberOf> ?n }"
    )
    from_file = run(cli_runner, "--format", "cyjs", "--query", rq)
    relations = {edge["data"]["relation"] for edge in json.loads(from_file.stdout)["elements"]["edges"]}
    assert relations == {"memberOf"}
    inline = run(cli_runner, "--format", "cyjs", "-e", rq.read_text())
    assert json.loads(inline.stdout) == json.loads(from_file.stdout)
    with_param = run(cli_runner, "--format", "cyjs", "--query", "partners-by-sector", "-p", f"sector={CGR}sector-salud")
    assert with_param.exit_code == 0, with_param.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "gexf", "--kind", "planet"], "unknown kind"),
        (["--format", "gexf", "--focus", "cgr:no-such-thing"], "no node"),
        (["--format", "gexf", "--query", "no-such-query"], "no stored query"),
        (["--format", "gexf", "--max-nodes", "10"], "more than 10 nodes"),
        (["--format", "gexf", "--query", "networks-of-congope", "-e", "ASK {}"], "not both"),
    ],
)
def test_errors_are_one_line_and_exit_2(cli_runner: CliRunner, args: list[str], message: str) -> None:
    result = run(cli_runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_unknown_format_is_a_usage_error(cli_runner: CliRunner) -> None:
    result = run(cli_runner, "--format", "xlsx")
    assert result.exit_code == 2 and "graphml" in result.stderr and "jsonld" in result.stderr


def test_svg_without_graphviz(cli_runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "DOT_PROGRAM", "coopgraph-no-such-dot-program")
    out = tmp_path / "net.svg"
    result = run(cli_runner, "--format", "svg", "--focus", LOJA, "-o", out)
    assert result.exit_code == 2 and "Graphviz" in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())
