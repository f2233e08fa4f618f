"""The write path over real HTTP: tokens, SPARQL Update, the Graph Store Protocol, the gate, the audit, revert.

Each status of the writes issue has a test here (401, 403, 409, 413, 415,
422). The app runs in waitress for most of them (`create_app` commits its
writes itself); `coopgraph serve` runs for what only its front does (commit
for every process, read-your-writes across workers, conflicts between
workers): tests/test_service_durability.py kills it during writes.
"""

from __future__ import annotations

import http.client
import http.server
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
import pytest
from backends import Backend
from disguises import load_disguises, service_disguises
from served import Served, wait_until

from coopgraph.core.loading import DATA_GRAPH
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.tokens import TokenBook
from coopgraph.web.app import create_app
from coopgraph.web.testing import live_server

FIXTURES = Path(__file__).parent / "fixtures" / "writes"
REGISTER = "https://w3id.org/coopgraph/graph/register"
CGR = "https://w3id.org/coopgraph/id/"
PARTNERS = "https://w3id.org/coopgraph/graph/partners-local"
AGREEMENT = "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007"
NEW_AGENCY = "https://w3id.org/coopgraph/id/agencia-agua-andina"
TRACK_PROJECT = "https://w3id.org/coopgraph/id/actividad/EC-GADPL-2025-001"
TRACK_TTL = """@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix iati: <https://w3id.org/coopgraph/iati/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
cgr:anotacion\\/ec-l-20250301T090000Z a cg:ManualEntry ;
    rdfs:label "Anotación de marta (2025-03-01T09:00:00Z)"@es, "Entry by marta (2025-03-01T09:00:00Z)"@en ;
    dcterms:creator "marta" ; cg:recordedAt "2025-03-01T09:00:00Z"^^xsd:dateTime ;
    cg:registerProvince cgr:provincia-ec-l .
cgr:actividad\\/EC-GADPL-2025-001 a cg:CooperationActivity ;
    rdfs:label "Riego comunitario en Zapotillo"@es, "Community irrigation in Zapotillo"@en ;
    dcterms:description "Canales y reservorios para 40 familias"@es, "Channels and ponds for 40 families"@en ;
    dcterms:source cgr:anotacion\\/ec-l-20250301T090000Z ;
    cg:registerProvince cgr:provincia-ec-l ;
    cg:iatiIdentifier "EC-GADPL-2025-001" ;
    cg:reportingOrg [ a cg:NamedOrganisation ; cg:orgRef "EC-GADPL" ; cg:orgType iati:OrganisationType\\/11 ;
                      cg:actor cgr:gadp-loja ; cg:orgName "Gobierno Provincial de Loja"@es ] ;
    cg:participatingOrg [ a cg:Participation ; cg:organisationRole iati:OrganisationRole\\/1 ; cg:actor cgr:aecid ;
                          cg:orgName "AECID"@es ] ;
    cg:activityStatus iati:ActivityStatus\\/2 ;
    cg:plannedStart "2025-04-01"^^xsd:date ;
    cg:plannedEnd "2026-09-30"^^xsd:date ;
    cg:activityTerritory cgr:provincia-ec-l ;
    cg:sectorShare [ a cg:SectorShare ; cg:sectorCode iati:Sector\\/31140 ; cg:sectorVocabulary iati:SectorVocabulary\\/1 ] .
"""
NEW_CHANNEL = "https://w3id.org/coopgraph/id/agencia-regional-de-prueba"
CHANNELS = "https://w3id.org/coopgraph/graph/channels-local"
CHANNEL_TTL = f"""@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{NEW_CHANNEL}> a cg:CooperationAgency ;
    rdfs:label "Agencia regional de cooperación de prueba"@es, "Test regional cooperation agency"@en ;
    cg:country cgr:pais-cl ;
    cg:channelOf cgr:pais-cl ;
    dcterms:description "Canal de prueba de la cooperación descentralizada de Chile."@es,
        "A test channel of Chile's decentralised cooperation."@en ;
    dcterms:source cgr:ref-mremh-2020 .
"""
AGENCY_TTL = f"""@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{NEW_AGENCY}> a cg:CooperationAgency ;
    rdfs:label "Agencia Agua Andina"@es, "Andean Water Agency"@en ;
    dcterms:description "Cooperante de prueba, registrado por la unidad de cooperación."@es,
        "A test partner, registered by the cooperation unit."@en ;
    dcterms:source cgr:ref-mremh-2020 .
"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def message(self) -> str:
        return str(self.json()["error"]["message"])


def send(base: str, method: str, path: str, body: bytes | str | None = None, **headers: str) -> Answer:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
    try:
        data = body.encode() if isinstance(body, str) else body
        connection.request(method, path, body=data, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def update(base: str, text: str, secret: str | None, **headers: str) -> Answer:
    auth = bearer(secret) if secret else {}
    return send(base, "POST", "/sparql", text, Content_Type="application/sparql-update", **auth, **headers)


def ask(base: str, pattern: str) -> bool:
    answer = send(base, "GET", "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"}))
    assert answer.status == 200, answer.body
    return bool(answer.json()["boolean"])


def data_path(graph: str) -> str:
    return "/data?" + urllib.parse.urlencode({"graph": graph})


@contextmanager
def canary(body: bytes = b"", content_type: str = "text/plain") -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that notes every request it gets: (its base URL, the paths asked)."""
    asked: list[str] = []

    class Canary(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", asked
    finally:
        server.shutdown()
        server.server_close()


pytestmark = pytest.mark.backends


@dataclass
class Endpoint:
    base: str
    folder: Path
    admin: str
    loja: str


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[Endpoint]:
    """The service on its own copy of the shipped graphs, with two tokens: the app in waitress on an in-memory
    store, or, for a test marked `backends`, also `coopgraph serve --store sparql` on an engine of its own."""
    folder = tmp_path_factory.mktemp("writes")
    book = TokenBook(folder)
    admin, loja = book.add("admin", "all"), book.add("loja", "EC-L")
    with backend.fresh() as own, own.live({"data_dir": str(folder), "max_body_bytes": 200_000}) as base:
        yield Endpoint(base, folder, admin, loja)


# --- who may write ---


def test_writes_are_off_until_a_token_exists(tmp_path: Path) -> None:
    with OxigraphStore.in_memory() as store:
        app = create_app({"data_dir": str(tmp_path)}, store=store)
        with live_server(app) as base:
            answer = update(base, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }", "cgt_x")
    assert answer.status == 403 and "coopgraph token add" in answer.message


def test_a_write_without_a_token_gets_401_with_a_challenge(endpoint: Endpoint) -> None:
    answer = update(endpoint.base, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }", None)
    assert answer.status == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    wrong = update(endpoint.base, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }", "cgt_wrong")
    assert wrong.status == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert not ask(endpoint.base, "<http://example.org/a> ?p ?o")


def test_a_revoked_token_is_refused_at_its_next_request(endpoint: Endpoint) -> None:
    book = TokenBook(endpoint.folder)
    secret = book.add("temporary", "all")
    text = "INSERT DATA { GRAPH <http://example.org/t> { <http://example.org/t> <http://example.org/p> 1 } }"
    assert update(endpoint.base, text, secret).status == 200
    book.revoke("temporary")
    assert update(endpoint.base, text.replace("1 }", "2 }"), secret).status == 401


def test_reads_stay_public(endpoint: Endpoint) -> None:
    assert send(endpoint.base, "GET", data_path(DATA_GRAPH)).status in (200, 400)  # 400: larger than a response
    assert send(endpoint.base, "GET", "/api/writes").status == 200


# --- the gate ---


def test_a_provincial_token_writes_its_province_and_no_other(endpoint: Endpoint) -> None:
    body = (FIXTURES / "agreement-loja.ttl").read_bytes()
    pichincha = TokenBook(endpoint.folder).add("pichincha", "EC-P")
    refused = send(endpoint.base, "POST", data_path(REGISTER), body, Content_Type="text/turtle", **bearer(pichincha))
    assert refused.status == 403 and "EC-P" in refused.message
    done = send(endpoint.base, "POST", data_path(REGISTER), body, Content_Type="text/turtle", **bearer(endpoint.loja))
    assert done.status in (200, 201), done.body
    assert done.json()["added"] == len(list(ox.parse(body, format=ox.RdfFormat.TURTLE)))
    assert ask(endpoint.base, f"GRAPH <{REGISTER}> {{ <{AGREEMENT}> a ?t }}")
    (latest, *_) = send(endpoint.base, "GET", "/api/writes").json()["writes"]
    assert (latest["id"], latest["who"], latest["operation"]) == (done.json()["write"], "loja", "Graph Store POST")


def test_a_record_that_breaks_the_shapes_gets_422_and_changes_nothing(endpoint: Endpoint) -> None:
    body = (FIXTURES / "agreement-one-party.ttl").read_bytes()
    before = send(endpoint.base, "GET", "/api/writes").json()["writes"]
    answer = send(
        endpoint.base,
        "POST",
        data_path(REGISTER),
        body,
        Content_Type="text/turtle",
        Accept_Language="es",
        **bearer(endpoint.admin),
    )
    assert answer.status == 422
    error = answer.json()["error"]
    assert "violación" in error["message"] and error["report"]["counts"]["Violation"] >= 1
    assert "agreement-parties" in json.dumps(error["report"]["shapes"])
    as_rdf = send(
        endpoint.base,
        "POST",
        data_path(REGISTER),
        body,
        Content_Type="text/turtle",
        Accept="text/turtle",
        **bearer(endpoint.admin),
    )
    assert as_rdf.status == 422 and as_rdf.headers["content-type"].startswith("text/turtle")
    report = list(ox.parse(as_rdf.body, format=ox.RdfFormat.TURTLE))
    assert any(q.object == ox.NamedNode("http://www.w3.org/ns/shacl#ValidationReport") for q in report)
    assert not ask(endpoint.base, "<https://w3id.org/coopgraph/id/instrumento/ec-l-2026-008> ?p ?o")
    assert send(endpoint.base, "GET", "/api/writes").json()["writes"] == before


def test_the_shipped_and_audit_graphs_cannot_be_written(endpoint: Endpoint) -> None:
    for graph in (DATA_GRAPH, "https://w3id.org/coopgraph/graph/audit"):
        answer = update(
            endpoint.base,
            f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/x> <http://example.org/p> 1 }} }}",
            endpoint.admin,
        )
        assert answer.status == 403, answer.body
    answer = update(endpoint.base, f"DROP GRAPH <{DATA_GRAPH}>", endpoint.admin)
    assert answer.status == 403
    assert ask(endpoint.base, f"GRAPH <{DATA_GRAPH}> {{ ?s ?p ?o }}")


# --- bad requests ---


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("INSERT DATA { <http://example.org/a> <http://example.org/p> }", "syntax"),
        ("LOAD <http://127.0.0.1:9/x.ttl>", "LOAD"),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { " + "(" * 200 + " }", "deep"),
    ],
)
def test_a_bad_update_gets_400(endpoint: Endpoint, text: str, fragment: str) -> None:
    answer = update(endpoint.base, text, endpoint.admin)
    assert answer.status == 400 and fragment.lower() in answer.body.decode().lower()


def test_an_update_by_get_is_refused(endpoint: Endpoint) -> None:
    answer = send(endpoint.base, "GET", "/sparql?update=" + urllib.parse.quote("CLEAR ALL"), **bearer(endpoint.admin))
    assert answer.status == 400 and "POST" in answer.message


def test_wrong_media_types_get_415(endpoint: Endpoint) -> None:
    assert send(endpoint.base, "POST", "/sparql", "CLEAR ALL", Content_Type="text/plain").status == 415
    answer = send(endpoint.base, "PUT", data_path(PARTNERS), "a,b", Content_Type="text/csv", **bearer(endpoint.admin))
    assert answer.status == 415 and "text/turtle" in answer.message


def test_malformed_rdf_gets_400_and_hostile_xml_is_refused(endpoint: Endpoint) -> None:
    bad = send(
        endpoint.base, "PUT", data_path(PARTNERS), "<a> <b> .", Content_Type="text/turtle", **bearer(endpoint.admin)
    )
    assert bad.status == 400
    xml = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    hostile = send(
        endpoint.base, "PUT", data_path(PARTNERS), xml, Content_Type="application/rdf+xml", **bearer(endpoint.admin)
    )
    assert hostile.status == 400 and "DOCTYPE" in hostile.message
    named = send(
        endpoint.base,
        "PUT",
        data_path(PARTNERS),
        "<http://g> { <http://a> <http://b> <http://c> }",
        Content_Type="application/trig",
        **bearer(endpoint.admin),
    )
    assert named.status == 400


def test_json_ld_never_fetches_a_context(endpoint: Endpoint) -> None:
    with canary(b'{"@context": {"name": "http://schema.org/name"}}', "application/ld+json") as (url, asked):
        document = json.dumps({"@context": f"{url}context.jsonld", "@id": "http://example.org/x", "name": "x"})
        answer = send(
            endpoint.base,
            "PUT",
            data_path(PARTNERS),
            document,
            Content_Type="application/ld+json",
            **bearer(endpoint.admin),
        )
    assert answer.status == 400 and asked == []


def test_an_oversize_body_gets_413(endpoint: Endpoint) -> None:
    body = b"<http://example.org/a> <http://example.org/p> " + b'"' + b"x" * 300_000 + b'" .'
    answer = send(endpoint.base, "PUT", data_path(PARTNERS), body, Content_Type="text/turtle", **bearer(endpoint.admin))
    assert answer.status == 413


def test_the_graph_store_needs_exactly_one_graph(endpoint: Endpoint) -> None:
    for query in ("", "?graph=http://a&graph=http://b", "?graph=http://a&default", "?graph=not%20an%20iri"):
        assert send(endpoint.base, "GET", "/data" + query).status == 400
    assert send(endpoint.base, "GET", data_path("http://example.org/never")).status == 404
    assert send(endpoint.base, "DELETE", data_path("http://example.org/never"), **bearer(endpoint.admin)).status == 404


# --- the Graph Store Protocol, in every format we read ---


@pytest.mark.parametrize(
    ("media_type", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_put_get_post_delete_round_trip(endpoint: Endpoint, media_type: str, fmt: ox.RdfFormat) -> None:
    graph = f"http://example.org/round-trip/{fmt.file_extension}"
    triples = [
        ox.Triple(
            ox.NamedNode("http://example.org/s"),
            ox.NamedNode("http://example.org/label"),
            ox.Literal("riego", language="es"),
        ),
        ox.Triple(
            ox.NamedNode("http://example.org/s"),
            ox.NamedNode("http://example.org/n"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
    ]
    body = ox.serialize(triples, format=fmt)
    created = send(endpoint.base, "PUT", data_path(graph), body, Content_Type=media_type, **bearer(endpoint.admin))
    assert created.status == 201, created.body
    read = send(endpoint.base, "GET", data_path(graph), Accept="application/n-triples")
    assert read.status == 200 and set(ox.parse(read.body, format=ox.RdfFormat.N_TRIPLES)) == {
        ox.Quad(t.subject, t.predicate, t.object) for t in triples
    }
    head = send(endpoint.base, "HEAD", data_path(graph), Accept="text/turtle")
    assert head.status == 200 and head.body == b""
    more = ox.serialize(
        [ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/n"), ox.Literal("2"))],
        format=fmt,
    )
    assert (
        send(endpoint.base, "POST", data_path(graph), more, Content_Type=media_type, **bearer(endpoint.admin)).status
        == 200
    )
    assert (
        len(
            list(
                ox.parse(
                    send(endpoint.base, "GET", data_path(graph), Accept="application/n-triples").body,
                    format=ox.RdfFormat.N_TRIPLES,
                )
            )
        )
        == 3
    )
    replaced = send(endpoint.base, "PUT", data_path(graph), body, Content_Type=media_type, **bearer(endpoint.admin))
    assert replaced.status == 200 and replaced.json()["removed"] == 1
    deleted = send(endpoint.base, "DELETE", data_path(graph), **bearer(endpoint.admin))
    assert deleted.status == 200 and deleted.json()["removed"] == 2
    assert send(endpoint.base, "GET", data_path(graph)).status == 404


# --- audit and revert ---


def test_revert_undoes_a_write_and_a_stale_revert_gets_409(endpoint: Endpoint) -> None:
    graph = "http://example.org/revert"
    first = update(
        endpoint.base,
        f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/r> <http://example.org/v> 1 }} }}",
        endpoint.admin,
    )
    second = update(
        endpoint.base,
        f"DELETE DATA {{ GRAPH <{graph}> {{ <http://example.org/r> <http://example.org/v> 1 }} }} ; "
        f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/r> <http://example.org/v> 2 }} }}",
        endpoint.admin,
    )
    assert first.status == second.status == 200
    stale = send(endpoint.base, "POST", f"/api/writes/{first.json()['write']}/revert", **bearer(endpoint.admin))
    assert stale.status == 409, stale.body
    undone = send(endpoint.base, "POST", f"/api/writes/{second.json()['write']}/revert", **bearer(endpoint.admin))
    assert undone.status == 200 and undone.json()["added"] == 1 and undone.json()["removed"] == 1
    assert ask(endpoint.base, f"GRAPH <{graph}> {{ <http://example.org/r> <http://example.org/v> 1 }}")
    writes = send(endpoint.base, "GET", "/api/writes").json()["writes"]
    assert writes[0]["reverts"] == second.json()["write"] and writes[0]["operation"] == "Revert"
    assert send(endpoint.base, "POST", "/api/writes/no-such-write/revert", **bearer(endpoint.admin)).status == 404
    assert send(endpoint.base, "POST", f"/api/writes/{first.json()['write']}/revert").status == 401


def test_the_audit_graph_is_readable_by_sparql(endpoint: Endpoint) -> None:
    update(
        endpoint.base,
        "INSERT DATA { GRAPH <http://example.org/audited> { <http://example.org/a> <http://example.org/p> 1 } }",
        endpoint.admin,
    )
    query = (
        "PREFIX cg: <https://w3id.org/coopgraph/def#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?patch WHERE { GRAPH <https://w3id.org/coopgraph/graph/audit> { "
        "?w a prov:Activity ; cg:changedGraph <http://example.org/audited> ; cg:patch ?patch } }"
    )
    answer = send(
        endpoint.base,
        "GET",
        "/sparql?" + urllib.parse.urlencode({"query": query}),
        Accept="application/sparql-results+json",
    )
    (row,) = answer.json()["results"]["bindings"]
    assert row["patch"]["value"].startswith("A <http://example.org/a> <http://example.org/p>")


# --- coopgraph serve: the front commits, every process sees it ---


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Iterator[tuple[str, str, Served]]:
    """`coopgraph serve` with four workers on a store of its own (on disk, or an engine of its own)."""
    folder = tmp_path_factory.mktemp("served-writes")
    secret = TokenBook(folder).add("officer", "all")
    with backend.fresh() as own, own.serve({"data_dir": str(folder), "workers": 4}) as running:
        yield running.base, secret, running


T = TypeVar("T")


def at_once(check: Callable[[], T], times: int = 24) -> list[T]:
    """`check()`'s answers to `times` requests sent 8 at a time, so that they land on every worker."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: check(), range(times)))


@pytest.mark.slow
def test_a_write_is_seen_by_every_process_and_by_matching(served: tuple[str, str, Served]) -> None:
    base, secret, _ = served
    similar = "/api/partners/" + urllib.parse.quote(NEW_AGENCY, safe="") + "/similar"
    assert send(base, "GET", similar).status == 404
    answer = send(base, "PUT", data_path(PARTNERS), AGENCY_TTL, Content_Type="text/turtle", **bearer(secret))
    assert answer.status == 201, answer.body
    pattern = f"<{NEW_AGENCY}> a ?type"
    assert all(at_once(lambda: ask(base, pattern)))
    assert send(base, "GET", similar).status == 200
    exported = send(base, "GET", "/api/export?format=graphml")
    assert exported.status == 200 and NEW_AGENCY.encode() in exported.body


def described_count(base: str, graph: str) -> int | None:
    """The triples the service description (GET /sparql) gives for the named graph `graph` (None: not listed)."""
    answer = send(base, "GET", "/sparql", Accept="application/n-triples")
    assert answer.status == 200, answer.body[:300]
    store = ox.Store()
    store.load(answer.body, format=ox.RdfFormat.N_TRIPLES)
    rows = list(
        store.query(
            "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> PREFIX void: <http://rdfs.org/ns/void#> "
            f"SELECT ?n {{ ?named sd:name <{graph}> ; sd:graph ?g . ?g void:triples ?n }}"
        )
    )
    return int(rows[0]["n"].value) if rows else None


@pytest.mark.slow
def test_every_worker_describes_a_write(served: tuple[str, str, Served]) -> None:
    """The service description's counts follow a write in every worker (patched, not counted again)."""
    base, secret, _ = served
    graph = "http://example.org/described"
    assert set(at_once(lambda: described_count(base, graph), 8)) == {None}  # each worker counts once
    triples = "".join(f'<http://example.org/d{n}> <http://example.org/p> "{n}" .\n' for n in range(3))
    answer = send(base, "PUT", data_path(graph), triples, Content_Type="application/n-triples", **bearer(secret))
    assert answer.status == 201, answer.body
    assert set(at_once(lambda: described_count(base, graph))) == {3}


@pytest.mark.slow
def test_the_workers_apply_an_agreement_in_place_and_answer_with_it(served: tuple[str, str, Served]) -> None:
    """A write that needs no new matching tables is applied by the live workers themselves: the same processes
    answer before and after it, every one of them with the write (SPARQL, the resource view)."""
    base, secret, running = served
    assert wait_until(lambda: len(running.request_processes()) == 4)  # a worker an earlier test replaced is up
    workers = running.request_processes()
    answer = send(
        base,
        "POST",
        data_path(REGISTER),
        (FIXTURES / "agreement-loja.ttl").read_bytes(),
        Content_Type="text/turtle",
        **bearer(secret),
    )
    assert answer.status in (200, 201), answer.body
    assert all(at_once(lambda: ask(base, f"<{AGREEMENT}> a ?type")))
    assert send(base, "GET", "/api/resource?" + urllib.parse.urlencode({"iri": AGREEMENT})).status == 200
    assert running.request_processes() == workers, "the workers were replaced instead of applying the write"


@pytest.mark.slow
def test_the_workers_patch_in_a_new_partner_and_match_it(served: tuple[str, str, Served]) -> None:
    """A new partner with a sector changes only its own rows of the matching tables: the live workers patch theirs
    (the same processes answer before and after) and a match on its sector finds it, on every worker."""
    base, secret, running = served
    assert wait_until(lambda: len(running.request_processes()) == 4)  # a worker an earlier test replaced is up
    workers = running.request_processes()
    partner = "https://w3id.org/coopgraph/id/agencia-salud-andina"
    ttl = f"""@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix cgr: <https://w3id.org/coopgraph/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{partner}> a cg:CooperationAgency ;
    rdfs:label "Agencia Salud Andina"@es, "Andean Health Agency"@en ;
    cg:sector cgr:sector-salud ;
    dcterms:source cgr:ref-mremh-2020 .
"""
    answer = send(base, "POST", data_path(PARTNERS + "-health"), ttl, Content_Type="text/turtle", **bearer(secret))
    assert answer.status in (200, 201), answer.body
    query = "/api/match?" + urllib.parse.urlencode({"sector": CGR + "sector-salud", "kind": "agency", "limit": 50})

    def found() -> bool:
        answer = send(base, "GET", query)
        assert answer.status == 200, answer.body
        return partner in {result["partner"] for result in answer.json()["results"]}

    assert all(at_once(found))
    assert running.request_processes() == workers, "the workers were replaced instead of patching their index"


@pytest.mark.slow
def test_a_register_project_naming_a_partner_reaches_matching_in_the_same_workers(
    served: tuple[str, str, Served],
) -> None:
    """A register project naming a partner is evidence for it (its track record): every worker patches the rows
    of the actors it names (and, AECID being a channel of Spain's cooperation, of Spain and its channels) in its
    own index, and every match finds the project, without a worker replaced."""
    base, secret, running = served
    assert wait_until(lambda: len(running.request_processes()) == 4)  # a worker an earlier test replaced is up
    workers = running.request_processes()
    answer = send(base, "POST", data_path(REGISTER), TRACK_TTL, Content_Type="text/turtle", **bearer(secret))
    assert answer.status in (200, 201), answer.body
    query = "/api/match?" + urllib.parse.urlencode({"need": "riego", "limit": 50})

    def matched() -> bool:
        answer = send(base, "GET", query)
        assert answer.status == 200, answer.body
        return TRACK_PROJECT.encode() in answer.body

    assert all(at_once(matched))
    assert running.request_processes() == workers, "the workers were replaced instead of patching their index"


@pytest.mark.slow
def test_a_write_that_needs_new_matching_tables_reaches_matching_through_new_workers(
    served: tuple[str, str, Served],
) -> None:
    """A new channel of a country's cooperation changes the tables of the country's other actors (a channel takes a
    share of its country's sectors): the workers cannot patch theirs. They apply the write (SPARQL sees it at once,
    on every worker) and match from their older index while the holder builds the tables once; then forks of the
    holder replace them, and every worker knows the new partner."""
    base, secret, running = served
    assert wait_until(lambda: len(running.request_processes()) == 4)
    workers = running.request_processes()
    answer = send(base, "POST", data_path(CHANNELS), CHANNEL_TTL, Content_Type="text/turtle", **bearer(secret))
    assert answer.status in (200, 201), answer.body
    assert all(at_once(lambda: ask(base, f"<{NEW_CHANNEL}> a ?type")))
    similar = "/api/partners/" + urllib.parse.quote(NEW_CHANNEL, safe="") + "/similar"

    assert wait_until(lambda: len(running.request_processes()) == 4 and not running.request_processes() & workers)
    assert all(at_once(lambda: send(base, "GET", similar).status == 200))


@pytest.mark.slow
def test_writes_to_one_resource_at_once_commit_or_get_409(served: tuple[str, str, Served], backend: Backend) -> None:
    base, secret, _ = served
    graph = "http://example.org/contended"
    triple = "<http://example.org/c> <http://example.org/n> {}"

    def write(number: int) -> int:
        if backend.embedded:
            text = (
                f"DELETE {{ GRAPH <{graph}> {{ {triple.format('?old')} }} }} "
                f"INSERT {{ GRAPH <{graph}> {{ {triple.format(number)} }} }} "
                f"WHERE {{ OPTIONAL {{ GRAPH <{graph}> {{ {triple.format('?old')} }} }} }}"
            )
        else:  # an engine takes INSERT DATA and DELETE DATA alone (501 otherwise): read the old value, name it
            query = f"SELECT ?old {{ GRAPH <{graph}> {{ {triple.format('?old')} }} }}"
            found = send(base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
            old = [row["old"]["value"] for row in found.json()["results"]["bindings"]]
            deleted = f"DELETE DATA {{ GRAPH <{graph}> {{ {triple.format(old[0])} }} }} ; " if old else ""
            text = deleted + f"INSERT DATA {{ GRAPH <{graph}> {{ {triple.format(number)} }} }}"
        return update(base, text, secret).status

    statuses: list[int] = []
    for _ in range(3):  # four at once, each prepared on the same copy: all but the first to commit conflict
        with ThreadPoolExecutor(4) as pool:
            round_ = list(pool.map(write, range(4)))
        assert set(round_) <= {200, 409} and 200 in round_, round_
        statuses += round_
        if 409 in round_:
            break
    assert 409 in statuses, f"rounds of four writes of one resource at once all committed: {statuses}"
    values = send(base, "GET", data_path(graph), Accept="application/n-triples").body.decode().strip().splitlines()
    assert len(values) == 1, "no write was lost or interleaved: the resource has one value"
    committed = [w for w in send(base, "GET", "/api/writes").json()["writes"] if graph in w["graphs"]]
    assert len(committed) == statuses.count(200)


def test_an_authorised_update_never_fetches(endpoint: Endpoint) -> None:
    """LOAD and SERVICE in every disguise, with a valid token: refused by the parse, nothing reaches the canary."""
    with canary() as (url, asked):
        texts = [text for text in load_disguises(url) if "INSERT DATA" not in text] + [
            f"INSERT {{ ?s ?p ?o }} WHERE {{ {query.split('{', 1)[1].rsplit('}', 1)[0]} }}"
            for query in list(service_disguises(url))[:40]
            if query.lstrip().upper().startswith("SELECT")
        ]
        statuses = [update(endpoint.base, text, endpoint.admin).status for text in texts]
    assert asked == []
    assert set(statuses) <= {400}, statuses[:10]
