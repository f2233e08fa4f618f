"""The web service: the Flask app factory, one blueprint per feature, the pre-forked server; built on coopgraph.core."""

from coopgraph.web.app import create_app

__all__ = ["create_app"]
