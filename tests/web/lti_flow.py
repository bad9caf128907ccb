"""Drive a full LTI 1.3 launch as a browser would: platform → tool login → platform → tool."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.app import db_session
from lti_tool.lti.platforms import PlatformInput, add_platform
from lti_tool.platform_sim.oidc import begin_launch
from lti_tool.platform_sim.store import SimStore

TOOL_BASE = "https://tool.example.edu"
_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_AUTH_URL = re.compile(r'data-auth-url="([^"]+)"')


def register_platform(app: Flask, sim: SimStore, urls: dict[str, str]) -> None:
    """Register every tool (client_id) of the platform with the tool, as an admin would."""
    with app.app_context():
        session = db_session()
        for tool in sim.tools.values():
            for dep in tool.deployment_ids:
                add_platform(
                    session,
                    PlatformInput(
                        issuer=sim.issuer,
                        client_id=tool.client_id,
                        auth_login_url=urls["auth"],
                        auth_token_url=urls["token"],
                        key_set_url=urls["jwks"],
                        deployment_id=dep,
                        name=f"Demo {sim.product}",
                    ),
                    allow_http=True,
                )
        session.commit()


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of an auto-posting form."""
    return {html.unescape(k): html.unescape(v) for k, v in _INPUT.findall(page)}


def auth_url(page: str) -> str:
    """The platform authorization URL the tool's login page sends the browser to."""
    match = _AUTH_URL.search(page)
    assert match, page[:500]
    return html.unescape(match.group(1))


@dataclass
class Flow:
    """What a launch left behind, for assertions."""

    login: TestResponse
    launch: TestResponse | None
    form: dict[str, str]

    @property
    def ltik(self) -> str:
        """The launch id the tool redirected to."""
        assert self.launch is not None and self.launch.status_code == 302, self.launch
        query = urlsplit(self.launch.headers["Location"]).query
        return dict(p.split("=", 1) for p in query.split("&"))["ltik"]


def login(
    client: FlaskClient, sim: SimStore, user: str, course: str | None = "c1", **kw: Any
) -> tuple[TestResponse, dict[str, str]]:
    """Platform starts a launch; the tool answers its login; the platform issues the id_token."""
    client_id = kw.pop("client_id", next(iter(sim.tools)))
    init = begin_launch(sim, client_id, user, course, **kw)
    resp = client.post("/lti/login", data=init.params)
    if resp.status_code != 200:
        return resp, {}
    url = urlsplit(auth_url(resp.get_data(as_text=True)))
    from flask import current_app  # noqa: F401 - keep imports local to the helper

    sim_client = _sim_client(sim)
    auth = sim_client.get(url.path + "?" + url.query)
    assert auth.status_code == 200, auth.get_data(as_text=True)
    return resp, hidden_fields(auth.get_data(as_text=True))


def _sim_client(sim: SimStore) -> FlaskClient:
    """A client on a platform app serving this store."""
    from lti_tool.platform_sim.web import create_sim_app

    return create_sim_app(sim).test_client()


def launch(
    client: FlaskClient, sim: SimStore, user: str, course: str | None = "c1", **kw: Any
) -> Flow:
    """A whole launch; returns the login and launch responses."""
    login_resp, form = login(client, sim, user, course, **kw)
    if not form:
        return Flow(login_resp, None, form)
    resp = client.post("/lti/launch", data=form)
    return Flow(login_resp, resp, form)
