"""Who is who, written at launch: users, courses and enrolments, one upsert statement each.

A launch used to read each row, then insert or update it (with a savepoint against a
concurrent insert): up to nine statements. An INSERT ... ON CONFLICT DO UPDATE ... RETURNING
does each in one atomic statement on SQLite and PostgreSQL, so concurrent first launches of
the same person cannot collide, and the launch's transaction stays short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from lti_tool.db.models import Context, Enrolment, LaunchRecord, User


@dataclass(frozen=True)
class UserRow:
    """The user's id and the names the tool shows."""

    id: int
    name: str
    given_name: str
    family_name: str


@dataclass(frozen=True)
class ContextRow:
    """The course's id and the names the tool shows."""

    id: int
    title: str
    label: str


def _upsert(session: Session) -> Any:
    """The INSERT with ON CONFLICT of the session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise ValueError(f"the tool supports SQLite and PostgreSQL, not {name}")


def upsert_user(
    session: Session, registration_id: int, sub: str, fields: dict[str, str], now: datetime
) -> UserRow:
    """Insert or update the user (registration, sub); only the `fields` given are overwritten."""
    table = User.__table__
    stmt = _upsert(session)(table).values(
        registration_id=registration_id, sub=sub, last_launch_at=now, created_at=now, **fields
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.registration_id, table.c.sub],
        set_={"last_launch_at": now, **fields},
    ).returning(table.c.id, table.c.name, table.c.given_name, table.c.family_name)
    row = session.execute(stmt).one()
    return UserRow(row.id, row.name, row.given_name, row.family_name)


def upsert_context(
    session: Session, registration_id: int, context_id: str, fields: dict[str, Any], now: datetime
) -> ContextRow:
    """Insert or update the course (registration, context id); only `fields` are overwritten."""
    table = Context.__table__
    stmt = _upsert(session)(table).values(
        registration_id=registration_id, context_id=context_id, created_at=now, **fields
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.registration_id, table.c.context_id], set_=fields
    ).returning(table.c.id, table.c.title, table.c.label)
    row = session.execute(stmt).one()
    return ContextRow(row.id, row.title, row.label)


def upsert_enrolment(
    session: Session, user_id: int, context_id: int, role: str, lti_roles: list[str], now: datetime
) -> None:
    """Insert or update the user's role in the course."""
    table = Enrolment.__table__
    values = {"role": role, "lti_roles": lti_roles, "updated_at": now}
    stmt = _upsert(session)(table).values(user_id=user_id, context_id=context_id, **values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.context_id], set_=values
        )
    )


def insert_launch(session: Session, **values: Any) -> None:
    """Insert a launch record (its id is fresh randomness, so it never conflicts)."""
    session.execute(insert(LaunchRecord.__table__).values(**values))
