"""Logins and launches: validate through `lti`, then record who is who and open a launch session.

Users, courses and enrolments are upserted per registration (a `sub` is only unique within
one). Every later request is authorised from the launch record, never from a cookie.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.cache import Cache
from lti_tool.db.models import Context, Enrolment, LaunchRecord, Registration, User
from lti_tool.lti import claims as c
from lti_tool.lti.launch import (
    LaunchSettings,
    LoginResult,
    ValidatedLaunch,
    begin_login,
    validate_launch,
)
from lti_tool.lti.platform_keys import PlatformKeySets

T = TypeVar("T")


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
    session: Session, cache: Cache, settings: LaunchSettings, params: dict[str, str]
) -> LoginResult:
    """Begin the OIDC login for a platform's initiation request."""
    return begin_login(session, cache, settings, params)


def complete_launch(
    session: Session,
    cache: Cache,
    keys: PlatformKeySets,
    settings: LaunchSettings,
    form: dict[str, str],
    browser_state: str | None,
    lifetime_seconds: int,
) -> LaunchSession:
    """Validate a launch, upsert the person, course and enrolment, and open a launch session."""
    launch = validate_launch(session, cache, keys, settings, form, browser_state)
    return record_launch(session, launch, lifetime_seconds)


def record_launch(
    session: Session, launch: ValidatedLaunch, lifetime_seconds: int
) -> LaunchSession:
    """Persist what a validated launch says about people and courses."""
    claims = launch.claims
    now = utcnow()
    lti_roles = [r for r in claims.get(c.ROLES, []) if isinstance(r, str)]
    role = c.tool_role(lti_roles)
    user = _upsert_user(session, launch.registration_id, claims)
    user.last_launch_at = now
    context = None
    ctx_claim = claims.get(c.CONTEXT)
    if isinstance(ctx_claim, dict):
        context = _upsert_context(session, launch, ctx_claim)
        _upsert_enrolment(session, user, context, role, lti_roles)
    record = LaunchRecord(
        id=secrets.token_urlsafe(32),
        registration_id=launch.registration_id,
        deployment_id=launch.deployment_pk,
        user_id=user.id,
        context_id=context.id if context else None,
        message_type=launch.message_type,
        role=role.value,
        claims=claims,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    session.add(record)
    session.flush()
    return _session_of(record, user, context)


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
        user_name=user.name or " ".join(p for p in (user.given_name, user.family_name) if p),
        context_pk=context.id if context else None,
        course_title=(context.title or context.label) if context else "",
        role=c.Role(record.role),
        message_type=record.message_type,
        claims=record.claims,
    )


def _get_or_create(session: Session, find: Callable[[], T | None], create: Callable[[], T]) -> T:
    """Find a row, or insert it; when a concurrent launch inserted it first, find it again."""
    row = find()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = create()
            session.add(row)
    except IntegrityError:
        row = find()
        assert row is not None
    return row


def _text(value: Any, limit: int = 255) -> str:
    """A claim as bounded text (claims are untrusted in shape)."""
    return value[:limit] if isinstance(value, str) else ""


def _upsert_user(session: Session, registration_id: int, claims: dict[str, Any]) -> User:
    """The user for (registration, sub), with the PII the platform chose to share."""
    sub = claims["sub"]
    user = _get_or_create(
        session,
        lambda: session.scalars(
            select(User).where(User.registration_id == registration_id, User.sub == sub)
        ).first(),
        lambda: User(registration_id=registration_id, sub=sub),
    )
    # Only overwrite what the platform sent: a no-PII launch must not erase known names.
    for attr in ("name", "given_name", "family_name", "email"):
        if attr in claims and isinstance(claims[attr], str) and claims[attr]:
            setattr(user, attr, _text(claims[attr], 320 if attr == "email" else 255))
    return user


def _upsert_context(session: Session, launch: ValidatedLaunch, ctx: dict[str, Any]) -> Context:
    """The course for (registration, context id), with its service endpoints."""
    context_id = ctx["id"]
    reg_id = launch.registration_id
    context = _get_or_create(
        session,
        lambda: session.scalars(
            select(Context).where(
                Context.registration_id == reg_id, Context.context_id == context_id
            )
        ).first(),
        lambda: Context(registration_id=reg_id, context_id=context_id),
    )
    context.deployment_id = launch.deployment_pk
    if ctx.get("title"):
        context.title = _text(ctx["title"], 2000)
    if ctx.get("label"):
        context.label = _text(ctx["label"])
    ags = launch.claims.get(c.AGS_ENDPOINT)
    if isinstance(ags, dict) and isinstance(ags.get("lineitems"), str):
        context.lineitems_url = ags["lineitems"]
        context.ags_scopes = [s for s in ags.get("scope", []) if isinstance(s, str)]
    nrps = launch.claims.get(c.NRPS_SERVICE)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        context.memberships_url = nrps["context_memberships_url"]
    return context


def _upsert_enrolment(
    session: Session, user: User, context: Context, role: c.Role, lti_roles: list[str]
) -> Enrolment:
    """The user's role in the course, as this launch says."""
    enrolment = _get_or_create(
        session,
        lambda: session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.context_id == context.id
            )
        ).first(),
        lambda: Enrolment(user_id=user.id, context_id=context.id, role=role.value),
    )
    enrolment.role = role.value
    enrolment.lti_roles = lti_roles[:50]
    return enrolment


def registration_origins(session: Session) -> list[str]:
    """Origins of every active platform's login URL: who may frame the tool."""
    from urllib.parse import urlsplit

    origins = set()
    for url in session.scalars(
        select(Registration.auth_login_url).where(Registration.status == "active")
    ):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)
