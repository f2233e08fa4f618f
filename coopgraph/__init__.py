"""coopgraph's knowledge-graph core: store, loading, results and synthetic data.

No Flask here: the same core serves the CLI, the service, notebooks and tests.
"""

__version__ = "0.1.0"
