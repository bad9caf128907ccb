"""The classroom pages: set-up, alignment, the grid, a learner's page, evidence, overrides,
and the rule that nobody sees what is not theirs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models.classroom import CourseCompetency, CourseLineItem, Evidence
from lti_tool.db.models.lti import User
from lti_tool.platform_sim.store import SimStore
from lti_tool.usecases import progress
from lti_tool.usecases.case_import import import_file
from lti_tool.usecases.course import LineItemInfo, alignments, remember_line_items
from lti_tool.usecases.evidence import LmsResult, record_lms_results
from tests.web.lti_flow import launch

FRAMEWORK = (
    Path(__file__).parent.parent / "data/case/opensalt/what_standards_could_be_20c5134f.json"
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def product() -> str:
    """These pages behave the same for both LMSs; Canvas is enough here."""
    return "canvas"


def _ltik(client: FlaskClient, sim: SimStore, user: str, course: str = "c1") -> str:
    flow = launch(client, sim, user, course)
    assert flow.launch is not None and flow.launch.status_code == 302
    return flow.ltik


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, page[:300]
    return match.group(1)


@pytest.fixture
def framework(app: Flask) -> str:
    """A real framework (with precedes and crosswalks) imported as an admin would."""
    with app.app_context():
        report = import_file(db_session(), FRAMEWORK, "test", 10_000_000)
        db_session().commit()
        return str(report.document_identifier)


def _items_with_children(app: Flask, framework: str) -> tuple[str, list[str]]:
    from lti_tool.usecases.frameworks import outline

    with app.app_context():
        tree = outline(db_session(), framework)
        assert tree is not None
        branch = next(n for n in tree.children if n.children)
        return branch.identifier, [c.identifier for c in branch.children]


def test_a_teacher_sets_up_aligns_and_sees_the_grid(
    app: Flask, client: FlaskClient, sim: SimStore, framework: str
) -> None:
    """First launch lands on set-up; a ticked branch adds its items; evidence fills the grid."""
    ltik = _ltik(client, sim, "t1")
    first = client.get(f"/home?ltik={ltik}")
    assert first.status_code == 302 and "/course/setup" in first.headers["Location"]
    page = client.get(f"/course/setup?ltik={ltik}&framework={framework}").get_data(as_text=True)
    branch, leaves = _items_with_children(app, framework)
    assert branch in page
    resp = client.post(
        f"/course/setup/competencies?ltik={ltik}", data={"csrf_token": _csrf(page), "item": branch}
    )
    assert resp.status_code == 302
    with app.app_context():
        comps = db_session().scalars(select(CourseCompetency)).all()
        assert {c.identifier for c in comps} >= set(leaves[:1])
        ctx_id = comps[0].context_id
        (item,) = remember_line_items(
            db_session(), ctx_id, [LineItemInfo("https://lms.example/li/1", "Quiz 1", 10)]
        )
        db_session().commit()
        item_id, comp_ids = item.id, [c.id for c in comps]

    page = client.get(f"/course/assignments?ltik={ltik}").get_data(as_text=True)
    assert "only the gradebook columns that tool created" in page and "Quiz 1" in page
    resp = client.post(
        f"/course/assignments/{item_id}/align?ltik={ltik}",
        data={
            "csrf_token": _csrf(page),
            "competency_id": [str(comp_ids[0])],
            "mapping": "cuts",
            "cut_4": "90",
            "cut_3": "75",
            "cut_2": "50",
            "cut_1": "0",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    _launch_learners(client, sim)
    with app.app_context():
        session = db_session()
        (aligned,) = alignments(session, ctx_id)[item_id]
        assert aligned.mapping["cuts"][0] == [90.0, 4.0]
        lee = session.scalars(select(User).where(User.sub == "l1")).one()
        record_lms_results(
            session,
            ctx_id,
            [
                LmsResult(
                    item_id, "https://lms.example/li/1", lee.id, "l1", 8, 10,
                    datetime(2026, 9, 1, tzinfo=UTC),
                )
            ],
            {item_id: [comp_ids[0]]},
        )  # fmt: skip
        progress.recompute(session, ctx_id)
        session.commit()
    grid = client.get(f"/course/grid?ltik={ltik}").get_data(as_text=True)
    assert "Lee Learner" in grid and "Sam Student" in grid
    assert "cell status-mastered" in grid  # 80% reaches the 75% cut: Mastery (3)
    assert grid.count("cell status-no_evidence") == 2 * len(comp_ids) - 1
    assert grid.index("Lee Learner") < grid.index("Sam Student")  # by name, not by result
    support = client.get(f"/course/grid?ltik={ltik}&show=support").get_data(as_text=True)
    assert "Lee Learner" not in support


def _launch_learners(client: FlaskClient, sim: SimStore) -> dict[str, str]:
    return {who: _ltik(client, sim, who) for who in ("l1", "l2")}


@pytest.fixture
def course_ready(
    app: Flask, client: FlaskClient, sim: SimStore, framework: str
) -> dict[str, object]:
    """A course with competencies chosen and both learners launched."""
    ltik = _ltik(client, sim, "t1")
    page = client.get(f"/course/setup?ltik={ltik}&framework={framework}").get_data(as_text=True)
    branch, _ = _items_with_children(app, framework)
    client.post(
        f"/course/setup/competencies?ltik={ltik}", data={"csrf_token": _csrf(page), "item": branch}
    )
    learners = _launch_learners(client, sim)
    with app.app_context():
        comp = db_session().scalars(select(CourseCompetency)).first()
        assert comp is not None
        ids = {u.sub: u.id for u in db_session().scalars(select(User))}
        return {"teacher": ltik, **learners, "comp": comp.id, "ctx": comp.context_id, "ids": ids}


def test_observation_and_override_in_two_clicks(
    app: Flask, client: FlaskClient, course_ready: dict[str, object]
) -> None:
    """A teacher records an observation and then overrides with a note; the learner sees both."""
    t, comp = course_ready["teacher"], course_ready["comp"]
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    page = client.get(f"/course/learners/{lee}?ltik={t}").get_data(as_text=True)
    token = _csrf(page)
    resp = client.post(
        f"/course/learners/{lee}/evidence?ltik={t}",
        data={
            "csrf_token": token,
            "competency_id": comp,
            "source": "observation",
            "level": "Near Mastery",
            "title": "Explained it at the board",
            "date": "2026-10-01",
        },
    )
    assert resp.status_code == 302
    page = client.get(f"/course/learners/{lee}?ltik={t}").get_data(as_text=True)
    assert "Explained it at the board" in page and "<svg" in page
    refused = client.post(
        f"/course/learners/{lee}/override?ltik={t}",
        data={"csrf_token": token, "competency_id": comp, "level": "Mastery", "note": " "},
    )
    assert refused.status_code == 400 and "note" in refused.get_data(as_text=True)
    client.post(
        f"/course/learners/{lee}/override?ltik={t}",
        data={
            "csrf_token": token,
            "competency_id": comp,
            "level": "Mastery",
            "note": "Showed it again in her project",
        },
    )
    me = client.get(f"/me?ltik={course_ready['l1']}").get_data(as_text=True)
    assert "Showed it again in her project" in me and "Explained it at the board" in me


def test_learners_see_only_their_own(
    app: Flask, client: FlaskClient, course_ready: dict[str, object]
) -> None:
    """Every teacher page refuses a learner; the learner page never shows another learner."""
    sam_ltik = course_ready["l2"]
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    with app.app_context():
        from lti_tool.usecases.evidence import record_manual

        record_manual(
            db_session(),
            context_id=course_ready["ctx"],  # type: ignore[arg-type]
            learner_id=lee,
            course_competency_id=course_ready["comp"],  # type: ignore[arg-type]
            source="observation",
            score=3,
            points_possible=4,
            at=datetime(2026, 9, 2, tzinfo=UTC),
            recorded_by_id=course_ready["ids"]["t1"],  # type: ignore[index]
            title="Lee's secret observation",
        )
        db_session().commit()
    for path in (
        "/course/grid",
        f"/course/learners/{lee}",
        "/course/setup",
        "/course/assignments",
    ):
        assert client.get(f"{path}?ltik={sam_ltik}").status_code == 403, path
    page = client.get(f"/me?ltik={sam_ltik}").get_data(as_text=True)
    assert "Lee" not in page and "secret" not in page
    # Identifiers of other learners in the query string change nothing.
    page = client.get(f"/me?ltik={sam_ltik}&learner_id={lee}&user_id={lee}").get_data(as_text=True)
    assert "secret" not in page


def test_a_teacher_cannot_reach_another_course(
    app: Flask, client: FlaskClient, sim: SimStore, course_ready: dict[str, object]
) -> None:
    """A teacher of another course gets 404 for this course's learners and competencies."""
    from lti_tool.platform_sim.store import SimCourse

    sim.courses["c2"] = SimCourse(
        "c2",
        "Art",
        "ART",
        members={"t1": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]},
    )
    other = _ltik(client, sim, "t1", "c2")
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    assert client.get(f"/course/learners/{lee}?ltik={other}").status_code == 404
    page = client.get(f"/course/grid?ltik={other}").get_data(as_text=True)
    assert "Lee Learner" not in page
    resp = client.post(
        f"/course/learners/{lee}/evidence?ltik={other}",
        data={
            "csrf_token": _csrf(client.get(f"/course/setup?ltik={other}").get_data(as_text=True))
        },
    )
    assert resp.status_code == 404


def test_forms_need_the_csrf_token_and_bad_input_changes_nothing(
    app: Flask, client: FlaskClient, course_ready: dict[str, object]
) -> None:
    """No token, no change; a malformed form is a 400 with words, never a 500."""
    t, comp = course_ready["teacher"], course_ready["comp"]
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    data = {"competency_id": comp, "source": "observation", "level": "Mastery"}
    assert client.post(f"/course/learners/{lee}/evidence?ltik={t}", data=data).status_code == 400
    token = _csrf(client.get(f"/course/setup?ltik={t}").get_data(as_text=True))
    for bad in (
        {"level": "Platinum"},
        {"date": "yesterday"},
        {"link": "javascript:alert(1)"},
        {"source": "lms"},
        {"competency_id": "abc"},
    ):
        resp = client.post(
            f"/course/learners/{lee}/evidence?ltik={t}", data={**data, "csrf_token": token, **bad}
        )
        assert resp.status_code in (400, 404), (bad, resp.status_code)
    bad_settings = client.post(
        f"/course/setup/settings?ltik={t}",
        data={
            "csrf_token": token,
            "method": "weighted_average",
            "param_weighted_average_weight": "250",
        },
    )
    assert bad_settings.status_code == 400 and "weight" in bad_settings.get_data(as_text=True)
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_learner_submits_work_and_the_teacher_accepts_it(
    app: Flask, client: FlaskClient, course_ready: dict[str, object]
) -> None:
    """Submitted work waits for the teacher; accepted, it counts."""
    lee_ltik, comp = course_ready["l1"], course_ready["comp"]
    page = client.get(f"/me?ltik={lee_ltik}").get_data(as_text=True)
    resp = client.post(
        f"/me/evidence?ltik={lee_ltik}",
        data={
            "csrf_token": _csrf(page),
            "competency_id": comp,
            "kind": "artefact",
            "title": "My bridge model",
            "link": "https://example.org/bridge",
            "note": "I used ratios to scale it",
        },
    )
    assert resp.status_code == 302
    assert "waiting for your teacher" in client.get(f"/me?ltik={lee_ltik}").get_data(as_text=True)
    t = course_ready["teacher"]
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    page = client.get(f"/course/learners/{lee}?ltik={t}").get_data(as_text=True)
    assert "Waiting for you" in page
    with app.app_context():
        ev = db_session().scalars(select(Evidence)).one()
    client.post(
        f"/course/evidence/{ev.id}/decide?ltik={t}",
        data={"csrf_token": _csrf(page), "decision": "accept", "level": "Exceeds Mastery"},
    )
    me = client.get(f"/me?ltik={lee_ltik}").get_data(as_text=True)
    assert "waiting for your teacher" not in me and "My bridge model" in me


def test_line_items_of_another_course_are_not_found(
    app: Flask, client: FlaskClient, course_ready: dict[str, object]
) -> None:
    """Aligning a line item id from elsewhere is a 404."""
    with app.app_context():
        other = CourseLineItem(context_id=course_ready["ctx"], url="https://x/1", url_digest="z")
        db_session().add(other)
        db_session().commit()
        other_id = other.id
    t = course_ready["l1"]
    assert client.post(f"/course/assignments/{other_id}/align?ltik={t}").status_code in (400, 403)
