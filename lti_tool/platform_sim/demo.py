"""The demo LMS's people, course and tool registration, seeded once and kept in a JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lti_tool.platform_sim.oidc import INSTITUTION, MEMBERSHIP
from lti_tool.platform_sim.store import SimCourse, SimStore, SimTool, SimUser

DEMO_CLIENT_ID = "demo-competencies"
DEMO_DEPLOYMENT_ID = "1"
DEMO_COURSE_ID = "math5"

PEOPLE = [
    ("teacher", "Ms. Rivera", "Ana", "Rivera", [MEMBERSHIP + "Instructor"]),
    ("amara", "Amara Okafor", "Amara", "Okafor", [MEMBERSHIP + "Learner"]),
    ("ben", "Ben Carter", "Ben", "Carter", [MEMBERSHIP + "Learner"]),
    ("chloe", "Chloe Nguyen", "Chloe", "Nguyen", [MEMBERSHIP + "Learner"]),
    ("diego", "Diego Morales", "Diego", "Morales", [MEMBERSHIP + "Learner"]),
    ("esme", "Esme Walker", "Esme", "Walker", [MEMBERSHIP + "Learner"]),
]


def load_or_create(path: Path, base_url: str, tool_base_url: str, product: str) -> SimStore:
    """The demo platform saved at `path`, created with its people and the tool when new."""
    if path.exists():
        sim = SimStore.load(path)
        if sim.base_url == base_url and sim.product == product:
            return sim
    sim = SimStore(product=product, base_url=base_url, path=str(path))
    sim.tools[DEMO_CLIENT_ID] = SimTool(
        client_id=DEMO_CLIENT_ID,
        deployment_ids=[DEMO_DEPLOYMENT_ID],
        login_url=tool_base_url + "/lti/login",
        launch_url=tool_base_url + "/lti/launch",
        redirect_uris=[tool_base_url + "/lti/launch"],
        jwks_url=tool_base_url + "/.well-known/jwks.json",
        deep_link_url=tool_base_url + "/lti/launch",
    )
    course = SimCourse(DEMO_COURSE_ID, "Grade 5 Mathematics", "MATH-5", deployment_id="1")
    for uid, name, given, family, roles in PEOPLE:
        sim.users[uid] = SimUser(uid, name, given, family, f"{uid}@school.example")
        course.members[uid] = list(roles)
    sim.users["admin"] = SimUser(
        "admin",
        "Dr. Patel (district admin)",
        "Priya",
        "Patel",
        "admin@district.example",
        institution_roles=[INSTITUTION + "Administrator"],
    )
    course.members["admin"] = [MEMBERSHIP + "Instructor"]
    sim.courses[course.id] = course
    sim.save()
    return sim


def place_assignment(
    sim: SimStore, title: str, maximum: float, code: str, course_id: str = DEMO_COURSE_ID
) -> dict[str, Any]:
    """An assignment the tool created by deep linking: a resource link in the course and its
    gradebook column, tagged with the competency code it is evidence of."""
    from lti_tool.platform_sim.services import create_lineitem

    link_id = "rl-" + sim.new_id()
    fields = {
        "label": title,
        "scoreMaximum": maximum,
        "tag": code,
        "resourceId": f"competency:{code}",
        "resourceLinkId": link_id,
    }
    item = create_lineitem(sim, course_id, DEMO_CLIENT_ID, fields, coupled=True)
    sim.resource_links[link_id] = {
        "id": link_id,
        "course_id": course_id,
        "client_id": DEMO_CLIENT_ID,
        "title": title,
        "url": sim.tools[DEMO_CLIENT_ID].launch_url,
        "custom": {"competency": code},
        "lineitem_id": item["id"],
    }
    sim.save()
    return item
