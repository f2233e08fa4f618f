"""Over real HTTP (waitress): a project saved through the write path (`POST /api/register/records`, a provincial
token) is in `/api/export` at once, linked to its organisations with their IATI roles, read back by networkx."""

from __future__ import annotations

import io
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import pytest
from served import shipped_site
from test_service_writes import bearer, send

from coopgraph.core.vocab import CGR
from coopgraph.core.writes.tokens import TokenBook

AECID = CGR + "aecid"
NAMED = CGR + "organizacion-nombrada/nombre/fundacion-agua-para-todos"
PROJECT = {
    "kind": "activity",
    "province": "EC-L",
    "title_es": "Agua segura para Macará",
    "title_en": "Safe water for Macará",
    "description_es": "Agua segura para riego y consumo en Macará.",
    "activity_status": "2",
    "planned_start": "2025-06-01",
    "planned_end": "2027-06-01",
    "participants": [
        {"name": "AECID", "role": "1", "actor": AECID},
        {"name": "Fundación Agua para Todos", "role": "4"},
    ],
    "sectors": [CGR + "sector-riego-y-drenaje"],
    "territory": CGR + "provincia-ec-l",
}


@dataclass
class Served:
    base: str
    secret: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on its own in-memory copy of the shipped graphs, in waitress, with a token for Loja's register."""
    folder = tmp_path_factory.mktemp("export-register")
    secret = TokenBook(folder).add("marta", "EC-L")
    with shipped_site(folder) as base:
        yield Served(base, secret)


def export(base: str, **params: str) -> nx.MultiDiGraph:
    answer = send(base, "GET", "/api/export?" + urllib.parse.urlencode({"format": "graphml", **params}))
    assert answer.status == 200, answer.body
    graph = nx.read_graphml(io.BytesIO(answer.body))
    assert answer.headers["x-coopgraph-edges"] == str(graph.number_of_edges())
    return graph


def between(graph: nx.MultiDiGraph, source: str, target: str) -> list[dict[str, str]]:
    """The attributes of the edges from `source` to `target` (networkx reads a GraphML without parallel edges as a
    DiGraph)."""
    return [data for u, v, data in graph.edges(data=True) if (u, v) == (source, target)]


def test_a_project_written_through_the_register_is_exported_with_its_organisations(served: Served) -> None:
    before = export(served.base, focus=AECID, radius="1", lang="en")
    saved = send(
        served.base,
        "POST",
        "/api/register/records",
        json.dumps(PROJECT),
        Content_Type="application/json",
        **bearer(served.secret),
    )
    assert saved.status == 201, saved.body
    record = saved.json()["record"]
    assert record not in before
    after = export(served.base, focus=AECID, radius="1", lang="en")
    assert set(after) - set(before) == {record}
    assert [(d["relation"], d["role"], d["role_code"]) for d in between(after, record, AECID)] == [
        ("participatingOrg", "Funding", "1")
    ]
    around = export(served.base, focus=record, radius="1", lang="es")
    node = around.nodes[record]
    assert (node["kind"], node["label"], node["planned_start"]) == ("activity", "Agua segura para Macará", "2025-06-01")
    assert around.nodes[NAMED]["kind"] == "named-organisation"  # the partner the graph does not know
    assert [d["role"] for d in between(around, record, NAMED)] == ["Ejecutora"]
    assert around.has_edge(record, CGR + "provincia-ec-l") and around.has_edge(record, CGR + "gadp-loja")


def test_a_focus_on_an_organisation_no_record_names_is_a_404(served: Served) -> None:
    answer = send(
        served.base,
        "GET",
        "/api/export?" + urllib.parse.urlencode({"format": "gexf", "focus": CGR + "organizacion-nombrada/ref/NADIE"}),
    )
    assert answer.status == 404 and answer.json()["error"]["message"]
