"""The `coopgraph` command line (`coopgraph.cli.main:main`): one click group, commands grouped by topic."""
