"""Stored SPARQL queries: one question per `.rq` file, with a header that documents it.

The header (leading `#` lines, see queries/README.md) gives titles and
descriptions in Spanish and English, typed parameters and tags, so that the
service can build its API from the files, as grlc does. Parameter values are
validated here and bound with pyoxigraph `substitutions`, never formatted into
the query text. Files named `*-violation.rq` are data checks that must return
no rows; they are flagged `kind="violation"` and kept out of the public list.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from coopgraph.core.resources import resource_dir
from coopgraph.core.store import QueryResult, Store
from coopgraph.core.vocab import LANGS, XSD

PARAM_TYPES: tuple[str, ...] = ("iri", "string", "integer", "decimal", "year", "lang")
VIOLATION_SUFFIX = "-violation"
KINDS: tuple[str, ...] = ("competency", "violation")
Term = ox.NamedNode | ox.Literal

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[A-Za-z]+)(?:@(?P<lang>[A-Za-z-]+))?\s*:\s*(?P<value>.*?)\s*$")
_KEYS = ("title", "description", "param", "tags")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_YEAR = re.compile(r"^-?[0-9]{4}$")
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_SELECT = re.compile(r"\bSELECT\b(?P<projection>.*?)(?:\bWHERE\b|\{)", re.IGNORECASE | re.DOTALL)


class QueryFormatError(ValueError):
    """A stored query file is malformed (bad header, parameter not used or not projected)."""


class ParameterError(ValueError):
    """A parameter value is unknown, missing or invalid for its type."""


@dataclass(frozen=True)
class Param:
    """A typed query parameter: the SPARQL variable `?name` of the query body."""

    name: str
    type: str
    label: str = ""
    default: str | None = None
    enum: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        """A parameter without a default must be given."""
        return self.default is None

    def convert(self, value: str) -> Term:
        """The RDF term for `value`, or `ParameterError` saying why it does not fit.

        >>> Param("year", "year").convert("2019")
        <Literal value=2019 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
        """
        if not isinstance(value, str):
            raise ParameterError(f"parameter {self.name!r}: expected a string, got {type(value).__name__}")
        term = _CONVERTERS[self.type](self.name, value)
        if self.enum and value not in self.enum:
            raise ParameterError(
                f"parameter {self.name!r}: {value!r} is not one of the allowed values ({', '.join(self.enum)})"
            )
        return term


@dataclass(frozen=True)
class StoredQuery:
    """A stored query: its file, header and SPARQL text."""

    name: str
    path: Path
    title: Mapping[str, str]
    description: Mapping[str, str]
    params: tuple[Param, ...]
    tags: tuple[str, ...]
    text: str
    kind: str = "competency"

    @property
    def defaults(self) -> dict[str, str]:
        """The default value of every parameter that has one."""
        return {p.name: p.default for p in self.params if p.default is not None}

    def param(self, name: str) -> Param:
        """The parameter called `name` (`KeyError` if there is none)."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def with_values(self, values: Mapping[str, str] | None = None) -> str:
        """The query text with its parameters written in: a `VALUES` block opening the top-level WHERE group.

        Values are checked as `bind` checks them (`ParameterError`); the text then runs on its own, at any
        SPARQL endpoint, with the same answer as the stored query with those values bound, and keeps it when a
        person edits it (adds `LIMIT 5`, another pattern...). The header comments stay.

        >>> header = "# title@es: T\\n# title@en: T\\n# description@es: D\\n# description@en: D\\n"
        >>> query = parse_query(header + "# param: n integer default=1\\nSELECT ?n WHERE { ?s ?p ?n }", name="q")
        >>> print(query.with_values({"n": "42"}).splitlines()[-1])
        SELECT ?n WHERE { VALUES ?n { 42 } ?s ?p ?n }
        """
        block = self.values_block(values)
        if not block:
            return self.text
        where = _where_brace(self.text)
        if where is None:
            raise QueryFormatError(f"{self.name}: no WHERE group to write the parameters into")
        after = self.text[where + 1 :]
        if after.startswith("\n"):
            indent = re.match(r"\n([ \t]*)", after)
            return self.text[: where + 1] + f"\n{indent[1] if indent else ''}{block}" + after
        return self.text[: where + 1] + f" {block}" + after

    def values_block(self, values: Mapping[str, str] | None = None) -> str:
        """The parameters and their values (defaults for the rest) as one SPARQL `VALUES` block ('' without any).

        >>> header = "# title@es: T\\n# title@en: T\\n# description@es: D\\n# description@en: D\\n"
        >>> params = '# param: s iri default=https://example.org/a\\n# param: lang lang default=es\\n'
        >>> parse_query(header + params + "SELECT ?s ?lang WHERE {}", name="q").values_block({"lang": "en"})
        'VALUES (?s ?lang) { (<https://example.org/a> "en") }'
        """
        bound = self.bind(values)
        names = [f"?{param.name}" for param in self.params]
        terms = [_sparql_term(bound[ox.Variable(param.name)]) for param in self.params]
        if not names:
            return ""
        if len(names) == 1:
            return f"VALUES {names[0]} {{ {terms[0]} }}"
        return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"

    def bind(self, values: Mapping[str, str] | None = None) -> dict[ox.Variable, Term]:
        """Validate `values` and return the substitutions for every parameter (defaults filled in).

        >>> header = "# title@es: T\\n# title@en: T\\n# description@es: D\\n# description@en: D\\n"
        >>> query = parse_query(header + "# param: n integer default=1\\nSELECT ?n WHERE {}", name="q")
        >>> query.bind({"n": "42"})
        {<Variable value=n>: <Literal value=42 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>}
        """
        given = dict(values or {})
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            expected = ", ".join(sorted(known)) or "none"
            raise ParameterError(
                f"unknown parameter(s) for query {self.name!r}: {', '.join(unknown)} (expected: {expected})"
            )
        bound: dict[ox.Variable, Term] = {}
        for param in self.params:
            value = given.get(param.name, param.default)
            if value is None:
                raise ParameterError(f"query {self.name!r}: missing required parameter {param.name!r}")
            bound[ox.Variable(param.name)] = param.convert(value)
        return bound


def load_queries(directory: str | Path | None = None, *, kind: str | None = None) -> dict[str, StoredQuery]:
    """Every `*.rq` file of `directory` (default: the shipped `queries/`), by name, sorted.

    `kind="competency"` gives the public list, `kind="violation"` the data checks.
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"unknown query kind {kind!r}; expected one of {', '.join(KINDS)}")
    folder = Path(directory) if directory is not None else resource_dir("queries")
    queries: dict[str, StoredQuery] = {}
    for path in sorted(folder.glob("*.rq")):
        query = parse_query(path.read_text(encoding="utf-8"), name=path.stem, path=path)
        if kind is None or query.kind == kind:
            queries[query.name] = query
    return queries


def run(store: Store, query: StoredQuery, values: Mapping[str, str] | None = None) -> QueryResult:
    """Run a stored query with `values` bound by substitution (defaults for the rest)."""
    return store.query(query.text, substitutions=query.bind(values))


def parse_query(text: str, *, name: str, path: Path | None = None) -> StoredQuery:
    """Parse a stored query's header; `QueryFormatError` (with the line) if it is malformed."""
    where = str(path) if path is not None else name
    title: dict[str, str] = {}
    description: dict[str, list[str]] = {}
    params: list[Param] = []
    tags: list[str] = []
    header_end = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.lstrip().startswith("#"):
            break
        header_end = number
        match = _HEADER_LINE.match(line.strip())
        if match is None or match["key"] not in _KEYS:
            continue  # a free comment
        key, lang, value = match["key"], match["lang"], match["value"]
        context = f"{where}:{number}"
        if key in ("title", "description"):
            if lang not in LANGS:
                raise QueryFormatError(f"{context}: {key} needs a language, one of @{', @'.join(LANGS)}")
            if not value:
                raise QueryFormatError(f"{context}: empty {key}@{lang}")
            if key == "title":
                if lang in title:
                    raise QueryFormatError(f"{context}: title@{lang} given twice")
                title[lang] = value
            else:
                description.setdefault(lang, []).append(value)
        elif lang is not None:
            raise QueryFormatError(f"{context}: {key} takes no language tag")
        elif key == "param":
            param = _parse_param(value, context)
            if any(p.name == param.name for p in params):
                raise QueryFormatError(f"{context}: parameter {param.name!r} declared twice")
            params.append(param)
        else:
            tags.extend(tag.strip() for tag in value.split(",") if tag.strip())
    for lang in LANGS:
        if lang not in title:
            raise QueryFormatError(f"{where}: missing '# title@{lang}:' header line")
        if lang not in description:
            raise QueryFormatError(f"{where}: missing '# description@{lang}:' header line")
    body = "\n".join(lines[header_end:])
    _check_params_used(body, params, where)
    return StoredQuery(
        name=name,
        path=path if path is not None else Path(f"{name}.rq"),
        title=title,
        description={lang: " ".join(parts) for lang, parts in description.items()},
        params=tuple(params),
        tags=tuple(tags),
        text=text,
        kind="violation" if name.endswith(VIOLATION_SUFFIX) else "competency",
    )


def _parse_param(value: str, context: str) -> Param:
    """`NAME TYPE ["LABEL"] [default=VALUE] [enum=A,B]` -> Param."""
    try:
        tokens = shlex.split(value)
    except ValueError as error:
        raise QueryFormatError(f"{context}: cannot read the param line ({error})") from None
    if len(tokens) < 2:
        raise QueryFormatError(f"{context}: a param line needs at least a name and a type")
    name, type_ = tokens[0], tokens[1]
    if not _NAME.match(name):
        raise QueryFormatError(f"{context}: {name!r} is not a valid SPARQL variable name")
    if type_ not in PARAM_TYPES:
        raise QueryFormatError(f"{context}: unknown parameter type {type_!r}; valid types: {', '.join(PARAM_TYPES)}")
    label, default = "", None
    enum: tuple[str, ...] = ()
    for token in tokens[2:]:
        option, sep, option_value = token.partition("=")
        if sep and option == "default":
            default = option_value
        elif sep and option == "enum":
            enum = tuple(item.strip() for item in option_value.split(",") if item.strip())
        elif not sep and not label:
            label = token
        else:
            raise QueryFormatError(f"{context}: unexpected {token!r} (options are default=... and enum=...)")
    param = Param(name=name, type=type_, label=label, default=default, enum=enum)
    for candidate in (*enum, *([default] if default is not None else [])):
        try:
            _CONVERTERS[type_](name, candidate)
        except ParameterError as error:
            raise QueryFormatError(f"{context}: {error}") from None
    if default is not None and enum and default not in enum:
        raise QueryFormatError(f"{context}: default {default!r} is not one of enum={','.join(enum)}")
    return param


def _check_params_used(body: str, params: list[Param], where: str) -> None:
    """Each parameter must occur in the body and in the top-level SELECT projection.

    pyoxigraph substitutes projected variables of SELECT queries only (ASK and
    CONSTRUCT refuse or ignore them), so a parameter anywhere else would not be bound.
    """
    match = _SELECT.search(body)
    projection = match["projection"] if match else ""
    for param in params:
        variable = re.compile(rf"[?$]{param.name}\b")
        if not variable.search(body):
            raise QueryFormatError(f"{where}: parameter {param.name!r} is not used as ?{param.name} in the query")
        star = re.match(r"\s*(?:DISTINCT|REDUCED)?\s*\*", projection, re.IGNORECASE) is not None
        if match is None or not (star or variable.search(projection)):
            raise QueryFormatError(
                f"{where}: parameter ?{param.name} must be in the SELECT projection "
                "(pyoxigraph substitutes projected variables only)"
            )


def _where_brace(text: str) -> int | None:
    """The offset of the `{` opening the query's top-level group (comments, strings and IRIs skipped)."""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end
        elif char in "\"'":
            triple = text[index : index + 3]
            if triple in ('"""', "'''"):
                end = text.find(triple, index + 3)
                index = length if end < 0 else end + 3
                continue
            index += 1
            while index < length and text[index] not in (char, "\n"):
                index += 2 if text[index] == "\\" else 1
        elif char == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[index:]):
            index = text.index(">", index)
        elif char == "{":
            return index
        index += 1
    return None


def _sparql_term(term: Term) -> str:
    """A term as SPARQL text: `<iri>`, `42` for integers and decimals, a quoted literal otherwise."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if term.datatype.value in (XSD + "integer", XSD + "decimal"):
        return term.value
    text = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype.value == XSD + "string":
        return f'"{text}"'
    return f'"{text}"^^<{term.datatype.value}>'


def _iri(name: str, value: str) -> Term:
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        raise ParameterError(f"parameter {name!r}: {value!r} is not a valid absolute IRI ({error})") from None


def _string(name: str, value: str) -> Term:
    return ox.Literal(value)


def _integer(name: str, value: str) -> Term:
    if not _INTEGER.match(value):
        raise ParameterError(f"parameter {name!r}: {value!r} is not an integer")
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def _decimal(name: str, value: str) -> Term:
    if not _DECIMAL.match(value):
        raise ParameterError(f"parameter {name!r}: {value!r} is not a decimal number (e.g. 12.5)")
    return ox.Literal(str(Decimal(value)), datatype=ox.NamedNode(XSD + "decimal"))


def _year(name: str, value: str) -> Term:
    if not _YEAR.match(value):
        raise ParameterError(f"parameter {name!r}: {value!r} is not a four-digit year")
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))  # years are plain numbers in the graph


def _lang(name: str, value: str) -> Term:
    if not _LANG.match(value):
        raise ParameterError(f"parameter {name!r}: {value!r} is not a language tag (e.g. es, en)")
    return ox.Literal(value.lower())


_CONVERTERS = {
    "iri": _iri,
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "year": _year,
    "lang": _lang,
}
