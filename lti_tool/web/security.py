"""Security headers on every response: a Content-Security-Policy for the pages, and more.

The tool's pages live in the LMS's iframe, so framing is limited to the registered platforms
(frame-ancestors) instead of being forbidden; scripts come from the tool's own files (or carry
the response's nonce), never from inline text an attacker could inject.
Spec: https://www.w3.org/TR/CSP3/, https://www.w3.org/TR/referrer-policy/.
"""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, Response, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.app import db_session
from lti_tool.usecases.framing import launch_origin, platform_origins

log = logging.getLogger(__name__)


def csp_nonce() -> str:
    """This response's script nonce, for the rare script that must be inline."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce  # type: ignore[no-any-return]


class FrameOrigins:
    """The platforms' origins, read from the database at most once per `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        """Start empty."""
        self._ttl = ttl
        self._expires = 0.0
        self._origins: list[str] = []

    def get(self) -> list[str]:
        """The cached origins, refreshed when stale; on a database error, the last known."""
        now = time.monotonic()
        if now >= self._expires:
            try:
                self._origins = platform_origins(db_session())
            except SQLAlchemyError:
                log.warning("could not read the platforms' origins for frame-ancestors")
            self._expires = now + max(self._ttl, 1)
        return self._origins

    def forget(self) -> None:
        """Read afresh on the next response (after an admin changes a registration)."""
        self._expires = 0.0


def content_security_policy(frame_ancestors: list[str], nonce: str | None) -> str:
    """The policy for a tool page."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    http_frames = " ".join(o for o in frame_ancestors if o.startswith("http://"))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Inline style attributes stay allowed: they cannot run code, and pages use them.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            # Deep-linking responses and returns post to the LMS, wherever it is hosted.
            f"form-action 'self' https: {http_frames}".rstrip(),
            "frame-ancestors " + " ".join(["'self'", *frame_ancestors]),
        ]
    )


def _add_headers(resp: Response) -> Response:
    """Set the headers; pages get the policy, with the origins allowed to frame them."""
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Launch ids travel in URLs: never hand them to another site in a Referer.
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    if resp.mimetype == "text/html" and "Content-Security-Policy" not in resp.headers:
        ancestors = list(current_app.extensions["frame_origins"].get())
        ancestors += current_app.config["FRAME_ANCESTORS"].split()
        launch = g.get("launch")
        if launch is not None:
            origin = launch_origin(launch.claims)
            if origin and origin not in ancestors:
                ancestors.append(origin)
        resp.headers["Content-Security-Policy"] = content_security_policy(
            ancestors, g.get("csp_nonce")
        )
    return resp


def register_security_headers(app: Flask) -> None:
    """Install the headers and the `csp_nonce()` template function on an app."""
    app.extensions["frame_origins"] = FrameOrigins(ttl=app.config["REGISTRATION_CACHE_SECONDS"])
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)
