"""The built-in platform's service rules, spoken to directly: what it refuses, and how."""

from __future__ import annotations

import json

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.lti.claims import MediaType, Scope
from lti_tool.lti.services import ServiceClient, ServiceError
from lti_tool.platform_sim.services import lineitem_url, set_grade
from lti_tool.platform_sim.store import SimStore
from tests.web.services_setup import service_client


@pytest.fixture
def services(app: Flask, client: FlaskClient, sim: SimStore) -> ServiceClient:
    """The tool's service client for course c1."""
    return service_client(app, client, sim)


def _token(services: ServiceClient, *scopes: str) -> str:
    """A bearer token for exactly these scopes."""
    return services.tokens.token(services.services.token, scopes)


def _item_url(services: ServiceClient) -> str:
    """A new line item's URL."""
    return services.create_line_item("Quiz", 10).id


def test_a_score_needs_the_score_media_type(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    from lti_tool.lti.links import service_url

    url = service_url(_item_url(services), "/scores")
    body = {
        "userId": "l1",
        "scoreGiven": 1,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-01-01T00:00:00+00:00",
    }
    headers = {"Authorization": "Bearer " + _token(services, Scope.SCORE.value)}
    plain = requests.post(url, json=body, headers=headers, timeout=10)
    assert plain.status_code == (400 if product == "moodle" else 415)
    typed = requests.post(
        url,
        data=json.dumps(body),
        headers={**headers, "Content-Type": MediaType.SCORE},
        timeout=10,
    )
    assert typed.status_code in (200, 204)


def test_a_token_without_the_scope_is_refused(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    token = _token(services, Scope.SCORE.value)
    resp = requests.get(
        services.services.lineitems_url or "",
        headers={"Authorization": "Bearer " + token, "Accept": MediaType.LINEITEM_CONTAINER},
        timeout=10,
    )
    assert resp.status_code == (401 if product == "canvas" else 403)
    assert 'error="insufficient_scope"' in resp.headers["WWW-Authenticate"]


def test_no_token_no_service(services: ServiceClient) -> None:
    resp = requests.get(services.services.lineitems_url or "", timeout=10)
    assert resp.status_code == 401


@pytest.mark.parametrize("product", ["moodle"])
def test_moodle_urls_must_carry_the_tools_type_id(services: ServiceClient, product: str) -> None:
    token = _token(services, Scope.LINEITEM_READONLY.value)
    url = (services.services.lineitems_url or "").replace("type_id=dep-1", "type_id=99")
    resp = requests.get(url, headers={"Authorization": "Bearer " + token}, timeout=10)
    assert resp.status_code == 400


def test_a_line_item_needs_a_label_and_a_positive_maximum(services: ServiceClient) -> None:
    with pytest.raises(ServiceError, match="maximum score above 0"):
        services.create_line_item("Quiz", 0)
    with pytest.raises(ServiceError, match="needs a label"):
        services.create_line_item("  ", 10)


def test_the_platform_checks_line_items_too(services: ServiceClient) -> None:
    token = _token(services, Scope.LINEITEM.value)
    resp = requests.post(
        services.services.lineitems_url or "",
        data=json.dumps({"label": "x", "scoreMaximum": -1}),
        headers={"Authorization": "Bearer " + token, "Content-Type": MediaType.LINEITEM},
        timeout=10,
    )
    assert resp.status_code == 400 and "scoreMaximum" in resp.text


def test_a_tool_never_sees_another_tools_line_items(services: ServiceClient, sim: SimStore) -> None:
    from lti_tool.platform_sim.services import create_lineitem

    create_lineitem(sim, "c1", "someone-else", {"label": "Native", "scoreMaximum": 5})
    assert services.line_items() == []
    other = next(iter(sim.lineitems.values()))
    # Its URL as this tool would write it (Moodle: with this tool's type_id).
    with pytest.raises(ServiceError) as err:
        services.results(lineitem_url(sim, {**other, "client_id": "tool-1"}))
    assert err.value.status == 404


def test_canvas_refuses_to_delete_a_column_coupled_to_an_assignment(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    from lti_tool.platform_sim.services import create_lineitem

    item = create_lineitem(
        sim, "c1", "tool-1", {"label": "Linked", "scoreMaximum": 5}, coupled=True
    )
    if product == "canvas":
        with pytest.raises(ServiceError) as err:
            services.delete_line_item(lineitem_url(sim, item))
        assert err.value.status == 401
    else:
        services.delete_line_item(lineitem_url(sim, item))
        assert sim.lineitems == {}


def test_the_gradebook_page_sets_and_clears_grades(
    services: ServiceClient, sim: SimStore, sim_client: FlaskClient
) -> None:
    item = services.create_line_item("Quiz", 10)
    [item_id] = sim.lineitems
    page = sim_client.get("/courses/c1/gradebook")
    assert page.status_code == 200 and "Quiz" in page.get_data(as_text=True)
    saved = sim_client.post(
        "/courses/c1/gradebook", data={"lineitem": item_id, "user": "l1", "score": "8.5"}
    )
    assert saved.status_code == 302
    assert {r.user_id: r.score for r in services.results(item)}["l1"] == 8.5
    cleared = sim_client.post(
        "/courses/c1/gradebook", json={"lineitem": item_id, "user": "l1", "score": ""}
    )
    assert cleared.status_code == 200 and cleared.get_json()["scoreGiven"] is None
    assert all(r.score is None for r in services.results(item) if r.user_id == "l1")


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"user": "l1", "score": "abc"}, "is not a number"),
        ({"user": "l1", "score": "-1"}, "cannot be negative"),
        ({"user": "t1", "score": "1"}, "one of its learners"),
        ({"user": "nobody", "score": "1"}, "one of its learners"),
    ],
)
def test_the_gradebook_refuses_bad_grades(
    services: ServiceClient,
    sim: SimStore,
    sim_client: FlaskClient,
    form: dict[str, str],
    words: str,
) -> None:
    services.create_line_item("Quiz", 10)
    [item_id] = sim.lineitems
    resp = sim_client.post("/courses/c1/gradebook", data={"lineitem": item_id, **form})
    assert resp.status_code == 400 and words in resp.get_data(as_text=True)
    assert sim.scores[item_id] == []


def test_the_demo_course_page_offers_deep_linking_and_the_gradebook_to_teachers(
    services: ServiceClient, sim: SimStore, sim_client: FlaskClient
) -> None:
    teacher = sim_client.get("/courses/c1?as=t1").get_data(as_text=True)
    assert "Add a competency-aligned assignment" in teacher and "Gradebook" in teacher
    learner = sim_client.get("/courses/c1?as=l1").get_data(as_text=True)
    assert "Add a competency-aligned assignment" not in learner
    picker = sim_client.get("/courses/c1?as=t1&dl=1").get_data(as_text=True)
    assert "message=deep_link" in picker


def test_set_grade_keeps_timestamps_increasing(services: ServiceClient, sim: SimStore) -> None:
    services.create_line_item("Quiz", 10)
    [item_id] = sim.lineitems
    for score in (1, 2, 3, 4):
        set_grade(sim, item_id, "l1", score)
    assert [r["scoreGiven"] for r in sim.scores[item_id]] == [1, 2, 3, 4]


def test_an_expired_token_is_refused_and_the_tool_gets_a_new_one(
    services: ServiceClient, sim: SimStore
) -> None:
    services.line_items()
    for record in sim.access_tokens.values():
        record["expires"] = 0  # the platform's clock says the token is over
    services.line_items()
    assert sim.token_requests == 2
    assert sum(1 for e in sim.request_log if e["method"] == "GET") == 3  # one refused, retried


def test_the_latency_knob_delays_every_request(
    services: ServiceClient, sim: SimStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lti_tool.platform_sim.web as sim_web

    delays: list[float] = []
    monkeypatch.setattr(sim_web.time, "sleep", delays.append)
    sim.latency_ms = 50
    services.line_items()
    assert delays == [0.05, 0.05]  # the token request and the list
