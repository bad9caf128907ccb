"""Setting up service tests: trust the tool's keys in the platform, launch, build a client."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.app import db_session
from lti_tool.db.models import Context
from lti_tool.lti.keys import ensure_key, published_jwks
from lti_tool.lti.platforms import find_registration
from lti_tool.lti.services import ServiceClient
from lti_tool.platform_sim.oidc import MEMBERSHIP
from lti_tool.platform_sim.store import SimStore, SimUser
from tests.web.lti_flow import launch

LEARNER = MEMBERSHIP + "Learner"


def tool_jwks(app: Flask) -> dict[str, Any]:
    """The tool's published key set (creating its first key)."""
    with app.app_context():
        session = db_session()
        ensure_key(session, app.extensions["secretbox"])
        session.commit()
        return published_jwks(session)


def trust_tool_keys(app: Flask, sim: SimStore) -> None:
    """Give every tool in the platform the tool's public keys, as an admin pastes them."""
    jwks = tool_jwks(app)
    for tool in sim.tools.values():
        tool.jwks = jwks


def service_client(
    app: Flask,
    client: FlaskClient,
    sim: SimStore,
    *,
    user: str = "t1",
    course: str = "c1",
    client_id: str | None = None,
    **options: Any,
) -> ServiceClient:
    """Launch into the course (so the tool learns its endpoints) and build its client."""
    trust_tool_keys(app, sim)
    client_id = client_id or next(iter(sim.tools))
    flow = launch(client, sim, user, course, client_id=client_id)
    assert flow.launch is not None and flow.launch.status_code == 302, flow.launch
    with app.app_context():
        session = db_session()
        reg = find_registration(session, sim.issuer, client_id)
        assert reg is not None
        ctx = session.scalars(
            select(Context).where(Context.registration_id == reg.id, Context.context_id == course)
        ).one()
        return ServiceClient.for_context(app, reg, ctx, **options)


def add_learners(sim: SimStore, count: int, course: str = "c1") -> list[str]:
    """Enrol `count` more learners in a course; their ids."""
    ids = []
    for n in range(count):
        uid = f"x{n:04d}"
        sim.users[uid] = SimUser(uid, f"Learner {n}", "Learner", str(n), f"{uid}@school.example")
        sim.courses[course].members[uid] = [LEARNER]
        ids.append(uid)
    return ids


def service_log(sim: SimStore, fragment: str) -> list[dict[str, Any]]:
    """The platform's log of service requests whose path contains `fragment`."""
    return [e for e in sim.request_log if fragment in e["path"]]
