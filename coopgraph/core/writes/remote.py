"""Writes to a SPARQL engine: what the gate needs, read into a small local store; the change as one update.

A write to an engine runs the same `prepare` as on the embedded store (the
operation, the gate, the audit record), on a pyoxigraph store built for it
(`gather`): the whole content of the graphs the write reads as a whole (a
Graph Store Protocol PUT, POST or DELETE), the description, in every graph,
of every resource the write names, with the blank nodes nested under them
(to NEST levels), and the description of every IRI those point to (what
`sh:class`, the scheme checks and the province scope read: the shapes look
no further, coopgraph/core/validation/run.py). All of it comes in one query,
so blank nodes keep one label throughout.

The plan's change then goes to the engine as ONE update request
(`update_text`: `DELETE DATA {…} ; INSERT DATA {…}`, the audit record
included), which Oxigraph and Fuseki apply as one transaction: all of it or
none. What one such update cannot say is refused (`Unsupported`, a 501):
removing a quad that holds a blank node (DELETE DATA cannot name one, and an
engine's labels are not stable across requests), writing the default graph
(an engine serving coopgraph shows the union of its graphs there), and
updates other than INSERT DATA and DELETE DATA (their WHERE clauses read
what no small store holds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from coopgraph.core.store.protocol import Store, local_copy, solutions
from coopgraph.core.vocab import CG, Text
from coopgraph.core.writes.audit import WRITE_BASE
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.gate import AUDIT_GRAPH, refuse_protected

NEST = 4
"""Levels of blank nodes read under a resource (a register record's parties, budgets, their values…)."""
CHUNK = 400
"""Resources named in one query (VALUES); more go in further queries."""
DATA_OPERATIONS = ("InsertData", "DeleteData")


class Unsupported(ValueError):
    """A write an engine cannot be given as one update yet (the service answers 501); `text` in es and en."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass
class Seeds:
    """What a write reads: resources (IRIs) whose descriptions it touches or points to, graphs it reads whole."""

    resources: set[str] = field(default_factory=set)
    graphs: set[str] = field(default_factory=set)
    whole: bool = False
    """The write reads the whole dataset (a register form: its numbering, its province's governments, its sectors'
    codes, and the classes the gate checks): a copy of every graph."""

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    self.resources.add(term.value)


# --- what to read -------------------------------------------------------------------------------------------------


def update_seeds(tree: CompValue, *, base_iri: str | None = None) -> Seeds:
    """The seeds of a SPARQL Update made only of INSERT DATA and DELETE DATA (Unsupported for any other).

    `tree` is rewritten by rdflib's translation: give a parse of its own, not the one the write will run.
    """
    try:
        update = translateUpdate(tree, base=base_iri)
    except Exception:  # the write path reads it again and says what is wrong (400)
        return Seeds()
    seeds = Seeds()
    for operation in update.algebra:
        if operation.name not in DATA_OPERATIONS:
            refuse_protected(_targets(operation))  # 403 first, as the embedded store answers
            raise Unsupported(
                Text(
                    "sobre un motor SPARQL este servicio acepta, por ahora, solo INSERT DATA y DELETE DATA "
                    f"(no {operation.name}): lea lo que quiere cambiar y envíelo así",
                    "on a SPARQL engine this service takes only INSERT DATA and DELETE DATA updates for now "
                    f"(not {operation.name}): read what you want to change and send it that way",
                )
            )
        if operation.triples:
            raise _default_graph()
        for graph, triples in (operation.quads or {}).items():
            if not isinstance(graph, rdflib.URIRef):
                raise _default_graph()
            for triple in triples:
                for term in (triple[0], triple[2]):
                    if isinstance(term, rdflib.URIRef):
                        seeds.resources.add(str(term))
    return seeds


def _targets(operation: CompValue) -> list[str]:
    """The graphs a graph-management operation writes: DROP, CLEAR and CREATE their graph, ADD and COPY their
    destination, MOVE both (the source is emptied). Other operations name theirs in patterns: none here."""
    if operation.name in ("Drop", "Clear", "Create"):
        named = [operation.graphiri]
    elif operation.name in ("Add", "Copy"):
        named = operation.graph[1:]
    elif operation.name == "Move":
        named = list(operation.graph)
    else:
        named = []
    return [str(graph) for graph in named if isinstance(graph, rdflib.URIRef)]


def revert_seeds(store: Store, write_id: str) -> Seeds:
    """The seeds of reverting write `write_id`: its audit record and what its patch names."""
    write = WRITE_BASE + write_id
    seeds = Seeds(resources={write})
    query = f"SELECT ?patch WHERE {{ GRAPH <{AUDIT_GRAPH}> {{ <{write}> <{CG}patch> ?patch }} }}"
    for row in solutions(store.query(query)):
        patch = row["patch"]
        if isinstance(patch, ox.Literal):
            with_patch = Delta.from_patch(patch.value)
            if any(_blank(quad) for quad in with_patch.added):
                raise _blank_nodes()  # reverting would remove them
            seeds.add_quads(with_patch.added | with_patch.removed)
    return seeds


DEFAULT_GRAPH_WRITE = Text(
    "sobre un motor SPARQL, escriba en un grafo con nombre (GRAPH <…> o ?graph=IRI): su grafo por omisión "
    "es la unión de todos",
    "on a SPARQL engine, write to a named graph (GRAPH <…> or ?graph=IRI): its default graph is the union of them all",
)


def _default_graph() -> Unsupported:
    return Unsupported(DEFAULT_GRAPH_WRITE)


# --- reading it ---------------------------------------------------------------------------------------------------


def gather(store: Store, seeds: Seeds) -> ox.Store:
    """A fresh pyoxigraph store holding what a write with these seeds reads (see the module docstring)."""
    if seeds.whole:
        return local_copy(store)
    local = ox.Store()
    resources = set(seeds.resources)
    for graph in sorted(seeds.graphs):
        node = ox.NamedNode(graph)
        rows = solutions(store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"))
        for row in rows:
            subject, obj = row["s"], row["o"]
            if isinstance(subject, ox.NamedNode) and not isinstance(obj, ox.BlankNode):
                local.add(ox.Quad(subject, row["p"], obj, node))
            if isinstance(subject, ox.NamedNode):
                resources.add(subject.value)  # its blank nodes come with its description, labelled as there
    ordered = sorted(resources)
    for start in range(0, len(ordered), CHUNK):
        rows = solutions(store.query(_descriptions(ordered[start : start + CHUNK])))
        local.extend(
            ox.Quad(row["s"], row["p"], row["o"], row["g"])
            for row in rows
            if isinstance(row["g"], ox.NamedNode) and not isinstance(row["s"], ox.Literal)
        )
    return local


def _descriptions(resources: list[str]) -> str:
    """One query for the quads of `resources`, of the blank nodes nested under them, and of the IRIs they point
    to (VALUES inside each branch: a group is evaluated on its own)."""
    iris = " ".join(str(ox.NamedNode(iri)) for iri in resources)
    values = f"VALUES ?r {{ {iris} }}"
    branches = [f"{{ VALUES ?s {{ {iris} }} GRAPH ?g {{ ?s ?p ?o }} }}"]
    for depth in range(1, NEST + 1):
        chain, blanks, node = [], [], "?r"
        for level in range(1, depth):
            chain.append(f"{node} ?p{level} ?b{level} .")
            blanks.append(f"isBlank(?b{level})")
            node = f"?b{level}"
        chain.append(f"{node} ?p{depth} ?s .")
        for kind in ("isBlank", "isIRI"):
            test = " && ".join([*blanks, f"{kind}(?s)"])
            branches.append(f"{{ {values} {' '.join(chain)} FILTER({test}) GRAPH ?g {{ ?s ?p ?o }} }}")
    return "SELECT DISTINCT ?g ?s ?p ?o WHERE {\n" + "\nUNION\n".join(branches) + "\n}"


# --- writing it ---------------------------------------------------------------------------------------------------


def update_text(delta: Delta) -> str:
    """The change as one update request: DELETE DATA, then INSERT DATA (Unsupported for what it cannot say)."""
    for quad in delta.added | delta.removed:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise _default_graph()
        if any(isinstance(term, ox.Triple) for term in (quad.subject, quad.object)):
            raise Unsupported(
                Text(
                    "sobre un motor SPARQL este servicio no escribe aún términos tripleta (RDF 1.2)",
                    "on a SPARQL engine this service does not write triple terms (RDF 1.2) yet",
                )
            )
    if any(_blank(quad) for quad in delta.removed):
        raise _blank_nodes()
    parts = []
    if delta.removed:
        parts.append("DELETE DATA {\n" + _quads(delta.removed) + "\n}")
    if delta.added:
        parts.append("INSERT DATA {\n" + _quads(delta.added) + "\n}")
    return " ;\n".join(parts)


def _blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def _blank_nodes() -> Unsupported:
    return Unsupported(
        Text(
            "sobre un motor SPARQL este servicio no puede aún borrar nodos en blanco (DELETE DATA no puede "
            "nombrarlos, y el motor no conserva sus etiquetas): la escritura quitaría, por ejemplo, partes "
            "anidadas de un registro",
            "on a SPARQL engine this service cannot remove blank nodes yet (DELETE DATA cannot name them, and the "
            "engine keeps no labels of ours): the write would remove, say, nested parts of a record",
        )
    )


def _quads(quads: Iterable[ox.Quad]) -> str:
    return "\n".join(sorted(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads))
