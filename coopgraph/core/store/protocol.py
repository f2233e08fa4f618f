"""What callers may ask of a store (`Store`), what it answers (`QueryResult`), and its errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Progress = Callable[[Path, int], None]
"""Called after each source is parsed, with its path and its number of triples."""


class StoreError(Exception):
    """A store operation failed."""


class LoadError(StoreError):
    """A source could not be loaded; the store is unchanged.

    Carries the file and, for syntax errors, the 1-based line and column.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.message, self.file, self.line, self.column = message, file, line, column
        where = ":".join(str(part) for part in (file, line, column) if part is not None)
        super().__init__(f"{where}: {message}" if where else message)


class EngineError(StoreError):
    """A remote engine failed or refused a request; `engine` names it, `status` is its HTTP status if it answered.

    Never carries credentials. A service answers 502 for this class itself, 400 when `status` is a 4xx other than
    401/403 (the request was refused), and the subclasses' own codes.
    """

    def __init__(self, message: str, *, engine: str, status: int | None = None) -> None:
        self.engine, self.status = engine, status
        super().__init__(f"{engine} {message}")


class EngineUnavailable(EngineError):
    """The engine could not be reached, or said it is unavailable (a service answers 503)."""


class EngineTimeout(EngineError):
    """The engine did not answer in time (a service answers 504)."""


def solutions(result: QueryResult) -> ox.QuerySolutions:
    """The rows of a SELECT query's result; TypeError for an ASK or CONSTRUCT result.

    For code that runs a SELECT query of its own and reads its rows.
    """
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected the solutions of a SELECT query, not {type(result).__name__}")
    return result


def local_copy(store: Store) -> ox.Store:
    """A fresh pyoxigraph store holding every graph of `store`, for code written against pyoxigraph's own API
    (the register) when the data is on an engine. Blank nodes keep the labels the dump gives them."""
    copy = ox.Store()
    copy.load(store.dump(format="nquads"), format=ox.RdfFormat.N_QUADS)
    return copy


@runtime_checkable
class Store(Protocol):
    """What callers may ask of a store (embedded, in memory or, later, remote)."""

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; with no dataset given the default graph is the union of all graphs.

        `substitutions` binds variables to terms (never by formatting values
        into the query); a remote store turns them into a VALUES block.
        `base_iri` resolves the query's relative IRIs (the protocol's request IRI).
        """
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update, all or nothing."""
        ...

    def load(
        self,
        sources: Iterable[str | os.PathLike[str]],
        *,
        graph: str,
        replace: bool = False,
        format: str | None = None,
        progress: Progress | None = None,
        bulk: bool = False,
    ) -> int:
        """Parse all sources, then add them to `graph` in one transaction; return the triples loaded.

        `replace` empties the graph first (same transaction); `bulk` allows a
        faster, non-transactional write for very large loads.
        """
        ...

    def replace_graphs(
        self, sources: Mapping[str, Iterable[str | os.PathLike[str]]], *, progress: Progress | None = None
    ) -> dict[str, int]:
        """Replace several graphs' content with their sources in one transaction; return triples per graph."""
        ...

    def graphs(self) -> list[str]:
        """The named graphs, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Quads in the whole store, or triples in one named graph."""
        ...

    def dump(self, *, graph: str | None = None, format: str) -> bytes:
        """Serialise one graph, or the whole store in a dataset format."""
        ...

    def clear(self) -> None:
        """Remove everything."""
        ...

    @property
    def generation(self) -> int:
        """Counts the writes made through this object: derived views (indexes, caches) compare it to know they are stale."""
        ...

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """An rdflib copy of the union of `graphs` (default: every graph), for pyshacl and networkx."""
        ...

    def close(self) -> None:
        """Release the store (the on-disk lock); the object is unusable afterwards."""
        ...
