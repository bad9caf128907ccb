"""The platform side of the LTI 1.3 launch: login initiation, authorization, the id_token.

Spec: https://www.imsglobal.org/spec/security/v1p0/#openid_connect_launch_flow and
https://www.imsglobal.org/spec/lti/v1p3/#required-message-claims.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from lti_tool.platform_sim.store import SimCourse, SimStore, SimTool, SimUser

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
ROLE_URIS = {
    "Instructor": MEMBERSHIP + "Instructor",
    "Learner": MEMBERSHIP + "Learner",
    "TeachingAssistant": MEMBERSHIP + "Instructor#TeachingAssistant",
    "ContentDeveloper": MEMBERSHIP + "ContentDeveloper",
    "Mentor": MEMBERSHIP + "Mentor",
    "Administrator": INSTITUTION + "Administrator",
}
# Marks a claim to be removed from the token (certification "bad payload" launches).
REMOVE = object()


class AuthorizationError(Exception):
    """The authorization request is refused; sent back to the tool as an OIDC error."""

    def __init__(self, error: str, description: str) -> None:
        """Keep the OAuth2 error code and a description."""
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class LoginInitiation:
    """Third-party initiated login: where to send the browser and with which parameters."""

    url: str
    params: dict[str, str]


def begin_launch(
    store: SimStore,
    client_id: str,
    user_id: str,
    course_id: str | None = None,
    *,
    message_type: str = "LtiResourceLinkRequest",
    resource_link_id: str = "resource-link-1",
    deployment_id: str | None = None,
    storage_target: str | None = None,
    claims: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    token_options: dict[str, Any] | None = None,
) -> LoginInitiation:
    """Start a launch as the LMS does when a person clicks the tool's link.

    `claims` overrides or (with REMOVE) deletes claims of the resulting id_token; `header`
    overrides its JOSE header; `token_options` may set `key` (what to sign with), `alg`, or
    `replace_body` (the whole claim set). These let tests build the certification suite's
    malformed launches; the demo LMS never uses them.
    """
    tool = store.tools[client_id]
    deployment = deployment_id or tool.deployment_ids[0]
    hint = secrets.token_urlsafe(16)
    target = tool.deep_link_url if message_type == "LtiDeepLinkingRequest" else tool.launch_url
    store.messages[hint] = {
        "client_id": client_id,
        "user_id": user_id,
        "course_id": course_id,
        "message_type": message_type,
        "resource_link_id": resource_link_id,
        "deployment_id": deployment,
        "target_link_uri": target or tool.launch_url,
        "claims": claims or {},
        "header": header or {},
        "token_options": token_options or {},
        "created": time.time(),
    }
    params = {
        "iss": store.issuer,
        "login_hint": user_id,
        "target_link_uri": target or tool.launch_url,
        "lti_message_hint": hint,
        "client_id": client_id,
        "lti_deployment_id": deployment,
    }
    if storage_target:
        params["lti_storage_target"] = storage_target
    if store.product == "canvas":
        params["canvas_region"] = "not_configured"
        params["canvas_environment"] = "prod"
    return LoginInitiation(url=tool.login_url, params=params)


def authorize(store: SimStore, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Answer an OIDC authorization request with the id_token and state to post to the tool."""
    for name, expected in (
        ("scope", "openid"),
        ("response_type", "id_token"),
        ("response_mode", "form_post"),
        ("prompt", "none"),
    ):
        if params.get(name) != expected:
            raise AuthorizationError("invalid_request", f"{name} must be {expected!r}")
    client_id = params.get("client_id", "")
    tool = store.tools.get(client_id)
    if tool is None or not tool.active:
        raise AuthorizationError(
            "unauthorized_client", f"no active tool with client_id {client_id}"
        )
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in tool.redirect_uris:
        raise AuthorizationError("invalid_request", "redirect_uri is not registered for this tool")
    for name in ("nonce", "state", "login_hint", "lti_message_hint"):
        if not params.get(name):
            raise AuthorizationError("invalid_request", f"{name} is required")
    message = store.messages.pop(params["lti_message_hint"], None)
    if message is None or message["client_id"] != client_id:
        raise AuthorizationError("invalid_request", "unknown or used lti_message_hint")
    if message["user_id"] != params["login_hint"]:
        raise AuthorizationError("login_required", "login_hint does not match the signed-in user")
    token = build_id_token(store, tool, message, params["nonce"])
    return redirect_uri, {"id_token": token, "state": params["state"]}


def _roles(user: SimUser, course: SimCourse | None) -> list[str]:
    """Context roles (full URIs) followed by institution roles."""
    roles = list(course.members.get(user.id, [])) if course else []
    return roles + list(user.institution_roles)


def build_id_token(store: SimStore, tool: SimTool, message: dict[str, Any], nonce: str) -> str:
    """Sign the id_token the LMS posts to the tool, shaped as Canvas or Moodle shapes it."""
    user = store.users[message["user_id"]]
    course = store.courses.get(message["course_id"] or "")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": store.issuer,
        "aud": tool.client_id,
        "azp": tool.client_id,
        "sub": user.id,
        "iat": now,
        "exp": now + 3600,
        "nonce": nonce,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        LTI + "message_type": message["message_type"],
        LTI + "version": "1.3.0",
        LTI + "deployment_id": message["deployment_id"],
        LTI + "target_link_uri": message["target_link_uri"],
        LTI + "roles": _roles(user, course),
        LTI + "tool_platform": {
            "guid": urlsplit(store.base_url).netloc,
            "name": "Demo LMS",
            "product_family_code": store.product,
        },
        LTI + "launch_presentation": {
            "document_target": "iframe",
            "return_url": store.url("/courses/" + (course.id if course else "") + "/return"),
            "locale": "en",
        },
        LTI + "custom": {},
    }
    if message["message_type"] == "LtiResourceLinkRequest":
        link = store.resource_links.get(message["resource_link_id"], {})
        claims[LTI + "resource_link"] = {
            "id": message["resource_link_id"],
            "title": link.get("title") or tool.name,
        }
        if link.get("custom"):
            claims[LTI + "custom"] = dict(link["custom"])
    if course is not None:
        claims[LTI + "context"] = {
            "id": course.id,
            "label": course.label,
            "title": course.title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        }
        claims.update(service_claims(store, tool, course, message))
    if message["message_type"] == "LtiDeepLinkingRequest":
        from lti_tool.platform_sim.deep_linking import settings_claim

        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = (
            settings_claim(store, tool, course, message)
        )
    for name, value in message["claims"].items():
        if value is REMOVE:
            claims.pop(name, None)
        else:
            claims[name] = value
    options = message["token_options"]
    if "replace_body" in options:
        claims = dict(options["replace_body"])
    key = store.keys[0]
    headers = {"kid": key.kid, **message["header"]}
    if headers.get("kid") is None:
        headers.pop("kid")
    alg = options.get("alg", "RS256")
    signing_key = options.get("key", key.private_key) if alg != "none" else None
    return jwt.encode(claims, signing_key, algorithm=alg, headers=headers)


def service_claims(
    store: SimStore, tool: SimTool, course: SimCourse, message: dict[str, Any]
) -> dict[str, Any]:
    """The AGS and NRPS claims for a launch in a course, with the platform's URL quirks."""
    from lti_tool.platform_sim.services import lineitem_url, lineitems_url, memberships_url

    ags: dict[str, Any] = {
        "scope": [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        ],
        "lineitems": lineitems_url(store, course.id, tool.client_id),
    }
    if tool.scopes:
        # Moodle's "grade sync only" leaves out column management (the lineitem scope).
        ags["scope"] = [s for s in ags["scope"] if s in tool.scopes]
    link = store.resource_links.get(message.get("resource_link_id") or "", {})
    item = store.lineitems.get(link.get("lineitem_id") or "")
    if message["message_type"] == "LtiResourceLinkRequest" and item is not None:
        ags["lineitem"] = lineitem_url(store, item)
    return {
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags,
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": memberships_url(store, course.id, tool.client_id),
            "service_versions": ["2.0"],
        },
    }
