"""Authorized, paged calls: following next links safely, and what a 401 means."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from lti_tool.lti.authorized import AuthorizedCalls
from lti_tool.lti.service_http import (
    RetryPolicy,
    ServiceError,
    ServiceHttp,
    ServiceUnauthorized,
)
from lti_tool.lti.tokens import TokenEndpoint

ENDPOINT = TokenEndpoint("https://lms.example", "tool", "https://lms.example/token")


class Tokens:
    """Hands out numbered tokens; counts what was forgotten."""

    def __init__(self) -> None:
        self.issued = 0
        self.forgotten = 0

    def token(self, endpoint: TokenEndpoint, scopes: Any) -> str:
        if self.issued == self.forgotten:
            self.issued += 1
        return f"t{self.issued}"

    def forget(self, endpoint: TokenEndpoint, scopes: Any) -> None:
        self.forgotten = self.issued


class Platform(requests.Session):
    """Answers GETs from a table of url -> (status, body, Link header)."""

    def __init__(self, pages: dict[str, tuple[int, Any, str | None]]) -> None:
        super().__init__()
        self.pages = pages
        self.seen: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append((url, kw["headers"]["Authorization"]))
        status, body, link = self.pages[url]
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(body).encode()
        if link:
            resp.headers["Link"] = link
        return resp


def _calls(platform: Platform, tokens: Tokens | None = None) -> AuthorizedCalls:
    http = ServiceHttp(platform, timeout=5, policy=RetryPolicy(max_retries=0))
    return AuthorizedCalls(http, tokens or Tokens(), ENDPOINT)  # type: ignore[arg-type]


def _read(calls: AuthorizedCalls, url: str) -> list[Any]:
    return [p.body for p in calls.pages(url, service="ags", scopes=("s",), accept="x")]


def test_every_page_is_read_in_order() -> None:
    platform = Platform(
        {
            "https://lms.example/a": (200, [1], '<https://lms.example/a?p=2>; rel="next"'),
            "https://lms.example/a?p=2": (200, [2], "</a?p=3>; rel=\u201cnext\u201d"),
            "https://lms.example/a?p=3": (200, [3], None),
        }
    )
    assert _read(_calls(platform), "https://lms.example/a") == [[1], [2], [3]]


def test_a_paging_loop_is_stopped() -> None:
    platform = Platform(
        {
            "https://lms.example/a": (200, [1], '<https://lms.example/b>; rel="next"'),
            "https://lms.example/b": (200, [2], '<https://lms.example/a>; rel="next"'),
        }
    )
    with pytest.raises(ServiceError, match="loops back"):
        _read(_calls(platform), "https://lms.example/a")
    assert len(platform.seen) == 2


def test_the_token_never_follows_a_link_to_another_host() -> None:
    platform = Platform(
        {"https://lms.example/a": (200, [1], '<https://evil.example/a?p=2>; rel="next"')}
    )
    with pytest.raises(ServiceError, match="another host"):
        _read(_calls(platform), "https://lms.example/a")
    assert [u for u, _ in platform.seen] == ["https://lms.example/a"]


def test_one_401_gets_a_fresh_token_and_a_retry() -> None:
    answers = iter([(401, {}, None), (200, [1], None)])

    class Flaky(Platform):
        def request(self, method: str, url: str, **kw: Any) -> requests.Response:  # type: ignore[override]
            self.pages = {url: next(answers)}
            return super().request(method, url, **kw)

    platform, tokens = Flaky({}), Tokens()
    assert _read(_calls(platform, tokens), "https://lms.example/a") == [[1]]
    assert [auth for _, auth in platform.seen] == ["Bearer t1", "Bearer t2"]


def test_two_401s_mean_the_service_is_refused() -> None:
    platform, tokens = Platform({"https://lms.example/a": (401, "off", None)}), Tokens()
    with pytest.raises(ServiceUnauthorized, match="switched off") as err:
        _read(_calls(platform, tokens), "https://lms.example/a")
    assert err.value.status == 401 and tokens.forgotten == 2


def test_other_errors_name_the_status_and_the_platforms_words() -> None:
    platform = Platform(
        {"https://lms.example/a": (422, {"errors": [{"message": "not a student"}]}, None)}
    )
    with pytest.raises(ServiceError, match="HTTP 422: not a student"):
        _read(_calls(platform), "https://lms.example/a")
