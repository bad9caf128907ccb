"""The access-token cache: keyed by issuer + client_id + scopes, dropped before expiry."""

from __future__ import annotations

import json
import threading
from typing import Any

import jwt
import pytest
import requests

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.service_http import RetryPolicy, ServiceHttp
from lti_tool.lti.tokens import (
    AccessTokens,
    TokenEndpoint,
    TokenRequestError,
    cache_key,
    cache_seconds,
)
from lti_tool.platform_sim.store import new_platform_key

ENDPOINT = TokenEndpoint("https://canvas.instructure.com", "100001", "https://lms/token")
SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
_KEY = new_platform_key()
KEY = SigningKey(kid=_KEY.kid, private_pem=_KEY.private_pem)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class MemoryCache:
    """The Cache protocol in a dict, expiring by the test's clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.data: dict[str, tuple[bytes, float]] = {}

    def get(self, key: str) -> bytes | None:
        value = self.data.get(key)
        return value[0] if value and value[1] > self.clock() else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.data[key] = (value, self.clock() + ttl)

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        if self.get(key) is not None:
            return False
        self.set(key, value, ttl)
        return True

    def pop(self, key: str) -> bytes | None:
        value = self.get(key)
        self.data.pop(key, None)
        return value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


class FakeTokenEndpoint(requests.Session):
    """Answers token requests like a platform, counting them."""

    def __init__(self, status: int = 200, body: Any = None, expires_in: int = 3600) -> None:
        super().__init__()
        self.status, self.body, self.expires_in = status, body, expires_in
        self.forms: list[dict[str, str]] = []

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:  # type: ignore[override]
        self.forms.append(dict(kw["data"]))
        resp = requests.Response()
        resp.status_code = self.status
        body = self.body or {
            "access_token": f"token-{len(self.forms)}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        resp._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return resp


def _tokens(
    session: FakeTokenEndpoint, clock: Clock, cache: MemoryCache | None = None
) -> AccessTokens:
    http = ServiceHttp(session, timeout=5, policy=RetryPolicy(max_retries=0), sleep=lambda s: None)
    return AccessTokens(cache or MemoryCache(clock), http, lambda: KEY, margin=60, clock=clock)


def test_the_key_is_issuer_client_and_sorted_scopes() -> None:
    a = cache_key(ENDPOINT, ["b", "a"])
    assert a == cache_key(ENDPOINT, ["a", "b", "a"])
    other_tenant = TokenEndpoint(ENDPOINT.issuer, "100002", ENDPOINT.token_url)
    assert a != cache_key(other_tenant, ["a", "b"])
    assert a != cache_key(ENDPOINT, ["a"])


def test_cache_seconds_keeps_a_margin() -> None:
    assert cache_seconds(3600, 60) == 3540
    assert cache_seconds(100, 60) == 50  # at most half of a short life
    assert cache_seconds(1, 60) == 0


def test_a_token_is_reused_until_the_margin_before_expiry() -> None:
    clock, session = Clock(), FakeTokenEndpoint()
    tokens = _tokens(session, clock)
    assert tokens.token(ENDPOINT, SCOPES) == "token-1"
    clock.now += 3539
    assert tokens.token(ENDPOINT, SCOPES) == "token-1"
    clock.now += 2
    assert tokens.token(ENDPOINT, SCOPES) == "token-2"
    assert len(session.forms) == 2


def test_workers_share_tokens_through_the_cache() -> None:
    clock, cache = Clock(), MemoryCache(Clock())
    cache.clock = clock
    first, second = FakeTokenEndpoint(), FakeTokenEndpoint()
    assert _tokens(first, clock, cache).token(ENDPOINT, SCOPES) == "token-1"
    assert _tokens(second, clock, cache).token(ENDPOINT, SCOPES) == "token-1"
    assert second.forms == []


def test_forget_drops_the_token_everywhere() -> None:
    clock, session = Clock(), FakeTokenEndpoint()
    cache = MemoryCache(clock)
    tokens = _tokens(session, clock, cache)
    tokens.token(ENDPOINT, SCOPES)
    tokens.forget(ENDPOINT, SCOPES)
    assert cache.data == {}
    assert tokens.token(ENDPOINT, SCOPES) == "token-2"


def test_concurrent_threads_fetch_one_token() -> None:
    clock, session = Clock(), FakeTokenEndpoint()
    tokens = _tokens(session, clock)
    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(tokens.token(ENDPOINT, SCOPES)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["token-1"] * 8 and len(session.forms) == 1


def test_the_assertion_is_signed_with_the_tools_key_for_the_token_endpoint() -> None:
    clock, session = Clock(), FakeTokenEndpoint()
    _tokens(session, clock).token(ENDPOINT, SCOPES)
    form = session.forms[0]
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == " ".join(SCOPES)
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == KEY.kid
    claims = jwt.decode(
        form["client_assertion"],
        KEY.private_key.public_key(),
        algorithms=["RS256"],
        audience=ENDPOINT.token_url,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == ENDPOINT.client_id and claims["jti"]


def test_a_refusal_names_the_rfc_6749_error() -> None:
    session = FakeTokenEndpoint(401, {"error": "invalid_client", "error_description": "bad kid"})
    with pytest.raises(TokenRequestError) as err:
        _tokens(session, Clock()).token(ENDPOINT, SCOPES)
    assert "invalid_client: bad kid" in err.value.message and err.value.status == 401


def test_an_answer_without_a_token_is_an_error_not_a_crash() -> None:
    session = FakeTokenEndpoint(200, "<html>login</html>")
    with pytest.raises(TokenRequestError):
        _tokens(session, Clock()).token(ENDPOINT, SCOPES)
