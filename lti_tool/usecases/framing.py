"""Who may frame the tool: the origins of the platforms an administrator has let launch it.

The tool runs inside the LMS page, so it cannot forbid framing (X-Frame-Options: DENY); it
lists the LMS origins in the Content-Security-Policy's frame-ancestors instead, so no other
site can frame a tool page to trick a teacher into clicking (clickjacking).
Spec: https://www.w3.org/TR/CSP3/#directive-frame-ancestors
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import Registration
from lti_tool.lti import claims as c

# Hosted Canvas shares one issuer and one login host for every school, and frames tools from
# each school's own subdomain, which no registration names.
CANVAS_CLOUD = (
    "canvas.instructure.com",
    "canvas.beta.instructure.com",
    "canvas.test.instructure.com",
)
CANVAS_CLOUD_FRAMES = "https://*.instructure.com"


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an absolute http(s) URL, or None."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def platform_origins(session: Session) -> list[str]:
    """Origins of every active registration's issuer and login URL (and Canvas's schools)."""
    origins: set[str] = set()
    rows = session.execute(
        select(Registration.issuer, Registration.auth_login_url, Registration.product).where(
            Registration.status == "active"
        )
    )
    for issuer, login_url, product in rows:
        for url in (issuer, login_url):
            origin = origin_of(url)
            if origin:
                origins.add(origin)
        host = urlsplit(issuer).hostname or ""
        if host in CANVAS_CLOUD or (product == "canvas" and host.endswith(".instructure.com")):
            origins.add(CANVAS_CLOUD_FRAMES)
    return sorted(origins)


def launch_origin(claims: dict[str, object]) -> str | None:
    """The origin a verified launch says it came from (its return URL), e.g. a Canvas school."""
    presentation = claims.get(c.LAUNCH_PRESENTATION)
    if isinstance(presentation, dict):
        return origin_of(presentation.get("return_url"))
    return None
