"""What the register says about one resource, for the explorer's side panel (`GET /api/resource`).

- `track_record(store, actor)`: an actor's track record in the provinces' registers: the programmes and
  projects it took part in (with its IATI role) and the agreements it is a party to, each with its province,
  sectors (the IATI codes and the graph's sectors mapped to them), dates (actual, else planned, else in force or
  signed) and status; counted by sector and by
  province. Read from the register's graph only (the provinces' data, not the study's).
- `demand_match(store, demand)`: for an open demand of the portfolio (not answered, not dismissed), what
  `/match` needs to search partners for it: its themes (`sector`), its province as the requester, and the kind
  of cooperation it asks for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from coopgraph.core.store import Store
from coopgraph.core.vocab import CG, GRAPH_BASE, IATI, NOTATION, SKOS, Text

REGISTER_GRAPH = GRAPH_BASE + "register"
MAX_RECORDS = 200
"""Records listed at most in a track record (the counts cover them all)."""
KIND_LABEL: dict[str, Text] = {
    "activity": Text(es="Programa o proyecto", en="Programme or project"),
    "agreement": Text(es="Instrumento suscrito", en="Signed instrument"),
}
CLOSED_DEMANDS = frozenset({CG + "DemandAnswered", CG + "DemandDismissed"})

_TRACK_QUERY = f"""
PREFIX cg: <{CG}>
PREFIX skos: <{SKOS}>
SELECT ?actor ?record ?kind ?role ?province ?code ?sector ?territory ?status ?start ?end WHERE {{
  GRAPH <{REGISTER_GRAPH}> {{
    {{ ?record cg:participatingOrg ?part . BIND("activity" AS ?kind) }}
    UNION {{ ?record cg:party ?part . BIND("agreement" AS ?kind) }}
    ?part cg:actor ?actor .
    OPTIONAL {{ ?part cg:organisationRole ?role }}
    OPTIONAL {{ ?record cg:registerProvince ?province }}
    OPTIONAL {{ ?record cg:activityStatus ?status }}
    OPTIONAL {{ ?record cg:actualStart ?actualStart }} OPTIONAL {{ ?record cg:plannedStart ?plannedStart }}
    OPTIONAL {{ ?record cg:validFrom ?validFrom }} OPTIONAL {{ ?record cg:signatureDate ?signed }}
    OPTIONAL {{ ?record cg:actualEnd ?actualEnd }} OPTIONAL {{ ?record cg:plannedEnd ?plannedEnd }}
    OPTIONAL {{ ?record cg:validUntil ?validUntil }}
    BIND(COALESCE(?actualStart, ?plannedStart, ?validFrom, ?signed) AS ?start)
    BIND(COALESCE(?actualEnd, ?plannedEnd, ?validUntil) AS ?end)
    OPTIONAL {{ ?record cg:activityTerritory ?territory }}
    OPTIONAL {{ {{ ?record cg:sectorShare/cg:sectorCode ?code }}
               UNION {{ ?activity cg:executes ?record ; cg:sectorShare/cg:sectorCode ?code }} }}
  }}
  OPTIONAL {{ ?sector skos:exactMatch|skos:closeMatch|skos:narrowMatch|skos:broadMatch ?code ; a cg:Sector }}
  FILTER(isIRI(?record))
}}"""
_DEMAND_QUERY = f"""
PREFIX cg: <{CG}>
SELECT ?demand ?status ?theme ?territory ?territoryCode ?province ?provinceCode ?cooperation WHERE {{
  GRAPH <{REGISTER_GRAPH}> {{
    ?demand a cg:CooperationDemand .
    OPTIONAL {{ ?demand cg:demandStatus ?status }}
    OPTIONAL {{ ?demand cg:demandTheme ?theme }}
    OPTIONAL {{ ?demand cg:demandTerritory ?territory }}
    OPTIONAL {{ ?demand cg:registerProvince ?province }}
    OPTIONAL {{ ?demand cg:requestedCooperationType ?cooperation }}
  }}
  OPTIONAL {{ ?territory a cg:Province ; <{NOTATION}> ?territoryCode }}
  OPTIONAL {{ ?province <{NOTATION}> ?provinceCode }}
}}"""


def track_record(store: Store, actor: str, *, label: Callable[[str], str], lang: str) -> dict[str, Any] | None:
    """`{"records": [...], "by_sector": [...], "by_province": [...], "total": n}`, or None when the registers
    name the actor in no record. `label` gives a resource's label in `lang` (the explorer's Schema.label)."""
    records: dict[str, dict[str, Any]] = {}
    for solution in _select(store, _TRACK_QUERY, {"actor": ox.NamedNode(actor)}):
        iri = _value(solution, "record")
        found = records.setdefault(
            iri,
            {
                "iri": iri,
                "kind": _value(solution, "kind"),
                "roles": set(),
                "province": _value(solution, "province"),
                "status": _value(solution, "status"),
                "codes": set(),
                "sectors": set(),
                "territories": set(),
                "starts": set(),
                "ends": set(),
            },
        )
        for key, variable in (
            ("roles", "role"),
            ("codes", "code"),
            ("sectors", "sector"),
            ("territories", "territory"),
            ("starts", "start"),
            ("ends", "end"),
        ):
            if value := _value(solution, variable):
                found[key].add(value)
    if not records:
        return None
    rows = [_row(record, label, lang) for record in records.values()]
    rows.sort(key=lambda row: (row["start"], row["iri"]), reverse=True)
    sectors = Counter(s["iri"] for row in rows for s in row["sectors"])
    provinces = Counter(row["province"]["iri"] for row in rows if row["province"])
    return {
        "records": rows[:MAX_RECORDS],
        "total": len(rows),
        "by_sector": _counts(sectors, label),
        "by_province": _counts(provinces, label),
    }


def demand_match(store: Store, demand: str) -> dict[str, Any] | None:
    """`{"sector": [themes], "requester": "EC-L", "cooperation": IRI}` for an open demand of the register (None
    for anything else): the demand's territory when it is a province, else the province whose register holds it."""
    solutions = list(_select(store, _DEMAND_QUERY, {"demand": ox.NamedNode(demand)}))
    if not solutions or any(_value(s, "status") in CLOSED_DEMANDS for s in solutions):
        return None
    themes = sorted({_value(s, "theme") for s in solutions} - {""})
    territory = sorted({_value(s, "territoryCode") for s in solutions} - {""})
    province = sorted({_value(s, "provinceCode") for s in solutions} - {""})
    cooperation = sorted({_value(s, "cooperation") for s in solutions} - {""})
    if not themes:
        return None
    return {
        "sector": themes,
        "requester": (territory or province or [""])[0],
        "cooperation": cooperation[0] if cooperation else "",
    }


def _row(record: dict[str, Any], label: Callable[[str], str], lang: str) -> dict[str, Any]:
    roles = sorted(record["roles"])
    return {
        "iri": record["iri"],
        "label": label(record["iri"]),
        "kind": record["kind"],
        "kind_label": KIND_LABEL[record["kind"]](lang),
        "roles": [{"iri": r, "code": r.removeprefix(IATI + "OrganisationRole/"), "label": label(r)} for r in roles],
        "province": {"iri": record["province"], "label": label(record["province"])} if record["province"] else None,
        "status": {"iri": record["status"], "label": label(record["status"])} if record["status"] else None,
        "codes": [{"iri": c, "label": label(c)} for c in sorted(record["codes"])],
        "sectors": [{"iri": s, "label": label(s)} for s in sorted(record["sectors"])],
        "territories": [{"iri": t, "label": label(t)} for t in sorted(record["territories"])],
        "start": min(record["starts"], default=""),
        "end": max(record["ends"], default=""),
    }


def _counts(counter: Counter[str], label: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        {"iri": iri, "label": label(iri), "records": n}
        for iri, n in sorted(counter.items(), key=lambda item: (-item[1], label(item[0]).casefold(), item[0]))
    ]


def _select(store: Store, query: str, bindings: dict[str, ox.NamedNode]) -> ox.QuerySolutions:
    solutions = store.query(query, substitutions={ox.Variable(k): v for k, v in bindings.items()})
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(solutions).__name__}")
    return solutions


def _value(solution: ox.QuerySolution, variable: str) -> str:
    term = solution[variable]
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else ""
