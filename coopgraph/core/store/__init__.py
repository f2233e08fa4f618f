"""The store: one small interface, embedded Oxigraph behind it.

Callers see only the `Store` protocol, so the remote SPARQL 1.1 engine store
(`SparqlStore`) serves them unchanged: queries return pyoxigraph result
objects, which it builds from the engine's response with
`pyoxigraph.parse_query_results`.

Loading is atomic: every source is parsed first (a file that fails to parse
changes nothing), then everything is written in one transaction.

What is where (import everything from this package):

- `protocol`: the `Store` protocol, `QueryResult`, `Progress`, the errors,
  and `solutions()` (a SELECT result's rows, typed). No implementation.
- `sources`: RDF formats by name and suffix, the XML DOCTYPE/ENTITY guard,
  and `stage_sources()`, which parses files into an in-memory staging
  store: what makes a load all or nothing, for any store that writes it.
- `oxigraph`: `OxigraphStore`, the embedded implementation (on disk or in
  memory), and its fast copy to rdflib.
- `remote`: `SparqlStore`, a SPARQL 1.1 engine over HTTP; it uses
  `engine` (HTTP, credentials, failures as `EngineError`s), `rewrite`
  (bound variables as VALUES, base IRI as BASE) and `paging` (pages that
  keep blank nodes whole).

The imports run one way: remote → (engine, rewrite, paging, oxigraph) → sources → protocol.
"""

from __future__ import annotations

from coopgraph.core.store.oxigraph import OxigraphStore
from coopgraph.core.store.protocol import (
    EngineError,
    EngineTimeout,
    EngineUnavailable,
    LoadError,
    Progress,
    QueryResult,
    Store,
    StoreError,
    local_copy,
    solutions,
)
from coopgraph.core.store.remote import SparqlStore
from coopgraph.core.store.sources import (
    FORMATS,
    SUFFIXES,
    format_for_path,
    rdf_format,
    refuse_xml_declarations,
    stage_sources,
)

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "EngineError",
    "EngineTimeout",
    "EngineUnavailable",
    "LoadError",
    "OxigraphStore",
    "Progress",
    "QueryResult",
    "SparqlStore",
    "Store",
    "StoreError",
    "format_for_path",
    "local_copy",
    "rdf_format",
    "refuse_xml_declarations",
    "solutions",
    "stage_sources",
]
