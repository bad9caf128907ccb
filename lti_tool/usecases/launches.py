"""Logins and launches: validate through `lti`, then record who is who and open a launch session.

Users, courses and enrolments are upserted per registration (a `sub` is only unique within
one). Every later request is authorised from the launch record, never from a cookie.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.cache import Cache
from lti_tool.db.models import Context, LaunchRecord, User
from lti_tool.db.people import LaunchRows, write_launch
from lti_tool.lti import claims as c
from lti_tool.lti.directory import PlatformDirectory
from lti_tool.lti.launch import (
    LaunchSettings,
    LoginResult,
    ValidatedLaunch,
    begin_login,
    validate_launch,
)
from lti_tool.lti.platform_keys import PlatformKeySets


class SessionExpired(Exception):
    """The launch a request names is unknown or over."""


@dataclass(frozen=True)
class LaunchSession:
    """Who is asking, in which course, with which role: what every page is authorised from."""

    launch_id: str
    registration_id: int
    user_id: int
    user_name: str
    context_pk: int | None
    course_title: str
    role: c.Role
    message_type: str
    claims: dict[str, Any]

    @property
    def is_instructor(self) -> bool:
        """Instructors and administrators may teach."""
        return self.role in (c.Role.INSTRUCTOR, c.Role.ADMINISTRATOR)


def start_login(
    session: Session,
    settings: LaunchSettings,
    params: dict[str, str],
    directory: PlatformDirectory | None = None,
) -> LoginResult:
    """Begin the OIDC login for a platform's initiation request (it writes nothing)."""
    return begin_login(session, settings, params, directory=directory)


def complete_launch(
    session: Session,
    cache: Cache,
    keys: PlatformKeySets,
    settings: LaunchSettings,
    form: dict[str, str],
    browser_state: str | None,
    lifetime_seconds: int,
    directory: PlatformDirectory | None = None,
) -> LaunchSession:
    """Validate a launch, upsert the person, course and enrolment, and open a launch session."""
    launch = validate_launch(
        session, cache, keys, settings, form, browser_state, directory=directory
    )
    return record_launch(session, launch, lifetime_seconds)


def record_launch(
    session: Session, launch: ValidatedLaunch, lifetime_seconds: int
) -> LaunchSession:
    """Persist what a validated launch says about people and courses (db.people.write_launch)."""
    claims = launch.claims
    now = utcnow()
    lti_roles = [r for r in claims.get(c.ROLES, []) if isinstance(r, str)]
    role = c.tool_role(lti_roles)
    ctx_claim = claims.get(c.CONTEXT)
    has_context = isinstance(ctx_claim, dict)
    launch_id = secrets.token_urlsafe(32)
    user, context = write_launch(
        session,
        LaunchRows(
            registration_id=launch.registration_id,
            deployment_pk=launch.deployment_pk,
            sub=claims["sub"],
            user_fields=_user_fields(claims),
            context_id=ctx_claim["id"] if has_context else None,
            context_fields=_context_fields(launch, ctx_claim) if has_context else {},
            role=role.value,
            lti_roles=lti_roles[:50],
            launch_id=launch_id,
            message_type=launch.message_type,
            claims=claims,
            now=now,
            expires_at=now + timedelta(seconds=lifetime_seconds),
        ),
    )
    return LaunchSession(
        launch_id=launch_id,
        registration_id=launch.registration_id,
        user_id=user.id,
        user_name=_display_name(user.name, user.given_name, user.family_name),
        context_pk=context.id if context else None,
        course_title=(context.title or context.label) if context else "",
        role=role,
        message_type=launch.message_type,
        claims=claims,
    )


def _user_fields(claims: dict[str, Any]) -> dict[str, str]:
    """The PII the platform chose to share; a no-PII launch must not erase known names."""
    return {
        attr: _text(claims[attr], 320 if attr == "email" else 255)
        for attr in ("name", "given_name", "family_name", "email")
        if isinstance(claims.get(attr), str) and claims[attr]
    }


def _context_fields(launch: ValidatedLaunch, ctx: dict[str, Any]) -> dict[str, Any]:
    """What the launch says of the course and its service endpoints (only what it sent)."""
    fields: dict[str, Any] = {"deployment_id": launch.deployment_pk}
    if ctx.get("title"):
        fields["title"] = _text(ctx["title"], 2000)
    if ctx.get("label"):
        fields["label"] = _text(ctx["label"])
    ags = launch.claims.get(c.AGS_ENDPOINT)
    if isinstance(ags, dict) and isinstance(ags.get("lineitems"), str):
        fields["lineitems_url"] = ags["lineitems"]
        scopes = ags.get("scope")
        fields["ags_scopes"] = (
            [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
        )
    nrps = launch.claims.get(c.NRPS_SERVICE)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        fields["memberships_url"] = nrps["context_memberships_url"]
    return fields


def _display_name(name: str, given: str, family: str) -> str:
    """The name to show: the full name, or the parts the platform shared."""
    return name or " ".join(p for p in (given, family) if p)


def load_launch(session: Session, launch_id: str) -> LaunchSession:
    """The launch session a request names, or SessionExpired."""
    if not launch_id or len(launch_id) > 64:
        raise SessionExpired("no launch")
    record = session.get(LaunchRecord, launch_id)
    if record is None or record.expires_at <= utcnow():
        raise SessionExpired("launch expired")
    user = session.get(User, record.user_id)
    context = session.get(Context, record.context_id) if record.context_id else None
    assert user is not None
    return _session_of(record, user, context)


def _session_of(record: LaunchRecord, user: User, context: Context | None) -> LaunchSession:
    """Build the frozen launch session from rows."""
    return LaunchSession(
        launch_id=record.id,
        registration_id=record.registration_id,
        user_id=user.id,
        user_name=_display_name(user.name, user.given_name, user.family_name),
        context_pk=context.id if context else None,
        course_title=(context.title or context.label) if context else "",
        role=c.Role(record.role),
        message_type=record.message_type,
        claims=record.claims,
    )


def _text(value: Any, limit: int = 255) -> str:
    """A claim as bounded text (claims are untrusted in shape)."""
    return value[:limit] if isinstance(value, str) else ""
