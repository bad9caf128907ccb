"""Sync end to end against the built-in platform as Canvas and as Moodle: create an aligned
assignment through AGS, grade it in the LMS gradebook, pull results and the roster, compute
mastery, and write it back to one gradebook column per competency."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models.classroom import CourseCompetency, CourseLineItem, Evidence, SyncRun
from lti_tool.lti.claims import AGS_ENDPOINT
from lti_tool.platform_sim.oidc import REMOVE
from lti_tool.platform_sim.services import set_grade
from lti_tool.platform_sim.store import SimStore
from lti_tool.usecases.case_import import import_file
from lti_tool.usecases.frameworks import outline
from tests.web.lti_flow import launch
from tests.web.services_setup import trust_tool_keys

FRAMEWORK = (
    Path(__file__).parent.parent / "data/case/opensalt/what_standards_could_be_20c5134f.json"
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match
    return match.group(1)


def _wait_for_jobs(app: Flask) -> None:
    for thread in app.extensions.get("job_threads", []):
        thread.join(timeout=60)
        assert not thread.is_alive()
    app.extensions["job_threads"] = []


def _sync(app: Flask, client: FlaskClient, ltik: str) -> SyncRun:
    page = client.get(f"/course/assignments?ltik={ltik}").get_data(as_text=True)
    resp = client.post(f"/course/sync?ltik={ltik}", data={"csrf_token": _csrf(page)})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    _wait_for_jobs(app)
    with app.app_context():
        run = db_session().scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert run is not None
        db_session().expunge(run)
        return run


def _set_up_course(app: Flask, client: FlaskClient, sim: SimStore) -> dict[str, Any]:
    app.config["JOBS_IN_THREADS"] = True
    trust_tool_keys(app, sim)
    with app.app_context():
        report = import_file(db_session(), FRAMEWORK, "test", 10_000_000)
        db_session().commit()
        tree = outline(db_session(), report.document_identifier)
        assert tree is not None
        branch = next(n for n in tree.children if len(n.children) >= 2)
    flow = launch(client, sim, "t1")
    ltik = flow.ltik
    page = client.get(f"/course/setup?ltik={ltik}").get_data(as_text=True)
    client.post(
        f"/course/setup/competencies?ltik={ltik}",
        data={"csrf_token": _csrf(page), "item": branch.identifier},
    )
    with app.app_context():
        comps = [c.id for c in db_session().scalars(select(CourseCompetency))]
    resp = client.post(
        f"/course/assignments/new?ltik={ltik}",
        data={
            "csrf_token": _csrf(page),
            "label": "Fractions check-in",
            "score_maximum": "10",
            "competency_id": [str(comps[0])],
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (item_id,) = [k for k, v in sim.lineitems.items() if v["label"] == "Fractions check-in"]
    return {"ltik": ltik, "comps": comps, "item": item_id}


def test_sync_pulls_grades_computes_mastery_and_writes_it_back(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """Grades entered in the LMS become evidence, mastery, and a column per competency."""
    course = _set_up_course(app, client, sim)
    set_grade(sim, course["item"], "l1", 9)
    # l2 has no grade: no evidence, never a zero.
    run = _sync(app, client, course["ltik"])
    assert run.status == "done", run.message
    assert run.evidence_added == 1
    grid = client.get(f"/course/grid?ltik={course['ltik']}").get_data(as_text=True)
    assert "Lee Learner" in grid and "Sam Student" in grid  # the roster came through NRPS
    assert "cell status-exceeds" in grid or "cell status-mastered" in grid
    columns = [
        item for item in sim.lineitems.values() if (item.get("tag") or "").startswith("competency:")
    ]
    assert len(columns) == 1, sim.lineitems
    posted = sim.scores.get(columns[0]["id"], [])
    assert [(s["userId"], s["scoreGiven"]) for s in posted] == [("l1", 3.6)], run.message

    # A second sync adds nothing; a regrade adds one and keeps the old one.
    assert _sync(app, client, course["ltik"]).evidence_added == 0
    set_grade(sim, course["item"], "l1", 5)
    assert _sync(app, client, course["ltik"]).evidence_added == 1
    with app.app_context():
        statuses = sorted(db_session().scalars(select(Evidence.status)))
        assert statuses == ["active", "superseded"]
        column = (
            db_session()
            .scalars(select(CourseLineItem).where(CourseLineItem.purpose == "mastery"))
            .one()
        )
        assert column.course_competency_id == course["comps"][0]
    posted = sim.scores.get(columns[0]["id"], [])
    assert [s["scoreGiven"] for s in posted] == [3.6, 2.0]
    stamps = [s["timestamp"] for s in posted]
    assert stamps == sorted(stamps)


def test_a_failed_sync_keeps_what_it_read_and_the_next_one_finishes(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A platform that stops answering fails the run with a message; the next run completes."""
    course = _set_up_course(app, client, sim)
    set_grade(sim, course["item"], "l1", 8)
    set_grade(sim, course["item"], "l2", 6)
    sim.disabled_services = ["ags"]  # the platform switches grades off (Moodle answers 401)
    failed = _sync(app, client, course["ltik"])
    assert failed.status == "failed" and "sync again" in failed.message
    sim.disabled_services = []
    done = _sync(app, client, course["ltik"])
    assert done.status == "done", done.message
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Evidence)) == 2


def test_sync_needs_the_grade_service(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """A course whose launches carried no AGS gets a plain message, not a 500."""
    flow = launch(client, sim, "t1", claims={AGS_ENDPOINT: REMOVE})
    page = client.get(f"/course/assignments?ltik={flow.ltik}").get_data(as_text=True)
    assert "did not give this tool access to grades" in page
    token = _csrf(client.get(f"/course/setup?ltik={flow.ltik}").get_data(as_text=True))
    resp = client.post(f"/course/sync?ltik={flow.ltik}", data={"csrf_token": token})
    assert resp.status_code == 409 and "Assignment and Grade Services" in resp.get_data(
        as_text=True
    )


def test_a_column_tagged_with_a_competency_is_aligned_at_the_next_sync(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """An assignment added by deep linking carries the competency's code as its tag."""
    from lti_tool.db.models.classroom import Alignment
    from lti_tool.platform_sim.services import create_lineitem

    course = _set_up_course(app, client, sim)
    with app.app_context():
        comp = db_session().get(CourseCompetency, course["comps"][1])
        assert comp is not None
        code = comp.code or comp.identifier
    item = create_lineitem(
        sim, "c1", next(iter(sim.tools)), {"label": "Linked task", "scoreMaximum": 4, "tag": code}
    )
    set_grade(sim, item["id"], "l2", 3)
    assert _sync(app, client, course["ltik"]).status == "done"
    with app.app_context():
        rows = (
            db_session()
            .scalars(select(Alignment).where(Alignment.course_competency_id == course["comps"][1]))
            .all()
        )
        assert len(rows) == 1
        assert db_session().scalar(select(func.count()).select_from(Evidence)) == 1
