"""The page a launch lands on: it routes each person to their start by role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from werkzeug.wrappers import Response

from lti_tool.app import db_session
from lti_tool.usecases.course import course_competencies
from lti_tool.web.auth import csrf_token, current_launch, launch_url, requires

bp = Blueprint("home", __name__)


@bp.get("/home")
@requires()
def home() -> str | Response:
    """Teachers go to their course's progress (or set-up, the first time); learners to theirs."""
    launch = current_launch()
    if launch.context_pk is not None and launch.message_type == "LtiResourceLinkRequest":
        if launch.is_instructor:
            if course_competencies(db_session(), launch.context_pk):
                return redirect(launch_url("instructor.grid"))
            return redirect(launch_url("classroom.setup"))
        return redirect(launch_url("learner.me"))
    return render_template("home.html", launch=launch, csrf_token=csrf_token(launch))
