"""`/lti/register` (LTI Dynamic Registration) and `/lti/config/canvas.json`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from lti_tool.app import db_session
from lti_tool.lti.registration import DynamicRegistrationError, canvas_developer_key
from lti_tool.usecases import registration
from lti_tool.web.errors import error_response

bp = Blueprint("registration", __name__)


def _http_options() -> dict[str, Any]:
    """What both steps need from the app."""
    cfg = current_app.config
    return {
        "http": current_app.extensions["http"],
        "allow_http": cfg["ALLOW_HTTP_PLATFORMS"],
        "timeout": cfg["HTTP_TIMEOUT_SECONDS"],
    }


@bp.get("/lti/register")
def start() -> Any:
    """The LMS opens this with openid_configuration and registration_token: ask to confirm."""
    session = db_session()
    try:
        offer = registration.begin(
            session,
            openid_configuration=request.args.get("openid_configuration", ""),
            registration_token=request.args.get("registration_token") or None,
            **_http_options(),
        )
    except DynamicRegistrationError as exc:
        return error_response(400, "Registration could not start", str(exc))
    session.commit()
    return render_template("register_confirm.html", offer=offer)


@bp.post("/lti/register")
def finish() -> Any:
    """Register with the platform, then tell the LMS to close the registration window."""
    session = db_session()
    try:
        reg = registration.complete(
            session,
            base_url=current_app.config["BASE_URL"],
            token=request.form.get("token", ""),
            **_http_options(),
        )
    except DynamicRegistrationError as exc:
        session.rollback()
        return error_response(400, "Registration failed", str(exc))
    session.commit()
    return render_template("register_done.html", reg=reg)


@bp.get("/lti/config/canvas.json")
def canvas_json() -> Any:
    """The Canvas developer key JSON for this installation."""
    return jsonify(canvas_developer_key(current_app.config["BASE_URL"]))
