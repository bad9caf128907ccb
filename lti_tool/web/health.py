"""`/healthz`: is the process up and can it reach its database and cache."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """Answer 200 with the state of each dependency, or 503 when one is down."""
    checks = {"database": "ok", "cache": "ok"}
    try:
        with current_app.extensions["db_engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        checks["database"] = "unreachable"
    try:
        current_app.extensions["cache"].get("healthz")
    except Exception:  # noqa: BLE001 - any failure of the cache backend means "down"
        checks["cache"] = "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503
