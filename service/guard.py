"""Refuse queries that could make the server connect anywhere or write, before any engine sees them.

A SPARQL tokenizer (strings, IRIs, comments, prefixed names and variables are
whole tokens) finds the keywords SERVICE, FROM, LOAD and the update
operations; a keyword inside a string literal, a comment, an IRI, a variable
name or a prefixed name is not a keyword, so it is never refused by mistake,
and no spelling or spacing hides a real one (SPARQL keywords are
case-insensitive words).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from service.errors import ApiError

_TOKEN = re.compile(
    r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[?$]?(?:[\w%]|\\.)(?:[\w.\-:%]|\\.)*|:(?:[\w.\-:%]|\\.)*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


@dataclass(frozen=True)
class Token:
    """A lexical token: its kind (string, iri, comment, word, other), text and offset."""

    kind: str
    text: str
    offset: int


def tokens(sparql: str) -> Iterator[Token]:
    """The significant tokens of `sparql` (no spaces, no comments)."""
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start())


def keyword(token: Token) -> str | None:
    """The upper-cased keyword a word token is (a bare name: no `?`, `$` or `:`), else None."""
    if token.kind != "word":
        return None
    text = token.text.rstrip(".")
    if not text or text[0] in "?$" or ":" in text or not text.isalpha():
        return None
    return text.upper()


def check_query(sparql: str, *, service_allowlist: Collection[str] = (), dataset_given: bool = False) -> None:
    """Raise a 400 ApiError for SPARQL Update, LOAD, SERVICE (unless allowlisted) and FROM.

    FROM / FROM NAMED are refused unless the request gives the dataset with
    `default-graph-uri` / `named-graph-uri`, which override them (SPARQL 1.1
    Protocol, 2.1.4); graphs are never fetched either way.
    """
    toks = list(tokens(sparql))
    prefixes: dict[str, str] = {}
    for index, token in enumerate(toks):
        word = keyword(token)
        if word == "PREFIX" and index + 2 < len(toks) and toks[index + 2].kind == "iri":
            prefixes[toks[index + 1].text.rstrip(":")] = toks[index + 2].text[1:-1]
        elif word in UPDATE_KEYWORDS:
            what = "LOAD" if word == "LOAD" else "SPARQL Update"
            raise _refusal(f"{what} is refused on /sparql: this endpoint is read-only", token, sparql)
        elif word == "SERVICE":
            _check_service(toks[index + 1 :], token, sparql, prefixes, service_allowlist)
        elif word == "FROM" and not dataset_given:
            raise _refusal(
                "FROM / FROM NAMED are refused: choose graphs the store holds with the default-graph-uri "
                "and named-graph-uri parameters (graphs are never fetched)",
                token,
                sparql,
            )


def _check_service(
    rest: list[Token], token: Token, sparql: str, prefixes: dict[str, str], allowlist: Collection[str]
) -> None:
    following = [t for t in rest[:2] if keyword(t) != "SILENT"][:1]
    iri = None
    if following and following[0].kind == "iri":
        iri = following[0].text[1:-1]
    elif following and following[0].kind == "word" and ":" in following[0].text and following[0].text[0] not in "?$":
        prefix, _, local = following[0].text.partition(":")
        iri = prefixes[prefix] + local if prefix in prefixes else None
    if iri is None or iri not in allowlist:
        raise _refusal(
            "SERVICE is refused: this endpoint makes no outbound requests"
            + (f" (allowed endpoints: {', '.join(sorted(allowlist))})" if allowlist else ""),
            token,
            sparql,
        )


def _refusal(message: str, token: Token, sparql: str) -> ApiError:
    line = sparql.count("\n", 0, token.offset) + 1
    column = token.offset - (sparql.rfind("\n", 0, token.offset) + 1) + 1
    return ApiError(400, "Refused", message, line=line, column=column)
