"""The audit trail: one `cg:Write` per accepted write, in the audit graph; listing and reverting them.

The activity is written in the same transaction as the change it records,
so a write is never applied without its record, nor recorded without being
applied. Its `cg:patch` holds the change (coopgraph/core/writes/delta.py),
from which `revert_delta` computes the undoing change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from coopgraph.core.store.protocol import Store
from coopgraph.core.vocab import CG, CGR, PROV, RDF, RDFS, XSD
from coopgraph.core.writes.delta import Delta
from coopgraph.core.writes.gate import AUDIT_GRAPH

WRITE_BASE = CGR + "write/"
AGENT_BASE = CGR + "token/"
_GRAPH = ox.NamedNode(AUDIT_GRAPH)
_A = ox.NamedNode(RDF + "type")


def _cg(name: str) -> ox.NamedNode:
    return ox.NamedNode(CG + name)


def new_write_id(now: datetime | None = None) -> str:
    """A write's id: its UTC time (sortable) and a random suffix (unique across processes)."""
    moment = now or datetime.now(UTC)
    return moment.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


def audit_quads(
    delta: Delta, *, write_id: str, who: str, operation: str, reverts: str | None = None, now: datetime | None = None
) -> list[ox.Quad]:
    """The quads recording `delta` as write `write_id` by token `who`."""
    moment = now or datetime.now(UTC)
    write = ox.NamedNode(WRITE_BASE + write_id)
    agent = ox.NamedNode(AGENT_BASE + who)
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (write, _A, _cg("Write")),
        (write, _A, ox.NamedNode(PROV + "Activity")),
        (
            write,
            ox.NamedNode(PROV + "endedAtTime"),
            ox.Literal(moment.isoformat(), datatype=ox.NamedNode(XSD + "dateTime")),
        ),
        (write, ox.NamedNode(PROV + "wasAssociatedWith"), agent),
        (write, _cg("writeOperation"), ox.Literal(operation)),
        (write, _cg("triplesAdded"), ox.Literal(str(len(delta.added)), datatype=ox.NamedNode(XSD + "integer"))),
        (write, _cg("triplesRemoved"), ox.Literal(str(len(delta.removed)), datatype=ox.NamedNode(XSD + "integer"))),
        (write, _cg("patch"), ox.Literal(delta.patch())),
        (agent, _A, _cg("WriteToken")),
        (agent, _A, ox.NamedNode(PROV + "Agent")),
        (agent, ox.NamedNode(RDFS + "label"), ox.Literal(who)),
    ]
    for graph in sorted(delta.graphs()):
        if graph:
            triples.append((write, _cg("changedGraph"), ox.NamedNode(graph)))
        else:
            triples.append(
                (write, _cg("changedDefaultGraph"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")))
            )
    if reverts:
        triples.append((write, _cg("reverts"), ox.NamedNode(WRITE_BASE + reverts)))
    return [ox.Quad(s, p, o, _GRAPH) for s, p, o in triples]


@dataclass(frozen=True)
class WriteRecord:
    """One audited write, as `coopgraph history` lists it."""

    id: str
    time: str
    who: str
    operation: str
    added: int
    removed: int
    graphs: tuple[str, ...]
    reverts: str | None


HISTORY_QUERY = f"""PREFIX cg: <{CG}>
PREFIX prov: <{PROV}>
PREFIX rdfs: <{RDFS}>
SELECT ?write ?time ?who ?operation ?added ?removed
       (GROUP_CONCAT(DISTINCT STR(?graph); separator=" ") AS ?graphs) (SAMPLE(?undone) AS ?reverts)
WHERE {{ GRAPH <{AUDIT_GRAPH}> {{
  ?write a cg:Write ; prov:endedAtTime ?time ; prov:wasAssociatedWith/rdfs:label ?who ;
         cg:writeOperation ?operation ; cg:triplesAdded ?added ; cg:triplesRemoved ?removed .
  OPTIONAL {{ ?write cg:changedGraph ?graph }}
  OPTIONAL {{ ?write cg:changedDefaultGraph true . BIND("(default)" AS ?graph) }}
  OPTIONAL {{ ?write cg:reverts ?undone }}
}} }}
GROUP BY ?write ?time ?who ?operation ?added ?removed
ORDER BY DESC(?time) DESC(?write)"""


def read_history(rows: list[dict[str, str]]) -> list[WriteRecord]:
    """WriteRecords from HISTORY_QUERY's rows (variable → lexical value), wherever they were run."""
    records = []
    for row in rows:
        reverts = row.get("reverts")
        records.append(
            WriteRecord(
                id=row["write"].removeprefix(WRITE_BASE),
                time=row["time"],
                who=row["who"],
                operation=row["operation"],
                added=int(row["added"]),
                removed=int(row["removed"]),
                graphs=tuple(sorted(row.get("graphs", "").split())),
                reverts=reverts.removeprefix(WRITE_BASE) if reverts else None,
            )
        )
    return records


def history(store: ox.Store | Store) -> list[WriteRecord]:
    """The audited writes of `store` (a pyoxigraph store, or any `Store`: a remote engine too), newest first."""
    result = store.query(HISTORY_QUERY)
    assert isinstance(result, ox.QuerySolutions)
    rows = [
        {
            str(variable.value): solution[variable].value
            for variable in result.variables
            if solution[variable] is not None
        }
        for solution in result
    ]
    return read_history(rows)


class RevertError(LookupError):
    """A write that cannot be reverted (unknown, or changed since): the message says why."""


def revert_delta(store: ox.Store, write_id: str) -> Delta:
    """The change undoing write `write_id`, checked against the store as it is now.

    A quad the write added that is gone since, or a quad it removed that is
    back, means later writes touched the same data: reverting would undo
    them too, so it is refused (the caller answers 409).
    """
    write = ox.NamedNode(WRITE_BASE + write_id)
    patches = [quad.object for quad in store.quads_for_pattern(write, _cg("patch"), None, _GRAPH)]
    if not patches or not isinstance(patches[0], ox.Literal):
        raise RevertError(f"no write {write_id} in the audit graph (coopgraph history lists them)")
    undo = Delta.from_patch(patches[0].value).inverse()
    moved = [quad for quad in undo.removed if quad not in store] + [quad for quad in undo.added if quad in store]
    if moved:
        raise RevertError(
            f"write {write_id} cannot be reverted: {len(moved)} of its quads were changed by later writes "
            f"(first: {moved[0]}); revert those first"
        )
    return undo
