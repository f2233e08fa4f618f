"""Run a SPARQL 1.1 Update on a store and return its net change.

rdflib evaluates the update (its parse tree is the one the guard decided
on) over `RecordingView`, so the change is known quad by quad, as the gate,
the journal and the audit need it. It runs on a copy the caller may throw
away (a worker of `coopgraph serve` is a fork of the data holder): a
refused write leaves the served data untouched.

rdflib never fetches a graph here: `USING <g>` reads graph `g` of the store
(SPARQL_LOAD_GRAPHS off), LOAD is refused before, and so is SERVICE. The
protocol's `using-graph-uri` / `using-named-graph-uri` parameters become
each operation's USING clauses (an update with its own USING or WITH and
these parameters is refused, SPARQL 1.1 Protocol 2.2.3).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
import rdflib
import rdflib.plugins.sparql
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import QueryContext, Update
from rdflib.plugins.sparql.update import evalUpdate

from coopgraph.core.writes.delta import Delta, change
from coopgraph.core.writes.view import RecordingView

rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # coopgraph never lets rdflib fetch a graph
_RDFLIB = threading.Lock()
"""rdflib reads the default-graph setting from a module global: one update evaluates at a time."""


class UpdateRefused(ValueError):
    """An update that cannot run as asked (the protocol's 400): the message says why."""


def run_update(
    store: ox.Store,
    tree: CompValue,
    *,
    base_iri: str | None = None,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
    hidden: Iterable[str] = (),
) -> Delta:
    """Apply the parsed update to `store`; the net change (UpdateRefused for a dataset conflict or a failure)."""
    try:
        update = translateUpdate(tree, base=base_iri)
    except Exception as error:  # an undeclared prefix, a bad IRI: rdflib's own words
        raise UpdateRefused(f"the update cannot be read: {error}") from None
    if using or using_named:
        for operation in update.algebra:
            if operation.name != "Modify":
                continue
            if operation.using or operation.withClause:
                raise UpdateRefused(
                    "the update names its own dataset (USING or WITH) and the request names one too "
                    "(using-graph-uri / using-named-graph-uri): give only one"
                )
            operation.using = [CompValue("UsingClause", default=rdflib.URIRef(iri)) for iri in using] + [
                CompValue("UsingClause", named=rdflib.URIRef(iri)) for iri in using_named
            ]
    for operation in update.algebra:
        if operation.name == "InsertData":  # its blank nodes are new ones (SPARQL 1.1 Update 3.1.1)
            fresh: dict[rdflib.BNode, rdflib.BNode] = {}
            operation.triples = [_renamed(triple, fresh) for triple in operation.triples or []]
            for graph, triples in (operation.quads or {}).items():
                operation.quads[graph] = [_renamed(triple, fresh) for triple in triples]
    view = RecordingView(store, hidden=hidden)
    dataset = rdflib.Dataset(store=view)
    with _RDFLIB:
        union = rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION
        rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION = False  # an update's default graph is the real one
        try:
            with warnings.catch_warnings():  # rdflib's own evaluator still calls Dataset methods it deprecated
                warnings.filterwarnings("ignore", r"Dataset\.\w+ is deprecated", DeprecationWarning)
                for operation in update.algebra:
                    if operation.name == "Create":
                        _create(store, operation)
                    elif operation.name == "Modify":
                        _modify(view, operation)
                    else:
                        evalUpdate(dataset, Update(update.prologue, [operation]))
        except Exception as error:  # a failing operation (CLEAR of a missing graph without SILENT, ...)
            undo = view.delta.inverse()  # the operations before it ran: none of the request may stay
            change(store, remove=undo.removed, add=undo.added)
            raise UpdateRefused(f"the update failed: {error}") from None
        finally:
            rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION = union
    return view.delta


def _modify(view: RecordingView, operation: CompValue) -> None:
    """DELETE/INSERT ... WHERE (SPARQL 1.1 Update 3.1.3), which rdflib's evaluator gets wrong in two ways this
    one does not: USING NAMED restricts the graphs `GRAPH ?g` ranges over, and every solution's deletions are
    made before any insertion. The WHERE clause is evaluated by rdflib over a read-only view of the store
    with the operation's dataset (USING, USING NAMED, else WITH, else the store's)."""
    default_graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None
    named_graphs: list[ox.NamedNode] | None = None
    if operation.using:
        default_graphs = [ox.NamedNode(str(clause.default)) for clause in operation.using if clause.default]
        named_graphs = [ox.NamedNode(str(clause.named)) for clause in operation.using if clause.named]
    elif operation.withClause:
        default_graphs = [ox.NamedNode(str(operation.withClause))]
    reader = RecordingView(view.store, hidden=view.hidden, default_graphs=default_graphs, named_graphs=named_graphs)
    context = QueryContext(rdflib.Dataset(store=reader), initBindings={})
    context.prologue = operation.prologue
    solutions = list(evalPart(context, operation.where))
    target = rdflib.URIRef(str(operation.withClause)) if operation.withClause else DATASET_DEFAULT_GRAPH_ID
    deletions = [quad for solution in solutions for quad in _fill(operation.delete, solution, target)]
    insertions = [quad for solution in solutions for quad in _fill(operation.insert, solution, target)]
    for s, p, o, graph in deletions:
        view.remove((s, p, o), graph)
    for s, p, o, graph in insertions:
        view.add((s, p, o), graph)


def _fill(template: CompValue | None, solution: Any, target: rdflib.URIRef) -> list[tuple[Any, Any, Any, Any]]:
    """A template's quads for one solution; those with an unbound variable are left out, and a blank node of
    the template is a new one per solution (the same one across the template's graphs)."""
    if not template:
        return []
    fresh: dict[rdflib.BNode, rdflib.BNode] = {}
    groups = [(target, template.triples or [])] + [
        (graph, triples) for graph, triples in (template.quads or {}).items()
    ]
    filled = []
    for graph, triples in groups:
        name = solution.get(graph) if isinstance(graph, rdflib.Variable) else graph
        if not isinstance(name, rdflib.URIRef):
            continue
        for triple in triples:
            terms = [
                fresh.setdefault(term, rdflib.BNode())
                if isinstance(term, rdflib.BNode)
                else (solution.get(term) if isinstance(term, rdflib.Variable) else term)
                for term in triple
            ]
            if all(term is not None for term in terms):
                filled.append((terms[0], terms[1], terms[2], name))
    return filled


def _create(store: ox.Store, operation: CompValue) -> None:
    """CREATE GRAPH (which rdflib does not implement): a graph exists here by its quads, so creating one
    changes nothing; creating one that holds quads is an error unless SILENT (SPARQL 1.1 Update 3.2.1)."""
    graph = ox.NamedNode(str(operation.graphiri))
    if not operation.silent and any(True for _ in store.quads_for_pattern(None, None, None, graph)):
        raise UpdateRefused(f"CREATE GRAPH: the graph {graph.value} exists (CREATE SILENT GRAPH ignores that)")


def _renamed(triple: tuple[Any, Any, Any], fresh: dict[rdflib.BNode, rdflib.BNode]) -> tuple[Any, Any, Any]:
    def rename(term: Any) -> Any:
        if isinstance(term, rdflib.BNode):
            return fresh.setdefault(term, rdflib.BNode())
        return term

    s, p, o = triple
    return rename(s), p, rename(o)
