"""The teacher's pages: the grid, a learner's page, evidence by hand and overrides.

Every query is scoped to the course of the launch; an identifier from another course is a
404, whatever it names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti_tool.app import db_session
from lti_tool.db.models.classroom import CourseCompetency, Evidence, MasteryOverride
from lti_tool.db.models.lti import Enrolment, User
from lti_tool.lti.claims import Role
from lti_tool.usecases import progress
from lti_tool.usecases.course import SetupError, add_override, current_settings
from lti_tool.usecases.evidence import MANUAL_SOURCES, EvidenceError, decide_pending, record_manual
from lti_tool.web.auth import csrf_token, current_launch, launch_url, requires
from lti_tool.web.errors import register_domain_error
from lti_tool.web.panels import competency_panels

bp = Blueprint("instructor", __name__, url_prefix="/course")
TEACHERS = (Role.INSTRUCTOR, Role.ADMINISTRATOR)

register_domain_error(SetupError, 400, "That change could not be made")
register_domain_error(EvidenceError, 400, "That evidence could not be recorded")


def course_id() -> int:
    """The launch's course, or a clear refusal when the tool was opened outside one."""
    launch = current_launch()
    if launch.context_pk is None:
        abort(400, description="Open the tool from a course to see its competencies.")
    return launch.context_pk


def learner_in_course(learner_id: int) -> User:
    """A learner of this course, or 404."""
    row = (
        db_session()
        .scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                User.id == learner_id,
                Enrolment.context_id == course_id(),
                Enrolment.role == "learner",
            )
        )
        .first()
    )
    if row is None:
        abort(404, description="There is no such learner in this course.")
    return row


def competency_in_course(competency_id: int) -> CourseCompetency:
    """A competency of this course, or 404."""
    row = db_session().get(CourseCompetency, competency_id)
    if row is None or row.context_id != course_id() or row.removed_at is not None:
        abort(404, description="There is no such competency in this course.")
    return row


def page(template: str, **values: Any) -> str:
    """Render with what every tool page needs."""
    launch = current_launch()
    return render_template(
        template, launch=launch, csrf_token=csrf_token(launch), url=launch_url, **values
    )


@bp.get("/grid")
@requires(*TEACHERS)
def grid() -> str:
    """Learners x competencies, coloured by level, with filters; sorted by name only."""
    show = request.args.get("show", "all")
    if show not in ("all", "support", "insufficient", "ready"):
        show = "all"
    session = db_session()
    data = progress.grid(session, course_id(), show)
    return page(
        "instructor/grid.html",
        grid=data,
        show=show,
        settings=current_settings(session, course_id()),
        words=progress.STATUS_WORDS,
    )


def _competency_panels(learner_id: int) -> list[dict[str, Any]]:
    """For each competency: the stored result, whether it is next, the evidence, a chart."""
    return competency_panels(db_session(), course_id(), learner_id, mine=False)


@bp.get("/learners/<int:learner_id>")
@requires(*TEACHERS)
def learner(learner_id: int) -> str:
    """One learner's competencies: level, evidence over time, the engine's explanation."""
    person = learner_in_course(learner_id)
    session = db_session()
    return page(
        "instructor/learner.html",
        person=person,
        panels=_competency_panels(learner_id),
        settings=current_settings(session, course_id()),
        words=progress.STATUS_WORDS,
        sources=MANUAL_SOURCES,
        today=datetime.now(UTC).date().isoformat(),
    )


def _parse_day(text: str) -> datetime:
    """A date from a form, as noon UTC of that day; today when empty."""
    if not text:
        return datetime.now(UTC)
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise EvidenceError("the date must look like 2026-11-29") from None
    return day.replace(hour=12, tzinfo=UTC)


def _level_points(name: str) -> float:
    settings = current_settings(db_session(), course_id())
    for level in settings.scale:
        if level["name"] == name:
            return float(level["points"])
    raise EvidenceError("choose a level of the course's scale")


@bp.post("/learners/<int:learner_id>/evidence")
@requires(*TEACHERS)
def add_evidence(learner_id: int) -> Response:
    """Record an observation, learning outside school or an artefact, at a level."""
    learner_in_course(learner_id)
    comp = competency_in_course(request.form.get("competency_id", type=int) or 0)
    session = db_session()
    settings = current_settings(session, course_id())
    record_manual(
        session,
        context_id=course_id(),
        learner_id=learner_id,
        course_competency_id=comp.id,
        source=request.form.get("source", "observation"),
        score=_level_points(request.form.get("level", "")),
        points_possible=settings.top_points,
        at=_parse_day(request.form.get("date", "")),
        recorded_by_id=current_launch().user_id,
        note=request.form.get("note", "")[:2000],
        link=request.form.get("link", "").strip()[:2000],
        title=request.form.get("title", "")[:200],
    )
    progress.recompute(session, course_id(), [learner_id])
    session.commit()
    return redirect(launch_url("instructor.learner", learner_id=learner_id) + f"#c{comp.id}")


@bp.post("/learners/<int:learner_id>/override")
@requires(*TEACHERS)
def override(learner_id: int) -> Response:
    """Set a learner's level on a competency by judgement, with the note that explains it."""
    learner_in_course(learner_id)
    comp = competency_in_course(request.form.get("competency_id", type=int) or 0)
    session = db_session()
    if request.form.get("withdraw"):
        for row in session.scalars(
            select(MasteryOverride).where(
                MasteryOverride.learner_id == learner_id,
                MasteryOverride.course_competency_id == comp.id,
                MasteryOverride.withdrawn_at.is_(None),
            )
        ):
            row.withdrawn_at = datetime.now(UTC)
    else:
        add_override(
            session,
            context_id=course_id(),
            learner_id=learner_id,
            course_competency_id=comp.id,
            level_name=request.form.get("level", ""),
            note=request.form.get("note", ""),
            by_id=current_launch().user_id,
        )
    progress.recompute(session, course_id(), [learner_id])
    session.commit()
    return redirect(launch_url("instructor.learner", learner_id=learner_id) + f"#c{comp.id}")


@bp.post("/evidence/<int:evidence_id>/decide")
@requires(*TEACHERS)
def decide(evidence_id: int) -> Response:
    """Accept a learner's submitted work at a level, or decline it."""
    session = db_session()
    row = session.get(Evidence, evidence_id)
    if row is None or row.context_id != course_id():
        abort(404, description="There is no such evidence in this course.")
    settings = current_settings(session, course_id())
    accept = request.form.get("decision") == "accept"
    decide_pending(
        session,
        row,
        accept=accept,
        score=_level_points(request.form.get("level", "")) if accept else None,
        points=settings.top_points,
    )
    progress.recompute(session, course_id(), [row.learner_id])
    session.commit()
    return redirect(launch_url("instructor.learner", learner_id=row.learner_id))
