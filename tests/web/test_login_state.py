"""The login's signed state at the launch: forged, foreign, stale or reused states are refused."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.lti import state as login_states
from lti_tool.platform_sim.oidc import begin_launch
from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import launch, login

STATE_COOKIE = "lti1p3-state-"


def _with_state(client: FlaskClient, form: dict[str, str], state: str) -> dict[str, str]:
    """The launch form with another state, whose cookie the browser holds too."""
    client.set_cookie(STATE_COOKIE + state[:24], state, domain="tool.example.edu", path="/lti/")
    return {**form, "state": state}


def test_a_state_signed_with_another_secret_is_refused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A state minted under another tool's secret reads as unknown, even with its cookie."""
    _, form = login(client, sim, "l1")
    reg_id = int(form["state"].split(".")[2])
    foreign = login_states.mint(login_states.derive_key("another-tool-secret!!"), reg_id, 0, 10**10)
    resp = client.post("/lti/launch", data=_with_state(client, form, foreign.value))
    assert resp.status_code == 403
    assert "expired or was already used" in resp.get_data(as_text=True)


def test_a_changed_state_is_refused(client: FlaskClient, sim: SimStore) -> None:
    """Editing the registration id inside a genuine state breaks its signature."""
    _, form = login(client, sim, "l1")
    parts = form["state"].split(".")
    parts[2] = str(int(parts[2]) + 1)
    resp = client.post("/lti/launch", data=_with_state(client, form, ".".join(parts)))
    assert resp.status_code == 403
    assert "expired or was already used" in resp.get_data(as_text=True)


def test_an_expired_state_is_refused(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """A state past LAUNCH_STATE_TTL_SECONDS is refused even though its token is fresh."""
    app.config["LAUNCH_STATE_TTL_SECONDS"] = -1
    flow = launch(client, sim, "l1")
    assert flow.launch is not None and flow.launch.status_code == 403
    assert "expired or was already used" in flow.launch.get_data(as_text=True)


def test_a_state_cannot_be_used_twice_even_with_its_cookie(
    client: FlaskClient, sim: SimStore
) -> None:
    """The used-state mark refuses a second launch whose browser still holds the cookie."""
    first = launch(client, sim, "l1")
    assert first.launch is not None and first.launch.status_code == 302
    resp = client.post("/lti/launch", data=_with_state(client, first.form, first.form["state"]))
    assert resp.status_code == 403
    assert "expired or was already used" in resp.get_data(as_text=True)


def test_a_storage_target_must_name_a_window(client: FlaskClient, sim: SimStore) -> None:
    """lti_storage_target is echoed into the login page's script data: only a frame name."""
    init = begin_launch(sim, next(iter(sim.tools)), "l1", "c1", storage_target="_parent")
    bad = {**init.params, "lti_storage_target": 'x"><script>alert(1)</script>'}
    resp = client.post("/lti/login", data=bad)
    assert resp.status_code == 400
    assert "not a window or frame name" in resp.get_data(as_text=True)
    good = client.post("/lti/login", data=init.params)
    assert good.status_code == 200 and 'data-target="_parent"' in good.get_data(as_text=True)
