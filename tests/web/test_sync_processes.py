"""Syncs in real processes: one killed in the middle is finished by the next with nothing lost
or doubled; with Redis, the teacher's button queues the job for an RQ worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models.classroom import CourseCompetency, Evidence, SyncRun
from lti_tool.platform_sim.services import set_grade
from lti_tool.platform_sim.store import SimStore
from tests.web.services_setup import add_learners
from tests.web.test_sync import _csrf, _set_up_course

LEARNERS = 30
ASSIGNMENTS = 6


def _env(app: Flask) -> dict[str, str]:
    env = {
        **os.environ,
        "LTI_TOOL_DATABASE_URL": app.config["DATABASE_URL"],
        "LTI_TOOL_SECRET_KEY": app.config["SECRET_KEY"],
        "LTI_TOOL_BASE_URL": app.config["BASE_URL"],
        "LTI_TOOL_CACHE_PREFIX": app.config["CACHE_PREFIX"],
    }
    if app.config.get("REDIS_URL"):
        env["LTI_TOOL_REDIS_URL"] = app.config["REDIS_URL"]
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from lti_tool.cli import run; run()", *args]


def _course_with_grades(app: Flask, client: FlaskClient, sim: SimStore) -> dict[str, Any]:
    """A course with ASSIGNMENTS aligned assignments, each graded for every learner."""
    learners = ["l1", "l2", *add_learners(sim, LEARNERS - 2)]
    course = _set_up_course(app, client, sim)
    page = client.get(f"/course/assignments?ltik={course['ltik']}").get_data(as_text=True)
    items = [course["item"]]
    for n in range(ASSIGNMENTS - 1):
        client.post(
            f"/course/assignments/new?ltik={course['ltik']}",
            data={
                "csrf_token": _csrf(page),
                "label": f"Check-in {n}",
                "score_maximum": "10",
                "competency_id": [str(course["comps"][0])],
            },
        )
        items.append(next(k for k, v in sim.lineitems.items() if v["label"] == f"Check-in {n}"))
    for item in items:
        for i, who in enumerate(learners):
            set_grade(sim, item, who, (i % 10) + 1)
    with app.app_context():
        comp = db_session().get(CourseCompetency, course["comps"][0])
        assert comp is not None
        course["context_id"] = comp.context_id
    return course


def _evidence(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db_session()
        total = session.scalar(select(func.count()).select_from(Evidence)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Evidence.result_key)))) or 0
        session.rollback()
        return int(total), int(distinct)


def test_a_sync_killed_in_the_middle_is_finished_by_the_next(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """SIGKILL a sync after some results are stored; the next sync completes: no loss, no
    duplicates."""
    course = _course_with_grades(app, client, sim)
    expected = LEARNERS * ASSIGNMENTS
    sim.latency_ms = 150  # slow enough to be caught in the middle
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        _cli("sync", "--course", str(course["context_id"])),
        # One request at a time, so the results arrive (and are stored) one column at a time.
        env={**_env(app), "LTI_TOOL_SERVICE_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stored, _ = _evidence(app)
            if stored > 0:
                break
            assert proc.poll() is None, "the sync ended before it could be stopped"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial, _ = _evidence(app)
    assert 0 < partial < expected, partial
    sim.latency_ms = 0
    finished = subprocess.run(  # noqa: S603 - our own CLI
        _cli("sync", "--course", str(course["context_id"]), "--take-over"),
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    total, distinct = _evidence(app)
    assert (total, distinct) == (expected, expected)
    with app.app_context():
        runs = db_session().scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [r.status for r in runs] == ["failed", "done"]


@pytest.mark.skipif(
    not os.environ.get("LTI_TOOL_TEST_REDIS_URL"), reason="runs when LTI_TOOL_TEST_REDIS_URL is set"
)
def test_the_sync_button_queues_a_job_for_an_rq_worker(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """With Redis, the job goes to the queue and `lti-tool worker --burst` runs it."""
    course = _set_up_course(app, client, sim)
    app.config["JOBS_IN_THREADS"] = False
    set_grade(sim, course["item"], "l1", 7)
    page = client.get(f"/course/assignments?ltik={course['ltik']}").get_data(as_text=True)
    client.post(f"/course/sync?ltik={course['ltik']}", data={"csrf_token": _csrf(page)})
    with app.app_context():
        run = db_session().scalars(select(SyncRun)).one()
        assert run.status == "queued"
    worker = subprocess.run(  # noqa: S603 - our own CLI
        _cli("worker", "--burst"),
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    with app.app_context():
        run = db_session().scalars(select(SyncRun)).one()
        assert run.status == "done", run.message
    assert _evidence(app) == (1, 1)
