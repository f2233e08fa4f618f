"""The register as evidence: what graph actors funded, implemented or signed, by sector, from the provinces' records.

Register records (ontology/README.md, "The register") are the provinces' own
data, in the named graph `REGISTER_GRAPH`, not the study's. Matching reads
from them one thing: which actor of the graph (`cg:actor` of a participation)
took part, in which IATI role, in a programme or project with which sectors
(`cg:sectorShare/cg:sectorCode`: IATI Sector or SectorCategory codes), either
as a participating organisation of the activity or as a party to an agreement
the activity executes (`cg:executes`). `read_track` reads it in two queries;
build.postings turns each row into a relation to the graph's sectors that map
to its code (weights.RECORD_ROLE times dac.SECTOR_MAPPINGS), and
explain_register.py names the record.

A write changes this evidence only through the predicates of
`TRACK_PREDICATES` in the register's graph; update.py then reads again the
rows of the records and agreements the write touched (`patched_track`), not
the whole register.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import pyoxigraph as ox

from coopgraph.core.store import OxigraphStore, Store
from coopgraph.core.vocab import CG, GRAPH_BASE, IATI

REGISTER_GRAPH = GRAPH_BASE + "register"
"""The named graph of the register (coopgraph.core.iati.REGISTER_GRAPH)."""
ROLE_BASE = IATI + "OrganisationRole/"
TRACK_PREDICATES: frozenset[str] = frozenset(
    CG + name
    for name in (
        "participatingOrg",
        "party",
        "actor",
        "organisationRole",
        "sectorShare",
        "sectorCode",
        "executes",
        "registerProvince",
        "hierarchy",
    )
)
"""The predicates `read_track` reads: a register write with none of them leaves the track as it was."""
_OWNING = frozenset(CG + name for name in ("participatingOrg", "sectorShare", "party"))
"""The predicates linking a record or an agreement to the blank nodes `read_track` reads through."""


class TrackRow(NamedTuple):
    """One piece of evidence: `actor` took part, in `role` (an IATI OrganisationRole code, "" if none), in the
    programme or project `record` of `province`'s register, which has the sector `code` (an IATI concept IRI);
    `agreement` is the instrument it is a party to when it takes part through one the activity executes."""

    actor: str
    record: str
    role: str
    code: str
    province: str
    programme: bool
    agreement: str


def _activity_query(values: str = "") -> str:
    return f"""
SELECT DISTINCT ?actor ?record ?role ?code ?province ?hierarchy WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ {values}
  ?record <{CG}participatingOrg> ?part . ?part <{CG}actor> ?actor .
  ?record <{CG}sectorShare>/<{CG}sectorCode> ?code .
  OPTIONAL {{ ?part <{CG}organisationRole> ?role }}
  OPTIONAL {{ ?record <{CG}registerProvince> ?province }}
  OPTIONAL {{ ?record <{CG}hierarchy> ?hierarchy }}
  FILTER(isIRI(?record) && isIRI(?actor) && isIRI(?code))
}} }}"""


def _agreement_query(values: str = "") -> str:
    return f"""
SELECT DISTINCT ?actor ?record ?role ?code ?province ?hierarchy ?agreement WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ {values}
  ?agreement <{CG}party> ?part . ?part <{CG}actor> ?actor .
  ?record <{CG}executes> ?agreement ; <{CG}sectorShare>/<{CG}sectorCode> ?code .
  OPTIONAL {{ ?part <{CG}organisationRole> ?role }}
  OPTIONAL {{ ?record <{CG}registerProvince> ?province }}
  OPTIONAL {{ ?record <{CG}hierarchy> ?hierarchy }}
  FILTER(isIRI(?record) && isIRI(?agreement) && isIRI(?actor) && isIRI(?code))
}} }}"""


def read_track(store: Store) -> tuple[TrackRow, ...]:
    """Every piece of register evidence, sorted (so the index does not depend on the order a store answers in)."""
    return tuple(sorted(_rows(store, ((_activity_query(), False), (_agreement_query(), True)))))


def patched_track(store: Store, track: tuple[TrackRow, ...], quads: Iterable[ox.Quad]) -> tuple[TrackRow, ...]:
    """`read_track` after a write of `quads` (added and removed, applied to `store`), `track` being it before: the
    rows of the records and agreements the write touched read again, the others kept. Reading the whole track
    cost ~25 ms per 1,000 records on every register write, in every process of a server; this costs in
    proportion to the write. The whole track is read again when a written blank node's owner cannot be told
    (a store on a SPARQL engine, which cannot be asked about a blank node, and a write without the owner's link).
    """
    touched = _touched(store, quads)
    if touched is None:
        return read_track(store)
    if not touched:
        return track
    kept = {row for row in track if row.record not in touched and row.agreement not in touched}
    values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(touched))
    queries = (
        (_activity_query(f"VALUES ?record {{ {values} }}"), False),
        (_agreement_query(f"VALUES ?record {{ {values} }}"), True),
        (_agreement_query(f"VALUES ?agreement {{ {values} }}"), True),
    )
    return tuple(sorted(kept | _rows(store, queries)))


def _touched(store: Store, quads: Iterable[ox.Quad]) -> set[str] | None:
    """The IRIs whose rows (as record or agreement) a write may change: the subjects of its quads that `read_track`
    reads, and the resources linking to them (a participation or a sector share, an IRI or a blank node, stands
    for its record or agreement); None when a blank node's owner cannot be found."""
    written = [
        quad
        for quad in quads
        if quad.predicate.value in TRACK_PREDICATES
        and isinstance(quad.graph_name, ox.NamedNode)
        and quad.graph_name.value == REGISTER_GRAPH
    ]
    nodes = {quad.subject for quad in written if isinstance(quad.subject, ox.NamedNode | ox.BlankNode)}
    owners = {quad.subject for quad in written if quad.object in nodes and quad.predicate.value in _OWNING}
    if isinstance(store, OxigraphStore):
        graph = ox.NamedNode(REGISTER_GRAPH)
        for node in nodes:
            for predicate in _OWNING:
                owners |= {
                    q.subject for q in store.oxigraph.quads_for_pattern(None, ox.NamedNode(predicate), node, graph)
                }
    else:
        linked = {quad.object for quad in written if quad.predicate.value in _OWNING}
        if any(isinstance(node, ox.BlankNode) and node not in linked for node in nodes):
            return None  # an engine cannot be asked who links to a blank node of ours
        owners |= _linking(store, {node for node in nodes if isinstance(node, ox.NamedNode)})
    return {node.value for node in nodes | owners if isinstance(node, ox.NamedNode)}


def _linking(store: Store, nodes: set[ox.NamedNode]) -> set[ox.NamedNode]:
    """The resources of the register linking to `nodes` through a predicate that owns them (one query)."""
    if not nodes:
        return set()
    values = " ".join(str(node) for node in sorted(nodes, key=str))
    owning = " ".join(f"<{predicate}>" for predicate in sorted(_OWNING))
    solutions = store.query(
        f"SELECT DISTINCT ?owner WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ VALUES ?node {{ {values} }} "
        f"VALUES ?link {{ {owning} }} ?owner ?link ?node }} }}"
    )
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(solutions).__name__}")
    return {owner for solution in solutions if isinstance(owner := solution["owner"], ox.NamedNode)}


def _rows(store: Store, queries: Iterable[tuple[str, bool]]) -> set[TrackRow]:
    rows: set[TrackRow] = set()
    for query, through in queries:
        solutions = store.query(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError(f"expected SELECT solutions, got {type(solutions).__name__}")
        for solution in solutions:
            role, province, hierarchy = solution["role"], solution["province"], solution["hierarchy"]
            agreement = solution["agreement"] if through else None
            rows.add(
                TrackRow(
                    actor=solution["actor"].value,
                    record=solution["record"].value,
                    role=_role_code(role.value if isinstance(role, ox.NamedNode) else ""),
                    code=solution["code"].value,
                    province=province.value if isinstance(province, ox.NamedNode) else "",
                    programme=isinstance(hierarchy, ox.Literal) and hierarchy.value == "1",
                    agreement=agreement.value if isinstance(agreement, ox.NamedNode) else "",
                )
            )
    return rows


def touches_track(quads: Iterable[ox.Quad]) -> bool:
    """Whether a write may change what `read_track` reads: a quad of the register's graph with one of its
    predicates (whatever the subject: participations and sector shares are often blank nodes)."""
    return any(
        quad.predicate.value in TRACK_PREDICATES
        and isinstance(quad.graph_name, ox.NamedNode)
        and quad.graph_name.value == REGISTER_GRAPH
        for quad in quads
    )


def by_actor(track: Iterable[TrackRow]) -> dict[str, tuple[TrackRow, ...]]:
    """actor -> its rows, in the track's order."""
    found: dict[str, list[TrackRow]] = {}
    for row in track:
        found.setdefault(row.actor, []).append(row)
    return {actor: tuple(rows) for actor, rows in found.items()}


def _role_code(role: str) -> str:
    """The IATI OrganisationRole code of a role IRI ("1" funding ... "4" implementing), "" if not one."""
    code = role.removeprefix(ROLE_BASE) if role.startswith(ROLE_BASE) else ""
    return code if code in {"1", "2", "3", "4"} else ""
