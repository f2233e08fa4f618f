"""SHACL validation of coopgraph graphs against `shapes/`, with the ontology merged in.

Why the ontology is merged: the shapes target classes and check `sh:class`
through `rdfs:subClassOf` (a `cg:Network` is an `org:Organization`), and SHACL
reads subclass links from the data graph only. Nothing is inferred beyond
that (`inference="none"`); `advanced=True` turns on the SHACL-AF SPARQL
targets and SPARQL constraints the shapes use. `owl:imports` are never
followed: nothing here fetches a URL.

Severity: `sh:Violation` shapes are contract rules and make a graph
non-conforming; `sh:Warning` shapes are reported but, with the default
`allow_warnings=True`, do not (shapes/README.md says which shapes warn, and why).

Entry points:

- `validate_graph(data)`: the whole graph; the time grows with the graph.
- `validate_store(store)`: anything with `to_rdflib()`, e.g. `coopgraph.core.store.OxigraphStore`.
- `validate_files(paths)`: local files, as a submission to the shipped data.
- `validate_submission(data, context=...)`: only the submitted resources, in a
  small graph holding them and the one-hop context they reference. Checking a
  change this way stays fast on a large store, where pyshacl with
  `focus_nodes` over the whole graph does not (see DESIGN.md, "The store").

`coopgraph validate [FILES…]` is the command line (coopgraph/cli/data.py).

What is where (import everything from this package; the modules are its parts):

- `run`: the four entry points above: which graph each one validates.
- `shacl`: running pyshacl (one validation at a time: rdflib's SPARQL parser
  is not thread-safe) on a graph that parses each SPARQL text once, with the
  shipped shapes set up once per process (`prepared_shapes`), and reading
  pyshacl's results graph into a `Report`.
- `report`: `Violation` and `Report`, and their text (es/en) and JSON.
- `shapes`: the shapes, the ontology and the shipped data as rdflib graphs,
  parsed once per process.

The import order runs one way: run → shacl → report, shapes.
"""

from __future__ import annotations

from coopgraph.core.validation.report import PREFIXES, SEVERITIES, Report, Violation
from coopgraph.core.validation.run import (
    ONTOLOGY_IRI,
    validate_files,
    validate_graph,
    validate_store,
    validate_submission,
)
from coopgraph.core.validation.shapes import load_ontology, load_shapes, load_shipped_data, shapes_dir
from coopgraph.core.vocab import CGSH as SHAPES_NS
from coopgraph.core.vocab import LANGS

__all__ = [
    "LANGS",
    "ONTOLOGY_IRI",
    "PREFIXES",
    "SEVERITIES",
    "SHAPES_NS",
    "Report",
    "Violation",
    "load_ontology",
    "load_shapes",
    "load_shipped_data",
    "shapes_dir",
    "validate_files",
    "validate_graph",
    "validate_store",
    "validate_submission",
]
