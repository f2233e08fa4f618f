"""Generated SERVICE, FROM and LOAD disguises aimed at one URL: what an attacker tries on a SPARQL endpoint.

`disguises(url)` combines keyword spellings, what glues a keyword to the term
before it (`?o.SERVICE`, `"x".SERVICE`, `<…>.SERVICE`, a comment ending on the
same line...), expressions with `<` and `>` before the keyword (which fooled a
hand-written tokenizer into reading the rest as an IRI or a string), the
places a SERVICE can hide (OPTIONAL, UNION, MINUS, EXISTS, NOT EXISTS,
subqueries, GRAPH, nested groups), the ways to name the endpoint (IRI,
prefixed name, relative IRI against BASE, a variable bound by VALUES or BIND)
and SILENT. Deterministic (a fixed seed), so a failure names its query.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

KEYWORD_SPELLINGS = ("SERVICE", "service", "Service", "sErViCe")
GLUES = (" . ", ".", " .\n", "\t.\t", " . # a comment\n", ";\n", "")
BEFORE = (
    "?s ?p ?o",
    "?s ?p <http://example.org/o>",
    '?s ?p "x"',
    "?s ?p 3",
    "?s ?p ?o FILTER(?o<3)",
    '?s ?p ?o FILTER(?o < "x" && ?o > "y")',
    "?s ?p ?o FILTER(?o<<http://example.org/a>)",
    "?s ?p ?o BIND(1<2 AS ?lt)",
    "?s ?p ?o FILTER(STR(?o) < '<')",
    '?s ?p ?o FILTER(?o = "\\"")',
    "?s ?p ?o FILTER(?o >= 1 || ?o <= 0)",
)
PLACES = (
    "{place}",
    "OPTIONAL {{ {place} }}",
    "{{ ?a ?b ?c }} UNION {{ {place} }}",
    "?a ?b ?c MINUS {{ {place} }}",
    "FILTER EXISTS {{ {place} }}",
    "FILTER NOT EXISTS {{ {place} }}",
    "{{ SELECT * WHERE {{ {place} }} }}",
    "GRAPH ?g {{ {place} }}",
    "{{ {{ {{ {place} }} }} }}",
)


def _endpoints(url: str) -> Iterator[tuple[str, str]]:
    """(prologue, term) pairs naming `url`."""
    yield "", f"<{url}>"
    yield f"PREFIX c: <{url}>\n", "c:"
    yield f"PREFIX c: <{url[:-1]}>\n", "c:/"
    yield f"BASE <{url}>\n", "<>"
    yield f"BASE <{url}x/>\n", "<../>"
    yield "", "?endpoint"


def service_disguises(url: str) -> Iterator[str]:
    """SELECT and ASK queries with a SERVICE clause at `url`, in every combination sampled."""
    rng = random.Random(14)
    for prologue, term in _endpoints(url):
        binding = f"VALUES ?endpoint {{ <{url}> }} " if term == "?endpoint" else ""
        for keyword in KEYWORD_SPELLINGS:
            for silent in ("", " SILENT", " silent"):
                for glue in GLUES:
                    before = rng.choice(BEFORE)
                    place = rng.choice(PLACES)
                    clause = f"{keyword}{silent} {term} {{ ?x ?y ?z }}"
                    body = place.format(place=f"{before}{glue}{clause}")
                    form = rng.choice(("SELECT * WHERE", "SELECT ?x WHERE", "ASK", "SELECT (COUNT(*) AS ?n) WHERE"))
                    yield f"{prologue}{form} {{ {binding}{body} }}"
    for spelling in (r"\u0053ERVICE", r"SERV\u0049CE", r"\U00000053ervice"):
        yield f"SELECT * {{ ?s ?p ?o . {spelling} <{url}> {{ ?x ?y ?z }} }}"


def from_disguises(url: str) -> Iterator[str]:
    """Queries whose FROM or FROM NAMED names `url`."""
    for prologue, term in list(_endpoints(url))[:5]:
        for keyword in ("FROM", "from", "From"):
            for named in ("", " NAMED", " named"):
                yield f"{prologue}SELECT * {keyword}{named} {term}g WHERE {{ ?s ?p ?o }}".replace("<>g", "<g>")
                yield f"{prologue}ASK{keyword}{named}{term}{{}}"
    yield f"SELECT*FROM<{url}>{{?s ?p ?o}}"
    yield f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}"
    yield f"DESCRIBE ?s FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


def load_disguises(url: str) -> Iterator[str]:
    """Updates that load `url` (a query endpoint must refuse them all)."""
    for keyword in ("LOAD", "load", "Load"):
        yield f"{keyword} <{url}data.ttl>"
        yield f"{keyword} SILENT <{url}data.ttl> INTO GRAPH <http://example.org/g>"
        yield f"PREFIX c: <{url}>\n{keyword} c:data.ttl"
        yield f"CLEAR SILENT GRAPH <http://example.org/g> ;\n{keyword} <{url}data.ttl>"
        yield f"# SELECT * {{}}\n{keyword} <{url}data.ttl>"
    yield f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    yield f"INSERT DATA {{ <http://example.org/a> <http://example.org/b> <{url}> }}"


def disguises(url: str) -> list[str]:
    """Every disguise aimed at `url`."""
    return [*service_disguises(url), *from_disguises(url), *load_disguises(url)]
