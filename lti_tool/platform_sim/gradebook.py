"""The LMS gradebook: where a teacher grades the tool's assignments, as in Canvas or Moodle.

AGS shows a tool only the columns it created; teachers grade those columns here, and the
tool reads the grades back as results. The page is for the demo; tests and the demo seeding
call `set_grade` directly, or post JSON to the same URL.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from lti_tool.platform_sim.services import ScoreRefused, latest_scores, learners, set_grade
from lti_tool.platform_sim.web import store

bp = Blueprint("sim_gradebook", __name__, template_folder="templates")


def _parse_score(raw: Any) -> float | None:
    """A grade typed by the teacher: a number, or empty to clear it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ScoreRefused(400, f"{raw!r} is not a number") from None
    if value < 0:
        raise ScoreRefused(400, "a grade cannot be negative")
    return value


@bp.route("/courses/<course_id>/gradebook", methods=["GET", "POST"])
def gradebook(course_id: str) -> Any:
    """Show the course's columns × learners, or set one grade (form or JSON)."""
    sim = store()
    course = sim.courses.get(course_id) or abort(404)
    items = [i for i in sim.lineitems.values() if i["course_id"] == course_id]
    error = None
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form
        body = body if isinstance(body, dict) or hasattr(body, "get") else {}
        item_id, user_id = str(body.get("lineitem", "")), str(body.get("user", ""))
        if item_id not in {i["id"] for i in items} or user_id not in learners(course):
            error = "Choose a column of this course and one of its learners."
        else:
            try:
                record = set_grade(sim, item_id, user_id, _parse_score(body.get("score")))
            except ScoreRefused as exc:
                error = exc.message
            else:
                if request.is_json:
                    return jsonify(record)
                return redirect(url_for("sim_gradebook.gradebook", course_id=course_id))
        if request.is_json:
            return jsonify(error=error), 400
    grades = {i["id"]: latest_scores(sim, i["id"]) for i in items}
    status = 400 if error else 200
    page = render_template(
        "sim_gradebook.html",
        sim=sim,
        course=course,
        items=sorted(items, key=lambda i: int(i["id"])),
        learners=learners(course),
        grades=grades,
        error=error,
    )
    return page, status
