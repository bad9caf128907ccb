"""The learner's page: their own competencies, the evidence behind each, and what is next.

Nothing here takes a learner identifier from the request: the learner is always the person
of the launch, so no URL can show anyone else's progress.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request
from werkzeug.wrappers import Response

from lti_tool.app import db_session
from lti_tool.lti.claims import Role
from lti_tool.usecases import progress
from lti_tool.usecases.course import course_competencies, current_settings
from lti_tool.usecases.evidence import record_manual
from lti_tool.web.auth import csrf_token, current_launch, launch_url, requires
from lti_tool.web.panels import competency_panels

bp = Blueprint("learner", __name__, url_prefix="/me")


def _course() -> int:
    launch = current_launch()
    if launch.context_pk is None:
        abort(400, description="Open the tool from a course to see your competencies.")
    return launch.context_pk


@bp.get("")
@requires(Role.LEARNER)
def me() -> str:
    """My competencies: where I am, why, what mastery looks like and what comes next."""
    launch = current_launch()
    session = db_session()
    ctx = _course()
    settings = current_settings(session, ctx)
    states = progress.states_for(session, ctx, launch.user_id)
    panels = competency_panels(session, ctx, launch.user_id, mine=True)
    mastered = sum(1 for st in states.values() if st.status in ("mastered", "exceeds"))
    return render_template(
        "learner/me.html",
        launch=launch,
        csrf_token=csrf_token(launch),
        url=launch_url,
        panels=panels,
        next_up=[p for p in panels if p["ready"]],
        mastered=mastered,
        settings=settings,
        words=progress.STATUS_WORDS,
        sent=request.args.get("sent") == "1",
    )


@bp.post("/evidence")
@requires(Role.LEARNER)
def submit() -> Response:
    """Send my teacher a piece of work or a reflection as evidence of a competency."""
    launch = current_launch()
    session = db_session()
    ctx = _course()
    comp_id = request.form.get("competency_id", type=int) or 0
    if comp_id not in {c.id for c in course_competencies(session, ctx)}:
        abort(404, description="There is no such competency in this course.")
    record_manual(
        session,
        context_id=ctx,
        learner_id=launch.user_id,
        course_competency_id=comp_id,
        source="outside_school" if request.form.get("kind") == "outside_school" else "artefact",
        score=None,
        points_possible=None,
        at=datetime.now(UTC),
        recorded_by_id=launch.user_id,
        note=request.form.get("note", "")[:2000],
        link=request.form.get("link", "").strip()[:2000],
        title=request.form.get("title", "")[:200],
        pending=True,
    )
    session.commit()
    return redirect(launch_url("learner.me", sent=1) + f"#c{comp_id}")
