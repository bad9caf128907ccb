"""Fixtures for tests that launch the tool from the built-in platform."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from lti_tool.platform_sim.oidc import MEMBERSHIP
from lti_tool.platform_sim.store import SimCourse, SimStore, SimTool, SimUser, new_platform_key
from lti_tool.platform_sim.web import create_sim_app, endpoints
from tests.web.lti_flow import TOOL_BASE, register_platform


@pytest.fixture(scope="session")
def sim_server() -> Iterator[tuple[BaseWSGIServer, Flask]]:
    """The simulated platform, served on a real port so the tool fetches its keys over HTTP."""
    sim_app = create_sim_app(SimStore())
    server = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, sim_app
    server.shutdown()


# RSA key generation is slow; one platform key serves every test that does not rotate it.
PLATFORM_KEY = new_platform_key()


def make_sim(
    server: BaseWSGIServer, product: str, client_ids: tuple[str, ...] = ("tool-1",)
) -> SimStore:
    """A fresh platform of one product with a tool, a course, a teacher and two learners."""
    base = f"http://127.0.0.1:{server.server_port}"
    sim = SimStore(product=product, base_url=base, keys=[PLATFORM_KEY])
    for n, client_id in enumerate(client_ids, start=1):
        sim.tools[client_id] = SimTool(
            client_id=client_id,
            deployment_ids=[f"dep-{n}"],
            login_url=TOOL_BASE + "/lti/login",
            launch_url=TOOL_BASE + "/lti/launch",
            redirect_uris=[TOOL_BASE + "/lti/launch"],
            deep_link_url=TOOL_BASE + "/lti/launch",
        )
    sim.users["t1"] = SimUser("t1", "Terry Teacher", "Terry", "Teacher", "terry@school.example")
    sim.users["l1"] = SimUser("l1", "Lee Learner", "Lee", "Learner", "lee@school.example")
    sim.users["l2"] = SimUser("l2", "Sam Student", "Sam", "Student", "sam@school.example")
    sim.courses["c1"] = SimCourse(
        "c1",
        "Grade 5 Mathematics",
        "MATH5",
        members={
            "t1": [MEMBERSHIP + "Instructor"],
            "l1": [MEMBERSHIP + "Learner"],
            "l2": [MEMBERSHIP + "Learner"],
        },
    )
    return sim


@pytest.fixture(params=["canvas", "moodle"])
def product(request: pytest.FixtureRequest) -> str:
    """Each launch test runs as Canvas and as Moodle."""
    return str(request.param)


@pytest.fixture
def sim(sim_server: tuple[BaseWSGIServer, Flask], app: Flask, product: str) -> SimStore:
    """A fresh simulated platform, registered with the tool."""
    server, sim_app = sim_server
    store = make_sim(server, product)
    sim_app.extensions["sim_store"] = store
    register_platform(app, store, endpoints(store))
    return store


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client that speaks to the tool over https at its public host."""
    test_client = app.test_client()
    test_client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "tool.example.edu"})
    return test_client


@pytest.fixture
def sim_client(sim_server: tuple[BaseWSGIServer, Flask]) -> FlaskClient:
    """A browser's view of the platform's pages."""
    return sim_server[1].test_client()
