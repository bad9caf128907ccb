"""Blueprints per audience: LTI endpoints, instructor, learner, admin, CASE API, verify."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint the tool serves."""
    from lti_tool.web import health, home, lti, registration

    app.register_blueprint(health.bp)
    app.register_blueprint(lti.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(registration.bp)
    from lti_tool.web import case_api

    app.register_blueprint(case_api.bp)
    app.register_blueprint(case_api.token_bp)
    from lti_tool.web import case_admin

    app.register_blueprint(case_admin.bp)
