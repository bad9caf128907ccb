"""The platform side of LTI Dynamic Registration, as Canvas and Moodle implement it.

Spec: https://www.imsglobal.org/spec/lti-dr/v1p0. Moodle's rules (research: moodle.md):
`response_types` has `id_token`, `token_endpoint_auth_method` is `private_key_jwt`, and the
tool configuration's `domain` equals the host:port of its `target_link_uri`.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, jsonify, render_template, request

from lti_tool.platform_sim.store import SimStore, SimTool
from lti_tool.platform_sim.web import endpoints, store

bp = Blueprint("sim_registration", __name__, template_folder="templates")
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SUPPORTED_SCOPES = [
    "openid",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
CONFIG_PATHS = {
    "canvas": "/api/lti/security/openid-configuration",
    "moodle": "/mod/lti/openid-configuration.php",
    "generic": "/.well-known/openid-configuration",
}
REGISTER_PATHS = {
    "canvas": "/api/lti/registrations",
    "moodle": "/mod/lti/openid-registration.php",
    "generic": "/register",
}


def new_registration_token(sim: SimStore) -> str:
    """A one-hour token for one registration, as the LMS admin's form creates it."""
    token = secrets.token_urlsafe(24)
    sim.registration_tokens[token] = time.time() + 3600
    return token


def registration_url(sim: SimStore, tool_registration_url: str) -> str:
    """The URL the LMS opens: the tool's registration URL with the configuration and a token."""
    query = {
        "openid_configuration": sim.url(CONFIG_PATHS[sim.product]),
        "registration_token": new_registration_token(sim),
    }
    sep = "&" if "?" in tool_registration_url else "?"
    return tool_registration_url + sep + urlencode(query)


def _check_token(sim: SimStore) -> str:
    """The bearer registration token, or 401."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip()
    expires = sim.registration_tokens.get(token)
    if not token or expires is None or expires < time.time():
        abort(401)
    return token


def openid_configuration(sim: SimStore) -> dict[str, Any]:
    """The platform's openid-configuration document."""
    urls = endpoints(sim)
    return {
        "issuer": sim.issuer,
        "authorization_endpoint": urls["auth"],
        "token_endpoint": urls["token"],
        "jwks_uri": urls["jwks"],
        "registration_endpoint": sim.url(REGISTER_PATHS[sim.product]),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        PLATFORM_CONFIGURATION: {
            "product_family_code": sim.product,
            "version": "demo",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }


@bp.get("/api/lti/security/openid-configuration")
@bp.get("/mod/lti/openid-configuration.php")
@bp.get("/.well-known/openid-configuration")
def configuration() -> Any:
    """Serve the configuration to a tool holding a registration token."""
    sim = store()
    _check_token(sim)
    return jsonify(openid_configuration(sim))


def _refuse(message: str) -> Any:
    """A registration refusal in the OAuth2 dynamic registration error shape."""
    return jsonify(error="invalid_client_metadata", error_description=message), 400


@bp.post("/api/lti/registrations")
@bp.post("/mod/lti/openid-registration.php")
@bp.post("/register")
def register() -> Any:
    """Create the tool from its registration request; the token is used up."""
    sim = store()
    token = _check_token(sim)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refuse("the body must be a JSON object")
    if "id_token" not in (body.get("response_types") or []):
        return _refuse("response_types must contain id_token")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        return _refuse("token_endpoint_auth_method must be private_key_jwt")
    conf = body.get(TOOL_CONFIGURATION)
    if not isinstance(conf, dict):
        return _refuse(f"{TOOL_CONFIGURATION} is required")
    target = conf.get("target_link_uri") or ""
    if sim.product == "moodle" and conf.get("domain") != urlsplit(target).netloc:
        return _refuse("domain must equal the host:port of target_link_uri")
    for field in ("initiate_login_uri", "jwks_uri"):
        if not isinstance(body.get(field), str):
            return _refuse(f"{field} is required")
    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        return _refuse("redirect_uris is required")
    deep_link = next(
        (
            m.get("target_link_uri") or target
            for m in conf.get("messages", [])
            if isinstance(m, dict) and m.get("type") == "LtiDeepLinkingRequest"
        ),
        None,
    )
    requested = str(body.get("scope", "")).split()
    with sim.lock:
        client_id = (
            str(10000000000000 + len(sim.tools) + 1)
            if sim.product == "canvas"
            else secrets.token_urlsafe(10)
        )
        deployment_id = (
            str(len(sim.tools) + 1)
            if sim.product == "moodle"
            else f"{len(sim.tools) + 1}:{secrets.token_hex(8)}"
        )
        sim.tools[client_id] = SimTool(
            client_id=client_id,
            deployment_ids=[deployment_id],
            login_url=body["initiate_login_uri"],
            launch_url=target,
            redirect_uris=[u for u in redirect_uris if isinstance(u, str)],
            name=str(body.get("client_name") or "Tool"),
            jwks_url=body["jwks_uri"],
            deep_link_url=deep_link,
            scopes=[s for s in requested if s in SUPPORTED_SCOPES],
            # Moodle registers new tools as Pending until its admin activates them.
            active=sim.product != "moodle",
        )
        del sim.registration_tokens[token]
        sim.save()
    answer = dict(body)
    answer["client_id"] = client_id
    answer["scope"] = " ".join(sim.tools[client_id].scopes)
    answer[TOOL_CONFIGURATION] = {**conf, "deployment_id": deployment_id}
    return jsonify(answer), 201


@bp.route("/admin/tools", methods=["GET", "POST"])
def admin_tools() -> Any:
    """The LMS admin's page: paste a tool's registration URL to register it, or activate tools."""
    sim = store()
    frame_url = None
    if request.method == "POST":
        if request.form.get("activate"):
            tool = sim.tools.get(request.form["activate"]) or abort(404)
            tool.active = True
            sim.save()
        elif request.form.get("url", "").startswith(("http://", "https://")):
            frame_url = registration_url(sim, request.form["url"])
    return render_template("sim_admin_tools.html", sim=sim, frame_url=frame_url)
