r"""Refuse queries that could make the server connect anywhere or write, before any engine sees them.

A SPARQL tokenizer (strings, IRIs, comments, prefixed names and variables are
whole tokens) finds the keywords SERVICE, FROM, LOAD and the update
operations; a keyword inside a string literal, a comment, an IRI, a variable
name or a prefixed name is not a keyword, so it is never refused by mistake,
and no spelling or spacing hides a real one (SPARQL keywords are
case-insensitive words).

Most queries contain none of those words anywhere, so a pre-check looks for
them as substrings of the upper-cased text first and skips the tokenizer
when none is there. `str.upper` maps character by character, so any keyword
token the tokenizer could find shows up as a substring. SPARQL's codepoint
escapes (`\u0053` is `S`) apply to the whole query text before parsing
(SPARQL 1.1 Query, 19.2), so a query with `\u` or `\U` always takes the full
path, which checks both the text as written and the text with its escapes
decoded.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from coopgraph.web.errors import ApiError

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
_TRIGGERS = ("SERVICE", "FROM", *sorted(UPDATE_KEYWORDS), "\\U")
"""Substrings of the upper-cased query that call for the tokenizer: the keywords, and codepoint escapes."""
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


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
    upper = sparql.upper()
    if not any(trigger in upper for trigger in _TRIGGERS):
        return  # no keyword can be a token of this text (see the module docstring)
    _check_tokens(sparql, sparql, service_allowlist, dataset_given)
    if "\\U" in upper:
        decoded, offsets = decode_codepoints(sparql)
        if decoded != sparql:
            _check_tokens(decoded, sparql, service_allowlist, dataset_given, offsets)


def decode_codepoints(sparql: str) -> tuple[str, list[int]]:
    """The text with `\\uXXXX` / `\\UXXXXXXXX` decoded, and for each of its characters the offset it came from."""
    parts: list[str] = []
    offsets: list[int] = []
    last = 0
    for match in _CODEPOINT.finditer(sparql):
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            continue  # not a character: left as written
        parts.append(sparql[last : match.start()])
        offsets.extend(range(last, match.start()))
        parts.append(chr(code))
        offsets.append(match.start())
        last = match.end()
    parts.append(sparql[last:])
    offsets.extend(range(last, len(sparql) + 1))
    return "".join(parts), offsets


def _check_tokens(
    text: str,
    sparql: str,
    service_allowlist: Collection[str],
    dataset_given: bool,
    offsets: list[int] | None = None,
) -> None:
    """Refuse the keywords among `text`'s tokens; positions are reported in `sparql` (through `offsets`)."""
    toks = list(tokens(text))
    prefixes: dict[str, str] = {}
    for index, token in enumerate(toks):
        word = keyword(token)
        if word == "PREFIX" and index + 2 < len(toks) and toks[index + 2].kind == "iri":
            prefixes[toks[index + 1].text.rstrip(":")] = toks[index + 2].text[1:-1]
        elif word in UPDATE_KEYWORDS:
            what = "LOAD" if word == "LOAD" else "SPARQL Update"
            raise _refusal(f"{what} is refused on /sparql: this endpoint is read-only", token, sparql, offsets)
        elif word == "SERVICE":
            _check_service(toks[index + 1 :], token, sparql, prefixes, service_allowlist, offsets)
        elif word == "FROM" and not dataset_given:
            raise _refusal(
                "FROM / FROM NAMED are refused: choose graphs the store holds with the default-graph-uri "
                "and named-graph-uri parameters (graphs are never fetched)",
                token,
                sparql,
                offsets,
            )


def _check_service(
    rest: list[Token],
    token: Token,
    sparql: str,
    prefixes: dict[str, str],
    allowlist: Collection[str],
    offsets: list[int] | None,
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
            offsets,
        )


def _refusal(message: str, token: Token, sparql: str, offsets: list[int] | None = None) -> ApiError:
    """A 400 at the token's line and column in the query as sent (`offsets` maps decoded text back to it)."""
    offset = token.offset if offsets is None else offsets[token.offset]
    line = sparql.count("\n", 0, offset) + 1
    column = offset - (sparql.rfind("\n", 0, offset) + 1) + 1
    return ApiError(400, "Refused", message, line=line, column=column)
