"""coopgraph: a cited knowledge graph of decentralised international cooperation, with SPARQL, matching and exports.

Three sub-packages, dependencies pointing one way (`web` and `cli` use `core`;
`core` imports neither):

- `coopgraph.core`: the store, loading, validation, stored queries, the
  projection to a property graph and its exports, partner matching;
- `coopgraph.web`: the Flask service (`create_app`) and the server `coopgraph serve` runs;
- `coopgraph.cli`: the `coopgraph` command line.
"""

__version__ = "0.1.0"
