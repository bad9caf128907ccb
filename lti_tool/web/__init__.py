"""Blueprints per audience: LTI endpoints, instructor, learner, admin, CASE API, verify."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint the tool serves."""
    from lti_tool.web import (
        case_admin,
        case_api,
        classroom,
        deep_linking,
        health,
        home,
        instructor,
        learner,
        learner_records,
        lti,
        registration,
    )
    from lti_tool.web import records as records_web
    from lti_tool.web import verify as verify_web

    app.register_blueprint(health.bp)
    app.register_blueprint(lti.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(learner.bp)
    app.register_blueprint(classroom.bp)
    app.register_blueprint(case_api.bp)
    app.register_blueprint(case_api.token_bp)
    app.register_blueprint(case_admin.bp)
    app.register_blueprint(deep_linking.bp)
    app.register_blueprint(verify_web.bp)
    app.register_blueprint(learner_records.bp)
    app.register_blueprint(records_web.bp)
