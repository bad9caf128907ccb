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

from sqlalchemy import Connection, Table, bindparam, insert
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


# Built statements by (dialect, table, inserted columns, updated columns): building an upsert
# costs as much as running it, and a launch only ever needs a handful of shapes.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Any] = {}


def _upsert(
    conn: Connection,
    table: Table,
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    updates: tuple[str, ...],
    returning: tuple[str, ...] = (),
) -> Any:
    """INSERT (columns) ON CONFLICT (keys) DO UPDATE SET (updates from the proposed row)."""
    cache_key = (conn.dialect.name, table.name, columns, updates)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif conn.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            raise ValueError(f"the tool supports SQLite and PostgreSQL, not {conn.dialect.name}")
        ins = dialect_insert(table).values({name: bindparam(name) for name in columns})
        stmt = ins.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={name: ins.excluded[name] for name in updates},
        )
        if returning:
            stmt = stmt.returning(*(table.c[name] for name in returning))
        _STATEMENTS[cache_key] = stmt
    return stmt


def upsert_user(
    session: Session, registration_id: int, sub: str, fields: dict[str, str], now: datetime
) -> UserRow:
    """Insert or update the user (registration, sub); only the `fields` given are overwritten."""
    conn = session.connection()
    values = {"registration_id": registration_id, "sub": sub, "last_launch_at": now, **fields}
    updates = ("last_launch_at", *fields)
    stmt = _upsert(
        conn,
        _USER,
        ("registration_id", "sub"),
        (*values, "created_at"),
        updates,
        ("id", "name", "given_name", "family_name"),
    )
    row = conn.execute(stmt, {**values, "created_at": now}).one()
    return UserRow(row.id, row.name, row.given_name, row.family_name)


def upsert_context(
    session: Session, registration_id: int, context_id: str, fields: dict[str, Any], now: datetime
) -> ContextRow:
    """Insert or update the course (registration, context id); only `fields` are overwritten."""
    conn = session.connection()
    values = {"registration_id": registration_id, "context_id": context_id, **fields}
    stmt = _upsert(
        conn,
        _CONTEXT,
        ("registration_id", "context_id"),
        (*values, "created_at"),
        tuple(fields),
        ("id", "title", "label"),
    )
    row = conn.execute(stmt, {**values, "created_at": now}).one()
    return ContextRow(row.id, row.title, row.label)


def upsert_enrolment(
    session: Session, user_id: int, context_id: int, role: str, lti_roles: list[str], now: datetime
) -> None:
    """Insert or update the user's role in the course."""
    conn = session.connection()
    values = {
        "user_id": user_id,
        "context_id": context_id,
        "role": role,
        "lti_roles": lti_roles,
        "updated_at": now,
    }
    stmt = _upsert(
        conn,
        _ENROLMENT,
        ("user_id", "context_id"),
        tuple(values),
        ("role", "lti_roles", "updated_at"),
    )
    conn.execute(stmt, values)


_INSERT_LAUNCH = insert(LaunchRecord.__table__)


def insert_launch(session: Session, **values: Any) -> None:
    """Insert a launch record (its id is fresh randomness, so it never conflicts)."""
    session.connection().execute(_INSERT_LAUNCH, values)


_USER: Table = User.__table__  # type: ignore[assignment]
_CONTEXT: Table = Context.__table__  # type: ignore[assignment]
_ENROLMENT: Table = Enrolment.__table__  # type: ignore[assignment]
