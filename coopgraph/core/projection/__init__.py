"""RDF -> property graph: a `networkx.MultiDiGraph` of the selected resources, for every export.

Node id = the resource IRI. What becomes a node, an edge or an attribute is
decided by the tables in `coopgraph.core.projection.rules` (documented in the
README, section Exports). A `Selection` picks the part of the graph to
project: the whole graph, some kinds of node, the ego network of a focus IRI
at a radius, the resources of a stored (or ad-hoc) query's result, in any
combination (query, then kinds, then the ego network). Labels are in Spanish
or English, falling back to the other language, then to the IRI's local name.

    >>> from coopgraph.core.store import OxigraphStore
    >>> from coopgraph.core.loading import ensure_loaded
    >>> store = OxigraphStore.in_memory(); _ = ensure_loaded(store)
    >>> regions4 = "https://w3id.org/coopgraph/id/regions4"
    >>> net = project(store, Selection(focus=regions4, radius=1, kinds=("network", "city")), lang="en")
    >>> net.nodes[regions4]["label"], sorted(net.nodes[n]["label"] for n in net.successors(regions4))
    ('Regions4', ['Johannesburg'])

What is where (import the API from this package; `rules` is the one module
meant to be edited, and is imported by name):

- `rules`: the tables: which classes are kinds of node (and each kind's
  colour), which properties edges, links and literal attributes. Data only.
- `palette`: a kind's colour, as every drawing uses it (page, SVG, GEXF).
- `selection`: `Selection` and its checks (no store needed), `KIND_KEYS`,
  `MAX_RADIUS`, and the errors a projection raises.
- `schema`: `Schema`, the rules bound to one store and language (each
  resource's kind, the labels), the language fallbacks (`pick_language`),
  `actor_kinds`, `relation_for`.
- `through`: the two-hop relations (`Relation.via`: a register record's
  organisations through its participations) and the stand-in nodes of the
  organisations only the registers name; for the whole store (`read_hops`)
  or one resource's side panel (`hops_of`).
- `candidates`: which nodes a selection keeps (query result, kinds,
  linked-only nodes, ego network) and why a focus is refused.
- `build`: `project()`, and the builder that reads each node's triples once
  (the exports' hot path).

The imports run one way: build → candidates → through → schema → selection → rules (palette → rules).
"""

from __future__ import annotations

from coopgraph.core.projection.build import project
from coopgraph.core.projection.candidates import stored_query
from coopgraph.core.projection.palette import KIND_COLOURS, OTHER_COLOUR, kind_colour, rgb, text_colour
from coopgraph.core.projection.schema import Schema, actor_kinds, pick_language, relation_for
from coopgraph.core.projection.selection import (
    KIND_KEYS,
    MAX_RADIUS,
    ProjectionError,
    Selection,
    SelectionError,
    SelectionTooLarge,
    UnknownResource,
    local_name,
)

__all__ = [
    "KIND_COLOURS",
    "KIND_KEYS",
    "MAX_RADIUS",
    "OTHER_COLOUR",
    "ProjectionError",
    "Schema",
    "Selection",
    "SelectionError",
    "SelectionTooLarge",
    "UnknownResource",
    "actor_kinds",
    "kind_colour",
    "local_name",
    "pick_language",
    "project",
    "relation_for",
    "rgb",
    "stored_query",
    "text_colour",
]
