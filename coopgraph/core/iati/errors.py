"""What goes wrong with an IATI file: `Problem` (what, where) and `IatiError` (all of a file's problems).

Each problem has a kind, so callers and tests can tell them apart:

| kind | meaning |
|---|---|
| `oversize` | the file is bigger than the limit |
| `unsafe` | a DOCTYPE or ENTITY declaration (refused, never expanded) |
| `xml` | malformed XML |
| `depth` | elements nest deeper than the limit |
| `structure` | not an IATI 2.03 activity file, or a required element or attribute is missing |
| `value` | a date, number or identifier that cannot be read |
| `rule` | an IATI or register rule the shapes enforce (codes, sums, dates in order, …) |
| `conflict` | an activity already in the register, or twice in the file |
| `download` | a URL that could not be downloaded (HTTP error, timeout, redirect to another scheme, not XML) |

Messages are in Spanish and English (`vocab.Text`); `line` and `column` are
1-based, None when the problem is not at one place in the XML.

    >>> error = IatiError([Problem("xml", Text(es="XML mal formado", en="malformed XML"), 3, 7)], file="a.xml")
    >>> error.text("en")
    'a.xml:3:7: malformed XML'
"""

from __future__ import annotations

from dataclasses import dataclass

from coopgraph.core.vocab import Text

KINDS: tuple[str, ...] = (
    "oversize",
    "unsafe",
    "xml",
    "depth",
    "structure",
    "value",
    "rule",
    "conflict",
    "download",
)


@dataclass(frozen=True)
class Problem:
    """One problem of an input, with where it is (1-based line and column) when it is at one place."""

    kind: str
    message: Text
    line: int | None = None
    column: int | None = None

    def where(self, file: str | None = None) -> str:
        """`file:line:column`, as much of it as is known."""
        return ":".join(str(part) for part in (file, self.line, self.column) if part is not None)


class IatiError(ValueError):
    """An IATI file could not be read into the register; nothing was changed. Carries every problem found."""

    def __init__(self, problems: list[Problem], *, file: str | None = None) -> None:
        self.problems = problems
        self.file = file
        super().__init__(self.text("en"))

    @property
    def kinds(self) -> set[str]:
        """The kinds of the problems."""
        return {problem.kind for problem in self.problems}

    def text(self, lang: str = "es") -> str:
        """One line per problem: `file:line:column: message`."""
        lines = []
        for problem in self.problems:
            where = problem.where(self.file)
            lines.append(f"{where}: {problem.message(lang)}" if where else problem.message(lang))
        return "\n".join(lines)
