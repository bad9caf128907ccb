"""A small key-value store with expiry, on Redis when configured and in the database otherwise.

Launch state, nonces and service tokens live here so that a login served by one worker and
the launch served by another see the same data (a per-process cache breaks under gunicorn).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from lti_tool.db.base import utcnow
from lti_tool.db.models.lti import CacheEntry


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
    """The cache in the tool's database, each call in its own short transaction.

    It uses its own connections rather than the request's session: a nonce must be
    consumed even when the request that consumed it later rolls back.
    """

    def __init__(self, engine: Engine) -> None:
        """Use the given engine."""
        self._engine = engine

    def get(self, key: str) -> bytes | None:
        """Return the value, or None when absent or expired."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(CacheEntry.value, CacheEntry.expires_at).where(CacheEntry.key == key)
            ).first()
        if row is None or _expired(row.expires_at):
            return None
        return bytes(row.value)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        """Store a value for ttl seconds."""
        expires = utcnow() + timedelta(seconds=ttl)
        try:
            with self._engine.begin() as conn:
                conn.execute(delete(CacheEntry).where(CacheEntry.key == key))
                conn.execute(insert(CacheEntry).values(key=key, value=value, expires_at=expires))
        except IntegrityError:
            # Another worker set the same key at the same moment (two workers fetching the
            # same service token); its value is as fresh as ours.
            return

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store only if absent (or expired); the primary key makes this atomic."""
        now = utcnow()
        with self._engine.begin() as conn:
            conn.execute(
                delete(CacheEntry).where(CacheEntry.key == key, CacheEntry.expires_at < now)
            )
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(CacheEntry).values(
                        key=key, value=value, expires_at=now + timedelta(seconds=ttl)
                    )
                )
        except IntegrityError:
            return False
        return True

    def pop(self, key: str) -> bytes | None:
        """Delete and return in one statement, so two workers cannot both take it."""
        with self._engine.begin() as conn:
            row = conn.execute(
                delete(CacheEntry)
                .where(CacheEntry.key == key)
                .returning(CacheEntry.value, CacheEntry.expires_at)
            ).first()
        if row is None or _expired(row.expires_at):
            return None
        return bytes(row.value)

    def delete(self, key: str) -> None:
        """Forget a key."""
        with self._engine.begin() as conn:
            conn.execute(delete(CacheEntry).where(CacheEntry.key == key))

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
