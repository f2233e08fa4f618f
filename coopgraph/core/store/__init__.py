"""The store: one small interface, embedded Oxigraph behind it.

Callers see only the `Store` protocol, so a remote SPARQL 1.1 endpoint store
(SPARQLWrapper with query and update URLs) can be added later without
touching them: queries return pyoxigraph result objects, which a remote store
builds from the endpoint's response with `pyoxigraph.parse_query_results`.

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

The imports run one way: oxigraph → sources → protocol.
"""

from __future__ import annotations

from coopgraph.core.store.oxigraph import OxigraphStore
from coopgraph.core.store.protocol import LoadError, Progress, QueryResult, Store, StoreError, solutions
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
    "LoadError",
    "OxigraphStore",
    "Progress",
    "QueryResult",
    "Store",
    "StoreError",
    "format_for_path",
    "rdf_format",
    "refuse_xml_declarations",
    "solutions",
    "stage_sources",
]
