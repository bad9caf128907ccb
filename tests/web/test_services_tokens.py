"""Access tokens, throttling and refusals against the built-in platform (Canvas and Moodle)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from lti_tool.app import db_session
from lti_tool.lti.claims import Scope
from lti_tool.lti.keys import signing_key
from lti_tool.lti.services import (
    ServiceClient,
    ServiceThrottled,
    ServiceUnauthorized,
    TokenRequestError,
)
from lti_tool.lti.tokens import TokenEndpoint, cache_key, client_assertion
from lti_tool.platform_sim.store import SimStore, new_platform_key
from lti_tool.platform_sim.web import endpoints
from tests.web.conftest import make_sim
from tests.web.lti_flow import register_platform
from tests.web.services_setup import service_client, tool_jwks


@pytest.fixture
def services(app: Flask, client: FlaskClient, sim: SimStore) -> ServiceClient:
    """The tool's service client for course c1; throttling waits are recorded, not slept."""
    services = service_client(app, client, sim)
    services.http.sleep = lambda seconds: None
    return services


def test_a_token_is_fetched_once_and_reused_until_it_expires(
    app: Flask, services: ServiceClient, sim: SimStore
) -> None:
    services.line_items()
    services.line_items()
    services.create_line_item("Quiz", 10)
    assert sim.token_requests == 1
    # Shared through the app cache: a second worker (a new token client) reuses it.
    key = cache_key(services.services.token, services.services.ags_scopes)
    assert app.extensions["cache"].get(key) is not None


def test_roster_and_grades_use_separately_scoped_tokens(
    services: ServiceClient, sim: SimStore
) -> None:
    services.line_items()
    services.members()
    assert sim.token_requests == 2
    granted = {tuple(sorted(t["scopes"])) for t in sim.access_tokens.values()}
    assert granted == {tuple(sorted(services.services.ags_scopes)), (Scope.NRPS.value,)}


def test_a_token_about_to_expire_is_not_reused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    sim.token_lifetime = 1  # too short to keep: it could expire in flight
    services = service_client(app, client, sim)
    services.line_items()
    services.line_items()
    assert sim.token_requests == 2


def test_a_token_the_platform_revoked_is_replaced_once(
    services: ServiceClient, sim: SimStore
) -> None:
    services.line_items()
    sim.access_tokens.clear()  # the LMS forgot or revoked every token
    services.line_items()
    assert sim.token_requests == 2


def test_two_canvas_tenants_under_one_issuer_never_share_a_token(
    app: Flask, client: FlaskClient, sim_server, product: str
) -> None:  # type: ignore[no-untyped-def]
    server, sim_app = sim_server
    store = make_sim(server, product, client_ids=("tenant-a", "tenant-b"))
    sim_app.extensions["sim_store"] = store
    register_platform(app, store, endpoints(store))
    a = service_client(app, client, store, client_id="tenant-a")
    b = service_client(app, client, store, client_id="tenant-b")
    a.line_items()
    b.line_items()
    owners = sorted(t["client_id"] for t in store.access_tokens.values())
    assert owners == ["tenant-a", "tenant-b"]
    assert cache_key(a.services.token, ["x"]) != cache_key(b.services.token, ["x"])


def test_429_with_retry_after_is_waited_out(services: ServiceClient, sim: SimStore) -> None:
    waits: list[float] = []
    services.http.sleep = waits.append
    sim.throttle_next, sim.retry_after = 3, 2
    assert services.line_items() == []
    assert len(waits) == 3 and all(w >= 2 for w in waits)
    assert waits[2] >= waits[1] >= waits[0] or waits[2] >= 2  # exponential, bounded


def test_throttling_that_never_ends_gives_up_clearly(
    services: ServiceClient, sim: SimStore
) -> None:
    sim.throttle_next, sim.retry_after = 100, 0
    with pytest.raises(ServiceThrottled) as err:
        services.line_items()
    assert "after 5 retries" in err.value.message
    assert sim.throttle_next == 100 - 6


def test_a_retry_after_longer_than_the_tool_waits_is_reported_at_once(
    services: ServiceClient, sim: SimStore
) -> None:
    sim.throttle_next, sim.retry_after = 5, 3600
    with pytest.raises(ServiceThrottled) as err:
        services.members()
    assert "3600 seconds" in err.value.message
    assert sim.throttle_next == 4


def test_a_switched_off_service_answers_401_and_is_reported_plainly(
    services: ServiceClient, sim: SimStore
) -> None:
    sim.disabled_services = ["ags"]
    with pytest.raises(ServiceUnauthorized) as err:
        services.line_items()
    assert err.value.status == 401
    assert "switched off" in err.value.message and "Moodle" in err.value.message
    assert services.members()  # the roster service still works


def test_a_tool_key_the_platform_does_not_know_is_refused_with_advice(
    app: Flask, services: ServiceClient, sim: SimStore
) -> None:
    other = new_platform_key()
    for tool in sim.tools.values():
        tool.jwks = {"keys": [other.public_jwk()]}
    with pytest.raises(TokenRequestError) as err:
        services.line_items()
    assert err.value.status == 401
    assert "invalid_client" in err.value.message and "public key" in err.value.message


def test_a_moodle_that_cannot_fetch_the_tool_keys_is_explained(
    app: Flask, client: FlaskClient, sim: SimStore, product: str
) -> None:
    services = service_client(app, client, sim)
    for tool in sim.tools.values():
        tool.jwks = None
        tool.jwks_url = "http://127.0.0.1:9/.well-known/jwks.json"  # nothing listens
    with pytest.raises(TokenRequestError) as err:
        services.line_items()
    if product == "moodle":
        assert err.value.status == 404 and "curlsecurityblockedhosts" in err.value.message
    else:
        assert err.value.status == 401


@pytest.fixture
def tool_server(app: Flask) -> Iterator[str]:
    """The tool itself on a real port, so the platform can fetch its JWKS URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_platform_checks_the_assertion_against_the_tools_jwks_url(
    app: Flask, client: FlaskClient, sim: SimStore, tool_server: str
) -> None:
    services = service_client(app, client, sim)
    for tool in sim.tools.values():
        tool.jwks = None
        tool.jwks_url = tool_server + "/.well-known/jwks.json"
    assert services.line_items() == []
    assert sim.token_requests == 1


# --- the platform's token endpoint, spoken to directly (RFC 6749 §5.2) ---------------------


def _assertion(app: Flask, sim: SimStore) -> str:
    """A client assertion the tool would send."""
    tool_jwks(app)
    with app.app_context():
        key = signing_key(db_session(), app.extensions["secretbox"])
    tool = next(iter(sim.tools.values()))
    endpoint = TokenEndpoint(sim.issuer, tool.client_id, endpoints(sim)["token"])
    return client_assertion(endpoint, key, time.time())


def _token_request(sim: SimStore, **form: str) -> requests.Response:
    """POST to the platform's token endpoint."""
    return requests.post(endpoints(sim)["token"], data=form, timeout=10)


def test_token_endpoint_errors_follow_rfc_6749(app: Flask, sim: SimStore) -> None:
    for tool in sim.tools.values():
        tool.jwks = tool_jwks(app)
    jwt_ok = _assertion(app, sim)
    base = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt_ok,
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    }
    wrong_grant = _token_request(sim, **{**base, "grant_type": "password"})
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (
        400,
        "unsupported_grant_type",
    )
    assert wrong_grant.headers["Cache-Control"] == "no-store"
    fresh = {"client_assertion": _assertion(app, sim)}  # each accepted assertion is used up
    no_scope = _token_request(sim, **{**base, **fresh, "scope": "https://example.com/other"})
    assert no_scope.json()["error"] == "invalid_scope"
    bad_jwt = _token_request(sim, **{**base, "client_assertion": "not.a.jwt"})
    assert (bad_jwt.status_code, bad_jwt.json()["error"]) == (401, "invalid_client")
    base["client_assertion"] = _assertion(app, sim)
    ok = _token_request(sim, **base)
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == base["scope"]
    replay = _token_request(sim, **base)
    assert replay.json()["error"] == "invalid_client"
    assert "already used" in replay.json()["error_description"]
