"""Fixtures shared by every test: the database the suite runs on, the app, its client.

The suite runs on a fresh SQLite file by default, and on PostgreSQL and Redis when
LTI_TOOL_TEST_DATABASE_URL and LTI_TOOL_TEST_REDIS_URL are set (CI sets both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session

from lti_tool.app import create_app
from lti_tool.db.migrate import upgrade
from lti_tool.db.models import metadata
from lti_tool.db.session import make_engine

TEST_DATABASE_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("LTI_TOOL_TEST_REDIS_URL")


def reset_postgres_schema(url: str) -> None:
    """Drop and recreate the public schema so the suite starts from an empty database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for the whole run."""
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine tests use to look at the database directly."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _empty_all_tables(engine: Engine) -> None:
    """Delete every row, children first, so the next test starts clean."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def app(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[Flask]:
    """A fully configured app on the test database, emptied after the test."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": "a-test-secret-that-is-long-enough-" + uuid.uuid4().hex,
        "BASE_URL": "https://tool.example.edu",
        # Each test sees its own slice of Redis, as each sees an emptied database.
        "CACHE_PREFIX": f"test-{uuid.uuid4().hex}:",
    }
    application = create_app(config)
    application.instance_path = str(tmp_path)
    yield application
    application.extensions["db_engine"].dispose()
    _empty_all_tables(engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for the app."""
    return app.test_cli_runner()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction, rolled back after the test (savepoint pattern)."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
