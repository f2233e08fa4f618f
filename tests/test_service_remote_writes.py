"""Writes through `coopgraph serve --store sparql` to a real `oxigraph serve`: the gate, the audit, one update.

A write is prepared in a worker on a small local store read from the engine
(coopgraph/core/writes/remote.py), committed by the front as one update
request, and acknowledged only once the engine answered 2xx. The engine's
update endpoint is then made unreachable, or frozen, at the moment of the
commit: nothing is acknowledged, and the 504's unknown outcome is what the
frozen engine does once it thaws (the one update, applied whole, never
twice).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from engines import OxigraphServer, free_port
from served import Served, serving, wait_until
from test_service_register import FORM
from test_service_writes import AGENCY_TTL, AGREEMENT, FIXTURES, NEW_AGENCY, PARTNERS, REGISTER, ask, bearer, send

from coopgraph.core.iati.model import province_iri
from coopgraph.core.loading import ensure_loaded
from coopgraph.core.store import solutions
from coopgraph.core.vocab import CG
from coopgraph.core.writes.gate import AUDIT_GRAPH
from coopgraph.core.writes.tokens import TokenBook

pytestmark = pytest.mark.slow
UPDATE = "application/sparql-update"


@dataclass
class Writer:
    served: Served
    engine: OxigraphServer
    admin: str
    loja: str

    @property
    def base(self) -> str:
        return self.served.base


def tokens(folder: Path) -> tuple[str, str]:
    book = TokenBook(folder)
    return book.add("admin", "all"), book.add("loja", "EC-L")


def loaded(server: OxigraphServer) -> OxigraphServer:
    with server.store() as store:
        ensure_loaded(store)
    return server


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Writer]:
    """The service on an engine of its own, two workers, tokens in its data folder."""
    folder = tmp_path_factory.mktemp("tokens")
    admin, loja = tokens(folder)
    engine = OxigraphServer(location=tmp_path_factory.mktemp("engine") / "data")
    options = ["--store", "sparql", "--query-url", engine.url("/query"), "--update-url", engine.url("/update")]
    try:
        with serving(*options, "--workers", "2", env={"COOPGRAPH_DATA_DIR": str(folder)}) as running:
            yield Writer(running, engine, admin, loja)
    finally:
        engine.stop()


def data_path(graph: str) -> str:
    return "/data?" + urllib.parse.urlencode({"graph": graph})


def audited(engine: OxigraphServer) -> int:
    """The write records in the engine's audit graph (read from the engine itself)."""
    with engine.store() as store:
        query = f"SELECT (COUNT(DISTINCT ?w) AS ?n) WHERE {{ GRAPH <{AUDIT_GRAPH}> {{ ?w <{CG}patch> ?patch }} }}"
        return int(next(iter(solutions(store.query(query))))["n"].value)


def test_a_write_passes_the_gate_reaches_the_engine_and_is_audited(writer: Writer) -> None:
    body = (FIXTURES / "agreement-loja.ttl").read_bytes()
    refused = send(writer.base, "POST", data_path(REGISTER), body, Content_Type="text/turtle", **bearer("nope"))
    assert refused.status == 401
    done = send(writer.base, "POST", data_path(REGISTER), body, Content_Type="text/turtle", **bearer(writer.loja))
    assert done.status == 201, done.body
    assert done.json()["added"] == 22 and done.json()["graphs"] == [REGISTER]
    assert ask(writer.base, f"GRAPH <{REGISTER}> {{ <{AGREEMENT}> a ?t }}")  # any worker, at once
    (latest, *_) = send(writer.base, "GET", "/api/writes").json()["writes"]
    assert (latest["id"], latest["who"], latest["operation"]) == (done.json()["write"], "loja", "Graph Store POST")
    assert audited(writer.engine) == 1


def test_the_gate_refuses_and_nothing_reaches_the_engine(writer: Writer) -> None:
    before = audited(writer.engine)
    bad = (FIXTURES / "agreement-one-party.ttl").read_bytes()
    answer = send(writer.base, "POST", data_path(REGISTER), bad, Content_Type="text/turtle", **bearer(writer.admin))
    assert answer.status == 422 and answer.json()["error"]["report"]["counts"]["Violation"] >= 1
    shipped = send(
        writer.base, "POST", data_path("https://w3id.org/coopgraph/graph/data"), AGENCY_TTL,
        Content_Type="text/turtle", **bearer(writer.admin),
    )  # fmt: skip
    assert shipped.status == 403
    assert not ask(writer.base, "<https://w3id.org/coopgraph/id/instrumento/ec-l-2026-008> ?p ?o")
    assert audited(writer.engine) == before


def test_a_new_partner_is_matched_at_once_and_a_write_can_be_reverted(writer: Writer) -> None:
    similar = f"/api/partners/{NEW_AGENCY}/similar"
    assert send(writer.base, "GET", similar).status == 404
    put = send(writer.base, "PUT", data_path(PARTNERS), AGENCY_TTL, Content_Type="text/turtle", **bearer(writer.admin))
    assert put.status == 201, put.body
    assert send(writer.base, "GET", similar).status == 200  # the holder rebuilt the matching index from the engine
    again = AGENCY_TTL.replace("Agencia Agua Andina", "Agencia Andina del Agua")
    renamed = send(writer.base, "PUT", data_path(PARTNERS), again, Content_Type="text/turtle", **bearer(writer.admin))
    assert renamed.status == 200 and (renamed.json()["added"], renamed.json()["removed"]) == (1, 1)
    undone = send(writer.base, "POST", f"/api/writes/{renamed.json()['write']}/revert", **bearer(writer.admin))
    assert undone.status == 200, undone.body
    assert ask(writer.base, f'<{NEW_AGENCY}> ?p "Agencia Agua Andina"@es')
    assert not ask(writer.base, f'<{NEW_AGENCY}> ?p "Agencia Andina del Agua"@es')


def test_insert_data_and_delete_data_and_what_is_refused(writer: Writer) -> None:
    triple = f'<{NEW_AGENCY}> <http://www.w3.org/2000/01/rdf-schema#comment> "nota"@es'
    insert = f"INSERT DATA {{ GRAPH <{PARTNERS}> {{ {triple} }} }}"
    assert send(writer.base, "POST", "/sparql", insert, Content_Type=UPDATE, **bearer(writer.admin)).status == 200
    assert ask(writer.base, triple)
    delete = f"DELETE DATA {{ GRAPH <{PARTNERS}> {{ {triple} }} }}"
    assert send(writer.base, "POST", "/sparql", delete, Content_Type=UPDATE, **bearer(writer.admin)).status == 200
    assert not ask(writer.base, triple)
    before = audited(writer.engine)
    for body, words in [
        (f"DELETE WHERE {{ GRAPH <{PARTNERS}> {{ ?s ?p ?o }} }}", "INSERT DATA and DELETE DATA"),
        (f"INSERT DATA {{ {triple} }}", "named graph"),
    ]:
        answer = send(writer.base, "POST", "/sparql", body, Content_Type=UPDATE, **bearer(writer.admin))
        assert answer.status == 501 and words in answer.message, answer.body
    nested = send(writer.base, "DELETE", data_path(REGISTER), **bearer(writer.admin))  # the parties: blank nodes
    assert nested.status == 501 and "blank nodes" in nested.message
    assert ask(writer.base, f"<{AGREEMENT}> ?p ?o")
    assert audited(writer.engine) == before


def test_a_register_form_is_saved_and_its_edit_is_a_501_naming_the_parts(writer: Writer) -> None:
    """The register reads a copy of the engine's graphs; a new record is one INSERT DATA, but replacing it would
    remove its parties (blank nodes), which DELETE DATA cannot name: 501, the record left as it was."""
    form = json.dumps(FORM)
    saved = send(
        writer.base, "POST", "/api/register/records", form, Content_Type="application/json", **bearer(writer.loja)
    )
    assert saved.status == 201, saved.body
    record = saved.json()["record"]
    assert ask(writer.base, f"GRAPH <{REGISTER}> {{ <{record}> a ?t }}")
    listed = send(writer.base, "GET", "/api/register/records?province=EC-L").json()["records"]
    assert record in {row["iri"] for row in listed}  # the copy was dropped by the write: the list has it
    before = audited(writer.engine)
    version = send(writer.base, "GET", f"/api/register/record?iri={urllib.parse.quote(record)}").json()["version"]
    edit = json.dumps({**FORM, "iri": record, "version": version, "title_es": "Otro título"})
    answer = send(
        writer.base, "POST", "/api/register/records", edit, Content_Type="application/json", **bearer(writer.loja)
    )
    assert answer.status == 501 and "blank nodes" in answer.message, answer.body
    assert (
        send(writer.base, "GET", f"/api/register/record?iri={record}").json()["fields"]["title_es"] == FORM["title_es"]
    )
    assert audited(writer.engine) == before


def test_the_register_sees_a_write_behind_the_services_back_after_its_next_write(writer: Writer) -> None:
    """The register reads a copy of the engine's graphs, kept until a write through the service (README, "Run on
    your own triple store"): a record written to the engine directly is listed once the service has written."""
    behind = "https://w3id.org/coopgraph/id/instrumento/ec-l-1999-001"
    listed = "/api/register/records?province=EC-L&kind=agreement"
    assert behind not in {row["iri"] for row in send(writer.base, "GET", listed).json()["records"]}  # copy made
    with writer.engine.store() as engine:
        engine.update(
            f"INSERT DATA {{ GRAPH <{REGISTER}> {{ <{behind}> a <{CG}CooperationAgreement> ; "
            f"<{CG}registerProvince> <{province_iri('EC-L')}> }} }}"
        )
    assert ask(writer.base, f"<{behind}> ?p ?o")  # every query sees it at once
    assert behind not in {row["iri"] for row in send(writer.base, "GET", listed).json()["records"]}
    triple = f'<{NEW_AGENCY}> <http://www.w3.org/2000/01/rdf-schema#comment> "otra nota"@es'
    insert = f"INSERT DATA {{ GRAPH <{PARTNERS}> {{ {triple} }} }}"
    assert send(writer.base, "POST", "/sparql", insert, Content_Type=UPDATE, **bearer(writer.admin)).status == 200
    assert behind in {row["iri"] for row in send(writer.base, "GET", listed).json()["records"]}


# --- the engine fails at the commit -------------------------------------------------------------------------------


def test_an_update_endpoint_down_at_the_commit_acknowledges_nothing(tmp_path: Path) -> None:
    admin, _ = tokens(tmp_path)
    engine = loaded(OxigraphServer(location=tmp_path / "engine"))
    dead = f"http://127.0.0.1:{free_port()}/update"  # reads work; the commit finds no one
    options = ["--store", "sparql", "--query-url", engine.url("/query"), "--update-url", dead]
    try:
        with serving(*options, "--workers", "1", env={"COOPGRAPH_DATA_DIR": str(tmp_path)}) as running:
            answer = send(
                running.base, "PUT", data_path(PARTNERS), AGENCY_TTL, Content_Type="text/turtle",
                Accept_Language="en", **bearer(admin),
            )  # fmt: skip
            assert answer.status == 503, answer.body
            assert "not acknowledged" in answer.message and "unreachable" in answer.message
            assert answer.json()["error"]["engine"] == f"the SPARQL engine at 127.0.0.1:{engine.port}"
            assert not ask(running.base, f"<{NEW_AGENCY}> ?p ?o")
            assert send(running.base, "GET", "/api/writes").json()["writes"] == []
    finally:
        engine.stop()


def test_a_commit_that_times_out_is_a_504_with_an_unknown_outcome_never_retried(tmp_path: Path) -> None:
    admin, _ = tokens(tmp_path)
    engine = loaded(OxigraphServer(location=tmp_path / "engine"))
    slow = OxigraphServer()  # takes the update, and freezes before answering it
    options = ["--store", "sparql", "--query-url", engine.url("/query"), "--update-url", slow.url("/update")]
    try:
        with serving(
            *options, "--workers", "1", "--store-timeout", "3", env={"COOPGRAPH_DATA_DIR": str(tmp_path)}
        ) as running:
            slow.freeze()
            answer = send(
                running.base, "PUT", data_path(PARTNERS), AGENCY_TTL, Content_Type="text/turtle",
                Accept_Language="es", **bearer(admin),
            )  # fmt: skip
            assert answer.status == 504, answer.body
            assert "pudo aplicarla entera o no aplicarla" in answer.message
            slow.thaw()
            with slow.store() as target:  # what the engine did with the one update once it thawed
                assert wait_until(lambda: target.count(PARTNERS) > 0, 30)
                assert target.count(PARTNERS) == 6  # the agency's six triples
                assert audited(slow) == 1  # sent once, never again
            assert send(running.base, "GET", "/healthz").status == 200
    finally:
        slow.stop()
        engine.stop()
