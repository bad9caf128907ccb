"""Who is asking: every page after a launch is authorised from the launch it names.

The launch id (`ltik`) travels in the URL, a form field or an Authorization header, never
in a third-party cookie the browser may drop inside the LMS frame. It is 256 random bits,
unguessable, and expires with the launch.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, request, url_for

from lti_tool.app import db_session
from lti_tool.lti.claims import Role
from lti_tool.usecases.launches import LaunchSession, SessionExpired, load_launch

F = TypeVar("F", bound=Callable[..., Any])


class NotAllowed(Exception):
    """The launch's role does not allow this page."""


def _launch_id_from_request() -> str:
    """The launch id from the query, the form or a Bearer header."""
    ltik = request.args.get("ltik") or request.form.get("ltik") or ""
    header = request.headers.get("Authorization", "")
    if not ltik and header.startswith("Bearer "):
        ltik = header.removeprefix("Bearer ").strip()
    return ltik


def current_launch() -> LaunchSession:
    """The launch session of this request; 401 when there is none or it is over."""
    if "launch" not in g:
        try:
            g.launch = load_launch(db_session(), _launch_id_from_request())
        except SessionExpired:
            abort(
                401,
                description="Your session in this tool has ended or the link is incomplete. "
                "Open the tool again from your course.",
            )
    return g.launch  # type: ignore[no-any-return]


def csrf_token(launch: LaunchSession) -> str:
    """A per-launch token every form carries; derived, so nothing more is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf|" + launch.launch_id.encode(), hashlib.sha256).hexdigest()


def check_csrf(launch: LaunchSession) -> None:
    """Refuse a state-changing request whose form does not carry the launch's CSRF token."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent.encode(), csrf_token(launch).encode()):
        abort(400, description="This form has expired. Reload the page and try again.")


def requires(*roles: Role) -> Callable[[F], F]:
    """Decorate a view so only launches with one of `roles` reach it (403 otherwise)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            launch = current_launch()
            if roles and launch.role not in roles:
                abort(403, description="This page is not available to your role in this course.")
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                check_csrf(launch)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def launch_url(endpoint: str, **values: Any) -> str:
    """url_for that keeps the launch id, for every link inside the tool."""
    return url_for(endpoint, ltik=current_launch().launch_id, **values)
