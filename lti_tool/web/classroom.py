"""The teacher's set-up pages: competencies, scale and method; assignments and alignments;
syncing with the LMS and writing mastery back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response

from lti_tool import jobs
from lti_tool.app import db_session
from lti_tool.db.models.classroom import CourseLineItem
from lti_tool.db.models.lti import Context
from lti_tool.lti.service_http import ServiceError
from lti_tool.usecases import engine, frameworks, progress, sync
from lti_tool.usecases.course import (
    SetupError,
    align,
    alignments,
    assignment_line_items,
    course_competencies,
    current_settings,
    set_competencies,
    settings_history,
    update_settings,
)
from lti_tool.web.auth import current_launch, launch_url, requires
from lti_tool.web.errors import register_domain_error
from lti_tool.web.instructor import TEACHERS, course_id, page

bp = Blueprint("classroom", __name__, url_prefix="/course")
register_domain_error(sync.SyncError, 409, "The sync could not run")
register_domain_error(ServiceError, 502, "The LMS did not answer as expected")


@bp.get("/setup")
@requires(*TEACHERS)
def setup() -> str:
    """Choose the course's competencies, scale, method and evidence rules."""
    session = db_session()
    chosen = course_competencies(session, course_id())
    framework_id = request.args.get("framework", "")
    return page(
        "instructor/setup.html",
        settings=current_settings(session, course_id()),
        history=settings_history(session, course_id())[:10],
        methods=engine.method_choices(),
        chosen=chosen,
        chosen_ids={c.identifier for c in chosen},
        documents=frameworks.documents(session),
        framework=frameworks.outline(session, framework_id) if framework_id else None,
    )


def _levels_from_form() -> list[dict[str, Any]] | None:
    names = request.form.getlist("level_name")
    if not names:
        return None
    points = request.form.getlist("level_points")
    mastery = request.form.get("mastery_level", "")
    levels = []
    for i, name in enumerate(names):
        if not name.strip():
            continue
        levels.append(
            {
                "name": name,
                "points": points[i] if i < len(points) else "",
                "mastery": name.strip() == mastery.strip(),
            }
        )
    return levels


@bp.post("/setup/settings")
@requires(*TEACHERS)
def save_settings() -> Response:
    """Save a new version of the scale, method and evidence rules."""
    session = db_session()
    method = request.form.get("method", "")
    params = {
        name: request.form.get(f"param_{method}_{name}", "")
        for name in engine.method_choices().get(method, {}).get("params", {})
    }
    update_settings(
        session,
        course_id(),
        changed_by_id=current_launch().user_id,
        scale=_levels_from_form(),
        method=method,
        params=params,
        min_evidence=request.form.get("min_evidence", type=int),
        min_evidence_types=request.form.get("min_evidence_types", type=int),
        note=request.form.get("note", ""),
    )
    progress.recompute(session, course_id())
    session.commit()
    return redirect(launch_url("classroom.setup", saved=1))


@bp.post("/setup/competencies")
@requires(*TEACHERS)
def save_competencies() -> Response:
    """Add the items ticked in a framework (whole branches or single items), or remove some."""
    session = db_session()
    current = course_competencies(session, course_id())
    keep = [c for c in current if str(c.id) not in request.form.getlist("remove")]
    added = frameworks.choices(session, request.form.getlist("item"))
    existing = [frameworks.choice_of(c) for c in keep]
    set_competencies(session, course_id(), existing + added)
    progress.recompute(session, course_id())
    session.commit()
    return redirect(launch_url("classroom.setup"))


@bp.get("/assignments")
@requires(*TEACHERS)
def assignments() -> str:
    """The course's assignments the tool can see, and what each is aligned to."""
    session = db_session()
    aligned = alignments(session, course_id())
    return page(
        "instructor/assignments.html",
        items=assignment_line_items(session, course_id()),
        aligned={li: {a.course_competency_id: a for a in rows} for li, rows in aligned.items()},
        competencies=course_competencies(session, course_id()),
        settings=current_settings(session, course_id()),
        run=sync.latest_run(session, course_id()),
        can_sync=_context().lineitems_url is not None,
    )


def _context() -> Context:
    ctx = db_session().get(Context, course_id())
    assert ctx is not None
    return ctx


def _line_item(line_item_id: int) -> CourseLineItem:
    from flask import abort

    row = db_session().get(CourseLineItem, line_item_id)
    if row is None or row.context_id != course_id():
        abort(404, description="There is no such assignment in this course.")
    return row


@bp.post("/assignments/<int:line_item_id>/align")
@requires(*TEACHERS)
def save_alignment(line_item_id: int) -> Response:
    """Align an assignment to competencies, by rescaling or by cut scores."""
    session = db_session()
    item = _line_item(line_item_id)
    ids = [int(v) for v in request.form.getlist("competency_id") if v.isdigit()]
    mapping: dict[str, Any] = {"kind": request.form.get("mapping", "rescale")}
    if mapping["kind"] in ("cuts", "rubric"):
        settings = current_settings(session, course_id())
        prefix = "cut" if mapping["kind"] == "cuts" else "rubric"
        cuts = []
        for level in settings.scale:
            raw = request.form.get(f"{prefix}_{level['points']:g}", "").strip()
            if raw:
                try:
                    cuts.append([float(raw), float(level["points"])])
                except ValueError:
                    raise SetupError(
                        f"the cut score for {level['name']} must be a number"
                    ) from None
        mapping["cuts"] = cuts
    align(session, item, ids, mapping, by_id=current_launch().user_id)
    progress.recompute(session, course_id())
    session.commit()
    return redirect(launch_url("classroom.assignments") + f"#li{item.id}")


@bp.post("/assignments/new")
@requires(*TEACHERS)
def new_assignment() -> Response:
    """Create a competency-aligned gradebook column in the LMS through AGS."""
    session = db_session()
    label = request.form.get("label", "").strip()
    if not label:
        raise SetupError("give the assignment a name")
    try:
        maximum = float(request.form.get("score_maximum", "") or 0)
    except ValueError:
        raise SetupError("points possible must be a number") from None
    if not 0 < maximum <= 10000:
        raise SetupError("points possible must be more than 0")
    ids = [int(v) for v in request.form.getlist("competency_id") if v.isdigit()]
    services = sync.services_for(current_app, session, _context())
    created = services.create_line_item(label[:250], maximum, "", "aligned")
    from lti_tool.usecases.course import remember_line_items

    (row,) = remember_line_items(session, course_id(), [created])
    # A fresh listing would mark everything else gone; only this one was added.
    for other in assignment_line_items(session, course_id()):
        other.gone = False
    if ids:
        align(session, row, ids, {"kind": "rescale"}, by_id=current_launch().user_id)
    session.commit()
    return redirect(launch_url("classroom.assignments") + f"#li{row.id}")


@bp.post("/sync")
@requires(*TEACHERS)
def start_sync() -> Response:
    """Start pulling scores (and then writing mastery back) in the background."""
    session = db_session()
    if _context().lineitems_url is None:
        raise sync.SyncError(
            "This course's LMS did not grant the tool access to grades (Assignment and Grade "
            "Services). Ask your LMS administrator to enable it for this tool."
        )
    run, new = sync.start(session, course_id(), current_launch().user_id)
    session.commit()
    if new:
        jobs.submit(current_app._get_current_object(), "lti_tool.usecases.sync.job", run.id)  # type: ignore[attr-defined]
    if request.accept_mimetypes.best == "application/json":
        return jsonify(run=_run_json(run))
    return redirect(launch_url("classroom.assignments", run=run.id))


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "total": run.total,
        "done": run.done,
        "evidence_added": run.evidence_added,
        "message": run.message,
    }


@bp.get("/sync/<int:run_id>")
@requires(*TEACHERS)
def sync_status(run_id: int) -> Response:
    """A run's progress, for the progress bar."""
    from flask import abort

    from lti_tool.db.models.classroom import SyncRun

    run = db_session().get(SyncRun, run_id)
    if run is None or run.context_id != course_id():
        abort(404, description="There is no such sync in this course.")
    return jsonify(run=_run_json(run))
