"""No request to the LTI endpoints, however malformed, produces a 500 or a traceback."""

from __future__ import annotations

import base64
import json

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import login

text = st.text(max_size=300)
params = st.dictionaries(
    st.sampled_from(
        [
            "iss",
            "login_hint",
            "target_link_uri",
            "client_id",
            "lti_message_hint",
            "lti_deployment_id",
            "lti_storage_target",
            "id_token",
            "state",
            "error",
            "platform_state",
            "storage_failed",
        ]
    )
    | text,
    text,
    max_size=8,
)


def _b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
tokens = st.one_of(
    text,
    st.builds(
        lambda h, b, s: ".".join([_b64(json.dumps(h).encode()), _b64(json.dumps(b).encode()), s]),
        json_values,
        json_values,
        text,
    ),
    st.builds(lambda parts: ".".join(parts), st.lists(text, max_size=5)),
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(form=params, method=st.sampled_from(["GET", "POST"]))
def test_login_never_fails_with_a_500(
    client: FlaskClient, form: dict[str, str], method: str
) -> None:
    """Random login requests get a page or a 4xx."""
    if method == "GET":
        resp = client.get("/lti/login", query_string=form)
    else:
        resp = client.post("/lti/login", data=form)
    assert resp.status_code < 500
    assert "Traceback" not in resp.get_data(as_text=True)


@SETTINGS
@given(form=params)
def test_launch_never_fails_with_a_500(client: FlaskClient, form: dict[str, str]) -> None:
    """Random launch posts get a 4xx."""
    resp = client.post("/lti/launch", data=form)
    assert 400 <= resp.status_code < 500


@SETTINGS
@given(token=tokens, mutate_state=st.booleans())
def test_mutated_tokens_with_a_real_state_are_refused(
    app: Flask, client: FlaskClient, sim: SimStore, token: str, mutate_state: bool
) -> None:
    """Random and mutated id_tokens posted with a genuine login's state are refused, never 500."""
    _, form = login(client, sim, "l1")
    state = form["state"] + ("x" if mutate_state else "")
    resp = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert 400 <= resp.status_code < 500
    assert "Traceback" not in resp.get_data(as_text=True)


@SETTINGS
@given(position=st.integers(min_value=0), char=st.sampled_from("AZaz09-_.="))
def test_a_flipped_character_in_a_genuine_token_is_refused(
    client: FlaskClient, sim: SimStore, position: int, char: str
) -> None:
    """Changing one character of a genuine id_token never produces a launch or a 500."""
    _, form = login(client, sim, "l1")
    token = form["id_token"]
    i = position % len(token)
    if token[i] == char:
        return
    mutated = token[:i] + char + token[i + 1 :]
    resp = client.post("/lti/launch", data={"id_token": mutated, "state": form["state"]})
    assert resp.status_code != 500
    if resp.status_code == 302:
        # Base64 padding bits can absorb a change to the last character of a segment.
        assert "ltik=" in resp.headers["Location"]
    else:
        assert 400 <= resp.status_code < 500
