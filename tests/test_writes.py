"""The write path's parts, without HTTP: tokens, SPARQL Update's change, the gate, the audit, the journal."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.sparql.parser import parseUpdate

from coopgraph.core.loading import DATA_GRAPH, ensure_loaded
from coopgraph.core.store import OxigraphStore
from coopgraph.core.writes.audit import RevertError, history, revert_delta
from coopgraph.core.writes.delta import Delta, change
from coopgraph.core.writes.gate import AUDIT_GRAPH, Refusal
from coopgraph.core.writes.graph_store import BodyError, merge_graph, read_body, replace_graph
from coopgraph.core.writes.journal import LOG_FILE, Journal, stored_version
from coopgraph.core.writes.plan import prepare
from coopgraph.core.writes.tokens import TokenBook, TokenError
from coopgraph.core.writes.update import UpdateRefused, run_update

FIXTURES = Path(__file__).parent / "fixtures" / "writes"
REGISTER = ox.NamedNode("https://w3id.org/coopgraph/graph/register")
PARTNERS = ox.NamedNode("https://w3id.org/coopgraph/graph/partners-local")
AGREEMENT = "https://w3id.org/coopgraph/id/instrumento/ec-l-2026-007"
EX = "http://example.org/"


def quad(s: str, p: str, o: ox.NamedNode | ox.Literal, g: str | None = None) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + p), o, ox.NamedNode(EX + g) if g else ox.DefaultGraph())


def update(store: ox.Store, text: str, **options: object) -> Delta:
    return run_update(store, parseUpdate(text), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shipped() -> Iterator[OxigraphStore]:
    """The shipped graphs in memory; tests leave it as they found it (prepare always does)."""
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        yield store


def agreement(name: str = "agreement-loja.ttl") -> list[ox.Quad]:
    return read_body((FIXTURES / name).read_bytes(), "text/turtle", REGISTER)


# --- tokens ---


def test_a_token_is_shown_once_and_stored_hashed(tmp_path: Path) -> None:
    book = TokenBook(tmp_path)
    secret = book.add("loja-officer", "ec-l")
    text = (tmp_path / "tokens.json").read_text()
    assert secret not in text and "EC-L" in text
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    token = TokenBook(tmp_path).verify(secret)
    assert token is not None and (token.name, token.scope) == ("loja-officer", "EC-L")
    assert book.verify(secret + "x") is None and book.verify("") is None


def test_a_revoked_token_no_longer_verifies_and_its_name_can_be_reused(tmp_path: Path) -> None:
    book = TokenBook(tmp_path)
    old = book.add("ana", "all")
    with pytest.raises(TokenError, match="exists"):
        book.add("ana", "all")
    book.revoke("ana")
    assert book.verify(old) is None and not book.any_active()
    new = book.add("ana", "EC-P")
    assert book.verify(new) is not None and book.verify(old) is None
    with pytest.raises(TokenError, match="no active token"):
        book.revoke("nobody")


@pytest.mark.parametrize("scope", ["Loja", "EC", "EC-LOJA1", "ec l", ""])
def test_a_scope_is_all_or_a_province_code(tmp_path: Path, scope: str) -> None:
    with pytest.raises(TokenError, match="ISO 3166-2"):
        TokenBook(tmp_path).add("x", scope)


def test_a_damaged_token_file_is_an_error_not_an_open_door(tmp_path: Path) -> None:
    (tmp_path / "tokens.json").write_text("{not json")
    with pytest.raises(TokenError, match="not a coopgraph token file"):
        TokenBook(tmp_path).verify("cgt_anything")


# --- the change an update makes ---


def test_an_update_returns_its_net_change() -> None:
    store = ox.Store()
    store.add(quad("a", "p", ox.Literal("1"), "g1"))
    delta = update(
        store,
        f"DELETE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} INSERT {{ GRAPH <{EX}g2> {{ ?s <{EX}q> ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} ; INSERT DATA {{ <{EX}a> <{EX}p> 1 }} ; "
        f"DELETE DATA {{ <{EX}a> <{EX}p> 1 }}",  # added then removed: no change
    )
    assert delta.removed == {quad("a", "p", ox.Literal("1"), "g1")}
    assert delta.added == {quad("a", "q", ox.Literal("1"), "g2")}
    assert set(store) == delta.added


def test_insert_data_blank_nodes_are_new_each_time() -> None:
    store = ox.Store()
    first = update(store, f"INSERT DATA {{ _:b <{EX}p> 1 }}")
    second = update(store, f"INSERT DATA {{ _:b <{EX}p> 1 }}")
    assert len(store) == 2 and first.added != second.added


def test_clear_all_leaves_the_hidden_graphs_but_a_graph_named_is_readable() -> None:
    store = ox.Store()
    store.extend([quad("a", "p", ox.Literal("1"), "audit"), quad("b", "p", ox.Literal("2"), "mine")])
    hidden = {EX + "audit"}
    delta = update(store, "CLEAR ALL", hidden=hidden)
    assert delta.removed == {quad("b", "p", ox.Literal("2"), "mine")}
    copied = update(store, f"INSERT {{ ?s <{EX}seen> ?o }} WHERE {{ GRAPH <{EX}audit> {{ ?s ?p ?o }} }}", hidden=hidden)
    assert copied.added == {quad("a", "seen", ox.Literal("1"))}


def test_a_failing_operation_undoes_the_ones_before_it() -> None:
    store = ox.Store()
    store.add(quad("a", "p", ox.Literal("1"), "g"))
    with pytest.raises(UpdateRefused, match="exists"):
        update(store, f"INSERT DATA {{ <{EX}b> <{EX}p> 1 }} ; CREATE GRAPH <{EX}g>")
    assert set(store) == {quad("a", "p", ox.Literal("1"), "g")}
    assert not update(store, f"CREATE SILENT GRAPH <{EX}g> ; CREATE GRAPH <{EX}new>")


def test_using_parameters_and_a_with_clause_conflict() -> None:
    text = f"WITH <{EX}g> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    with pytest.raises(UpdateRefused, match="give only one"):
        update(ox.Store(), text, using=[EX + "g"])


def test_using_reads_the_stores_own_graph() -> None:
    store = ox.Store()
    store.add(quad("a", "p", ox.Literal("1"), "src"))
    delta = update(store, f"INSERT {{ GRAPH <{EX}dst> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}", using=[EX + "src"])
    assert delta.added == {quad("a", "p", ox.Literal("1"), "dst")}


# --- Graph Store bodies ---


def test_a_body_may_not_name_graphs_nor_declare_entities() -> None:
    with pytest.raises(BodyError) as named:
        read_body(b"<http://a> { <http://a> <http://b> <http://c> . }", "application/trig", REGISTER)
    assert named.value.status == 400
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    with pytest.raises(BodyError, match=r"DOCTYPE|ENTITY"):
        read_body(xml, "application/rdf+xml", REGISTER)
    with pytest.raises(BodyError) as media:
        read_body(b"a,b", "text/csv", REGISTER)
    assert media.value.status == 415


def test_put_replaces_and_post_merges() -> None:
    store = ox.Store()
    target = ox.NamedNode(EX + "g")
    change(store, add=[quad("old", "p", ox.Literal("1"), "g")])
    new = read_body(f"<{EX}new> <{EX}p> 2 .".encode(), "text/turtle", target)
    assert merge_graph(store, target, new).added == set(new) and len(store) == 2
    delta = replace_graph(store, target, new)
    assert delta.removed == {quad("old", "p", ox.Literal("1"), "g")} and not delta.added


# --- the gate ---


def test_a_good_agreement_passes_for_its_own_province_and_nobody_elses(shipped: OxigraphStore) -> None:
    size = len(shipped.oxigraph)
    quads = agreement()
    for scope in ("all", "EC-L"):
        plan = prepare(
            shipped.oxigraph,
            lambda s: merge_graph(s, REGISTER, quads),
            who="marta",
            scope=scope,
            name="Graph Store POST",
        )
        assert plan.changed.added == set(quads)
        assert any(q.graph_name == ox.NamedNode(AUDIT_GRAPH) for q in plan.delta.added)
    with pytest.raises(Refusal) as refused:
        prepare(shipped.oxigraph, lambda s: merge_graph(s, REGISTER, quads), who="p", scope="EC-P", name="x")
    assert refused.value.status == 403 and "EC-P" in refused.value.message.en
    assert len(shipped.oxigraph) == size, "prepare leaves the store as it found it"


def test_an_agreement_with_one_party_is_refused_with_the_report(shipped: OxigraphStore) -> None:
    quads = agreement("agreement-one-party.ttl")
    with pytest.raises(Refusal) as refused:
        prepare(shipped.oxigraph, lambda s: merge_graph(s, REGISTER, quads), who="m", scope="all", name="x", lang="en")
    report = refused.value.report
    assert refused.value.status == 422 and report is not None
    assert {v.shape.rsplit("#", 1)[1] for v in report.violations if v.severity == "Violation"} == {"agreement-parties"}
    rdf = report.to_rdf()
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert rdflib.URIRef(AGREEMENT.replace("007", "008")) in set(rdf.objects(None, sh.focusNode))
    assert (None, rdflib.RDF.type, sh.ValidationReport) in rdf


def test_the_gate_follows_the_class_hierarchy_of_what_a_write_references(shipped: OxigraphStore) -> None:
    """`sh:class org:Organization` on org:memberOf holds for a cg:Network only through the ontology's hierarchy
    (cg:Network ⊑ cg:Organisation ⊑ org:Organization), which the gate reads without merging the whole ontology;
    a city is refused."""
    cg = "https://w3id.org/coopgraph/def#"

    def one_of(cls: str) -> str:
        found = shipped.oxigraph.query(f"SELECT ?x WHERE {{ GRAPH ?g {{ ?x a <{cg}{cls}> }} }} ORDER BY ?x LIMIT 1")
        assert isinstance(found, ox.QuerySolutions)
        return str(next(iter(found))["x"].value)

    def partner(member_of: str) -> list[ox.Quad]:
        text = f"""@prefix cg: <{cg}> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix org: <http://www.w3.org/ns/org#> .
<https://w3id.org/coopgraph/id/agencia-de-prueba> a cg:CooperationAgency ;
    rdfs:label "Agencia de prueba"@es, "Test agency"@en ;
    org:memberOf <{member_of}> ;
    dcterms:source <https://w3id.org/coopgraph/id/ref-mremh-2020> ."""
        return read_body(text.encode(), "text/turtle", PARTNERS)

    network, city = one_of("Network"), one_of("City")
    accepted = partner(network)
    plan = prepare(shipped.oxigraph, lambda s: merge_graph(s, PARTNERS, accepted), who="m", scope="all", name="x")
    assert plan.changed.added == set(accepted)
    refused_quads = partner(city)
    with pytest.raises(Refusal) as refused:
        prepare(shipped.oxigraph, lambda s: merge_graph(s, PARTNERS, refused_quads), who="m", scope="all", name="x")
    report = refused.value.report
    assert refused.value.status == 422 and report is not None
    assert {v.shape.rsplit("#", 1)[1] for v in report.violations} == {"member-of-organization"}


def test_removing_what_a_record_needs_is_refused_too(shipped: OxigraphStore) -> None:
    quads = agreement()
    change(shipped.oxigraph, add=quads)
    try:
        labels = [q for q in quads if q.subject.value == AGREEMENT and q.predicate.value.endswith("#label")]
        assert len(labels) == 2
        with pytest.raises(Refusal) as refused:
            prepare(shipped.oxigraph, lambda s: change(s, remove=labels), who="m", scope="EC-L", name="x")
        assert refused.value.status == 422
    finally:
        change(shipped.oxigraph, remove=quads)


def test_the_shipped_and_audit_graphs_cannot_be_written(shipped: OxigraphStore) -> None:
    for graph in (DATA_GRAPH, AUDIT_GRAPH):
        target = ox.NamedNode(graph)
        with pytest.raises(Refusal) as refused:
            prepare(
                shipped.oxigraph,
                lambda s, t=target: merge_graph(
                    s, t, [ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("x"), t)]
                ),
                who="m",
                scope="all",
                name="x",
            )
        assert refused.value.status == 403


# --- audit, history, revert ---


def test_history_lists_writes_and_revert_undoes_one(tmp_path: Path) -> None:
    with OxigraphStore.open(tmp_path / "store") as store:
        journal = Journal(store.oxigraph, store.path)
        target = ox.NamedNode(EX + "g")
        first = read_body(f"<{EX}a> <{EX}p> 1 .".encode(), "text/turtle", target)
        plan = prepare(
            store.oxigraph, lambda s: merge_graph(s, target, first), who="ana", scope="all", name="Graph Store POST"
        )
        journal.commit(plan.delta)
        (record,) = history(store.oxigraph)
        assert (record.id, record.who, record.added, record.graphs) == (plan.write_id, "ana", 1, (EX + "g",))
        undo = prepare(
            store.oxigraph,
            lambda s: change(s, remove=revert_delta(s, plan.write_id).removed),
            who="bo",
            scope="all",
            name="Revert",
            reverts=plan.write_id,
        )
        journal.commit(undo.delta)
        assert not list(store.oxigraph.quads_for_pattern(None, None, None, target))
        newest = history(store.oxigraph)[0]
        assert (newest.reverts, newest.removed, newest.who) == (plan.write_id, 1, "bo")
        with pytest.raises(RevertError, match="changed by later writes"):
            revert_delta(store.oxigraph, plan.write_id)  # its triple is gone already
        with pytest.raises(RevertError, match="no write"):
            revert_delta(store.oxigraph, "nope")
        journal.close()


def test_a_patch_reads_back_as_the_same_change() -> None:
    delta = Delta(
        {
            ox.Quad(
                ox.BlankNode("b1"),
                ox.NamedNode(EX + "p"),
                ox.Literal('línea\n"dos"', language="es"),
                ox.NamedNode(EX + "g"),
            )
        },
        {quad("s", "p", ox.Literal("1"))},
    )
    assert Delta.from_patch(delta.patch()) == delta
    assert Delta.from_nquads(*delta.to_nquads()) == delta
    with pytest.raises(ValueError, match="neither"):
        Delta.from_patch("X <a> <b> <c> .")


# --- the journal ---


def test_the_journal_replays_what_a_crash_left_and_drops_a_torn_record(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with OxigraphStore.open(folder) as store:
        journal = Journal(store.oxigraph, folder)
        journal.commit(Delta({quad("a", "p", ox.Literal("1"), "g")}))
        assert stored_version(store.oxigraph) == 1
        journal.close()
    # as a crash leaves it: a record synced to the log but not applied to the store, then one cut short
    added, removed = Delta({quad("b", "p", ox.Literal("2"), "g")}, {quad("a", "p", ox.Literal("1"), "g")}).to_nquads()
    with open(folder / LOG_FILE, "ab") as log:
        log.write((json.dumps({"v": 2, "added": added, "removed": removed}) + "\n").encode())
        log.write(b'{"v": 3, "added": "<http://example.org/c> <http://exa')
    with OxigraphStore.open(folder) as store:
        journal = Journal(store.oxigraph, folder)
        assert journal.version == 2
        assert quad("b", "p", ox.Literal("2"), "g") in store.oxigraph
        assert quad("a", "p", ox.Literal("1"), "g") not in store.oxigraph
        assert not list(store.oxigraph.quads_for_pattern(ox.NamedNode(EX + "c"), None, None))
        assert (folder / LOG_FILE).read_bytes() == b""
        journal.close()


def test_a_kept_log_holds_the_writes_since_a_saved_state_as_one_change(tmp_path: Path) -> None:
    """`coopgraph serve` keeps the log (`keep=True`): a start after a crash applies the writes made since the
    snapshot saved at version N to that snapshot, as one change that is exactly what they changed together."""
    folder = tmp_path / "store"
    one, two, three = (quad(name, "p", ox.Literal("1"), "g") for name in ("a", "b", "c"))
    with OxigraphStore.open(folder) as store:
        store.oxigraph.add(one)  # in the store before the writes
        journal = Journal(store.oxigraph, folder, sync=False, keep=True)
        journal.commit(Delta({two}))  # 1
        journal.commit(Delta({three}, {one}))  # 2
        journal.commit(Delta({one}, {two}))  # 3: `one` back as it was, `two` gone again
        journal.commit(Delta(set(), {three}))  # 4
        assert journal.changes_since(0) == Delta()  # back where version 0 was
        assert journal.changes_since(1) == Delta(set(), {two})
        assert journal.changes_since(2) == Delta({one}, {two, three})
        assert journal.changes_since(4) == Delta()
        journal.forget_through(2)
        assert journal.changes_since(1) is None, "the log no longer holds write 2"
        assert journal.changes_since(2) == Delta({one}, {two, three})
        journal.close()
    text = (folder / LOG_FILE).read_bytes()
    assert [json.loads(line)["v"] for line in text.splitlines()] == [3, 4], "a clean stop keeps a kept log"
    with open(folder / LOG_FILE, "ab") as log:
        log.write(b'{"v": 5, "added": "<http://exa')  # a record cut short by a kill
    with OxigraphStore.open(folder) as store:
        journal = Journal(store.oxigraph, folder, sync=False, keep=True)
        assert journal.version == 4
        journal.commit(Delta({two}))  # 5: starts a line of its own, after the torn record was dropped
        assert journal.changes_since(2) == Delta({one}, {three})  # `two` removed by 3, back with 5
        journal.forget_through(5)
        assert (folder / LOG_FILE).read_bytes() == b""
        journal.close()
