"""coopgraph.web.urlencoded reads query strings and form bodies exactly as werkzeug does (it replaces it for speed)."""

from __future__ import annotations

import random
from urllib.parse import quote

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from coopgraph.web.urlencoded import parse, parse_bytes


def werkzeug_args(query_string: str) -> dict[str, list[str]]:
    """`request.args` for a WSGI QUERY_STRING (raw bytes as latin-1)."""
    environ = EnvironBuilder(path="/sparql").get_environ()
    environ["QUERY_STRING"] = query_string
    return Request(environ).args.to_dict(flat=False)


def werkzeug_form(body: bytes) -> dict[str, list[str]]:
    """`request.form` for a urlencoded POST body."""
    builder = EnvironBuilder(path="/sparql", method="POST", data=body, content_type="application/x-www-form-urlencoded")
    return Request(builder.get_environ()).form.to_dict(flat=False)


def raw(text: str) -> str:
    """`text` as a WSGI server hands it over: its UTF-8 bytes, as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def assert_like_werkzeug(query_string: str) -> None:
    """Same parameters as werkzeug, or the same refusal of raw bytes that are not UTF-8."""
    try:
        expected = werkzeug_args(query_string)
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            parse(query_string)
        return
    assert parse(query_string) == expected, query_string
    body = query_string.encode("latin-1")
    assert parse_bytes(body) == werkzeug_form(body), query_string


SPARQL = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    'SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(?label, "Asociación \\"AME\\"")) } LIMIT 10'
)
CASES = {
    "empty": "",
    "typical query": "query=" + quote(SPARQL, safe="") + "&format=json",
    "quote_plus style": "query=" + quote(SPARQL, safe="").replace("%20", "+"),
    "repeated names keep their order": "format=csv&format=text%2Fcsv&query=a&format=json",
    "name without =": "a&b=&c=1",
    "only =": "=",
    "empty name": "=x&=y",
    "empty pairs": "&&a=1&&&b=2&",
    "second = stays in the value": "a=b=c",
    "semicolon is not a separator": "a=1;b=2",
    "plus is a space, %2B is a plus": "a=1+2%2B3&b+c=+",
    "escaped separators": "a%3Db=c%26d",
    "lower-case hex": "a=%c3%a9%2f",
    "invalid escapes stay": "a=%zz&b=%&c=%4&d=%4g&e=%%41&f=100%",
    "invalid UTF-8 stays escaped, upper-case": "a=%ff&b=%C3&c=%E2%82&d=%ED%A0%80&e=%C0%AF&f=%80%80",
    "escape of a percent": "a=%2541&b=%25%34%31",
    "backslashes": "a=\\&b=\\\\x41&c=\\x41&d=\\u0041&e=\\N{DASH}&f=\\",
    "escaped backslash": "a=%5C&b=%5Cx41&c=%5C%78%34%31&d=\\%41&e=%5C\\",
    "backslash and a malformed escape": "a=\\x4%zz&b=%\\x41",
    "raw UTF-8": raw("a=é&ü=中文😀&c=%C3é%A9"),
    "raw UTF-8 next to escapes": raw("a=%E2%82é&b=é%A9&c=%F0%9F%98€"),
    "raw bytes that are not UTF-8": "a=\xff&b=1",
    "raw truncated UTF-8": "a=\xc3",
    "control characters": "a=%00%0A%0d%09&b=\x00\n\t&c=%7F",
    "backslash newline": "a=\\\n&b=%5C%0A",
    "escaped surrogate and non-character": "a=%ED%B2%80&b=%EF%BF%BF&c=%F4%90%80%80",
    "IIS-style %u": "a=%u0041",
}


@pytest.mark.parametrize("query_string", CASES.values(), ids=CASES.keys())
def test_cases_like_werkzeug(query_string: str) -> None:
    assert_like_werkzeug(query_string)


def test_typical_query_round_trips() -> None:
    assert parse(CASES["typical query"]) == {"query": [SPARQL], "format": ["json"]}
    assert parse(CASES["quote_plus style"]) == {"query": [SPARQL]}


def test_invalid_utf8_is_refused_in_a_query_string_but_werkzeug_drops_a_form() -> None:
    """One known difference: werkzeug silently empties `request.form` where we raise, as for `request.args`."""
    with pytest.raises(UnicodeDecodeError):
        parse_bytes(b"query=\xff")
    assert werkzeug_form(b"query=\xff") == {}


PIECES = [
    "%", "%2", "%zz", "%41", "%4", "%4g", "%25", "%5C", "%5c", "%2B", "%26", "%3D", "%3d", "%C3%A9", "%c3%a9",
    "%FF", "%ff", "%C3", "%A9", "%E2%82", "%E2%82%AC", "%F0%9F%98%80", "%ED%A0%80", "%C0%80", "%00", "%0A", "%u0041",
    "+", "&", "&", "=", "=", ";", "\\", "\\\\", "\\x41", "\\x4", "\\u0041", "\\N{DASH}", "\\N", "\\\n", "x", "\n",
    "a", "b", "q", "Z", "0", "9", " ", "-", "?", "/", "#", "{", "}", '"', "'",
    raw("é"), raw("ü"), raw("中"), raw("😀"), raw("€"), "\x00", "\x7f",
]  # fmt: skip
NOT_UTF8 = ["\xff", "\xc3", "\x80", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80"]


def random_query_string(rng: random.Random) -> str:
    """Pieces glued together; one string in ten also holds raw bytes that are not UTF-8."""
    pieces = rng.choices(PIECES, k=rng.randrange(0, 25))
    if rng.random() < 0.1:
        pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(NOT_UTF8))
    return "".join(pieces)


def test_random_strings_like_werkzeug() -> None:
    rng = random.Random(1_234_567)
    strings = [random_query_string(rng) for _ in range(4000)]
    refused, kept, decoded = 0, 0, 0
    for query_string in strings:
        assert_like_werkzeug(query_string)
        try:
            values = [value for values in werkzeug_args(query_string).values() for value in values]
        except UnicodeDecodeError:
            refused += 1
            continue
        kept += any("%" in value for value in values)  # a malformed escape or bytes that are not UTF-8
        decoded += any(not value.isascii() for value in values)
    assert min(refused, kept, decoded) > 300  # every branch is exercised
