"""The register in every export, read back by readers we did not write: the record -> organisation edges with
their IATI roles, against the store's own SPARQL account of the participations.

Readers as in tests/test_exports.py: networkx (GraphML, GEXF, node-link), python-igraph (GraphML), json
(Cytoscape.js), the csv module, Graphviz `dot` (DOT), rdflib (Turtle, JSON-LD). Data: the projection tests' register
(tests/fixtures/register/network-records.ttl and an imported IATI file).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pytest
import rdflib
from test_projection_register import AECID, AGREEMENT, LOJA, NAMED, PROJECT, register_store  # noqa: F401

from coopgraph.core import export
from coopgraph.core.projection import Selection, project
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG

Row = tuple[str, str, str, str]
"""(record, organisation, relation, IATI role code) of one record -> organisation edge."""
TWO_HOP = ("participatingOrg", "party")


@pytest.fixture(scope="module")
def net(register_store: OxigraphStore) -> nx.MultiDiGraph:  # noqa: F811
    return project(register_store, lang="en")


@pytest.fixture(scope="module")
def expected(register_store: OxigraphStore) -> Counter[Row]:  # noqa: F811
    """Each participation that names an actor of the graph, asked of the store."""
    rows = register_store.query(
        f"""SELECT ?record ?p ?actor ?role WHERE {{
            VALUES ?p {{ <{CG}participatingOrg> <{CG}party> }}
            ?record ?p ?part . ?part <{CG}actor> ?actor ; <{CG}organisationRole> ?role }}"""
    )
    return Counter(
        (row["record"].value, row["actor"].value, row["p"].value.removeprefix(CG), row["role"].value.rsplit("/", 1)[1])
        for row in rows
    )


def exported(net: nx.MultiDiGraph, name: str, store: OxigraphStore, tmp_path: Path) -> Path:
    path = tmp_path / f"export.{export.FORMATS[name].extension}"
    with path.open("wb") as out:
        export.write(net, name, out, store=store)
    return path


def to_actors(edges: Iterable[tuple[str, str, dict[str, Any]]]) -> Counter[Row]:
    """The record -> actor edges read back (those to organisations only the registers name are left out)."""
    return Counter(
        (u, v, d["relation"], str(d["role_code"]))
        for u, v, d in edges
        if d["relation"] in TWO_HOP and not v.startswith(NAMED)
    )


def check(read: Iterable[tuple[str, str, dict[str, Any]]], net: nx.MultiDiGraph, expected: Counter[Row]) -> None:
    edges = list(read)
    assert len(edges) == net.number_of_edges()
    assert sum(expected.values()) == 3 and to_actors(edges) == expected
    named = NAMED + "nombre/mancomunidad-del-sur-de-ejemplo"
    assert [(d["relation"], d["role"]) for u, v, d in edges if (u, v) == (AGREEMENT, named)] == [
        ("party", "Accountable")
    ]


def test_graphml_with_networkx_and_igraph(
    net: nx.MultiDiGraph,
    expected: Counter[Row],
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = exported(net, "graphml", register_store, tmp_path)
    read = nx.read_graphml(path)
    check(read.edges(data=True), net, expected)
    assert read.nodes[PROJECT]["kind"] == "activity" and read.nodes[PROJECT]["planned_start"] == "2025-04-01"
    graph = igraph.Graph.Read_GraphML(str(path))
    ids = graph.vs["id"]
    check(((ids[e.source], ids[e.target], e.attributes()) for e in graph.es), net, expected)


def test_gexf_with_networkx(
    net: nx.MultiDiGraph,
    expected: Counter[Row],
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    read = nx.read_gexf(exported(net, "gexf", register_store, tmp_path))
    check(read.edges(data=True), net, expected)
    assert read.nodes[NAMED + "ref/XM-EXAMPLE-AGENCY"]["kind"] == "named-organisation"


def test_nodelink_and_cytoscape_with_json(
    net: nx.MultiDiGraph,
    expected: Counter[Row],
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    data = json.loads(exported(net, "nodelink", register_store, tmp_path).read_text(encoding="utf-8"))
    check(nx.node_link_graph(data, edges="links").edges(data=True), net, expected)
    document = json.loads(exported(net, "cyjs", register_store, tmp_path).read_text(encoding="utf-8"))
    check(((e["data"]["source"], e["data"]["target"], e["data"]) for e in document["elements"]["edges"]), net, expected)


def test_csv_with_the_csv_module(
    net: nx.MultiDiGraph,
    expected: Counter[Row],
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    with zipfile.ZipFile(exported(net, "csv", register_store, tmp_path)) as archive:
        edges = list(csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), encoding="utf-8", newline="")))
    check(((row["source"], row["target"], row) for row in edges), net, expected)
    funder = next(row for row in edges if (row["source"], row["target"]) == (PROJECT, AECID))
    assert (funder["source_label"], funder["role"]) == ("Community irrigation in Zapotillo", "Funding")


@pytest.mark.usefixtures("needs_dot")
def test_dot_with_graphviz(
    net: nx.MultiDiGraph,
    expected: Counter[Row],
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    source = exported(net, "dot", register_store, tmp_path).read_bytes()
    done = subprocess.run(["dot", "-Ksfdp", "-Tjson0"], input=source, capture_output=True, timeout=120, check=True)
    document = json.loads(done.stdout)
    names = [obj["name"] for obj in document["objects"]]
    check(((names[e["tail"]], names[e["head"]], e) for e in document["edges"]), net, expected)


@pytest.mark.parametrize("name", ["ttl", "jsonld"])
def test_rdf_carries_the_participations_of_the_edges_drawn(
    register_store: OxigraphStore,  # noqa: F811
    tmp_path: Path,
    name: str,
) -> None:
    """An ego network of AECID: its project's participation naming AECID is exported, the one naming Loja not."""
    ego = project(register_store, Selection(focus=AECID, radius=1), lang="en")
    assert ego.has_edge(PROJECT, AECID) and LOJA not in ego
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        graph = rdflib.Graph().parse(
            exported(ego, name, register_store, tmp_path), format="turtle" if name == "ttl" else "json-ld"
        )
    rows = graph.query(
        f"""SELECT ?actor ?role WHERE {{ <{PROJECT}> <{CG}participatingOrg> ?part .
            ?part <{CG}actor> ?actor ; <{CG}organisationRole> ?role }}"""
    )
    assert [(str(row[0]), str(row[1]).rsplit("/", 1)[1]) for row in rows] == [(AECID, "1")]  # type: ignore[index]
