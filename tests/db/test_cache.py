"""The shared cache launches rely on: each operation atomic, expiry honoured, on every backend."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from lti_tool.db import cache as cache_module
from lti_tool.db.cache import Cache, DatabaseCache, RedisCache
from lti_tool.db.models import CacheEntry
from tests.conftest import TEST_REDIS_URL


@pytest.fixture(params=["database", "redis"])
def cache(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Cache]:
    """The database cache always; the Redis cache when the suite runs with Redis."""
    if request.param == "database":
        yield DatabaseCache(engine)
        with engine.begin() as conn:
            conn.execute(CacheEntry.__table__.delete())
        return
    if not TEST_REDIS_URL:
        pytest.skip("runs when LTI_TOOL_TEST_REDIS_URL is set")
    redis_cache = RedisCache(TEST_REDIS_URL, prefix=f"test-{uuid.uuid4().hex}:")
    yield redis_cache
    redis_cache.close()


def test_set_get_replace_delete(cache: Cache) -> None:
    """set stores, a second set replaces, delete forgets."""
    cache.set("k", b"one", 60)
    assert cache.get("k") == b"one"
    cache.set("k", b"two", 60)
    assert cache.get("k") == b"two"
    cache.delete("k")
    assert cache.get("k") is None


def test_add_stores_only_when_absent(cache: Cache) -> None:
    """add is 'store if absent': the second add of a key fails and leaves the first value."""
    assert cache.add("once", b"first", 60) is True
    assert cache.add("once", b"second", 60) is False
    assert cache.get("once") == b"first"


def test_pop_takes_a_value_once(cache: Cache) -> None:
    """pop returns the value and deletes it; a second pop gets nothing."""
    cache.set("p", b"v", 60)
    assert cache.pop("p") == b"v"
    assert cache.pop("p") is None


def test_expired_entries_are_gone_and_can_be_added_again(cache: Cache) -> None:
    """After its ttl an entry reads as absent, and add may take the key again."""
    cache.set("short", b"v", 1)
    assert cache.add("short-add", b"v", 1) is True
    time.sleep(2.1)
    assert cache.get("short") is None
    assert cache.pop("short") is None
    assert cache.add("short-add", b"again", 60) is True
    assert cache.get("short-add") == b"again"


def test_concurrent_adds_of_one_key_have_one_winner(cache: Cache) -> None:
    """Sixteen threads add the same key at once: exactly one succeeds (single-use states)."""
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda n: cache.add("race", str(n).encode(), 60), range(16)))
    assert results.count(True) == 1


def test_database_cache_purges_expired_entries_now_and_then(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes occasionally delete expired rows, so abandoned logins do not pile up."""
    db_cache = DatabaseCache(engine)
    db_cache.set("old", b"v", 1)
    time.sleep(1.1)
    monkeypatch.setattr(cache_module, "PURGE_PROBABILITY", 1.0)
    db_cache.set("new", b"v", 60)
    with engine.connect() as conn:
        keys = set(conn.scalars(select(CacheEntry.key)))
        assert conn.scalar(select(func.count()).select_from(CacheEntry)) == 1
    assert keys == {"new"}
    with engine.begin() as conn:
        conn.execute(CacheEntry.__table__.delete())
