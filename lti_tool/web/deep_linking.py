"""`/lti/deep_link`: the page a deep-linking launch opens, and the return to the platform.

Spec: https://www.imsglobal.org/spec/lti-dl/v2p0 (the tool side: §4.4 the response is posted
by the browser to `deep_link_return_url` as the form field `JWT`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from lti_tool.app import db_session
from lti_tool.lti.claims import Role
from lti_tool.lti.deep_linking import DeepLinkingError
from lti_tool.usecases.deep_linking import parse_choice, request_settings, respond_with_assignment
from lti_tool.web.auth import csrf_token, current_launch, requires
from lti_tool.web.errors import register_domain_error

bp = Blueprint("deep_linking", __name__)


def _competencies(launch: Any) -> list[Any]:
    """The course's competencies to choose from (none when it has not chosen any yet)."""
    from lti_tool.app import db_session
    from lti_tool.usecases.course import course_competencies

    if launch.context_pk is None:
        return []
    return course_competencies(db_session(), launch.context_pk)


register_domain_error(DeepLinkingError, 400, "The assignment could not be added")


@bp.get("/lti/deep_link")
@requires(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def choose() -> Any:
    """Ask the teacher what to create: title, maximum score, optional competency code."""
    launch = current_launch()
    settings = request_settings(launch)
    return render_template(
        "deep_link_choose.html",
        launch=launch,
        settings=settings,
        csrf_token=csrf_token(launch),
        form={"score_maximum": "4"},
        error=None,
        competencies=_competencies(launch),
    )


@bp.post("/lti/deep_link")
@requires(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def create() -> Any:
    """Sign the response and send the browser back to the platform with it."""
    launch = current_launch()
    settings = request_settings(launch)
    form = {k: v for k, v in request.form.items() if isinstance(v, str)}
    try:
        choice = parse_choice(form)
    except DeepLinkingError as exc:
        page = render_template(
            "deep_link_choose.html",
            launch=launch,
            settings=settings,
            csrf_token=csrf_token(launch),
            form=form,
            error=str(exc),
            competencies=_competencies(launch),
        )
        return page, 400
    session = db_session()
    response = respond_with_assignment(
        session,
        current_app.extensions["secretbox"],
        launch,
        choice,
        current_app.config["BASE_URL"] + "/lti/launch",
    )
    session.commit()
    return render_template("deep_link_return.html", response=response, choice=choice)
