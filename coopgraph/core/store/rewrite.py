"""Query text for a remote engine: bound variables as a VALUES block, the base IRI as a BASE declaration.

pyoxigraph binds `substitutions` before evaluation; an engine over HTTP only
takes text, so the bindings become `VALUES (?a ?b) { (<x> "y") }` placed first
in the query's outermost WHERE group (where a pre-bound variable is visible
to the whole pattern; a trailing VALUES would join after any GROUP BY).
Values are terms printed by pyoxigraph, never text formatted into the query.
A small tokenizer finds that group: comments, strings, IRIs, variables and
prefixed names cannot be mistaken for braces or keywords.

>>> import pyoxigraph as ox
>>> prepare_query("SELECT ?l { ?s <http://x/label> ?l }", substitutions={ox.Variable("s"): ox.NamedNode("http://x/a")})
'SELECT ?l { VALUES (?s) { (<http://x/a>) } ?s <http://x/label> ?l }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

_TOKENS = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>[\w\-.]*:[\w\-.:%\\]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<punct>[{}()])
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


def prepare_query(
    sparql: str, *, substitutions: Mapping[ox.Variable, Any] | None = None, base_iri: str | None = None
) -> str:
    """The query text to send: `substitutions` as a leading VALUES block, `base_iri` as a BASE declaration."""
    text = sparql
    if substitutions:
        at = where_group_start(text)
        if at is None:
            raise ValueError("cannot bind variables of a query that has no WHERE clause")
        text = f"{text[:at]} {values_block(substitutions)}{text[at:]}"
    if base_iri is not None:
        text = f"BASE {ox.NamedNode(base_iri)}\n{text}"
    return text


def values_block(substitutions: Mapping[ox.Variable, Any]) -> str:
    """`VALUES (?a ?b) { (<x> "y") }`: one row; ValueError for a term SPARQL's VALUES cannot hold."""
    names, terms = [], []
    for variable, term in substitutions.items():
        if not isinstance(variable, ox.Variable):
            raise ValueError(f"substitutions map variables to terms; {variable!r} is not a pyoxigraph Variable")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise ValueError(f"?{variable.value} can only be bound to an IRI or a literal over SPARQL, not {term!r}")
        names.append(str(variable))
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def where_group_start(sparql: str) -> int | None:
    """The offset just after the `{` opening the query's outermost WHERE group; None if it has none."""
    form: str | None = None
    braces = parens = 0
    in_template = False
    for match in _TOKENS.finditer(sparql):
        kind, token = match.lastgroup, match.group()
        if kind == "word" and form is None and token.upper() in _FORMS:
            form = token.upper()
            in_template = form == "CONSTRUCT" and _next_is_brace(sparql, match.end())
        elif kind == "punct":
            if token == "(":
                parens += 1
            elif token == ")":
                parens -= 1
            elif token == "{":
                if form is not None and braces == 0 and parens == 0 and not in_template:
                    return match.end()
                braces += 1
            else:
                braces -= 1
                if braces == 0 and in_template:
                    in_template = False
    return None


def _next_is_brace(sparql: str, offset: int) -> bool:
    for match in _TOKENS.finditer(sparql, offset):
        if match.lastgroup != "comment":
            return match.group() == "{"
    return False
