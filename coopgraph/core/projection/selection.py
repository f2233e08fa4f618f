"""What to project (`Selection`), checked before any store is read, and the errors a projection raises."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyoxigraph as ox

from coopgraph.core.projection.rules import KINDS

MAX_RADIUS = 5
KIND_KEYS: tuple[str, ...] = tuple(dict.fromkeys(kind.key for kind in KINDS))
_LOCAL_NAME = re.compile(r"[^/#:]+$")


class ProjectionError(ValueError):
    """A selection cannot be projected."""


class SelectionError(ProjectionError):
    """The selection is malformed: unknown kind or query, bad radius, bad query parameter."""


class UnknownResource(ProjectionError):
    """The focus IRI is not a node of the graph."""

    def __init__(self, message: str, *, iri: str) -> None:
        super().__init__(message)
        self.iri = iri


class SelectionTooLarge(ProjectionError):
    """The selection has more nodes than the caller allows."""

    def __init__(self, *, nodes: int, limit: int) -> None:
        super().__init__(
            f"the selection has more than {limit} nodes (at least {nodes}); "
            "narrow it with kinds, a focus and radius, or a query"
        )
        self.nodes, self.limit = nodes, limit


@dataclass(frozen=True)
class Selection:
    """What to project: `query` (stored name) or `sparql` (text), then `kinds`, then the ego network of `focus`."""

    kinds: tuple[str, ...] = ()
    focus: str | None = None
    radius: int = 1
    query: str | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sparql: str | None = None

    def check(self) -> None:
        """`SelectionError` unless every part is valid (the query itself is checked when it runs)."""
        unknown = [kind for kind in self.kinds if kind not in KIND_KEYS]
        if unknown:
            raise SelectionError(f"unknown kind(s) {', '.join(unknown)}; valid kinds: {', '.join(KIND_KEYS)}")
        if isinstance(self.radius, bool) or not isinstance(self.radius, int) or not 0 <= self.radius <= MAX_RADIUS:
            raise SelectionError(f"radius must be an integer from 0 to {MAX_RADIUS}, not {self.radius!r}")
        if self.focus is not None:
            try:
                ox.NamedNode(self.focus)
            except ValueError as error:
                raise SelectionError(f"focus {self.focus!r} is not a valid absolute IRI ({error})") from None
        if self.query is not None and self.sparql is not None:
            raise SelectionError("give a stored query's name or a query text, not both")
        if self.params and self.query is None:
            raise SelectionError("query parameters need a stored query (query=NAME)")

    @property
    def slug(self) -> str:
        """A short file-name-safe name: `all`, `query-NAME`, `kind-a-b`, `ego-SLUG-r2`, joined by `-`."""
        parts = []
        if self.query is not None:
            parts.append(f"query-{self.query}")
        elif self.sparql is not None:
            parts.append("query")
        if self.kinds:
            parts.append("kind-" + "-".join(sorted(set(self.kinds))))
        if self.focus is not None:
            parts.append(f"ego-{local_name(self.focus)}-r{self.radius}")
        slug = "-".join(parts) or "all"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", slug)[:120]


def local_name(iri: str) -> str:
    """The last segment of an IRI (`.../id/cnc` -> `cnc`), or the IRI when it has none.

    >>> local_name("https://w3id.org/coopgraph/id/cnc"), local_name("urn:x")
    ('cnc', 'x')
    """
    match = _LOCAL_NAME.search(iri)
    return match.group(0) if match else iri
