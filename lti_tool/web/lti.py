"""The LTI endpoints: OIDC login, launch, the tool's JWKS.

Spec: https://www.imsglobal.org/spec/security/v1p0/#openid_connect_launch_flow;
cookies and the postMessage storage: https://www.imsglobal.org/spec/lti-cs-oidc/v0p1.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from lti_tool.app import cache, db_session
from lti_tool.lti.keys import ensure_key, published_jwks
from lti_tool.lti.launch import LaunchError, LaunchSettings, peek_state
from lti_tool.lti.state import derive_key as derive_state_key
from lti_tool.usecases.launches import complete_launch, start_login
from lti_tool.web.errors import error_response

bp = Blueprint("lti", __name__)
STATE_COOKIE = "lti1p3-state-"


def launch_settings() -> LaunchSettings:
    """The launch settings of the running app."""
    cfg = current_app.config
    return LaunchSettings(
        base_url=cfg["BASE_URL"],
        leeway=cfg["CLOCK_LEEWAY_SECONDS"],
        max_token_age=cfg["MAX_TOKEN_AGE_SECONDS"],
        state_ttl=cfg["LAUNCH_STATE_TTL_SECONDS"],
        state_key=derive_state_key(cfg["SECRET_KEY"]),
    )


def _params() -> dict[str, str]:
    """Query and form parameters as plain strings (the first value of each)."""
    return {k: v for k, v in request.values.items() if isinstance(v, str)}


@bp.route("/lti/login", methods=["GET", "POST"])
def login() -> Any:
    """OIDC third-party initiated login: mint state and nonce, then go to the platform."""
    try:
        result = start_login(
            db_session(),
            launch_settings(),
            _params(),
            current_app.extensions["platforms"],
        )
    except LaunchError as exc:
        return _refusal(exc)
    if result.storage_target:
        reg_origin = _origin(result.auth_url)
        resp = Response(
            render_template(
                "lti_login_storage.html",
                result=result,
                target=result.storage_target,
                platform_origin=reg_origin,
                login_url=current_app.config["BASE_URL"] + "/lti/login",
            )
        )
    else:
        resp = Response(
            render_template(
                "lti_login_cookie.html",
                result=result,
                login_url=current_app.config["BASE_URL"] + "/lti/login",
            )
        )
    # Set the cookie in both cases: where the browser keeps it, it is the simplest proof.
    # Inside an LMS frame it is a third-party cookie, which must be SameSite=None; Secure.
    # A plain-http demo (same site as its built-in LMS) gets a Lax cookie browsers accept.
    secure = current_app.config["BASE_URL"].startswith("https://")
    resp.set_cookie(
        STATE_COOKIE + result.state[:24],
        result.state,
        max_age=current_app.config["LAUNCH_STATE_TTL_SECONDS"],
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
        path="/lti/",
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/lti/launch")
def launch() -> Any:
    """The launch: check everything, record the launch, open the page for the person's role."""
    form = {k: v for k, v in request.form.items() if isinstance(v, str)}
    state = form.get("state", "")
    browser_state = request.cookies.get(STATE_COOKIE + state[:24]) or form.get("platform_state")
    if browser_state is None and state and not form.get("error") and not form.get("storage_failed"):
        record = peek_state(launch_settings(), state)
        if record is not None and record.storage == "platform":
            # The browser may have blocked our cookie: ask the platform's storage for the state.
            return render_template(
                "lti_launch_storage.html",
                form=form,
                target=record.storage_target or "_parent",
                platform_origin=record.platform_origin or "*",
            )
    session = db_session()
    try:
        launched = complete_launch(
            session,
            cache(),
            current_app.extensions["platform_keys"],
            launch_settings(),
            form,
            browser_state,
            current_app.config["LAUNCH_DATA_TTL_SECONDS"],
            current_app.extensions["platforms"],
        )
        session.commit()
    except LaunchError as exc:
        session.rollback()
        return _refusal(exc)
    resp = redirect(_landing_url(launched.launch_id, launched.message_type))
    secure = current_app.config["BASE_URL"].startswith("https://")
    resp.delete_cookie(
        STATE_COOKIE + state[:24],
        path="/lti/",
        secure=secure,
        samesite="None" if secure else "Lax",
    )
    return resp


@bp.get("/.well-known/jwks.json")
def jwks() -> Any:
    """The tool's public keys: the signing key and retired keys still in their overlap."""
    session = db_session()
    ensure_key(session, current_app.extensions["secretbox"])
    session.commit()
    resp = jsonify(published_jwks(session))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


def _landing_url(launch_id: str, message_type: str) -> str:
    """Where a launch lands: the person's home in the tool, which routes by role and message."""
    if message_type == "LtiDeepLinkingRequest":
        return "/lti/deep_link?" + urlencode({"ltik": launch_id})
    return "/home?" + urlencode({"ltik": launch_id})


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _refusal(exc: LaunchError) -> Response:
    """A refused login or launch: back to the LMS with lti_errormsg, or a 4xx page."""
    if exc.return_url:
        sep = "&" if "?" in exc.return_url else "?"
        text = exc.message + (" " + exc.hint if exc.hint else "")
        return redirect(exc.return_url + sep + urlencode({"lti_errormsg": text}))  # type: ignore[return-value]
    return error_response(exc.status, "The tool could not be opened", exc.message, hint=exc.hint)
