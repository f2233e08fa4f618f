"""The knowledge-graph core: store, loading, validation, queries, projection, exports, matching.

No web framework here: the same core serves the command line (coopgraph.cli),
the service (coopgraph.web), notebooks and tests.
"""
