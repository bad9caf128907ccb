"""Security headers: every page says who may frame it and where its scripts come from."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.app import db_session
from lti_tool.db.models import Registration
from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import launch

TEMPLATES = Path(__file__).resolve().parents[2] / "lti_tool" / "web" / "templates"


def directives(resp: object) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [values]}."""
    policy = resp.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_a_launched_page_may_be_framed_only_by_its_platform(
    client: FlaskClient, sim: SimStore
) -> None:
    """The landing page: frame-ancestors 'self' and the LMS; nosniff; no X-Frame-Options."""
    flow = launch(client, sim, "t1")
    page = client.get(flow.launch.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    policy = directives(page)
    assert policy["frame-ancestors"][0] == "'self'"
    assert sim.base_url in policy["frame-ancestors"]  # the login URL's (and return URL's) origin
    assert "https://evil.example" not in policy["frame-ancestors"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in page.headers


def test_login_and_refusal_pages_carry_the_policy_too(client: FlaskClient, sim: SimStore) -> None:
    """The login page (inside the frame) and an error page have the same protections."""
    flow = launch(client, sim, "t1")
    for resp in (flow.login, client.post("/lti/launch", data={"state": "x", "id_token": "y"})):
        assert sim.base_url in directives(resp)["frame-ancestors"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "X-Frame-Options" not in resp.headers


def test_hosted_canvas_schools_may_frame_the_tool(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """Hosted Canvas frames tools from each school's subdomain, which no URL in it names."""
    resp = client.get("/healthz", headers={"Accept": "text/html"})
    page = client.post("/lti/login", data={})
    ancestors = directives(page)["frame-ancestors"]
    if sim.product == "canvas":
        assert "https://*.instructure.com" in ancestors
        assert "https://canvas.instructure.com" in ancestors
    else:
        assert "https://*.instructure.com" not in ancestors
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_switched_off_platforms_and_configured_extras(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A disabled registration's origin is dropped; FRAME_ANCESTORS adds a custom domain."""
    app.config["FRAME_ANCESTORS"] = "https://lms.district.example"
    with app.app_context():
        session = db_session()
        for reg in session.query(Registration):
            reg.status = "disabled"
        session.commit()
    app.extensions["frame_origins"].forget()
    ancestors = directives(client.post("/lti/login", data={}))["frame-ancestors"]
    assert ancestors == ["'self'", "https://lms.district.example"]


def test_no_template_has_an_inline_script_without_the_nonce() -> None:
    """Scripts are files (script-src 'self'); an inline one must carry csp_nonce()."""
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            assert "src=" in tag or "csp_nonce()" in tag, f"{template.name}: {tag}"


def test_an_inline_script_with_the_nonce_is_allowed(app: Flask) -> None:
    """A template that asks for csp_nonce() gets that nonce in its response's script-src."""

    @app.get("/nonce-probe")
    def probe() -> str:
        from flask import render_template_string

        return render_template_string('<script nonce="{{ csp_nonce() }}">1</script>')

    resp = app.test_client().get("/nonce-probe")
    nonce = re.search(r'nonce="([^"]+)"', resp.get_data(as_text=True)).group(1)
    assert f"'nonce-{nonce}'" in directives(resp)["script-src"]


def test_static_scripts_are_served_as_javascript_with_nosniff(client: FlaskClient) -> None:
    """The login page's script is a file the browser will only run as JavaScript."""
    with client.get("/static/lti_login.js") as js:
        assert js.status_code == 200
        assert js.mimetype in ("text/javascript", "application/javascript")
        assert js.headers["X-Content-Type-Options"] == "nosniff"
