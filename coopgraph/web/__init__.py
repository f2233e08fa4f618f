"""coopgraph's web service (Flask app factory and blueprints); built on `graph`."""

from coopgraph.web.app import create_app

__all__ = ["create_app"]
