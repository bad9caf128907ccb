"""LTI Dynamic Registration (tool side) and the Canvas developer key JSON.

Spec: https://www.imsglobal.org/spec/lti-dr/v1p0 (openid-configuration, registration request
and response); Canvas: https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html and
https://canvas.instructure.com/doc/api/file.registration.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from lti_tool.lti import claims as c

TOOL_NAME = "Competencies"
TOOL_DESCRIPTION = (
    "Competency-based learning: align assignments to competencies, see each learner's mastery "
    "and what comes next, and export verifiable learner records."
)
MAX_CONFIG_BYTES = 512 * 1024


class DynamicRegistrationError(Exception):
    """The platform's configuration or registration answer cannot be used."""


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool needs from a platform's openid-configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product: str
    audience: str | None
    raw: dict[str, Any]


def _url(config: dict[str, Any], field: str, allow_http: bool) -> str:
    """A required absolute URL from the configuration, naming the field when it is wrong."""
    value = config.get(field)
    schemes = ("https", "http") if allow_http else ("https",)
    if (
        not isinstance(value, str)
        or urlsplit(value).scheme not in schemes
        or not urlsplit(value).netloc
    ):
        raise DynamicRegistrationError(
            f"The platform's configuration has no usable {field} (an absolute https URL)."
        )
    return value


def fetch_platform_configuration(
    http: requests.Session, url: str, token: str | None, allow_http: bool, timeout: float
) -> PlatformConfiguration:
    """GET and check the platform's openid-configuration.

    Spec: https://www.imsglobal.org/spec/lti-dr/v1p0#platform-configuration
    """
    schemes = ("https", "http") if allow_http else ("https",)
    if urlsplit(url).scheme not in schemes or not urlsplit(url).netloc:
        raise DynamicRegistrationError("The openid_configuration parameter is not an https URL.")
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        resp = http.get(url, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise DynamicRegistrationError(
            f"The tool could not reach the platform's configuration at {url}: {type(exc).__name__}."
        ) from None
    if resp.status_code != 200 or len(resp.content) > MAX_CONFIG_BYTES:
        raise DynamicRegistrationError(
            f"The platform's configuration at {url} answered HTTP {resp.status_code}."
        )
    try:
        config = resp.json()
    except ValueError:
        raise DynamicRegistrationError("The platform's configuration is not JSON.") from None
    return parse_platform_configuration(config, allow_http)


def parse_platform_configuration(config: object, allow_http: bool) -> PlatformConfiguration:
    """Check a platform's openid-configuration document and keep what the tool needs."""
    if not isinstance(config, dict):
        raise DynamicRegistrationError("The platform's configuration is not a JSON object.")
    issuer = _url(config, "issuer", allow_http)
    platform = config.get(c.PLATFORM_CONFIGURATION) or {}
    if not isinstance(platform, dict):
        platform = {}
    family = str(platform.get("product_family_code") or "").lower()
    product = family if family in ("canvas", "moodle") else "generic"
    audience = config.get("authorization_server")
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=_url(config, "authorization_endpoint", allow_http),
        token_endpoint=_url(config, "token_endpoint", allow_http),
        jwks_uri=_url(config, "jwks_uri", allow_http),
        registration_endpoint=_url(config, "registration_endpoint", allow_http),
        product=product,
        audience=audience if isinstance(audience, str) and audience else None,
        raw=config,
    )


def tool_registration_request(base_url: str, platform: PlatformConfiguration) -> dict[str, Any]:
    """The tool's client registration, with the LTI tool configuration.

    Spec: https://www.imsglobal.org/spec/lti-dr/v1p0#tool-configuration
    """
    host = urlsplit(base_url).netloc
    launch = base_url + "/lti/launch"
    messages: list[dict[str, Any]] = [
        {
            "type": c.MessageType.RESOURCE_LINK.value,
            "target_link_uri": launch,
            "label": TOOL_NAME,
            "placements": ["course_navigation"],
        },
        {
            "type": c.MessageType.DEEP_LINKING.value,
            "target_link_uri": launch,
            "label": "Competency-aligned assignment",
            "placements": ["assignment_selection", "link_selection", "ContentArea"],
        },
    ]
    tool_config: dict[str, Any] = {
        "domain": host,
        "description": TOOL_DESCRIPTION,
        "target_link_uri": launch,
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
        "messages": messages,
    }
    if platform.product == "canvas":
        # Canvas defaults to anonymous; the teacher's dashboard needs names.
        tool_config[c.CANVAS_PRIVACY_LEVEL] = "public"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base_url + "/lti/login",
        "redirect_uris": [launch],
        "client_name": TOOL_NAME,
        "jwks_uri": base_url + "/.well-known/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(c.TOOL_SCOPES),
        c.TOOL_CONFIGURATION: tool_config,
    }


@dataclass(frozen=True)
class RegistrationAnswer:
    """The platform's answer: the client_id it gave the tool and, if any, a deployment."""

    client_id: str
    deployment_id: str | None
    raw: dict[str, Any]


def post_registration(
    http: requests.Session,
    platform: PlatformConfiguration,
    body: dict[str, Any],
    token: str | None,
    timeout: float,
) -> RegistrationAnswer:
    """POST the registration to the platform and read the client_id it assigns."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        resp = http.post(
            platform.registration_endpoint, json=body, headers=headers, timeout=timeout
        )
    except requests.RequestException as exc:
        raise DynamicRegistrationError(
            f"The tool could not reach the platform's registration endpoint: {type(exc).__name__}."
        ) from None
    if resp.status_code not in (200, 201):
        detail = (
            resp.text[:300]
            if resp.headers.get("Content-Type", "").startswith("application/json")
            else ""
        )
        raise DynamicRegistrationError(
            f"The platform refused the registration (HTTP {resp.status_code}). {detail}".strip()
        )
    try:
        answer = resp.json()
    except ValueError:
        raise DynamicRegistrationError("The platform's registration answer is not JSON.") from None
    client_id = answer.get("client_id") if isinstance(answer, dict) else None
    if not isinstance(client_id, str) or not client_id:
        raise DynamicRegistrationError("The platform's registration answer has no client_id.")
    tool_conf = answer.get(c.TOOL_CONFIGURATION) or {}
    deployment_id = tool_conf.get("deployment_id") if isinstance(tool_conf, dict) else None
    return RegistrationAnswer(
        client_id=client_id,
        deployment_id=str(deployment_id) if deployment_id else None,
        raw=answer,
    )


def canvas_developer_key(base_url: str) -> dict[str, Any]:
    """The JSON to paste into Canvas's "LTI Key" form (Developer Keys → + LTI Key → Paste JSON).

    Spec: https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html
    """
    launch = base_url + "/lti/launch"
    placements = [
        {
            "placement": "course_navigation",
            "message_type": c.MessageType.RESOURCE_LINK.value,
            "target_link_uri": launch,
            "text": TOOL_NAME,
            "enabled": True,
            "default": "enabled",
        },
        {
            "placement": "assignment_selection",
            "message_type": c.MessageType.DEEP_LINKING.value,
            "target_link_uri": launch,
            "text": "Competency-aligned assignment",
            "enabled": True,
            "selection_width": 800,
            "selection_height": 600,
        },
        {
            "placement": "link_selection",
            "message_type": c.MessageType.DEEP_LINKING.value,
            "target_link_uri": launch,
            "text": "Competency-aligned assignment",
            "enabled": True,
            "selection_width": 800,
            "selection_height": 600,
        },
    ]
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": base_url + "/lti/login",
        "target_link_uri": launch,
        "public_jwk_url": base_url + "/.well-known/jwks.json",
        "scopes": list(c.TOOL_SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urlsplit(base_url).hostname,
                "tool_id": "competencies",
                "privacy_level": "public",
                "settings": {"text": TOOL_NAME, "placements": placements},
            }
        ],
        "custom_fields": {
            "canvas_user_id": "$Canvas.user.id",
            "canvas_course_id": "$Canvas.course.id",
        },
    }
