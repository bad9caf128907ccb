"""Deep Linking responses: the signed LtiDeepLinkingResponse the tool returns to the platform.

Spec: https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-response-message (§4.4) and
§3.4 (an ltiResourceLink with a `lineItem`). The certification suite checks: kid in the tool's
JWKS, iss = client_id, aud = the platform, nonce, deployment_id, message type, version, and
`data` echoed exactly. Canvas's assignment_selection takes exactly one ltiResourceLink; a
platform that says `accept_lineitem: false` gets no lineItem (the teacher is told).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from lti_tool.lti import claims as c
from lti_tool.lti.keys import SigningKey

RESPONSE_LIFETIME = 600


class DeepLinkingError(Exception):
    """The deep-linking request cannot be answered as asked; the message says why."""


@dataclass(frozen=True)
class ResourceLinkItem:
    """An ltiResourceLink to place in the course, with its gradebook column when graded."""

    title: str
    url: str
    text: str | None = None
    score_maximum: float | None = None
    label: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    custom: dict[str, str] | None = None

    def to_claim(self, with_line_item: bool) -> dict[str, Any]:
        """The content item as the response message carries it."""
        item: dict[str, Any] = {"type": "ltiResourceLink", "title": self.title, "url": self.url}
        if self.text:
            item["text"] = self.text
        if self.custom:
            item["custom"] = dict(self.custom)
        if with_line_item and self.score_maximum is not None:
            line: dict[str, Any] = {
                "scoreMaximum": self.score_maximum,
                "label": self.label or self.title,
            }
            if self.resource_id:
                line["resourceId"] = self.resource_id
            if self.tag:
                line["tag"] = self.tag
            item["lineItem"] = line
        return item


@dataclass(frozen=True)
class DeepLinkingSettings:
    """What the platform's request allows, read from its deep_linking_settings claim."""

    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    accept_lineitem: bool
    data: str | None
    title: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> DeepLinkingSettings:
        """Read the settings of a validated LtiDeepLinkingRequest."""
        if claims.get(c.MESSAGE_TYPE) != c.MessageType.DEEP_LINKING:
            raise DeepLinkingError("This launch is not a deep-linking request.")
        raw = claims.get(c.DL_SETTINGS)
        if not isinstance(raw, dict):
            raise DeepLinkingError("The deep-linking request carries no deep_linking_settings.")
        url = raw.get("deep_link_return_url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise DeepLinkingError("The deep-linking request has no usable return URL.")
        types = raw.get("accept_types")
        data = raw.get("data")
        return cls(
            return_url=url,
            accept_types=tuple(t for t in types if isinstance(t, str))
            if isinstance(types, list)
            else (),
            accept_multiple=raw.get("accept_multiple") is not False,
            # Spec §4.4.1: absent means the platform does not say; treat as accepted.
            accept_lineitem=raw.get("accept_lineitem") is not False,
            data=data if isinstance(data, str) else None,
            title=raw.get("title") if isinstance(raw.get("title"), str) else None,
        )


@dataclass(frozen=True)
class DeepLinkingResponse:
    """The signed response and where the browser must post it (as the `JWT` form field)."""

    return_url: str
    jwt: str
    line_item_dropped: bool = False


def build_response(
    claims: dict[str, Any],
    client_id: str,
    key: SigningKey,
    items: list[ResourceLinkItem],
    *,
    message: str | None = None,
    now: float | None = None,
) -> DeepLinkingResponse:
    """Sign the LtiDeepLinkingResponse for a validated request's claims."""
    settings = DeepLinkingSettings.from_claims(claims)
    if items and "ltiResourceLink" not in settings.accept_types:
        raise DeepLinkingError("The platform does not accept LTI links from this placement.")
    if len(items) > 1 and not settings.accept_multiple:
        raise DeepLinkingError("The platform accepts a single item from this placement.")
    issued = int(time.time() if now is None else now)
    body: dict[str, Any] = {
        "iss": client_id,
        "aud": [claims["iss"]],
        "azp": client_id,
        "iat": issued,
        "exp": issued + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(24),
        c.DEPLOYMENT_ID: claims[c.DEPLOYMENT_ID],
        c.MESSAGE_TYPE: c.MessageType.DEEP_LINKING_RESPONSE.value,
        c.VERSION: c.LTI_VERSION,
        c.DL_CONTENT_ITEMS: [item.to_claim(settings.accept_lineitem) for item in items],
    }
    if settings.data is not None:
        body[c.DL_DATA] = settings.data
    if message:
        body[c.DL_MSG] = message
    token = jwt.encode(body, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    dropped = not settings.accept_lineitem and any(i.score_maximum is not None for i in items)
    return DeepLinkingResponse(settings.return_url, token, dropped)
