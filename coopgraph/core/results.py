"""Formatting query results: aligned text table, CSV, TSV, SPARQL JSON, Turtle, N-Triples.

One pure function per format. Tabular formats take SELECT/ASK results, graph
formats take CONSTRUCT/DESCRIBE results; serialisation goes through
pyoxigraph, which is much faster than rdflib's.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from coopgraph.core.store import QueryResult
from coopgraph.core.vocab import prefixes

PREFIXES: dict[str, str] = prefixes("cg", "cgr", "synth", "dcterms", "foaf", "org", "owl", "rdf", "rdfs", "skos", "xsd")
_LOCAL_NAME_FORBIDDEN = set(" <>\"{}|^`\\/#?&=%'()[],;")


def compact(term: object | None, *, prefixes: dict[str, str] = PREFIXES) -> str:
    """A short readable form of a term for tables: `cgr:congope`, `"texto"@es`, `2013`."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in prefixes.items():
            local = term.value[len(namespace) :]
            if term.value.startswith(namespace) and local and not _LOCAL_NAME_FORBIDDEN & set(local):
                return f"{prefix}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def to_table(results: QueryResult) -> str:
    """An aligned plain-text table, with a row count; `true`/`false` for ASK."""
    if isinstance(results, ox.QueryBoolean):
        return f"{'true' if bool(results) else 'false'}\n"
    if isinstance(results, ox.QueryTriples):
        header = ["subject", "predicate", "object"]
        rows = [[compact(t.subject), compact(t.predicate), compact(t.object)] for t in results]
    else:
        variables = [v.value for v in results.variables]
        header = variables
        rows = [[compact(solution[name]) for name in variables] for solution in results]
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(header)]
    lines = [_table_line(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_table_line(row, widths) for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def to_csv(results: QueryResult) -> bytes:
    """SPARQL 1.1 CSV results."""
    return _tabular(results, ox.QueryResultsFormat.CSV, "csv")


def to_tsv(results: QueryResult) -> bytes:
    """SPARQL 1.1 TSV results."""
    return _tabular(results, ox.QueryResultsFormat.TSV, "tsv")


def to_json(results: QueryResult) -> bytes:
    """SPARQL 1.1 JSON results."""
    return _tabular(results, ox.QueryResultsFormat.JSON, "json")


def to_turtle(results: QueryResult, *, prefixes: dict[str, str] = PREFIXES) -> bytes:
    """Turtle for CONSTRUCT/DESCRIBE results, with the project's prefixes."""
    return _written(ox.serialize(_triples(results, "turtle"), format=ox.RdfFormat.TURTLE, prefixes=prefixes))


def to_ntriples(results: QueryResult) -> bytes:
    """N-Triples for CONSTRUCT/DESCRIBE results."""
    return _written(ox.serialize(_triples(results, "ntriples"), format=ox.RdfFormat.N_TRIPLES))


FORMATTERS: dict[str, Callable[[QueryResult], bytes]] = {
    "table": lambda results: to_table(results).encode("utf-8"),
    "csv": to_csv,
    "tsv": to_tsv,
    "json": to_json,
    "turtle": to_turtle,
    "ntriples": to_ntriples,
}


def format_results(results: QueryResult, format: str) -> bytes:
    """Serialise `results` in the named format (one of `FORMATTERS`)."""
    if format not in FORMATTERS:
        raise ValueError(f"unknown result format {format!r}; valid formats: {', '.join(FORMATTERS)}")
    return FORMATTERS[format](results)


def _table_line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _tabular(results: QueryResult, fmt: ox.QueryResultsFormat, name: str) -> bytes:
    if isinstance(results, ox.QueryTriples):
        raise ValueError(f"{name} needs a SELECT or ASK result; use turtle or ntriples for CONSTRUCT/DESCRIBE")
    return _written(results.serialize(format=fmt))


def _written(data: bytes | None) -> bytes:
    """What a pyoxigraph serialiser returns when given no `output`: the bytes (its stub says `bytes | None`)."""
    if data is None:
        raise RuntimeError("pyoxigraph's serialiser returned nothing")
    return data


def _triples(results: QueryResult, name: str) -> ox.QueryTriples:
    if not isinstance(results, ox.QueryTriples):
        raise ValueError(f"{name} needs a CONSTRUCT or DESCRIBE result; use table, csv, tsv or json for SELECT/ASK")
    return results
