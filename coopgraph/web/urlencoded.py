"""application/x-www-form-urlencoded parsing (query strings, form bodies) as werkzeug does it, but cheaper.

Werkzeug's `request.args` and `request.form` go through `urllib.parse.parse_qsl`, whose
per-escape Python loop costs ~15 µs for a typical percent-encoded SPARQL query: a
noticeable share of a cheap query's request. Here the `unicode_escape` codec decodes
the escapes in C once `%` is rewritten as `\\x` (and every backslash doubled): ~5 µs.
"""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

_KEEP_ESCAPED = "coopgraph.urlencoded"


def _keep_escaped(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 stay percent-encoded (upper-case hex), as in werkzeug."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    invalid = error.object[error.start : error.end]
    return "".join(f"%{byte:02X}" for byte in invalid), error.end


codecs.register_error(_KEEP_ESCAPED, _keep_escaped)


def parse(text: str) -> dict[str, list[str]]:
    """Parameters of a WSGI `QUERY_STRING` (its bytes as latin-1, PEP 3333): each name's values in order."""
    return parse_bytes(text.encode("latin-1"))


def parse_bytes(data: bytes) -> dict[str, list[str]]:
    """Parameters of urlencoded bytes, as werkzeug 3 reads them (`parse_qsl(keep_blank_values=True)`).

    Pairs are separated by `&` only (not `;`); empty pairs are skipped and a pair
    without `=` has the value "". `+` is a space; percent-escapes are bytes decoded as
    UTF-8, where invalid bytes stay percent-encoded and a malformed escape (`%zz`, a
    trailing `%`) stays as written. Raw bytes that are not UTF-8 raise
    UnicodeDecodeError, as in werkzeug's `request.args` (its `request.form` is empty then).

    Working on the bytes gives werkzeug's result although it decodes the text first: UTF-8
    never has `&`, `=`, `+` or `%` inside a character, and a raw character is complete, so
    bytes from escapes never join one (werkzeug decodes the escapes of each ASCII run alone).
    """
    if not data.isascii():
        data.decode("utf-8")  # the check werkzeug makes before parsing
    params: dict[str, list[str]] = {}
    for pair in data.split(b"&"):
        if pair:
            name, _, value = pair.partition(b"=")
            params.setdefault(_unquote(name), []).append(_unquote(value))
    return params


def _unquote(component: bytes) -> str:
    """One name or value: `+` and percent-escapes decoded, then UTF-8."""
    component = component.replace(b"+", b" ")
    if b"%" not in component:
        return component.decode("utf-8")
    try:
        # Doubling backslashes first leaves `\x` from `%` as the only escapes; raw bytes >= 0x80 decode as latin-1.
        escaped = component.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
        raw = escaped.decode("unicode_escape").encode("latin-1")
    except UnicodeDecodeError:  # a `%` without two hex digits: urllib keeps it as written
        raw = unquote_to_bytes(component)
    return raw.decode("utf-8", _KEEP_ESCAPED)
