"""The simulated LMS's web endpoints: a small demo LMS page, OIDC authorization, its JWKS."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request

from lti_tool.platform_sim.oidc import AuthorizationError, authorize, begin_launch
from lti_tool.platform_sim.store import SimStore

bp = Blueprint("sim", __name__, template_folder="templates")

# Each product's real paths, so that URLs look as they do in Canvas and Moodle.
PATHS = {
    "canvas": {
        "auth": "/api/lti/authorize_redirect",
        "jwks": "/api/lti/security/jwks",
        "token": "/login/oauth2/token",
    },
    "moodle": {
        "auth": "/mod/lti/auth.php",
        "jwks": "/mod/lti/certs.php",
        "token": "/mod/lti/token.php",
    },
    "generic": {"auth": "/auth", "jwks": "/jwks", "token": "/token"},
}


def store() -> SimStore:
    """The platform's store."""
    return current_app.extensions["sim_store"]  # type: ignore[no-any-return]


def endpoints(sim: SimStore) -> dict[str, str]:
    """Absolute URLs of the platform's OIDC, key set and token endpoints."""
    return {name: sim.url(path) for name, path in PATHS[sim.product].items()}


@bp.get("/")
def home() -> str:
    """The demo LMS: courses, people, and a button to open the tool as each person."""
    sim = store()
    return render_template("sim_home.html", sim=sim, tool=next(iter(sim.tools.values()), None))


@bp.get("/courses/<course_id>")
def course(course_id: str) -> str:
    """A course page with the tool in an iframe, launched as the chosen person."""
    sim = store()
    course = sim.courses.get(course_id) or abort(404)
    user_id = request.args.get("as", "")
    if user_id and user_id not in course.members:
        abort(404)
    tool = next(iter(sim.tools.values()), None)
    # What the frame opens: the course's tool link, one of its assignments, or (for a
    # teacher) the tool's deep-linking picker that adds a competency-aligned assignment.
    frame: dict[str, str] = {"course": course.id, "user": user_id}
    if request.args.get("dl"):
        frame["message"] = "deep_link"
    elif request.args.get("resource") in sim.resource_links:
        frame["resource"] = request.args["resource"]
    links = [rl for rl in sim.resource_links.values() if rl["course_id"] == course.id]
    return render_template(
        "sim_course.html",
        sim=sim,
        course=course,
        user_id=user_id,
        tool=tool,
        frame=frame,
        links=links,
        teaches=any(r.endswith("#Instructor") for r in course.members.get(user_id, [])),
    )


@bp.get("/launch")
def launch() -> str:
    """Start the OIDC flow: an auto-submitting form that posts the login initiation to the tool."""
    sim = store()
    client_id = request.args.get("client_id") or next(iter(sim.tools), "")
    user_id = request.args.get("user", "")
    course_id = request.args.get("course") or None
    if client_id not in sim.tools or user_id not in sim.users:
        abort(404)
    if course_id is not None and course_id not in sim.courses:
        abort(404)
    message_type = (
        "LtiDeepLinkingRequest"
        if request.args.get("message") == "deep_link"
        else "LtiResourceLinkRequest"
    )
    storage = "_parent" if sim.product == "canvas" and request.args.get("frame") else None
    init = begin_launch(
        sim,
        client_id,
        user_id,
        course_id,
        message_type=message_type,
        resource_link_id=request.args.get("resource", f"{course_id or 'home'}-competencies"),
        storage_target=storage,
    )
    return render_template("sim_autopost.html", action=init.url, fields=init.params)


@bp.route("/auth", methods=["GET", "POST"])
@bp.route("/api/lti/authorize_redirect", methods=["GET", "POST"])
@bp.route("/mod/lti/auth.php", methods=["GET", "POST"])
def auth() -> Any:
    """OIDC authorization endpoint: answer with a form_post of id_token and state."""
    params = {k: v for k, v in (request.values.items())}
    try:
        redirect_uri, fields = authorize(store(), params)
    except AuthorizationError as exc:
        target = params.get("redirect_uri", "")
        tool = store().tools.get(params.get("client_id", ""))
        if tool is None or target not in tool.redirect_uris:
            # Never redirect to an unregistered URI: show the error here instead.
            return jsonify(error=exc.error, error_description=exc.description), 400
        fields = {"error": exc.error, "error_description": exc.description}
        if params.get("state"):
            fields["state"] = params["state"]
        return render_template("sim_autopost.html", action=target, fields=fields)
    return render_template("sim_autopost.html", action=redirect_uri, fields=fields)


@bp.get("/jwks")
@bp.get("/api/lti/security/jwks")
@bp.get("/mod/lti/certs.php")
def jwks() -> Any:
    """The platform's public keys."""
    sim = store()
    sim.jwks_requests += 1
    return jsonify(sim.jwks())


def create_sim_app(sim: SimStore) -> Flask:
    """A Flask app serving the simulated platform from `sim`."""
    app = Flask(__name__)
    app.extensions["sim_store"] = sim
    app.register_blueprint(bp)
    from lti_tool.platform_sim.registration import bp as registration_bp

    app.register_blueprint(registration_bp)
    from lti_tool.platform_sim.deep_linking import bp as deep_linking_bp
    from lti_tool.platform_sim.gradebook import bp as gradebook_bp
    from lti_tool.platform_sim.services import bp as services_bp

    app.register_blueprint(services_bp)
    app.register_blueprint(deep_linking_bp)
    app.register_blueprint(gradebook_bp)

    @app.before_request
    def _latency() -> None:
        # The latency knob: every request waits, as a distant LMS would make it.
        delay = app.extensions["sim_store"].latency_ms
        if delay:
            time.sleep(delay / 1000)

    return app
