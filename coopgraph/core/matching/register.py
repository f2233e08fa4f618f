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
`TRACK_PREDICATES` in the register's graph (update.py reads the track again
then: one query over the register, not the whole graph).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import pyoxigraph as ox

from coopgraph.core.store import Store
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


_ACTIVITY_QUERY = f"""
SELECT DISTINCT ?actor ?record ?role ?code ?province ?hierarchy WHERE {{ GRAPH <{REGISTER_GRAPH}> {{
  ?record <{CG}participatingOrg> ?part . ?part <{CG}actor> ?actor .
  ?record <{CG}sectorShare>/<{CG}sectorCode> ?code .
  OPTIONAL {{ ?part <{CG}organisationRole> ?role }}
  OPTIONAL {{ ?record <{CG}registerProvince> ?province }}
  OPTIONAL {{ ?record <{CG}hierarchy> ?hierarchy }}
  FILTER(isIRI(?record) && isIRI(?actor) && isIRI(?code))
}} }}"""
_AGREEMENT_QUERY = f"""
SELECT DISTINCT ?actor ?record ?role ?code ?province ?hierarchy ?agreement WHERE {{ GRAPH <{REGISTER_GRAPH}> {{
  ?agreement <{CG}party> ?part . ?part <{CG}actor> ?actor .
  ?record <{CG}executes> ?agreement ; <{CG}sectorShare>/<{CG}sectorCode> ?code .
  OPTIONAL {{ ?part <{CG}organisationRole> ?role }}
  OPTIONAL {{ ?record <{CG}registerProvince> ?province }}
  OPTIONAL {{ ?record <{CG}hierarchy> ?hierarchy }}
  FILTER(isIRI(?record) && isIRI(?agreement) && isIRI(?actor) && isIRI(?code))
}} }}"""


def read_track(store: Store) -> tuple[TrackRow, ...]:
    """Every piece of register evidence, sorted (so the index does not depend on the order a store answers in)."""
    rows: set[TrackRow] = set()
    for query, through in ((_ACTIVITY_QUERY, False), (_AGREEMENT_QUERY, True)):
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
    return tuple(sorted(rows))


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
