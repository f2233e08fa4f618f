"""The changes of the SPARQL 1.1 Graph Store HTTP Protocol: read a body, then replace, merge or drop a graph.

A body is read by pyoxigraph in the format its media type names (one of
the formats `coopgraph load` reads), after the same refusals as a file:
RDF/XML with a DOCTYPE or ENTITY, XML or JSON nested too deeply. JSON-LD
is read by pyoxigraph, which never fetches a remote context. A body may not
name graphs (the request's `graph` parameter does), and its blank nodes get
fresh identifiers, so two bodies never share one by accident.
"""

from __future__ import annotations

import pyoxigraph as ox

from coopgraph.core.store.protocol import LoadError
from coopgraph.core.store.sources import FORMATS, refuse_deep_json, refuse_xml_declarations
from coopgraph.core.writes.delta import Delta, change

Target = ox.NamedNode | ox.DefaultGraph
MEDIA_TYPES = tuple(fmt.media_type for fmt in FORMATS.values())
"""The media types a body may have (one per format `coopgraph load` reads)."""


class BodyError(ValueError):
    """A body that cannot be read: `status` 415 (its media type) or 400 (its content)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def body_format(media_type: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if fmt is None or fmt not in FORMATS.values():
        got = media_type[:100] or "no Content-Type"
        raise BodyError(415, f"send RDF as one of {', '.join(MEDIA_TYPES)}; got {got}")
    return fmt


def read_body(data: bytes, media_type: str, target: Target, *, base_iri: str | None = None) -> list[ox.Quad]:
    """The body's triples, placed in `target` (BodyError when they cannot be read)."""
    fmt = body_format(media_type)
    try:
        if fmt == ox.RdfFormat.RDF_XML:
            refuse_xml_declarations(data)
        elif fmt == ox.RdfFormat.JSON_LD:
            refuse_deep_json(data)
        parsed = ox.parse(data, format=fmt, base_iri=base_iri, without_named_graphs=True, rename_blank_nodes=True)
        return [ox.Quad(quad.subject, quad.predicate, quad.object, target) for quad in parsed]
    except LoadError as error:
        raise BodyError(400, str(error)) from None
    except SyntaxError as error:
        raise BodyError(400, f"the {fmt.name} body does not parse: {error}") from None
    except (ValueError, MemoryError) as error:
        raise BodyError(400, f"the {fmt.name} body cannot be read: {error}") from None


def graph_quads(store: ox.Store, target: Target) -> list[ox.Quad]:
    return list(store.quads_for_pattern(None, None, None, target))


def replace_graph(store: ox.Store, target: Target, quads: list[ox.Quad]) -> Delta:
    """PUT: the graph becomes exactly `quads`."""
    new = set(quads)
    return change(store, remove=[quad for quad in graph_quads(store, target) if quad not in new], add=quads)


def merge_graph(store: ox.Store, target: Target, quads: list[ox.Quad]) -> Delta:
    """POST: `quads` are added to the graph."""
    return change(store, add=quads)


def drop_graph(store: ox.Store, target: Target) -> Delta:
    """DELETE: the graph's quads are removed."""
    return change(store, remove=graph_quads(store, target))
