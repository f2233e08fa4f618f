"""The web service: the Flask app factory (app.py), one blueprint per feature, the pre-forked server; built on coopgraph.core."""
