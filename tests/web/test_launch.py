"""A launch from the platform lands the right person on the right page."""

from __future__ import annotations

from flask.testing import FlaskClient

from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import launch


def test_teacher_launch_lands_on_home_as_instructor(client: FlaskClient, sim: SimStore) -> None:
    """A teacher's launch redirects to the tool's home, which greets them as instructor."""
    flow = launch(client, sim, "t1")
    assert flow.launch is not None and flow.launch.status_code == 302, flow.launch.get_data(
        as_text=True
    )
    page = client.get(f"/home?ltik={flow.ltik}", follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Terry Teacher" in text and "instructor" in text and "Grade 5 Mathematics" in text
