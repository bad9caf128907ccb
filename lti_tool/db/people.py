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
from lti_tool.db.session import dialect_insert


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
        ins = dialect_insert(conn.dialect.name)(table).values(
            {name: bindparam(name) for name in columns}
        )
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


@dataclass(frozen=True)
class LaunchRows:
    """Everything a launch writes: the user, the course and enrolment when there is one, the
    launch record."""

    registration_id: int
    deployment_pk: int
    sub: str
    user_fields: dict[str, str]
    context_id: str | None
    context_fields: dict[str, Any]
    role: str
    lti_roles: list[str]
    launch_id: str
    message_type: str
    claims: dict[str, Any]
    now: datetime
    expires_at: datetime


def write_launch(session: Session, rows: LaunchRows) -> tuple[UserRow, ContextRow | None]:
    """Write a launch's rows: one statement on PostgreSQL, four on SQLite."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return _write_launch_in_one_statement(conn, rows)
    user = upsert_user(session, rows.registration_id, rows.sub, rows.user_fields, rows.now)
    context = None
    if rows.context_id is not None:
        context = upsert_context(
            session, rows.registration_id, rows.context_id, rows.context_fields, rows.now
        )
        upsert_enrolment(session, user.id, context.id, rows.role, rows.lti_roles, rows.now)
    insert_launch(
        session,
        id=rows.launch_id,
        registration_id=rows.registration_id,
        deployment_id=rows.deployment_pk,
        user_id=user.id,
        context_id=context.id if context else None,
        message_type=rows.message_type,
        role=rows.role,
        claims=rows.claims,
        created_at=rows.now,
        expires_at=rows.expires_at,
    )
    return user, context


_USER_TEXT = ("name", "given_name", "family_name", "email")
_CONTEXT_TEXT = ("title", "label")
_LAUNCH_STATEMENTS: dict[tuple[tuple[str, ...], tuple[str, ...] | None], Any] = {}


def _bind(prefix: str, table: Table, name: str) -> Any:
    """A bound parameter typed like the column it fills."""
    return bindparam(f"{prefix}_{name}", type_=table.c[name].type)


def _launch_statement(user_fields: tuple[str, ...], context_fields: tuple[str, ...] | None) -> Any:
    """WITH u AS (upsert user), c AS (upsert course), e AS (upsert enrolment), l AS (insert
    launch) SELECT ...: the whole launch in one round trip to PostgreSQL (data-modifying CTEs
    see one snapshot; the child rows take the ids the upserts return)."""
    from sqlalchemy import null, select, true
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    launch_table: Table = LaunchRecord.__table__  # type: ignore[assignment]
    # Defaults do not apply inside a CTE: every NOT NULL column is inserted explicitly.
    u_cols = ("registration_id", "sub", "last_launch_at", *_USER_TEXT, "created_at")
    u_ins = pg_insert(_USER).values({k: _bind("u", _USER, k) for k in u_cols})
    u = (
        u_ins.on_conflict_do_update(
            index_elements=[_USER.c.registration_id, _USER.c.sub],
            set_={k: u_ins.excluded[k] for k in ("last_launch_at", *user_fields)},
        )
        .returning(_USER.c.id, _USER.c.name, _USER.c.given_name, _USER.c.family_name)
        .cte("u")
    )
    ctes = []
    returned = [u.c.id, u.c.name, u.c.given_name, u.c.family_name]
    context_pk: Any = null()
    if context_fields is not None:
        c_cols = tuple(
            dict.fromkeys(("registration_id", "context_id", *_CONTEXT_TEXT, *context_fields))
        ) + ("created_at",)
        c_ins = pg_insert(_CONTEXT).values({k: _bind("c", _CONTEXT, k) for k in c_cols})
        cte_c = (
            c_ins.on_conflict_do_update(
                index_elements=[_CONTEXT.c.registration_id, _CONTEXT.c.context_id],
                set_={k: c_ins.excluded[k] for k in context_fields},
            )
            .returning(_CONTEXT.c.id, _CONTEXT.c.title, _CONTEXT.c.label)
            .cte("c")
        )
        e_cols = ("role", "lti_roles", "updated_at")
        e_ins = pg_insert(_ENROLMENT).from_select(
            ["user_id", "context_id", *e_cols],
            select(u.c.id, cte_c.c.id, *(_bind("e", _ENROLMENT, k) for k in e_cols)).select_from(
                u.join(cte_c, true())
            ),
        )
        ctes.append(
            e_ins.on_conflict_do_update(
                index_elements=[_ENROLMENT.c.user_id, _ENROLMENT.c.context_id],
                set_={k: e_ins.excluded[k] for k in e_cols},
            ).cte("e")
        )
        context_pk = select(cte_c.c.id).scalar_subquery()
        returned += [cte_c.c.id.label("c_id"), cte_c.c.title, cte_c.c.label]
    l_cols = ("id", "registration_id", "deployment_id")
    l_rest = ("message_type", "role", "claims", "created_at", "expires_at")
    ctes.append(
        insert(launch_table)
        .from_select(
            [*l_cols, "user_id", "context_id", *l_rest],
            select(
                *(_bind("l", launch_table, k) for k in l_cols),
                u.c.id,
                context_pk,
                *(_bind("l", launch_table, k) for k in l_rest),
            ),
        )
        .cte("l")
    )
    final = select(*returned)
    if context_fields is not None:
        final = final.select_from(u.join(cte_c, true()))
    return final.add_cte(*ctes)


def _write_launch_in_one_statement(
    conn: Connection, rows: LaunchRows
) -> tuple[UserRow, ContextRow | None]:
    """Run the one-statement launch on PostgreSQL."""
    has_context = rows.context_id is not None
    shape = (tuple(rows.user_fields), tuple(rows.context_fields) if has_context else None)
    stmt = _LAUNCH_STATEMENTS.get(shape)
    if stmt is None:
        stmt = _LAUNCH_STATEMENTS[shape] = _launch_statement(*shape)
    params: dict[str, Any] = {
        "u_registration_id": rows.registration_id,
        "u_sub": rows.sub,
        "u_last_launch_at": rows.now,
        "u_created_at": rows.now,
        **{f"u_{k}": rows.user_fields.get(k, "") for k in _USER_TEXT},
        "l_id": rows.launch_id,
        "l_registration_id": rows.registration_id,
        "l_deployment_id": rows.deployment_pk,
        "l_message_type": rows.message_type,
        "l_role": rows.role,
        "l_claims": rows.claims,
        "l_created_at": rows.now,
        "l_expires_at": rows.expires_at,
    }
    if has_context:
        params.update(
            {
                "c_registration_id": rows.registration_id,
                "c_context_id": rows.context_id,
                "c_created_at": rows.now,
                **{f"c_{k}": "" for k in _CONTEXT_TEXT},
                **{f"c_{k}": v for k, v in rows.context_fields.items()},
                "e_role": rows.role,
                "e_lti_roles": rows.lti_roles,
                "e_updated_at": rows.now,
            }
        )
    row = conn.execute(stmt, params).one()
    user = UserRow(row[0], row[1], row[2], row[3])
    context = ContextRow(row[4], row[5], row[6]) if has_context else None
    return user, context
