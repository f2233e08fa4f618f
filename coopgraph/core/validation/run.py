"""The entry points: what graph each kind of validation builds before pyshacl runs on it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import rdflib
from rdflib import BNode, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from coopgraph.core import vocab
from coopgraph.core.validation.report import Report
from coopgraph.core.validation.shacl import PreparedQueryGraph, prepare_sparql_constraints, prepare_targets, run_shacl
from coopgraph.core.validation.shapes import cached_ontology, copy_graph, load_shipped_data

ONTOLOGY_IRI = URIRef(vocab.ONTOLOGY_IRI)


class HasRdflib(Protocol):
    """What `validate_store` needs of a store."""

    def to_rdflib(self) -> rdflib.Graph: ...


def validate_graph(
    data: rdflib.Graph,
    *,
    ontology: rdflib.Graph | None = None,
    lang: str = "es",
    allow_warnings: bool = True,
    shapes: rdflib.Graph | None = None,
) -> Report:
    """Validate the whole of `data` (with the codelists it maps to, if any).

    `ontology` defaults to the shipped one; pass an empty graph to leave it
    out. With `allow_warnings` (default) `sh:Warning` results are reported
    but do not make the graph non-conforming. `data` is not modified.
    """
    merged = copy_graph(data, cls=PreparedQueryGraph)
    merged += cached_ontology() if ontology is None else ontology
    return run_shacl(merged, lang=lang, allow_warnings=allow_warnings, shapes=shapes)


def validate_store(store: HasRdflib, *, lang: str = "es", allow_warnings: bool = True) -> Report:
    """Validate everything in `store`: ontology, data and codelists graphs, merged.

    `store.to_rdflib()` must return a copy (the `coopgraph.core.store.Store` protocol
    does): the shipped ontology is added to it when the store has none.
    """
    graph = _flatten(store.to_rdflib())
    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) not in graph:
        graph += cached_ontology()
    return run_shacl(graph, lang=lang, allow_warnings=allow_warnings)


def warm_validation() -> None:
    """Parse the shapes and the ontology, set up pyshacl's shapes (`shacl.prepared_shapes`) and their targets
    (`shacl.shipped_targets`), load pyshacl and parse the queries of the SPARQL constraints now, rather than in
    the first validations (a server's data holder
    calls it, so that the processes it forks share them)."""
    cached_ontology()
    validate_graph(rdflib.Graph(), ontology=rdflib.Graph())
    prepare_sparql_constraints()
    prepare_targets()


def validate_submission(
    data: rdflib.Graph,
    *,
    context: rdflib.Graph,
    ontology: rdflib.Graph | None = None,
    lang: str = "es",
    replaces: bool = False,
    allow_warnings: bool = True,
) -> Report:
    """Validate only the resources `data` describes (its IRI subjects), against `context`.

    The graph validated holds `data`; what `context` already says about the
    submitted resources (unless `replaces`: then `data` is their whole new
    description), with the blank nodes nested under them; the one-hop description, from `context`, of every IRI they
    reference (its type, scheme… — what `sh:class` and the scheme checks
    read); and, of the ontology, what it says about those same resources and
    the superclasses of their types. The shapes look no further than one hop from a
    focus node (and up `rdfs:subClassOf`), so the result equals a whole-graph validation restricted to
    these resources (tests/test_validate.py checks that on every bad case),
    at a cost that does not grow with `context`. Results about other
    resources are dropped; blank-node subjects are checked only as values
    of the submitted resources.
    """
    subjects = sorted({s for s in data.subjects() if isinstance(s, URIRef)})
    if not subjects:
        return Report(conforms=True, violations=[], lang=lang)
    small = copy_graph(data, cls=PreparedQueryGraph)
    if not replaces:
        for subject in subjects:
            small += context.triples((subject, None, None))
    _add_nested_blank_nodes(small, context)
    referenced = {o for o in small.objects() if isinstance(o, URIRef)} - set(subjects)
    for node in referenced:
        small += context.triples((node, None, None))
    _add_ontology(small, cached_ontology() if ontology is None else ontology, [*subjects, *referenced])
    # Only the shapes that can target a submitted resource start (`focus`: `shacl.shapes_for`), and the SPARQL
    # targets select among the submitted resources alone; the core targets of those shapes still select context
    # resources too, whose own references are missing here: their results are dropped. pyshacl's `focus_nodes`
    # option would be wrong, as it also filters the value nodes of nested shapes (sh:or, sh:node), so a bad
    # value would pass unseen.
    report = run_shacl(small, lang=lang, allow_warnings=allow_warnings, focus=subjects)
    keep = {str(subject) for subject in subjects}
    violations = [v for v in report.violations if v.focus in keep]
    conforms = all(v.severity != "Violation" for v in violations) if allow_warnings else not violations
    return Report(conforms=conforms, violations=violations, lang=lang, labels=report.labels)


def _add_ontology(small: rdflib.Graph, ontology: rdflib.Graph, nodes: Iterable[URIRef]) -> None:
    """Add the part of `ontology` the shapes can read from the resources in `small`: what it says about each of
    `nodes` (the submitted resources and those they reference: one hop, as from the context), and the
    superclasses, to any depth, of every type a node in `small` has.

    Superclasses are all the shapes need of the hierarchy: `sh:class`, `sh:targetClass` and the concept target
    follow `rdfs:subClassOf` up from a node's types (`rdf:type/rdfs:subClassOf*`). Merging the whole hierarchy
    (64 triples, for an agreement 9 are read) made pyshacl walk down every target class's subclasses for
    instances the graph cannot hold; merging the whole ontology (1,666 triples) made every write's validation
    several times dearer: the SPARQL targets are evaluated over every triple of the graph validated.
    """
    for node in nodes:
        small += ontology.triples((node, None, None))
    pending = {cls for cls in small.objects(None, RDF.type) if isinstance(cls, URIRef)}
    seen: set[URIRef] = set()
    while pending:
        cls = pending.pop()
        seen.add(cls)
        for parent in ontology.objects(cls, RDFS.subClassOf):
            small.add((cls, RDFS.subClassOf, parent))
            if isinstance(parent, URIRef) and parent not in seen:
                pending.add(parent)


def _add_nested_blank_nodes(small: rdflib.Graph, context: rdflib.Graph) -> None:
    """Add what `context` says about the blank nodes `small` points to, and theirs, in turn.

    A blank node nested under a resource (a register record's budgets,
    transactions, parties…) has no identity outside it: it is part of the
    resource's description, so it comes with it.
    """
    seen: set[BNode] = set()
    pending = [o for o in small.objects() if isinstance(o, BNode)]
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in context.triples((node, None, None)):
            small.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])


def validate_files(
    paths: Iterable[str | Path],
    *,
    lang: str = "es",
    context: rdflib.Graph | None = None,
    allow_warnings: bool = True,
) -> Report:
    """Validate the resources local RDF files describe, as a submission to the shipped graph.

    A folder stands for its `*.ttl` files. `context` (default: the shipped
    data and codelists) supplies what the files' resources reference, so a
    file may point at `cgr:cglu` without describing it; what the context
    already says about a resource is added to the file's description of it.
    """
    data = _parse_files(Path(path) for path in paths)
    return validate_submission(
        data,
        context=load_shipped_data() if context is None else context,
        lang=lang,
        allow_warnings=allow_warnings,
    )


def _flatten(graph: rdflib.Graph) -> rdflib.Graph:
    """One plain graph (our query-caching kind) over a graph or a dataset (the union of its graphs).

    A plain graph is wrapped, not copied: it shares the store of the copy `to_rdflib` made.
    """
    if isinstance(graph, rdflib.ConjunctiveGraph):  # Dataset is a subclass
        flat = PreparedQueryGraph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            flat.add((s, p, o))
        return flat
    return PreparedQueryGraph(store=graph.store, identifier=graph.identifier)


def _parse_files(paths: Iterable[Path]) -> rdflib.Graph:
    """Read local RDF files (a folder means its *.ttl files) exactly as `coopgraph load` does (pyoxigraph, the same
    formats, checks and errors: no remote JSON-LD context, no DTD), then copy them to rdflib for pyshacl."""
    from coopgraph.core.store import OxigraphStore, stage_sources

    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.ttl")) if path.is_dir() else [path]
    staging = stage_sources(files, graph="urn:coopgraph:validate")
    return OxigraphStore(staging).to_rdflib()
