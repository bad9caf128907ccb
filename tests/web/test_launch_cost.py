"""What a launch costs the database: a login writes nothing, a launch writes in two steps.

Counting statements (not timing them) keeps the benchmark's gains from eroding unnoticed.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import launch


def test_statements_per_login_and_launch(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """After a first launch warms the caches: login 0 statements; launch at most 5, in 2 commits."""
    assert launch(client, sim, "l1").launch.status_code == 302
    seen: list[str] = []
    commits: list[int] = []
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0]))
    event.listen(engine, "commit", lambda *a: commits.append(1))
    flow = launch(client, sim, "l2")
    assert flow.launch.status_code == 302
    # The used-state mark (when the cache is the database), then the launch's rows: four
    # upserts/inserts on SQLite, one statement of data-modifying CTEs on PostgreSQL.
    rows = 1 if engine.dialect.name == "postgresql" else 4
    expected = rows + (0 if app.config["REDIS_URL"] else 1)
    assert len(seen) <= expected, seen
    assert set(seen) <= {"INSERT", "WITH"}, seen
    assert len(commits) <= 2
