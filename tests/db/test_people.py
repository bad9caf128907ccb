"""A launch's rows: one statement on PostgreSQL, four on SQLite, the same result."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models import Context, Deployment, Enrolment, LaunchRecord, Registration, User
from lti_tool.db.people import LaunchRows, write_launch


def _registration(session: Session) -> tuple[int, int]:
    """A registration with one deployment; returns their primary keys."""
    reg = Registration(
        issuer="https://lms.example",
        client_id="c-1",
        auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token",
        key_set_url="https://lms.example/jwks",
    )
    session.add(reg)
    session.flush()
    dep = Deployment(registration_id=reg.id, deployment_id="d-1")
    session.add(dep)
    session.flush()
    return reg.id, dep.id


def _rows(reg: int, dep: int, **changes: object) -> LaunchRows:
    """A learner's launch into course c1, with overrides."""
    now = utcnow()
    values: dict[str, object] = {
        "registration_id": reg,
        "deployment_pk": dep,
        "sub": "u-1",
        "user_fields": {"name": "Lee Learner", "email": "lee@school.example"},
        "context_id": "c1",
        "context_fields": {"deployment_id": dep, "title": "Grade 5 Mathematics"},
        "role": "learner",
        "lti_roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "launch_id": secrets.token_urlsafe(32),
        "message_type": "LtiResourceLinkRequest",
        "claims": {"sub": "u-1"},
        "now": now,
        "expires_at": now + timedelta(hours=1),
    }
    values.update(changes)
    return LaunchRows(**values)  # type: ignore[arg-type]


def test_first_and_later_launches(db_session: Session) -> None:
    """A later launch keeps names it did not send, updates the role, reuses the rows."""
    reg, dep = _registration(db_session)
    user, course = write_launch(db_session, _rows(reg, dep))
    assert user.name == "Lee Learner" and course is not None
    assert course.title == "Grade 5 Mathematics"
    again, course2 = write_launch(
        db_session,
        _rows(reg, dep, user_fields={}, role="instructor", context_fields={"deployment_id": dep}),
    )
    assert (again.id, again.name) == (user.id, "Lee Learner")
    assert course2 is not None and (course2.id, course2.title) == (course.id, course.title)
    db_session.expire_all()
    assert db_session.scalars(select(User)).one().email == "lee@school.example"
    assert db_session.scalars(select(Enrolment)).one().role == "instructor"
    assert db_session.scalars(select(Context)).one().title == "Grade 5 Mathematics"
    launches = db_session.scalars(select(LaunchRecord)).all()
    assert len(launches) == 2 and {x.user_id for x in launches} == {user.id}
    assert {x.context_id for x in launches} == {course.id}


def test_a_launch_without_a_course(db_session: Session) -> None:
    """No context: a user and a launch, no course and no enrolment."""
    reg, dep = _registration(db_session)
    user, course = write_launch(db_session, _rows(reg, dep, context_id=None, context_fields={}))
    assert course is None
    launch = db_session.scalars(select(LaunchRecord)).one()
    assert launch.user_id == user.id and launch.context_id is None
    assert db_session.scalars(select(Enrolment)).all() == []
