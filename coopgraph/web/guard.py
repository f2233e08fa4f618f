"""Check a SPARQL query before any engine sees it: its size and depth, then what a real parser reads in it.

`check_query` first refuses a text longer than `max_bytes` or whose
brackets nest deeper than `max_depth` (counted on the raw text: brackets in
strings count too, so the count never falls short). Both limits are checked
before parsing, since the deepest or longest texts are what crash parsers
and engines (pyoxigraph's parser and evaluator recurse per level).

Then rdflib's SPARQL 1.1 grammar parses it (`parseQuery`; `parseUpdate` for
a text that is not a query) and the decision is taken on the parse tree:

- an update (`INSERT`, `DELETE`, `LOAD`, `CLEAR`, ...) sent as a query is
  refused: updates come by the protocol's update operation, with a token
  (coopgraph/web/writes.py, whose text `check_update` checks: LOAD and
  SERVICE refused there too);
- `SERVICE` anywhere (in `EXISTS`, subqueries, ...) is refused;
- `FROM` / `FROM NAMED` name the dataset, from graphs the store holds
  (nothing is ever fetched): the IRIs are returned for the caller to check
  and pass to the engine, unless the protocol's `default-graph-uri` /
  `named-graph-uri` override them (SPARQL 1.1 Protocol 2.1.4).

A text parsed that rdflib cannot read is refused with its line and column,
including SPARQL 1.2 syntax that pyoxigraph would read (triple terms,
reifiers, `VERSION`, directional language tags) and Oxigraph's extensions
(`LATERAL`, `ADJUST`): no query that could hold a refused construct runs
unless the parser the decision rests on read it. Where rdflib and Oxigraph
could still read one text differently, the sandbox of the served processes
(coopgraph/web/sandbox.py) makes an outbound connection impossible anyway.

rdflib's parser is not thread-safe: one lock serialises it per process (a
worker of `coopgraph serve` runs one request at a time, so it never waits).

It is also slow: ~3.3 ms for a one-line point query (pure Python), six
times the whole rest of that request in a worker (~0.55 ms). So a text that
cannot hold any of the refused constructs is not parsed: SPARQL keywords
are ASCII words that both rdflib (`CaselessKeyword`, Unicode upper-casing)
and Oxigraph (ASCII case-insensitive) match as whole words, so a query with
SERVICE, FROM or an update has one of TRIGGERS in its upper-cased text
(`str.upper` maps more characters to ASCII letters than either parser
does, never fewer); codepoint escapes, which rdflib decodes before parsing
(SPARQL 1.1 Query 19.2), put `\\U` there and so go to the parser too.
Such a text would get the same decision from the parse (no SERVICE, no
dataset, not an update), except that one rdflib cannot read (SPARQL 1.2
syntax) runs instead of getting a syntax error: Oxigraph reads it, and
nothing in it can reach the network anyway. tests/test_service_guard.py
checks the claim against the parse on the stored queries, the generated
disguises and random texts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import parser as _grammar
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from coopgraph.core.vocab import Text
from coopgraph.web.errors import ApiError

_BRACKETS = re.compile(r"[(){}\[\]]")
_DEPTH = {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}
_PARSER = threading.Lock()
TRIGGERS = (
    "SERVICE", "FROM", "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "\\U",
)  # fmt: skip
"""Words one of which the text of a query holding SERVICE, FROM or an update must contain, once upper-cased."""
UPDATE_FORMS = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "INSERT/DELETE",
}


_AT = "coopgraph_at"


def _locate(text: str, at: int, tokens: ParseResults) -> None:
    """A parse action: remember where a construct the guard refuses starts (for the error's line and column)."""
    for token in tokens:
        if isinstance(token, CompValue):
            object.__setattr__(token, _AT, at)


for _name in ("ServiceGraphPattern", *UPDATE_FORMS):  # rdflib keeps no positions: these few get one
    getattr(_grammar, _name).add_parse_action(_locate)


def _position(text: str, node: Any) -> dict[str, int]:
    """{"line", "column"} (1-based) where the parser read `node`, when it noted it."""
    at = node.__dict__.get(_AT) if isinstance(node, CompValue) else None
    if at is None:
        return {}
    return {"line": text.count("\n", 0, at) + 1, "column": at - (text.rfind("\n", 0, at) + 1) + 1}


@dataclass(frozen=True)
class Dataset:
    """The graphs a query's FROM and FROM NAMED clauses name (absolute IRIs), if it has any."""

    default: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


def may_hold_refused(text: str) -> bool:
    """Whether any reading of `text` could hold SERVICE, FROM or an update: some keyword of theirs (or a `\\u`
    escape, which rdflib decodes before parsing) appears in the upper-cased text (see the module docstring)."""
    upper = text.upper()
    return any(word in upper for word in TRIGGERS)


def depth(text: str) -> int:
    """The deepest nesting of ( { [ in `text`, read as written (no notion of strings or comments)."""
    brackets = _BRACKETS.findall(text)
    return max(accumulate((_DEPTH[b] for b in brackets), initial=0))


def check_limits(text: str, *, max_bytes: int, max_depth: int) -> None:
    """A 400 when the text is longer than `max_bytes` UTF-8 bytes or nests deeper than `max_depth`."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ApiError(
            400,
            "Query too large",
            Text(
                f"la consulta tiene {size} bytes; el máximo es {max_bytes}",
                f"the query is {size} bytes long; the limit is {max_bytes}",
            ),
            limit=max_bytes,
        )
    deepest = depth(text)
    if deepest > max_depth:
        raise ApiError(
            400,
            "Query too deep",
            Text(
                f"los paréntesis, llaves o corchetes de la consulta se anidan {deepest} niveles; "
                f"el máximo es {max_depth}",
                f"the query's brackets ( {{ [ nest {deepest} levels deep; the limit is {max_depth}",
            ),
            limit=max_depth,
        )


def check_query(
    text: str,
    *,
    max_bytes: int = 100_000,
    max_depth: int = 64,
    base_iri: str | None = None,
    dataset_given: bool = False,
) -> Dataset:
    """Refuse (ApiError 400) updates, SERVICE, a text too long or too deep, or one rdflib cannot parse.

    Returns the dataset the query's FROM / FROM NAMED clauses name (relative
    IRIs resolved against its BASE, else `base_iri`), empty when it names
    none or when `dataset_given` (the protocol's parameters override it).
    """
    check_limits(text, max_bytes=max_bytes, max_depth=max_depth)
    if not may_hold_refused(text):
        return Dataset()
    with _PARSER:
        tree = _parse(text)
    prologue_tree, query = tree[0], tree[1]
    services = [node for node in _nodes(query) if isinstance(node, CompValue) and node.name == "ServiceGraphPattern"]
    if services:
        first = min(services, key=lambda node: node.__dict__.get(_AT, len(text)))
        raise ApiError(
            400,
            "Refused",
            Text(
                "SERVICE no se admite: este servicio no hace solicitudes a otros servidores",
                "SERVICE is refused: this endpoint makes no outbound requests",
            ),
            **_position(text, first),
        )
    # not .get(): rdflib's CompValue.get(key, x) reads x as a flag and gives the key itself back when absent
    clauses = query["datasetClause"] if "datasetClause" in query else []  # noqa: SIM401
    if dataset_given or not clauses:
        return Dataset()
    try:
        prologue = translatePrologue(prologue_tree, base_iri)
        dataset = Dataset()
        for clause in clauses:
            named = "named" in clause
            iri = str(prologue.absolutize(clause["named"] if named else clause["default"]))
            (dataset.named if named else dataset.default).append(iri)
    except Exception as error:  # an undeclared prefix, a bad IRI: rdflib's own words
        raise ApiError(
            400,
            "SPARQL syntax error",
            Text(f"FROM / FROM NAMED ilegible: {error}", f"unreadable FROM / FROM NAMED: {error}"),
        ) from None
    return dataset


def _parse(text: str) -> ParseResults:
    """rdflib's parse tree of a query; an ApiError for an update or a text that does not parse."""
    try:
        return parseQuery(text)
    except RecursionError:
        raise _too_deep() from None
    except ParseBaseException as error:
        query_error = error
    try:
        update = parseUpdate(text)
    except RecursionError:
        raise _too_deep() from None
    except ParseBaseException:
        update = None
    if update is not None and "request" in update and len(update["request"]):
        forms = [UPDATE_FORMS.get(part.name, part.name) for part in update["request"]]
        what = "LOAD" if "LOAD" in forms else "SPARQL Update"
        where = _position(text, update["request"][forms.index("LOAD") if "LOAD" in forms else 0])
        raise ApiError(
            400,
            "Refused",
            Text(
                f"{what} no se admite como consulta: una actualización se envía por POST como update=… o "
                "application/sparql-update, con un token de escritura (LOAD nunca)",
                f"{what} is refused as a query: an update is sent by POST as update=… or "
                "application/sparql-update, with a write token (LOAD never)",
            ),
            operations=forms,
            **where,
        )
    line, column = query_error.lineno, query_error.col
    raise ApiError(
        400,
        "SPARQL syntax error",
        Text(
            f"error de sintaxis SPARQL en la línea {line}, columna {column}: {query_error.msg} "
            "(el servicio lee consultas SPARQL 1.1; la sintaxis de SPARQL 1.2, como los triple terms, no se admite)",
            f"SPARQL syntax error at line {line}, column {column}: {query_error.msg} "
            "(the service reads SPARQL 1.1 queries; SPARQL 1.2 syntax such as triple terms is not accepted)",
        ),
        line=line,
        column=column,
    )


def check_update(text: str, *, max_bytes: int = 100_000, max_depth: int = 64) -> CompValue:
    """The parse tree of a SPARQL Update the write path may run: limits first, then rdflib's grammar;
    a 400 for a text that does not parse as an update, for LOAD (nothing is ever fetched) and for SERVICE."""
    check_limits(text, max_bytes=max_bytes, max_depth=max_depth)
    with _PARSER:
        try:
            tree = parseUpdate(text)
        except RecursionError:
            raise _too_deep() from None
        except ParseBaseException as error:
            line, column = error.lineno, error.col
            raise ApiError(
                400,
                "SPARQL syntax error",
                Text(
                    f"error de sintaxis SPARQL Update en la línea {line}, columna {column}: {error.msg}",
                    f"SPARQL Update syntax error at line {line}, column {column}: {error.msg}",
                ),
                line=line,
                column=column,
            ) from None
    operations = list(tree["request"]) if "request" in tree else []
    if not operations:
        raise ApiError(400, "Bad Request", Text("la actualización está vacía", "the update is empty"))
    for operation in operations:
        if operation.name == "Load":
            raise ApiError(
                400,
                "Refused",
                Text(
                    "LOAD no se admite: este servicio no descarga nada; envíe los datos a /data",
                    "LOAD is refused: this service fetches nothing; send the data to /data",
                ),
                **_position(text, operation),
            )
    if _finds(tree, "ServiceGraphPattern"):
        raise ApiError(
            400,
            "Refused",
            Text(
                "SERVICE no se admite: este servicio no hace solicitudes a otros servidores",
                "SERVICE is refused: this endpoint makes no outbound requests",
            ),
        )
    return tree


def _too_deep() -> ApiError:
    return ApiError(
        400,
        "Query too deep",
        Text(
            "la consulta se anida demasiado para leerla; simplifíquela",
            "the query nests too deeply to be read; simplify it",
        ),
    )


def _finds(tree: Any, name: str) -> bool:
    """Whether a CompValue called `name` is anywhere in the parse tree (walked without recursion)."""
    return any(isinstance(node, CompValue) and node.name == name for node in _nodes(tree))


def _nodes(tree: Any) -> Iterator[Any]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue):
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)


def statement_form(text: str) -> str:
    """select, ask, construct or describe: the form of a query rdflib parses (ApiError 400 otherwise)."""
    with _PARSER:
        tree = _parse(text)
    return str(tree[1].name).removesuffix("Query").lower()
