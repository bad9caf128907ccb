"""Deep linking end to end: the platform asks, the teacher chooses, the LMS gains a graded link."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from lti_tool.lti import claims as c
from lti_tool.lti.deep_linking import DeepLinkingError
from lti_tool.platform_sim.services import lineitem_url
from lti_tool.platform_sim.store import SimStore, new_platform_key
from lti_tool.usecases.deep_linking import parse_choice
from tests.web.lti_flow import hidden_fields, launch
from tests.web.services_setup import service_client, tool_jwks, trust_tool_keys

_ACTION = re.compile(r'<form id="deep-link-return" method="post" action="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _open_picker(client: FlaskClient, sim: SimStore, user: str = "t1") -> tuple[str, str]:
    """A deep-linking launch; returns the launch id and the picker page."""
    flow = launch(client, sim, user, "c1", message_type="LtiDeepLinkingRequest")
    assert flow.launch is not None and flow.launch.status_code == 302
    assert flow.launch.headers["Location"].startswith("/lti/deep_link?")
    page = client.get(flow.launch.headers["Location"])
    return flow.ltik, page.get_data(as_text=True) if page.status_code == 200 else str(
        page.status_code
    )


def _choose(client: FlaskClient, ltik: str, page: str, **form: str) -> TestResponse:
    """Submit the picker."""
    csrf = _CSRF.search(page)
    assert csrf, page[:500]
    return client.post("/lti/deep_link", data={"ltik": ltik, "csrf_token": csrf.group(1), **form})


def _return_to_platform(sim_client: FlaskClient, page: str) -> TestResponse:
    """Post the tool's auto-submitting form to the platform, as the browser does."""
    action = html.unescape(_ACTION.search(page).group(1))  # type: ignore[union-attr]
    url = urlsplit(action)
    return sim_client.post(
        url.path + ("?" + url.query if url.query else ""), data=hidden_fields(page)
    )


@pytest.fixture
def trusted(app: Flask, sim: SimStore) -> SimStore:
    """The platform knows the tool's keys."""
    trust_tool_keys(app, sim)
    return sim


def test_a_teacher_adds_a_graded_assignment_the_tool_then_sees(
    app: Flask, client: FlaskClient, trusted: SimStore, sim_client: FlaskClient
) -> None:
    sim = trusted
    ltik, picker = _open_picker(client, sim)
    assert "Add a competency-aligned assignment" in picker
    answer = _choose(
        client, ltik, picker, title="Fractions check-in", score_maximum="4", competency="NF.1"
    )
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    token = hidden_fields(page)["JWT"]
    # The certification checks, from the platform's side.
    header = jwt.get_unverified_header(token)
    assert header["kid"] in {k["kid"] for k in tool_jwks(app)["keys"]}
    body = jwt.decode(token, options={"verify_signature": False})
    assert body["iss"] == "tool-1" and body["aud"] == [sim.issuer] and body["nonce"]
    assert body[c.MESSAGE_TYPE] == "LtiDeepLinkingResponse" and body[c.VERSION] == "1.3.0"
    assert body[c.DEPLOYMENT_ID] == "dep-1"
    assert body[c.DL_DATA] in sim.deep_link_requests
    [item] = body[c.DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink" and item["lineItem"]["scoreMaximum"] == 4
    done = _return_to_platform(sim_client, page)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Fractions check-in" in done.get_data(as_text=True)
    [link] = sim.resource_links.values()
    [column] = sim.lineitems.values()
    assert (column["label"], column["tag"], column["resourceLinkId"]) == (
        "Fractions check-in",
        "NF.1",
        link["id"],
    )
    services = service_client(app, client, sim)
    [seen] = services.line_items()
    assert (seen.label, seen.tag, seen.resource_link_id) == (
        "Fractions check-in",
        "NF.1",
        link["id"],
    )


def test_launching_the_created_link_carries_its_line_item(
    app: Flask, client: FlaskClient, trusted: SimStore, sim_client: FlaskClient
) -> None:
    sim = trusted
    ltik, picker = _open_picker(client, sim)
    page = _choose(client, ltik, picker, title="Quiz", score_maximum="10").get_data(as_text=True)
    _return_to_platform(sim_client, page)
    [link] = sim.resource_links.values()
    flow = launch(client, sim, "l1", "c1", resource_link_id=link["id"])
    assert flow.launch is not None and flow.launch.status_code == 302
    claims = jwt.decode(flow.form["id_token"], options={"verify_signature": False})
    expected = lineitem_url(sim, sim.lineitems[link["lineitem_id"]])
    assert claims[c.AGS_ENDPOINT]["lineitem"] == expected
    assert claims[c.RESOURCE_LINK]["title"] == "Quiz"


def test_the_platform_takes_a_response_only_once(
    client: FlaskClient, trusted: SimStore, sim_client: FlaskClient
) -> None:
    ltik, picker = _open_picker(client, trusted)
    page = _choose(client, ltik, picker, title="Quiz", score_maximum="10").get_data(as_text=True)
    assert _return_to_platform(sim_client, page).status_code == 200
    again = _return_to_platform(sim_client, page)
    assert again.status_code == 400 and "data does not echo" in again.get_data(as_text=True)
    assert len(trusted.resource_links) == 1


def test_the_platform_refuses_a_response_signed_with_an_unknown_key(
    client: FlaskClient, trusted: SimStore, sim_client: FlaskClient
) -> None:
    ltik, picker = _open_picker(client, trusted)
    page = _choose(client, ltik, picker, title="Quiz", score_maximum="10").get_data(as_text=True)
    for tool in trusted.tools.values():
        tool.jwks = {"keys": [new_platform_key().public_jwk()]}
    refused = _return_to_platform(sim_client, page)
    assert refused.status_code == 400 and "signature" in refused.get_data(as_text=True)
    assert trusted.lineitems == {}


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"title": "", "score_maximum": "4"}, "Give the assignment a title"),
        ({"title": "Quiz", "score_maximum": "four"}, "must be a number"),
        ({"title": "Quiz", "score_maximum": "0"}, "above 0"),
        ({"title": "Quiz", "score_maximum": "nan"}, "above 0"),
    ],
)
def test_the_picker_refuses_what_cannot_become_an_assignment(
    client: FlaskClient, trusted: SimStore, form: dict[str, str], words: str
) -> None:
    ltik, picker = _open_picker(client, trusted)
    answer = _choose(client, ltik, picker, **form)
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)


def test_the_picker_needs_the_forms_csrf_token(client: FlaskClient, trusted: SimStore) -> None:
    ltik, _ = _open_picker(client, trusted)
    answer = client.post("/lti/deep_link", data={"ltik": ltik, "title": "Q", "score_maximum": "4"})
    assert answer.status_code == 400


def test_a_learner_cannot_open_the_picker(client: FlaskClient, trusted: SimStore) -> None:
    _, status = _open_picker(client, trusted, user="l1")
    assert status == "403"


def test_a_plain_launch_cannot_post_a_deep_linking_response(
    client: FlaskClient, trusted: SimStore
) -> None:
    flow = launch(client, trusted, "t1", "c1")
    answer = client.get("/lti/deep_link?ltik=" + flow.ltik)
    assert answer.status_code == 400
    assert "not a deep-linking request" in answer.get_data(as_text=True)


@given(st.dictionaries(st.sampled_from(["title", "score_maximum", "competency"]), st.text()))
def test_any_picker_form_is_read_or_refused_in_words(form: dict[str, str]) -> None:
    try:
        choice = parse_choice(form)
    except DeepLinkingError as exc:
        assert str(exc)
    else:
        assert choice.title and 0 < choice.score_maximum <= 10_000
