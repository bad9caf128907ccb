"""LTI Dynamic Registration with the built-in platform as Canvas and as Moodle; Canvas JSON."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.app import db_session
from lti_tool.db.models import Registration
from lti_tool.lti import claims as c
from lti_tool.platform_sim.registration import registration_url
from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import TOOL_BASE, launch


def register(app: Flask, client: FlaskClient, sim: SimStore) -> Registration:
    """Run the whole dynamic registration as the LMS admin would."""
    app.config["ALLOW_HTTP_PLATFORMS"] = True
    url = registration_url(sim, TOOL_BASE + "/lti/register")
    page = client.get(url.removeprefix(TOOL_BASE))
    assert page.status_code == 200, page.get_data(as_text=True)
    assert sim.issuer in page.get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = client.post("/lti/register", data={"token": token})
    assert done.status_code == 200, done.get_data(as_text=True)
    script = re.search(r'<script src="([^"]+)">', done.get_data(as_text=True)).group(1)
    with client.get(script) as js:
        assert "org.imsglobal.lti.close" in js.get_data(as_text=True)
    with app.app_context():
        regs = db_session().scalars(select(Registration).where(Registration.status == "pending"))
        return regs.one()


def test_dynamic_registration_then_approval_then_launch(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """Register by URL; the launch waits for the admin's approval; then it works."""
    reg = register(app, client, sim)
    assert reg.product == sim.product
    assert reg.client_id in sim.tools
    tool = sim.tools[reg.client_id]
    tool.active = True  # the LMS side (Moodle registers tools as Pending too)
    assert tool.launch_url == TOOL_BASE + "/lti/launch"
    assert tool.jwks_url == TOOL_BASE + "/.well-known/jwks.json"
    pending = launch(client, sim, "t1", client_id=reg.client_id)
    assert pending.login.status_code == 403
    assert "waiting for an administrator" in pending.login.get_data(as_text=True)
    with app.app_context():
        session = db_session()
        session.get(Registration, reg.id).status = "active"
        session.commit()
    flow = launch(client, sim, "t1", client_id=reg.client_id)
    assert flow.launch is not None and flow.launch.status_code == 302


def test_registration_token_is_single_use(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """The platform refuses a second registration with the same token; the tool says so."""
    app.config["ALLOW_HTTP_PLATFORMS"] = True
    url = registration_url(sim, TOOL_BASE + "/lti/register").removeprefix(TOOL_BASE)
    first = client.get(url)
    second = client.get(url)
    t1 = re.search(r'name="token" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    t2 = re.search(r'name="token" value="([^"]+)"', second.get_data(as_text=True)).group(1)
    assert client.post("/lti/register", data={"token": t1}).status_code == 200
    refused = client.post("/lti/register", data={"token": t2})
    assert refused.status_code == 400
    assert "refused the registration (HTTP 401)" in refused.get_data(as_text=True)


def test_registration_refuses_http_platforms_by_default(client: FlaskClient, sim: SimStore) -> None:
    """Outside the demo, a platform configuration must be https."""
    url = registration_url(sim, TOOL_BASE + "/lti/register").removeprefix(TOOL_BASE)
    resp = client.get(url)
    assert resp.status_code == 400
    assert "not an https URL" in resp.get_data(as_text=True)


def test_registration_url_without_parameters_explains_itself(client: FlaskClient) -> None:
    """Opening the registration URL by hand says where to paste it."""
    resp = client.get("/lti/register")
    assert resp.status_code == 400
    assert "paste it into your LMS" in resp.get_data(as_text=True)


def test_expired_or_forged_registration_token(client: FlaskClient) -> None:
    """A form post with an unknown token changes nothing."""
    resp = client.post("/lti/register", data={"token": "forged"})
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)


def test_canvas_developer_key_json(client: FlaskClient) -> None:
    """The Canvas JSON has the required fields, the three placements and the tool's scopes."""
    data = client.get("/lti/config/canvas.json").json
    for field in ("title", "description", "oidc_initiation_url", "target_link_uri"):
        assert data[field]
    assert data["public_jwk_url"] == TOOL_BASE + "/.well-known/jwks.json"
    assert data["oidc_initiation_url"] == TOOL_BASE + "/lti/login"
    assert set(data["scopes"]) == set(c.TOOL_SCOPES)
    ext = data["extensions"][0]
    assert ext["platform"] == "canvas.instructure.com" and ext["privacy_level"] == "public"
    placements = {p["placement"]: p["message_type"] for p in ext["settings"]["placements"]}
    assert placements == {
        "course_navigation": "LtiResourceLinkRequest",
        "assignment_selection": "LtiDeepLinkingRequest",
        "link_selection": "LtiDeepLinkingRequest",
    }
