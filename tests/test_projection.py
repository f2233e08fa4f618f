"""The projection RDF -> networkx against an independent SPARQL account of the shipped graph, and its selections."""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
from network_oracle import Network, expected_network, regular_nodes

from coopgraph.core.loading import DATA_GRAPH
from coopgraph.core.projection import (
    KIND_KEYS,
    MAX_RADIUS,
    Schema,
    Selection,
    SelectionError,
    SelectionTooLarge,
    UnknownResource,
    pick_language,
    project,
)
from coopgraph.core.projection.rules import BASE_ATTRIBUTES, IGNORED, KINDS, LINKS, LITERALS, RELATIONS
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CG, CGR, IATI, RDFS, SKOS

LOJA = CGR + "gadp-loja"
REGIONS4 = CGR + "regions4"


@pytest.fixture(scope="module")
def whole(shipped_store: OxigraphStore) -> dict[str, nx.MultiDiGraph]:
    return {lang: project(shipped_store, lang=lang) for lang in ("es", "en")}


@pytest.fixture(scope="module")
def oracle(shipped_store: OxigraphStore) -> dict[str, Network]:
    return {lang: expected_network(shipped_store, lang=lang) for lang in ("es", "en")}


def edges_of(net: nx.MultiDiGraph) -> Counter[tuple[str, str, str]]:
    return Counter((u, v, data["relation"]) for u, v, data in net.edges(data=True))


def test_every_data_predicate_has_a_rule(shipped_store: OxigraphStore) -> None:
    """A property added to the data must be given a place (edge, attribute, or deliberately ignored)."""
    ruled = {r.property for r in RELATIONS} | {x.property for x in LINKS} | {x.property for x in LITERALS}
    ruled |= set(IGNORED)
    used = {
        row["p"].value
        for row in shipped_store.query(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{DATA_GRAPH}> {{ ?s ?p ?o }} }}")
    }
    assert len(used) > 50
    assert sorted(used - ruled) == []


def test_every_data_class_is_a_kind_or_deliberately_not(shipped_store: OxigraphStore) -> None:
    schema = Schema(shipped_store)
    # references and schemes only name things; owl:Axiom nodes are the provenance of single facts
    # (graph/provenance.ttl), blank nodes that annotate a triple
    not_nodes = {
        CG + "Reference",
        "http://www.w3.org/2004/02/skos/core#ConceptScheme",
        "http://www.w3.org/2002/07/owl#Axiom",
    }
    classes = {
        row["c"].value
        for row in shipped_store.query(f"SELECT DISTINCT ?c WHERE {{ GRAPH <{DATA_GRAPH}> {{ ?s a ?c }} }}")
    }
    assert len(classes) > 40
    unmapped = sorted(c for c in classes - not_nodes if schema.kind_from_types("urn:x", [c]) is None)
    assert unmapped == []


@pytest.mark.parametrize("lang", ["es", "en"])
def test_whole_graph_matches_the_sparql_account(
    whole: dict[str, nx.MultiDiGraph], oracle: dict[str, Network], lang: str
) -> None:
    net, expected = whole[lang], oracle[lang]
    assert net.number_of_nodes() == len(expected.nodes) > 400
    assert set(net.nodes) == set(expected.nodes)
    assert {n: d["label"] for n, d in net.nodes(data=True)} == expected.nodes
    assert edges_of(net) == expected.edges
    # the size floor only guards against an empty account: 886 edges since Tabla 2's per-country sectors stopped
    # being copied onto each listed organisation (#17)
    assert net.number_of_edges() == sum(expected.edges.values()) > 800


def test_labels_differ_by_language(whole: dict[str, nx.MultiDiGraph]) -> None:
    assert whole["es"].nodes[CGR + "mremh"]["label"] == "Ministerio de Relaciones Exteriores y Movilidad Humana"
    assert whole["en"].nodes[CGR + "mremh"]["label"] == "Ministry of Foreign Affairs and Human Mobility"
    es_edge = next(d for u, v, d in whole["es"].edges(data=True) if d["relation"] == "memberOf")
    en_edge = next(d for u, v, d in whole["en"].edges(data=True) if d["relation"] == "memberOf")
    assert (es_edge["label"], en_edge["label"]) == ("miembro de", "member of")


def test_nodes_are_resources_never_literals_ontology_terms_or_references(whole: dict[str, nx.MultiDiGraph]) -> None:
    net = whole["es"]
    assert all(node.startswith("https://w3id.org/coopgraph/") for node in net)
    assert not [node for node in net if node.startswith(CG)]  # ontology terms
    assert not [node for node in net if node.startswith((CGR + "ref-", CGR + "esquema-"))]


def test_attributes_are_strings_or_numbers_and_base_ones_always_present(whole: dict[str, nx.MultiDiGraph]) -> None:
    for _, data in whole["es"].nodes(data=True):
        assert set(BASE_ATTRIBUTES) <= set(data)
        assert all(isinstance(value, str | int | float) and value is not None for value in data.values())
        assert data["kind"] in KIND_KEYS and data["label"]
    for _, _, data in whole["es"].edges(data=True):
        assert set(data) == {"relation", "label", "property"} and all(isinstance(v, str) and v for v in data.values())


@pytest.mark.parametrize(
    ("slug", "kind", "cls"),
    [
        ("regions4", "network", "Network"),
        ("congope", "association", "GovernmentAssociation"),
        ("gadp-loja", "subnational-government", "SubnationalGovernment"),
        ("aecid", "agency", "CooperationAgency"),
        ("mremh", "government-body", "GovernmentBody"),
        ("pais-cl", "country", "Country"),
        ("provincia-ec-l", "province", "Province"),
        ("mesa-tecnica-frontera-norte", "space", "TechnicalTable"),
        ("comision-mixta-ar", "space", "JointCommission"),
        ("constitucion-2008", "legal-instrument", "Constitution"),
        ("constitucion-2008-art-263-num-8", "legal-provision", "LegalProvision"),
        ("sector-medio-ambiente", "sector", "Sector"),
        ("mecanismo-cooperacion-tecnica", "mechanism", "Mechanism"),
        ("programa-frontera-norte-desarrollo-y-paz", "programme", "Programme"),
    ],
)
def test_kinds_and_classes(whole: dict[str, nx.MultiDiGraph], slug: str, kind: str, cls: str) -> None:
    data = whole["es"].nodes[CGR + slug]
    assert (data["kind"], data["class"]) == (kind, CG + cls)
    assert data["kind_label"] == next(k.es for k in KINDS if k.key == kind)


def test_every_node_class_is_one_of_its_types_under_its_kind_class(
    shipped_store: OxigraphStore, whole: dict[str, nx.MultiDiGraph]
) -> None:
    by_kind = {kind.key: kind.cls for kind in KINDS}
    for node, data in whole["es"].nodes(data=True):
        cls, kind_cls = data["class"], by_kind[data["kind"]]
        ask = f"ASK {{ <{node}> a <{cls}> . <{cls}> <{RDFS}subClassOf>* <{kind_cls}> }}"
        assert shipped_store.query(ask), node


def test_only_used_iati_codes_are_nodes(shipped_store: OxigraphStore, whole: dict[str, nx.MultiDiGraph]) -> None:
    net = whole["es"]
    codes = [node for node in net if node.startswith(IATI)]
    count = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{SKOS}Concept> FILTER STRSTARTS(STR(?c), '{IATI}') }}"
    in_codelists = int(next(iter(shipped_store.query(count)))["n"].value)
    assert in_codelists >= 900 and 0 < len(codes) < 200
    for code in codes:
        assert net.nodes[code]["kind"] == "iati-code"
        neighbours = set(net.predecessors(code)) | set(net.successors(code))
        assert any(not n.startswith(IATI) for n in neighbours), code


def test_sector_country_and_source_attributes(shipped_store: OxigraphStore, whole: dict[str, nx.MultiDiGraph]) -> None:
    query = f"""SELECT ?s (GROUP_CONCAT(DISTINCT ?l; separator="|") AS ?labels) WHERE {{
        ?s <{CG}sector> ?sector . ?sector <{RDFS}label> ?l FILTER(lang(?l) = "es") }} GROUP BY ?s"""
    rows = {row["s"].value: sorted(row["labels"].value.split("|")) for row in shipped_store.query(query)}
    net = whole["es"]
    checked = 0
    for node, labels in rows.items():
        if node in net:
            assert net.nodes[node]["sectors"] == "; ".join(labels), node
            checked += 1
    assert checked >= 20  # every resource the data gives a sector (23: countries, networks, UN bodies, spaces)
    loja = net.nodes[LOJA]
    assert (loja["country"], loja["country_code"]) == ("Ecuador", "EC")
    chile = net.nodes[CGR + "pais-cl"]
    assert (chile["country"], chile["country_code"], chile["notation"]) == ("Chile", "CL", "CL")
    assert "Regions4, 2022" in net.nodes[REGIONS4]["sources"]
    assert net.nodes[REGIONS4]["founded"] == 2002


def test_participation_is_drawn_from_the_actor_to_the_space(
    shipped_store: OxigraphStore, whole: dict[str, nx.MultiDiGraph]
) -> None:
    rows = list(shipped_store.query(f"SELECT ?space ?actor WHERE {{ ?space <{CG}participant> ?actor }}"))
    assert rows
    for row in rows:
        assert whole["es"].has_edge(row["actor"].value, row["space"].value, key="participatesIn")


@pytest.mark.parametrize("radius", [0, 1, 2])
def test_ego_network_matches_networkx_ego_graph_of_the_oracle(
    shipped_store: OxigraphStore, oracle: dict[str, Network], radius: int
) -> None:
    net = project(shipped_store, Selection(focus=LOJA, radius=radius), lang="en")
    expected = oracle["en"].ego(LOJA, radius)
    assert {n: d["label"] for n, d in net.nodes(data=True)} == expected.nodes
    assert edges_of(net) == expected.edges
    assert LOJA in net


def test_kind_selection_keeps_only_those_kinds_and_the_edges_among_them(
    shipped_store: OxigraphStore, oracle: dict[str, Network]
) -> None:
    net = project(shipped_store, Selection(kinds=("network", "country")))
    expected = oracle["es"].restricted(regular_nodes(shipped_store, [CG + "Network", CG + "Country"]))
    assert {d["kind"] for _, d in net.nodes(data=True)} == {"network", "country"}
    assert set(net.nodes) == set(expected.nodes) and edges_of(net) == expected.edges


def test_kinds_then_ego(shipped_store: OxigraphStore) -> None:
    net = project(
        shipped_store,
        Selection(kinds=("network", "association", "subnational-government"), focus=CGR + "congope", radius=2),
    )
    assert CGR + "congope" in net and REGIONS4 in net and CGR + "foro-de-regiones-cglu" in net
    assert {d["kind"] for _, d in net.nodes(data=True)} <= {"network", "association", "subnational-government"}


def test_stored_select_query_selects_its_iris(shipped_store: OxigraphStore, oracle: dict[str, Network]) -> None:
    from coopgraph.core.queries import load_queries, run

    query = load_queries()["networks-of-congope"]
    iris = {term.value for row in run(shipped_store, query) for term in row if isinstance(term, ox.NamedNode)}
    net = project(shipped_store, Selection(query="networks-of-congope"))
    expected = oracle["es"].restricted(iris & set(oracle["es"].nodes))
    assert CGR + "congope" in net and net.number_of_nodes() == len(expected.nodes) > 3
    assert edges_of(net) == expected.edges


def test_construct_query_selects_its_triples_as_edges(shipped_store: OxigraphStore) -> None:
    """Only the constructed triples are edges, though another relation (cg:country) joins the same nodes."""
    channel_of = f"<{CG}channelOf>"
    sparql = f"CONSTRUCT {{ ?m {channel_of} ?n }} WHERE {{ ?m {channel_of} ?n }}"
    triples = {(t.subject.value, t.object.value) for t in shipped_store.query(sparql)}
    net = project(shipped_store, Selection(sparql=sparql))
    assert len(triples) > 20
    assert set(net.nodes) == {end for pair in triples for end in pair}
    assert {(u, v) for u, v, _ in net.edges(keys=True)} == triples
    assert {k for *_, k in net.edges(keys=True)} == {"channelOf"}


def test_query_parameters_and_language_are_bound(shipped_store: OxigraphStore) -> None:
    net = project(
        shipped_store,
        Selection(query="partners-by-sector", params={"sector": CGR + "sector-medio-ambiente"}),
        lang="en",
    )
    assert net.number_of_nodes() > 5 and CGR + "sector-medio-ambiente" in net
    with pytest.raises(SelectionError, match="not a valid absolute IRI"):
        project(shipped_store, Selection(query="partners-by-sector", params={"sector": "medio ambiente"}))


@pytest.mark.parametrize(
    ("selection", "error", "message"),
    [
        (Selection(kinds=("planet",)), SelectionError, "unknown kind"),
        (Selection(focus=LOJA, radius=-1), SelectionError, "radius"),
        (Selection(focus=LOJA, radius=MAX_RADIUS + 1), SelectionError, "radius"),
        (Selection(focus="not an iri"), SelectionError, "not a valid absolute IRI"),
        (Selection(focus=CGR + "no-such-thing"), UnknownResource, "no node"),
        (Selection(focus=CGR + "ref-estudio"), UnknownResource, "no node"),
        (Selection(focus=CG + "Network"), UnknownResource, "no node"),
        (Selection(focus=IATI + "AidType/A01"), UnknownResource, "no resource of the selection links to it"),
        (Selection(focus=LOJA, kinds=("network",)), SelectionError, "not one of the selected kinds"),
        (Selection(query="no-such-query"), SelectionError, "no stored query"),
        (Selection(query="networks-of-congope", params={"nope": "1"}), SelectionError, "unknown parameter"),
        (Selection(sparql="ASK { ?s ?p ?o }"), SelectionError, "ASK"),
        (Selection(sparql="SELECT nonsense"), SelectionError, "syntax"),
        (Selection(params={"a": "b"}), SelectionError, "need a stored query"),
    ],
)
def test_bad_selections(
    shipped_store: OxigraphStore, selection: Selection, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        project(shipped_store, selection)


def test_a_cap_stops_large_selections(shipped_store: OxigraphStore) -> None:
    with pytest.raises(SelectionTooLarge) as caught:
        project(shipped_store, max_nodes=100)
    assert caught.value.limit == 100 and caught.value.nodes > 100
    with pytest.raises(SelectionTooLarge):
        project(shipped_store, Selection(focus=LOJA, radius=3), max_nodes=50)
    assert project(shipped_store, Selection(focus=LOJA, radius=1), max_nodes=50).number_of_nodes() <= 50


def test_label_fallbacks(memory_store: OxigraphStore) -> None:
    data = f"""
    @prefix cg: <{CG}> . @prefix cgr: <{CGR}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    cgr:only-english a cg:Network ; rdfs:label "Only English"@en .
    cgr:no-label a cg:Network ; <http://www.w3.org/ns/org#memberOf> cgr:only-english .
    cgr:untagged a cg:Network ; rdfs:label "Sin etiqueta de idioma" .
    """
    memory_store.oxigraph.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(DATA_GRAPH))
    net = project(memory_store, lang="es")
    assert net.nodes[CGR + "only-english"]["label"] == "Only English"
    assert net.nodes[CGR + "no-label"]["label"] == "no-label"
    assert net.nodes[CGR + "untagged"]["label"] == "Sin etiqueta de idioma"
    assert net.has_edge(CGR + "no-label", CGR + "only-english", key="memberOf")
    assert pick_language([("a", "fr"), ("b", "de")], "es") == ["b"]


class _RemoteLike:
    """A store that only answers SPARQL (no native pattern reads), like a remote endpoint would."""

    def __init__(self, store: OxigraphStore) -> None:
        self._store = store

    def query(self, sparql: str, **options: Any) -> Any:
        return self._store.query(sparql, **options)


def test_sparql_pattern_reads_give_the_same_network(
    shipped_store: OxigraphStore, whole: dict[str, nx.MultiDiGraph]
) -> None:
    remote = project(_RemoteLike(shipped_store), Selection(focus=REGIONS4, radius=2))  # type: ignore[arg-type]
    native = project(shipped_store, Selection(focus=REGIONS4, radius=2))
    assert dict(remote.nodes(data=True)) == dict(native.nodes(data=True))
    assert sorted(remote.edges(keys=True)) == sorted(native.edges(keys=True))


def test_slugs() -> None:
    assert Selection().slug == "all"
    assert Selection(kinds=("network", "agency")).slug == "kind-agency-network"
    assert Selection(focus=LOJA, radius=2).slug == "ego-gadp-loja-r2"
    assert Selection(query="networks-of-congope", focus=LOJA).slug == "query-networks-of-congope-ego-gadp-loja-r1"
