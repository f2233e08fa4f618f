"""The write gate: what a write may touch, whose it is, and whether the data it leaves conforms to the shapes.

Three checks, in this order, on the store *after* the write (a copy the
caller can throw away, or one it rolls back):

1. **Graphs.** The shipped graphs are curated in Turtle (`graph/`,
   `ontology/`) and replaced when those files change, and the audit and
   journal graphs are the service's own: a write that touches any of them
   is refused (403), whatever the token.
2. **Scope.** A provincial token (`EC-L`) may write only register records
   of its province: every resource the write changes must name that
   province with `cg:registerProvince` (before or after the write); a blank
   node counts as part of the resource that points to it.
3. **Shapes.** Every resource the write changes is validated with
   `validate_submission` (its whole description after the write, against
   the rest of the store as context): any violation refuses the write (422)
   with the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from coopgraph.core.loading import CODELISTS_GRAPH, DATA_GRAPH, META_GRAPH, ONTOLOGY_GRAPH
from coopgraph.core.store.oxigraph import _to_rdflib
from coopgraph.core.validation.report import Report
from coopgraph.core.validation.run import validate_submission
from coopgraph.core.vocab import CG, GRAPH_BASE, NOTATION, Text
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.journal import JOURNAL_GRAPH
from coopgraph.core.writes.tokens import ALL
from coopgraph.core.writes.view import union_graph

AUDIT_GRAPH = GRAPH_BASE + "audit"
PROTECTED = frozenset({ONTOLOGY_GRAPH, DATA_GRAPH, CODELISTS_GRAPH, META_GRAPH, AUDIT_GRAPH, JOURNAL_GRAPH})
"""Graphs no write may touch: the shipped ones, the service's audit and journal."""
REGISTER_PROVINCE = ox.NamedNode(CG + "registerProvince")
_NOTATION = ox.NamedNode(NOTATION)
MAX_OWNER_HOPS = 8


@dataclass
class Refusal(Exception):
    """A write the gate refuses: the HTTP status, the reason in Spanish and English, the SHACL report if any."""

    status: int
    title: str
    message: Text
    report: Report | None = None

    def __str__(self) -> str:
        return self.message.en


def check_graphs(delta: Delta) -> None:
    refuse_protected(delta.graphs())


def refuse_protected(graphs: Iterable[str | None]) -> None:
    """A 403 when any of `graphs` is protected (also asked, on a SPARQL engine, of an update's target graphs
    before it is refused as unsupported there: a client is told the graph is protected, whatever the store)."""
    touched = sorted(graph for graph in graphs if graph is not None and graph in PROTECTED)
    if touched:
        shown = ", ".join(touched)
        raise Refusal(
            403,
            "Forbidden",
            Text(
                f"no se puede escribir en {shown}: los grafos publicados se editan en sus archivos Turtle "
                "y el de auditoría lo escribe solo el servicio",
                f"{shown} cannot be written: the shipped graphs are edited in their Turtle files, "
                "and the audit graph is written by the service alone",
            ),
        )


def owner(store: ox.Store, node: ox.NamedNode | ox.BlankNode, delta: Delta) -> ox.NamedNode | None:
    """The IRI a blank node belongs to (the resource pointing to it, in turn); an IRI is its own owner."""
    seen: set[ox.BlankNode] = set()
    for _ in range(MAX_OWNER_HOPS):
        if isinstance(node, ox.NamedNode):
            return node
        if node in seen:
            return None
        seen.add(node)
        parents = [quad.subject for quad in store.quads_for_pattern(None, None, node, None)]
        parents += [quad.subject for quad in delta.removed if quad.object == node]
        if not parents:
            return None
        parent = parents[0]
        if isinstance(parent, ox.Triple):
            return None
        node = parent
    return None


def changed_resources(store: ox.Store, delta: Delta) -> set[ox.NamedNode]:
    """The IRIs whose description the write changes (blank nodes stand for their owner)."""
    owners = set()
    for quad in delta.added | delta.removed:
        if isinstance(quad.subject, ox.Triple):  # RDF 1.2 triple terms: no resource owns them
            continue
        found = owner(store, quad.subject, delta)
        if found is not None:
            owners.add(found)
    return owners


def check_scope(store: ox.Store, delta: Delta, scope: str) -> None:
    """A 403 unless every changed resource is a register record of the token's province."""
    if scope == ALL:
        return
    for resource in sorted(changed_resources(store, delta), key=lambda node: node.value):
        provinces = {quad.object for quad in store.quads_for_pattern(resource, REGISTER_PROVINCE, None, None)}
        provinces |= {q.object for q in delta.removed if q.subject == resource and q.predicate == REGISTER_PROVINCE}
        codes = {
            quad.object.value
            for province in provinces
            if isinstance(province, ox.NamedNode)
            for quad in store.quads_for_pattern(province, _NOTATION, None, None)
            if isinstance(quad.object, ox.Literal)
        }
        if scope not in codes:
            raise Refusal(
                403,
                "Forbidden",
                Text(
                    f"el token solo puede escribir registros de {scope}, y {resource.value} no es uno "
                    f'(cg:registerProvince con skos:notation "{scope}")',
                    f"the token may write only {scope}'s register records, and {resource.value} is not one "
                    f'(cg:registerProvince with skos:notation "{scope}")',
                ),
            )


def check_shapes(store: ox.Store, delta: Delta, *, lang: str) -> None:
    """A 422 with the report when a changed resource violates the shapes after the write."""
    resources = changed_resources(store, delta)
    if not resources:
        return
    context = union_graph(store)
    data = rdflib.Graph()
    for resource in resources:
        for quad in store.quads_for_pattern(resource, None, None, None):
            data.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
    report = validate_submission(data, context=context, lang=lang, replaces=True)
    if not report.conforms:
        count = sum(1 for violation in report.violations if violation.severity == "Violation")
        raise Refusal(
            422,
            "Unprocessable Content",
            Text(
                f"la escritura no se aplicó: deja {count} violación(es) de las formas SHACL",
                f"the write was not applied: it would leave {count} SHACL violation(s)",
            ),
            report,
        )


def check_write(store: ox.Store, delta: Delta, *, scope: str, lang: str = "es") -> None:
    """All three checks (see the module docstring); Refusal on the first that fails."""
    check_graphs(delta)
    check_scope(store, delta, scope)
    check_shapes(store, delta, lang=lang)
