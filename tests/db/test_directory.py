"""Registrations kept briefly in each worker: active ones only, for the configured time."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from lti_tool.db.models import Deployment, Registration
from lti_tool.lti.directory import PlatformDirectory


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def add_registration(session: Session, status: str = "active") -> Registration:
    """A registration with one active and one switched-off deployment."""
    reg = Registration(
        issuer="https://lms.example",
        client_id="c-1",
        name="LMS",
        auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token",
        key_set_url="https://lms.example/jwks",
        status=status,
    )
    session.add(reg)
    session.flush()
    session.add_all(
        [
            Deployment(registration_id=reg.id, deployment_id="d-on"),
            Deployment(registration_id=reg.id, deployment_id="d-off", active=False),
        ]
    )
    session.flush()
    return reg


def count_statements(session: Session) -> list[str]:
    """Collect the SQL statements the session's connection runs from now on."""
    seen: list[str] = []
    event.listen(
        session.connection(),
        "before_cursor_execute",
        lambda *args: seen.append(args[2]),
    )
    return seen


def test_an_active_registration_is_read_once_within_the_ttl(db_session: Session) -> None:
    """Lookups by client and by id within the ttl run no SQL; after it, SQL again."""
    reg = add_registration(db_session)
    clock = Clock()
    directory = PlatformDirectory(ttl=10, clock=clock)
    first = directory.by_client(db_session, "https://lms.example", "c-1")
    assert first is not None and first.active
    assert dict(first.deployments) == {"d-on": first.deployments["d-on"]}
    seen = count_statements(db_session)
    assert directory.by_client(db_session, "https://lms.example", "c-1") == first
    assert directory.by_id(db_session, reg.id) == first
    assert seen == []
    clock.now += 11
    assert directory.by_id(db_session, reg.id) is not None
    assert seen, "after the ttl the registration is read again"


def test_pending_registrations_are_never_kept(db_session: Session) -> None:
    """An admin's approval works on the very next login: pending rows are not cached."""
    reg = add_registration(db_session, status="pending")
    directory = PlatformDirectory(ttl=10, clock=Clock())
    assert directory.by_id(db_session, reg.id).status == "pending"
    reg.status = "active"
    db_session.flush()
    assert directory.by_id(db_session, reg.id).active


def test_a_newly_allowed_deployment_is_found_at_once(db_session: Session) -> None:
    """A deployment missing from the kept snapshot is looked up afresh; a switched-off one fails."""
    reg = add_registration(db_session)
    directory = PlatformDirectory(ttl=10, clock=Clock())
    info = directory.by_id(db_session, reg.id)
    db_session.add(Deployment(registration_id=reg.id, deployment_id="d-new"))
    db_session.flush()
    info, pk = directory.deployment_pk(db_session, info, "d-new")
    assert pk is not None and "d-new" in info.deployments
    assert directory.deployment_pk(db_session, info, "d-off")[1] is None
    assert directory.deployment_pk(db_session, info, "d-unknown")[1] is None


def test_ttl_zero_reads_every_time(db_session: Session) -> None:
    """With the cache off, a disabled registration is seen as disabled at once."""
    reg = add_registration(db_session)
    directory = PlatformDirectory(ttl=0, clock=Clock())
    assert directory.by_id(db_session, reg.id).active
    reg.status = "disabled"
    db_session.flush()
    assert not directory.by_id(db_session, reg.id).active
