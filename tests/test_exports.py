"""Every export format read back by a reader we did not write, checked against the SPARQL account of the graph.

Readers: networkx (GraphML, GEXF, node-link), python-igraph (GraphML),
Graphviz `dot` (DOT), the standard library's XML parser (SVG) and csv module
(CSV), rdflib (Turtle, JSON-LD), json (Cytoscape.js, with structural checks).
Each is checked for the whole graph and for an ego network: node and edge
counts, and every node's label.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import igraph
import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from network_oracle import Network, expected_network
from tools import dot_program

from coopgraph.core import export
from coopgraph.core.export import ExportError, RendererMissing, graphviz
from coopgraph.core.export.tables import write_csv_files
from coopgraph.core.loading import DATA_GRAPH, META_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.projection import KIND_COLOURS, KIND_KEYS, OTHER_COLOUR, Selection, project, text_colour
from coopgraph.core.projection.rules import RELATIONS
from coopgraph.core.store import OxigraphStore
from coopgraph.core.vocab import CGR, RDF_TYPE, RDFS

LOJA = CGR + "gadp-loja"
CASES = {
    "whole-es": (Selection(), "es"),
    "ego-loja-r2-en": (Selection(focus=LOJA, radius=2), "en"),
}
KEYS = {r.property: r.key for r in RELATIONS}
RDFS_LABEL = rdflib.URIRef(RDFS + "label")
RDFS_LABEL_OX = ox.NamedNode(RDFS + "label")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Edges = Counter[tuple[str, str, str]]


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest, shipped_store: OxigraphStore) -> tuple[nx.MultiDiGraph, Network]:
    """(the projected network, the oracle's expectation) for one selection."""
    selection, lang = CASES[request.param]
    expected = expected_network(shipped_store, lang=lang)
    if selection.focus is not None:
        expected = expected.ego(selection.focus, selection.radius)
    return project(shipped_store, selection, lang=lang), expected


def exported(net: nx.MultiDiGraph, name: str, store: OxigraphStore, tmp_path: Path) -> Path:
    path = tmp_path / f"export.{export.FORMATS[name].extension}"
    with path.open("wb") as out:
        export.write(net, name, out, store=store)
    return path


def parse_rdf(path: Path, name: str) -> rdflib.Graph:
    """rdflib's reading; its JSON-LD parser still builds a ConjunctiveGraph inside, which rdflib itself deprecates."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return rdflib.Graph().parse(path, format="turtle" if name == "ttl" else "json-ld")


def check(expected: Network, labels: dict[str, str], edges: Edges) -> None:
    assert len(labels) == len(expected.nodes) and labels == expected.nodes
    assert sum(edges.values()) == sum(expected.edges.values())
    assert edges == expected.edges


def test_graphml_with_networkx(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    read = nx.read_graphml(exported(net, "graphml", shipped_store, tmp_path))
    assert isinstance(read, nx.MultiDiGraph)
    check(
        expected,
        {n: d["label"] for n, d in read.nodes(data=True)},
        Counter((u, v, d["relation"]) for u, v, d in read.edges(data=True)),
    )
    some = next(n for n, d in net.nodes(data=True) if d.get("founded"))
    assert read.nodes[some]["founded"] == net.nodes[some]["founded"]  # typed: a number, not text


def test_graphml_with_igraph(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    read = igraph.Graph.Read_GraphML(str(exported(net, "graphml", shipped_store, tmp_path)))
    assert read.is_directed()
    ids = read.vs["id"]
    check(
        expected,
        dict(zip(ids, read.vs["label"], strict=True)),
        Counter((ids[e.source], ids[e.target], e["relation"]) for e in read.es),
    )
    assert set(read.vs["kind"]) == {d["kind"] for _, d in net.nodes(data=True)}


def test_gexf_with_networkx(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    read = nx.read_gexf(exported(net, "gexf", shipped_store, tmp_path))
    check(
        expected,
        {n: d["label"] for n, d in read.nodes(data=True)},
        Counter((u, v, d["relation"]) for u, v, d in read.edges(data=True)),
    )
    for node, data in net.nodes(data=True):
        assert read.nodes[node]["kind"] == data["kind"]
        assert read.nodes[node].get("sectors", "") == data["sectors"]


def test_nodelink_with_networkx(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    data = json.loads(exported(net, "nodelink", shipped_store, tmp_path).read_text(encoding="utf-8"))
    read = nx.node_link_graph(data, edges="links")
    assert read.is_multigraph() and read.is_directed()
    check(
        expected,
        {n: d["label"] for n, d in read.nodes(data=True)},
        Counter((u, v, d["relation"]) for u, v, d in read.edges(data=True)),
    )
    assert data["graph"]["nodes"] == len(expected.nodes)


def test_cytoscape_json_structure(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    document = json.loads(exported(net, "cyjs", shipped_store, tmp_path).read_text(encoding="utf-8"))
    nodes, edges = document["elements"]["nodes"], document["elements"]["edges"]
    for node in nodes:
        assert {"id", "label", "kind", "kind_label", "country", "sectors", "iri"} <= set(node["data"])
        assert all(value is not None for value in node["data"].values())
    ids = [node["data"]["id"] for node in nodes]
    assert len(ids) == len(set(ids))
    edge_ids = [edge["data"]["id"] for edge in edges]
    assert len(edge_ids) == len(set(edge_ids)) and not set(edge_ids) & set(ids)
    for edge in edges:
        assert {"id", "source", "target", "relation", "label"} <= set(edge["data"])
        assert edge["data"]["source"] in ids and edge["data"]["target"] in ids
    check(
        expected,
        {node["data"]["id"]: node["data"]["label"] for node in nodes},
        Counter((e["data"]["source"], e["data"]["target"], e["data"]["relation"]) for e in edges),
    )
    legend = document["data"]
    assert (legend["nodes"], legend["edges"]) == (len(nodes), len(edges))
    assert sum(kind["count"] for kind in legend["kinds"]) == len(nodes)
    assert all(kind["label"] for kind in legend["kinds"])


def test_csv_with_the_csv_module(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    net, expected = case
    with zipfile.ZipFile(exported(net, "csv", shipped_store, tmp_path)) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), encoding="utf-8", newline="")))
        edges = list(csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), encoding="utf-8", newline="")))
    labels = {row["id"]: row["label"] for row in nodes}
    check(expected, labels, Counter((row["source"], row["target"], row["relation"]) for row in edges))
    for row in edges:  # labels, not codes, on both ends and for the relation
        assert (row["source_label"], row["target_label"]) == (labels[row["source"]], labels[row["target"]])
        assert row["label"] and not row["label"].startswith("http")
    counts = []
    for path in write_csv_files(net, tmp_path / "two-files"):
        with path.open(encoding="utf-8", newline="") as handle:
            counts.append(len(list(csv.reader(handle))) - 1)
    assert counts == [len(nodes), len(edges)]


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def rdf_expectation(store: OxigraphStore, expected: Network) -> rdflib.Graph:
    """Every facts triple of a node, minus the edge triples to resources that are nodes elsewhere but not here."""
    whole = expected_network(store)
    elsewhere = set(whole.nodes) | {end for s, _, o in whole.triples for end in (s, o)}
    query = f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g NOT IN (<{ONTOLOGY_GRAPH}>, <{META_GRAPH}>)) FILTER(isIRI(?s) && !isBlank(?o)) }}"""
    graph = rdflib.Graph()
    for row in store.query(query):
        s, p, o = row["s"].value, row["p"].value, row["o"]
        if s not in expected.nodes:
            continue
        if (
            p in KEYS
            and isinstance(o, ox.NamedNode)
            and o.value in elsewhere
            and (s, p, o.value) not in expected.triples
        ):
            continue
        graph.add((rdflib.URIRef(s), rdflib.URIRef(p), _rdflib_term(o)))
    return graph


@pytest.mark.parametrize("name", ["ttl", "jsonld"])
def test_rdf_with_rdflib(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path, name: str
) -> None:
    net, expected = case
    path = exported(net, name, shipped_store, tmp_path)
    read = parse_rdf(path, name)
    assert {str(s) for s in read.subjects()} == set(expected.nodes)
    edge_triples = {(str(s), str(p), str(o)) for s, p, o in read if str(p) in KEYS and str(o) in expected.nodes}
    assert edge_triples == set(expected.triples)
    lang = net.graph["lang"]
    for iri, label in expected.nodes.items():
        names = {str(o) for o in read.objects(rdflib.URIRef(iri), RDFS_LABEL) if o.language == lang}
        assert not names or label in names, iri
    want = rdf_expectation(shipped_store, expected)
    assert len(read) == len(want)
    assert set(read) == set(want)


def test_turtle_and_jsonld_hold_the_same_graph(shipped_store: OxigraphStore, tmp_path: Path) -> None:
    net = project(shipped_store, Selection(focus=LOJA, radius=1))
    turtle = parse_rdf(exported(net, "ttl", shipped_store, tmp_path), "ttl")
    jsonld = parse_rdf(exported(net, "jsonld", shipped_store, tmp_path), "jsonld")
    assert len(turtle) > 50 and rdflib.compare.isomorphic(turtle, jsonld)


def _dot_json(source: bytes) -> dict:
    done = subprocess.run(["dot", "-Ksfdp", "-Tjson0"], input=source, capture_output=True, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.usefixtures("needs_dot")
def test_dot_with_graphviz(case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path) -> None:
    net, expected = case
    document = _dot_json(exported(net, "dot", shipped_store, tmp_path).read_bytes())
    objects = document["objects"]
    names = [obj["name"] for obj in objects]
    check(
        expected,
        {obj["name"]: obj["label"] for obj in objects},
        Counter((names[e["tail"]], names[e["head"]], e["relation"]) for e in document.get("edges", [])),
    )


@pytest.mark.usefixtures("needs_dot")
def test_svg_drawn_by_graphviz(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    """Graphviz drew one shape per node (titled with its IRI, showing its label) and one line per edge."""
    net, expected = case
    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ET.parse(exported(net, "svg", shipped_store, tmp_path)).getroot()
    labels, pairs = {}, Counter()
    for group in root.iterfind(".//svg:g", ns):
        classes = (group.get("class") or "").split()
        title = group.findtext("svg:title", namespaces=ns) or ""
        if "node" in classes:
            labels[title] = " ".join(text.text or "" for text in group.iterfind(".//svg:text", ns))
            assert f"kind-{net.nodes[title]['kind']}" in classes
        elif "edge" in classes:
            source, _, target = title.partition("->")
            pairs[(source, target)] += 1
    assert labels == expected.nodes
    assert pairs == Counter((source, target) for source, target, _ in expected.edges.elements())


@pytest.mark.usefixtures("needs_dot")
def test_svg_has_a_legend_of_the_kinds_drawn(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    """One legend entry per kind drawn: the colour the drawing fills that kind's nodes with, the kind's label;
    the legend lies on the canvas, beside the drawing."""
    net, _ = case
    ns = {"svg": graphviz.SVG_NS}
    root = ET.parse(exported(net, "svg", shipped_store, tmp_path)).getroot()
    legend = root.find("svg:g[@id='legend']", ns)
    assert legend is not None
    entries = {}
    for entry in legend.iterfind("svg:g", ns):
        (kind,) = [name.removeprefix("kind-") for name in entry.get("class", "").split() if name.startswith("kind-")]
        swatch = entry.find("svg:rect", ns)
        assert swatch is not None
        entries[kind] = (entry.findtext("svg:text", namespaces=ns), swatch.get("fill"))
    drawn = {}  # kind -> (label, fill of its nodes' shapes, as Graphviz drew them)
    for group in root.iterfind(".//svg:g[@class]", ns):
        kinds = [name.removeprefix("kind-") for name in group.get("class", "").split() if name.startswith("kind-")]
        if "node" in group.get("class", "").split():
            data = net.nodes[group.findtext("svg:title", namespaces=ns)]
            shapes = [*group.iterfind(".//svg:path", ns), *group.iterfind(".//svg:polygon", ns)]  # rounded: paths
            assert shapes
            shape = shapes[0]
            drawn.setdefault(kinds[0], set()).add((data.get("kind_label", data["kind"]), shape.get("fill")))
    assert {kind: {entry} for kind, entry in entries.items()} == drawn
    assert len({fill for _, fill in entries.values()}) == len(entries)  # no two kinds share a colour
    left, top, width, height = (float(value) for value in root.get("viewBox", "").split())
    drawing = root.find("svg:g[@id='graph0']", ns)
    assert drawing is not None
    for rect in legend.iter(f"{{{graphviz.SVG_NS}}}rect"):
        x, y = float(rect.get("x", "nan")), float(rect.get("y", "nan"))
        assert left <= x and x + float(rect.get("width", "nan")) <= left + width
        assert top <= y and y + float(rect.get("height", "nan")) <= top + height


def test_svg_legend_lists_each_kind_once_in_the_projection_order() -> None:
    """Kinds in the order the projection defines them (unknown ones last), each with its first label, in the
    kind's own colour, whatever else the drawing holds (issue #18: a kind's colour changed between views)."""
    net = nx.MultiDiGraph()
    net.add_node("a", kind="zz-unknown", kind_label="Otro")
    net.add_node("b", kind="sector", kind_label="Sector")
    net.add_node("c", kind="network", kind_label="Red")
    net.add_node("d", kind="network", kind_label="Network")
    entries = graphviz.legend_entries(net)
    assert graphviz.KIND_KEYS.index("network") < graphviz.KIND_KEYS.index("sector")
    assert entries == [
        ("network", "Red", KIND_COLOURS["network"]),
        ("sector", "Sector", KIND_COLOURS["sector"]),
        ("zz-unknown", "Otro", OTHER_COLOUR),
    ]
    only_sectors = nx.MultiDiGraph()
    only_sectors.add_node("b", kind="sector", kind_label="Sector")
    assert graphviz.legend_entries(only_sectors) == [("sector", "Sector", KIND_COLOURS["sector"])]


def test_every_kind_has_its_own_colour() -> None:
    """One palette, in the projection's rules: every kind a colour, no two kinds the same, none the 'other' grey."""
    assert set(KIND_COLOURS) == set(KIND_KEYS)
    assert len(set(KIND_COLOURS.values())) == len(KIND_COLOURS)
    assert OTHER_COLOUR not in KIND_COLOURS.values()
    assert all(len(colour) == 7 and colour.startswith("#") for colour in KIND_COLOURS.values())
    net = nx.MultiDiGraph()
    for index, kind in enumerate(KIND_KEYS):
        net.add_node(str(index), kind=kind)
    assert graphviz.kind_colours(net) == {kind: KIND_COLOURS[kind] for kind in KIND_KEYS}


def test_gexf_carries_the_kind_colours_positions_and_sizes(
    case: tuple[nx.MultiDiGraph, Network], shipped_store: OxigraphStore, tmp_path: Path
) -> None:
    """Gephi opens the download coloured and laid out (issue #18: it opened grey): networkx reads the viz module's
    colour (the kind's), a position for every node (distinct ones) and a size."""
    net, _ = case
    read = nx.read_gexf(exported(net, "gexf", shipped_store, tmp_path))
    seen = set()
    for node, data in net.nodes(data=True):
        viz = read.nodes[node]["viz"]
        red, green, blue = (int(KIND_COLOURS[data["kind"]][i : i + 2], 16) for i in (1, 3, 5))
        assert (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == (red, green, blue)
        assert viz["size"] > 0
        seen.add((viz["position"]["x"], viz["position"]["y"]))
    assert len(seen) == net.number_of_nodes()
    focus = net.graph.get("focus")
    if focus is not None:
        assert read.nodes[focus]["viz"]["position"] == {"x": 0.0, "y": 0.0, "z": 0.0}
    ns = {"gexf": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    root = ET.parse(exported(net, "gexf", shipped_store, tmp_path)).getroot()
    for element in root.iterfind(".//gexf:node", ns):
        assert [child.tag.split("}")[0][1:] for child in element][-3:] == [ns["viz"]] * 3


def test_cytoscape_legend_gives_each_kind_its_colour(shipped_store: OxigraphStore) -> None:
    net = project(shipped_store, Selection(focus=LOJA, radius=2))
    body = json.loads(b"".join(export.chunks(net, "cyjs")))
    assert body["data"]["kinds"] and all(k["colour"] == KIND_COLOURS[k["kind"]] for k in body["data"]["kinds"])


@pytest.mark.usefixtures("needs_dot")
def test_svg_text_stays_readable_on_dark_fills(shipped_store: OxigraphStore, tmp_path: Path) -> None:
    net = project(shipped_store, Selection(focus=LOJA, radius=1))
    ns = {"svg": graphviz.SVG_NS}
    root = ET.parse(exported(net, "svg", shipped_store, tmp_path)).getroot()
    for group in root.iterfind(".//svg:g[@class]", ns):
        if "node" in group.get("class", "").split():
            kind = net.nodes[group.findtext("svg:title", namespaces=ns)]["kind"]
            text = group.find(".//svg:text", ns)
            assert text is not None
            assert (text.get("fill") or "#000000") == text_colour(KIND_COLOURS[kind])


def test_dot_quotes_hostile_labels(memory_store: OxigraphStore, tmp_path: Path) -> None:
    """Quotes, backslashes, braces, line breaks and XML markup survive DOT, GraphML and GEXF."""
    hostile = 'Red "A" \\ {b} <c> & d\nline 2'
    data, network = ox.NamedNode(DATA_GRAPH), ox.NamedNode("https://w3id.org/coopgraph/def#Network")
    first, other = ox.NamedNode(CGR + "hostile"), ox.NamedNode(CGR + "other")
    for quad in (
        ox.Quad(first, ox.NamedNode(RDF_TYPE), network, data),
        ox.Quad(first, RDFS_LABEL_OX, ox.Literal(hostile, language="es"), data),
        ox.Quad(other, ox.NamedNode(RDF_TYPE), network, data),
        ox.Quad(other, ox.NamedNode("http://www.w3.org/ns/org#memberOf"), first, data),
    ):
        memory_store.oxigraph.add(quad)
    net = project(memory_store)
    assert net.nodes[CGR + "hostile"]["label"] == hostile
    assert nx.read_graphml(exported(net, "graphml", memory_store, tmp_path)).nodes[CGR + "hostile"]["label"] == hostile
    assert nx.read_gexf(exported(net, "gexf", memory_store, tmp_path)).nodes[CGR + "hostile"]["label"] == hostile
    dot_program()  # the rest needs Graphviz to read the DOT back
    document = _dot_json(exported(net, "dot", memory_store, tmp_path).read_bytes())
    label = next(obj["label"] for obj in document["objects"] if obj["name"] == CGR + "hostile")
    assert label.replace("\\\\", "\\").replace("\\n", "\n") == hostile


def test_svg_without_graphviz_says_so(shipped_store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphviz, "DOT_PROGRAM", "coopgraph-no-such-dot-program")
    net = project(shipped_store, Selection(focus=LOJA, radius=1))
    with pytest.raises(RendererMissing, match="Graphviz"):
        b"".join(export.chunks(net, "svg"))


def test_svg_refuses_selections_too_large_to_draw(
    shipped_store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphviz, "SVG_MAX_NODES", 10)
    net = project(shipped_store, Selection(focus=LOJA, radius=2))
    with pytest.raises(ExportError, match="at most 10 nodes"):
        b"".join(export.chunks(net, "svg"))


def test_unknown_format_lists_the_valid_ones(shipped_store: OxigraphStore) -> None:
    net = project(shipped_store, Selection(focus=LOJA, radius=0))
    with pytest.raises(ExportError) as caught:
        export.write(net, "xlsx", io.BytesIO())
    assert all(name in str(caught.value) for name in export.FORMATS)


def test_exports_are_deterministic(shipped_store: OxigraphStore) -> None:
    first = project(shipped_store, Selection(focus=LOJA, radius=2))
    second = project(shipped_store, Selection(focus=LOJA, radius=2))
    for name in ("graphml", "gexf", "cyjs", "dot", "ttl"):
        assert b"".join(export.chunks(first, name, store=shipped_store)) == b"".join(
            export.chunks(second, name, store=shipped_store)
        )


def test_readme_documents_every_format_and_kind() -> None:
    """The README's Exports section lists each format with its media type, and names the kinds (docs kept honest)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Exports\n", 1)[1].split("\n## ", 1)[0]
    for name, fmt in export.FORMATS.items():
        assert f"| `{name}` | `{fmt.media_type}` |" in section, name
    for kind in ("network", "association", "subnational-government", "agency", "country", "iati-code"):
        assert f"`{kind}`" in section
