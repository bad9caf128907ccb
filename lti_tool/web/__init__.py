"""Blueprints per audience: LTI endpoints, instructor, learner, admin, CASE API, verify."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint the tool serves."""
    from lti_tool.web import health, home, lti, registration
    from lti_tool.web import records as records_web
    from lti_tool.web import verify as verify_web

    app.register_blueprint(health.bp)
    app.register_blueprint(lti.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(verify_web.bp)
    app.register_blueprint(records_web.bp)
