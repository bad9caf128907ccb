"""NRPS against the built-in platform: every page, roles in both forms, status."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.app import db_session
from lti_tool.lti.claims import MediaType, Role
from lti_tool.lti.services import ServiceClient, ServiceNotOffered
from lti_tool.platform_sim.store import SimStore
from lti_tool.usecases.course_services import client_for_course
from lti_tool.usecases.launches import load_launch
from tests.web.lti_flow import launch
from tests.web.services_setup import (
    add_learners,
    service_client,
    service_log,
    trust_tool_keys,
)


@pytest.fixture
def services(app: Flask, client: FlaskClient, sim: SimStore) -> ServiceClient:
    """The tool's service client with pages of 5 members."""
    return service_client(app, client, sim, page_size=5)


def test_the_whole_roster_is_read_across_pages(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    extra = add_learners(sim, 20)
    members = services.members()
    assert [m.user_id for m in members] == ["t1", "l1", "l2", *extra]
    pages = service_log(sim, "names_and_roles") + service_log(sim, "memberships")
    assert len(pages) == 5
    assert {p["accept"] for p in pages} == {MediaType.MEMBERSHIP_CONTAINER}


def test_roles_map_whether_full_uris_or_moodles_short_names(
    services: ServiceClient, product: str
) -> None:
    by_id = {m.user_id: m for m in services.members()}
    assert by_id["t1"].role is Role.INSTRUCTOR and by_id["l1"].role is Role.LEARNER
    if product == "moodle":
        assert by_id["l1"].roles == ("Learner",)
    else:
        assert by_id["l1"].roles[0].endswith("#Learner")
    assert by_id["l2"].name == "Sam Student" and by_id["l2"].email == "sam@school.example"


def test_concluded_enrolments_are_listed_as_inactive(
    services: ServiceClient, sim: SimStore
) -> None:
    sim.courses["c1"].inactive.append("l2")
    by_id = {m.user_id: m for m in services.members()}
    assert by_id["l2"].status == "Inactive" and not by_id["l2"].active
    assert by_id["l1"].active


def test_the_roster_can_be_asked_for_one_role(services: ServiceClient) -> None:
    assert [m.user_id for m in services.members(role="Learner")] == ["l1", "l2"]


def test_a_launch_leads_to_its_courses_services(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    trust_tool_keys(app, sim)
    flow = launch(client, sim, "t1", "c1")
    no_course = launch(client, sim, "t1", None)
    with app.app_context():
        session = db_session()
        course = load_launch(session, flow.ltik)
        services = client_for_course(app, session, course.context_pk)
        assert [m.user_id for m in services.members()] == ["t1", "l1", "l2"]
        with pytest.raises(ServiceNotOffered, match="did not come from a course"):
            client_for_course(app, session, load_launch(session, no_course.ltik).context_pk)
