"""The LMS services of a course, for the use cases that sync grades and rosters.

`client_for_course(app, session, context_pk)` finds the course and its registration and
returns the `lti_tool.lti.services.ServiceClient` for it (see that module for the calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lti_tool.db.models import Context, Registration
from lti_tool.lti.services import ServiceClient, ServiceNotOffered

if TYPE_CHECKING:
    from flask import Flask


def client_for_course(app: Flask, session: Session, context_pk: int | None) -> ServiceClient:
    """The service client of a course (by its row id), or ServiceNotOffered."""
    context = session.get(Context, context_pk) if context_pk is not None else None
    registration = session.get(Registration, context.registration_id) if context else None
    if context is None or registration is None:
        raise ServiceNotOffered(
            "This launch did not come from a course, so there is no gradebook or roster to use."
        )
    if registration.status != "active":
        raise ServiceNotOffered(
            f"The registration of {registration.name or registration.issuer} is not active."
        )
    return ServiceClient.for_context(app, registration, context)
