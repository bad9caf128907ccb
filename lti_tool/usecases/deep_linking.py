"""Deep linking: a teacher adds a competency-aligned, graded assignment to the LMS course.

The platform opens the tool with an LtiDeepLinkingRequest (Canvas: assignment_selection or
link_selection; Moodle: the content-item button); the teacher says what to create; the tool
answers with one ltiResourceLink carrying a lineItem, so the LMS creates the assignment and
its gradebook column, which the teacher grades as usual and the tool reads back through AGS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lti_tool.db.models import Registration
from lti_tool.lti.deep_linking import (
    DeepLinkingError,
    DeepLinkingResponse,
    DeepLinkingSettings,
    ResourceLinkItem,
    build_response,
)
from lti_tool.lti.keys import signing_key
from lti_tool.secretbox import SecretBox
from lti_tool.usecases.launches import LaunchSession

MAX_TITLE = 200
MAX_TAG = 100


@dataclass(frozen=True)
class AssignmentChoice:
    """What the teacher asked to create."""

    title: str
    score_maximum: float
    competency: str | None = None


def parse_choice(form: dict[str, str]) -> AssignmentChoice:
    """Read the teacher's form, refusing in plain words what cannot become an assignment."""
    title = " ".join((form.get("title") or "").split())
    if not title:
        raise DeepLinkingError("Give the assignment a title.")
    if len(title) > MAX_TITLE:
        raise DeepLinkingError(f"Keep the title under {MAX_TITLE} characters.")
    raw = (form.get("score_maximum") or "").strip()
    try:
        maximum = float(raw)
    except ValueError:
        raise DeepLinkingError(f"The maximum score must be a number, not {raw!r}.") from None
    if not math.isfinite(maximum) or maximum <= 0 or maximum > 10_000:
        raise DeepLinkingError("The maximum score must be above 0 and at most 10000.")
    competency = (form.get("competency") or "").strip() or None
    if competency is not None and len(competency) > MAX_TAG:
        raise DeepLinkingError(f"Keep the competency code under {MAX_TAG} characters.")
    return AssignmentChoice(title, int(maximum) if maximum.is_integer() else maximum, competency)


def request_settings(launch: LaunchSession) -> DeepLinkingSettings:
    """The platform's deep-linking settings of a launch (DeepLinkingError when not one)."""
    return DeepLinkingSettings.from_claims(launch.claims)


def respond_with_assignment(
    session: Session,
    box: SecretBox,
    launch: LaunchSession,
    choice: AssignmentChoice,
    launch_url: str,
) -> DeepLinkingResponse:
    """Sign the response that creates the assignment and its gradebook column."""
    registration = session.get(Registration, launch.registration_id)
    if registration is None:
        raise DeepLinkingError("The platform this launch came from is no longer registered.")
    item = ResourceLinkItem(
        title=choice.title,
        url=launch_url,
        score_maximum=choice.score_maximum,
        label=choice.title,
        tag=choice.competency,
        resource_id=f"competency:{choice.competency}" if choice.competency else None,
        custom={"competency": choice.competency} if choice.competency else None,
    )
    return build_response(
        launch.claims,
        registration.client_id,
        signing_key(session, box),
        [item],
        message=f"Added {choice.title}",
    )
