"""Liveness: `/healthz` answers while the process serves requests."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness probe: `{"status": "ok"}`."""
    return jsonify({"status": "ok"})
