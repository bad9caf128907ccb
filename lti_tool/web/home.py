"""The page a launch lands on: it says who you are here and routes you by role."""

from __future__ import annotations

from flask import Blueprint, render_template

from lti_tool.web.auth import csrf_token, current_launch, requires

bp = Blueprint("home", __name__)


@bp.get("/home")
@requires()
def home() -> str:
    """The landing page for every launch: the teacher's or the learner's start."""
    launch = current_launch()
    return render_template("home.html", launch=launch, csrf_token=csrf_token(launch))
