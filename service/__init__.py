"""coopgraph's web service (Flask app factory and blueprints); built on `graph`."""
