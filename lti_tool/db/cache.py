"""A small key-value store with expiry, on Redis when configured and in the database otherwise.

Launch state, nonces and service tokens live here so that a login served by one worker and
the launch served by another see the same data (a per-process cache breaks under gunicorn).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Engine, bindparam, delete, select

from lti_tool.db.base import UTCDateTime, utcnow
from lti_tool.db.models.lti import CacheEntry
from lti_tool.db.session import dialect_insert

# One write in this many also deletes the expired entries (an indexed range delete).
PURGE_PROBABILITY = 1 / 500


class Cache(Protocol):
    """What the tool needs of a shared cache."""

    def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store a value for ttl seconds, replacing any earlier one."""

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store a value only if the key is absent; True when stored. Used for single-use nonces."""

    def pop(self, key: str) -> bytes | None:
        """Return and delete a value atomically: a second pop of the same key gets None."""

    def delete(self, key: str) -> None:
        """Forget a key."""


class RedisCache:
    """The cache on Redis: atomic SET NX and GETDEL, expiry by Redis itself."""

    def __init__(self, url: str, prefix: str = "lti_tool:") -> None:
        """Connect lazily to the Redis at url."""
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()

    def get(self, key: str) -> bytes | None:
        """Return the value, or None."""
        return self._redis.get(self._prefix + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store a value with an expiry."""
        self._redis.set(self._prefix + key, value, ex=max(1, ttl))

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store only if absent."""
        return bool(self._redis.set(self._prefix + key, value, ex=max(1, ttl), nx=True))

    def pop(self, key: str) -> bytes | None:
        """Get and delete in one step."""
        return self._redis.getdel(self._prefix + key)

    def delete(self, key: str) -> None:
        """Forget a key."""
        self._redis.delete(self._prefix + key)


class DatabaseCache:
    """The cache in the tool's database: every operation is one statement in its own transaction.

    It uses its own connections rather than the request's session: a state must be used up
    even when the request that used it later rolls back. Each write is a single atomic
    statement (an upsert, or DELETE ... RETURNING), so two workers never both win, and SQLite
    holds its write lock only for that one statement.
    """

    def __init__(self, engine: Engine) -> None:
        """Use the given engine (SQLite or PostgreSQL: both speak ON CONFLICT and RETURNING)."""
        self._engine = engine
        table = CacheEntry.__table__
        upsert = dialect_insert(engine.dialect.name)(table).values(
            key=bindparam("k"), value=bindparam("v"), expires_at=bindparam("exp")
        )
        excluded = upsert.excluded
        self._set = upsert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": excluded.value, "expires_at": excluded.expires_at},
        )
        # Replaces an entry only when it has expired; RETURNING yields a row only when the
        # value was stored, which makes "add if absent" one atomic statement.
        self._add = upsert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": excluded.value, "expires_at": excluded.expires_at},
            where=table.c.expires_at <= bindparam("now", type_=UTCDateTime()),
        ).returning(table.c.key)
        self._get = select(table.c.value).where(
            table.c.key == bindparam("k"),
            table.c.expires_at > bindparam("now", type_=UTCDateTime()),
        )
        self._pop = (
            delete(table)
            .where(table.c.key == bindparam("k"))
            .returning(table.c.value, table.c.expires_at)
        )
        self._delete = delete(table).where(table.c.key == bindparam("k"))

    def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""
        with self._engine.connect() as conn:
            value = conn.execute(self._get, {"k": key, "now": utcnow()}).scalar()
        return None if value is None else bytes(value)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store a value for ttl seconds, replacing any earlier one."""
        self._maybe_purge()
        expires = utcnow() + timedelta(seconds=ttl)
        with self._engine.begin() as conn:
            conn.execute(self._set, {"k": key, "v": value, "exp": expires})

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store only if absent (or expired); the primary key makes this atomic."""
        self._maybe_purge()
        now = utcnow()
        params = {"k": key, "v": value, "exp": now + timedelta(seconds=ttl), "now": now}
        with self._engine.begin() as conn:
            return conn.execute(self._add, params).first() is not None

    def pop(self, key: str) -> bytes | None:
        """Delete and return in one statement, so two workers cannot both take it."""
        with self._engine.begin() as conn:
            row = conn.execute(self._pop, {"k": key}).first()
        if row is None or _expired(row.expires_at):
            return None
        return bytes(row.value)

    def delete(self, key: str) -> None:
        """Forget a key."""
        with self._engine.begin() as conn:
            conn.execute(self._delete, {"k": key})

    def _maybe_purge(self) -> None:
        """Now and then, delete expired entries (Redis expires keys itself; a table does not)."""
        if random.random() < PURGE_PROBABILITY:
            self.purge_expired()

    def purge_expired(self) -> int:
        """Delete every expired entry; returns how many."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(CacheEntry).where(CacheEntry.expires_at < utcnow()))
        return result.rowcount or 0


def _expired(expires_at: object) -> bool:
    """True when a stored expiry has passed (SQLite returns naive UTC here)."""
    from datetime import UTC, datetime

    assert isinstance(expires_at, datetime)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return expires_at <= utcnow()
