"""The W3C SPARQL 1.1 Protocol manifest (vendored in tests/w3c/), run data-driven over real HTTP.

Each manifest test is a sequence of HTTP requests with expected status
classes, result formats and ASK answers. Query and bad-query tests run;
update tests run each on an endpoint of its own (they clear every graph), with a write token
the fixture makes and every request of theirs carries.
"""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from backends import Backend
from rdflib.namespace import RDF, RDFS

from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.tokens import TokenBook

SUITE = Path(__file__).parent / "w3c" / "sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
# Graphs named as protocol datasets by tests without ut:graphData: the endpoint answers only for graphs it
# holds (it never fetches), so the test store holds this one, empty.
EMPTY_GRAPHS = ("http://kasei.us/2009/09/sparql/data/data0.rdf",)


@dataclass
class Step:
    """One HTTP request of a test and what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    result_format: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    steps: list[Step]
    graph_data: dict[str, str] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def _items(graph: rdflib.Graph, head: rdflib.term.Node) -> list[rdflib.term.Node]:
    return list(rdflib.collection.Collection(graph, head)) if head != RDF.nil else []


def load_manifest() -> list[ProtocolTest]:
    """The manifest's tests, in manifest order."""
    graph = rdflib.Graph().parse(SUITE / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        steps = []
        action = graph.value(entry, MF.action)
        for request in _items(graph, graph.value(action, HT.requests)):
            headers = {
                str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                for h in _items(graph, graph.value(request, HT.headers) or RDF.nil)
            }
            body_node = graph.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(request, HT.resp)
            boolean = graph.value(response, MF.expectedBoolean)
            fmt = graph.value(response, MF.expectedFormat)
            steps.append(
                Step(
                    method=str(graph.value(request, HT.methodName)),
                    path=str(graph.value(request, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses={str(s).removeprefix(HTS) for s in graph.objects(response, MF.expectedStatus)},
                    result_format=str(fmt) if fmt is not None else None,
                    boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        data = {
            str(graph.value(d, RDFS.label)): str(graph.value(d, UT.graph)).rsplit("/", 1)[-1]
            for d in graph.objects(entry, UT.graphData)
        }
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[-1], steps, data))
    return tests


TESTS = load_manifest()


def test_manifest_is_complete() -> None:
    """The runner sees the whole suite (a pattern that matched nothing would pass while checking nothing)."""
    assert len(TESTS) == 34
    assert sum(not t.is_update for t in TESTS) == 20 and all(t.steps for t in TESTS)


@contextmanager
def _endpoint(folder: Path, backend: Backend) -> Iterator[tuple[str, dict[str, str]]]:
    """An endpoint holding data1-3 under the graph names the manifest gives them, plus the empty graphs, on a store
    of its own of that backend; and the headers of a request with a write token."""
    names: dict[str, str] = {}
    for test in TESTS:
        for name, file in test.graph_data.items():
            assert names.setdefault(name, file) == file, "the manifest names one graph with two files"
    assert len(names) == 3
    secret = TokenBook(folder).add("w3c", "all")
    with backend.fresh(shipped=False) as own:
        for name, file in names.items():
            own.store.load([SUITE / file], graph=name)
        for name in EMPTY_GRAPHS:
            if isinstance(own.store, OxigraphStore):
                own.store.oxigraph.add_graph(ox.NamedNode(name))
            else:
                own.store.update(f"CREATE GRAPH <{name}>")  # an engine keeps an empty graph it was told to create
        with own.live({"data_dir": str(folder)}) as base:
            yield base, {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def query_endpoint(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[tuple[str, dict[str, str]]]:
    """One endpoint per backend for the query tests (they only read)."""
    with _endpoint(tmp_path_factory.mktemp("w3c-query"), backend) as endpoint:
        yield endpoint


def _send(base_url: str, step: Step, auth: dict[str, str]) -> tuple[int, str, bytes]:
    parts = urllib.parse.urlsplit(base_url)
    assert step.path.startswith("/sparql/")
    path = "/sparql" + step.path.removeprefix("/sparql/")  # the manifest says: replace /sparql/ with our path
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(step.method, path, body=step.body, headers={**step.headers, **auth})
        response = connection.getresponse()
        return response.status, response.headers.get("Content-Type", ""), response.read()
    finally:
        connection.close()


def _check_result(step: Step, content_type: str, body: bytes) -> None:
    media_type = content_type.split(";")[0].strip()
    if step.result_format in ("boolean", "tabular"):
        results_format = ox.QueryResultsFormat.from_media_type(media_type)
        assert results_format is not None, f"not a SPARQL results media type: {content_type}"
        results = ox.parse_query_results(body, format=results_format)
        if step.result_format == "boolean":
            assert isinstance(results, ox.QueryBoolean)
            if step.boolean is not None:
                assert bool(results) is step.boolean
        else:
            assert isinstance(results, ox.QuerySolutions)
            list(results)
    elif step.result_format == "RDF":
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        assert rdf_format is not None, f"not an RDF media type: {content_type}"
        list(ox.parse(body, format=rdf_format))


@pytest.mark.backends
@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in TESTS if not t.is_update])
def test_protocol_query(test: ProtocolTest, query_endpoint: tuple[str, dict[str, str]]) -> None:
    _run(test, *query_endpoint)


@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in TESTS if t.is_update])
def test_protocol_update(test: ProtocolTest, backend: Backend, tmp_path: Path) -> None:
    """Embedded only: these updates are DELETE/INSERT … WHERE, CLEAR, DROP…, which a store on an engine refuses
    with a 501 (service/README.md, "Writes"; tests/test_service_remote_writes.py checks that refusal)."""
    with _endpoint(tmp_path, backend) as (base_url, auth):
        _run(test, base_url, auth)


def _run(test: ProtocolTest, base_url: str, auth: dict[str, str]) -> None:
    for step in test.steps:
        status, content_type, body = _send(base_url, step, auth)
        assert f"{status // 100}xx" in step.statuses, f"{step.method} {step.path}: {status} {body[:300]!r}"
        assert status != 500
        if 200 <= status < 300:
            _check_result(step, content_type, body)
