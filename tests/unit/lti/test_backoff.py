"""Waiting out a throttling platform: Retry-After, exponential steps, a bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from lti_tool.lti.service_http import (
    RetryPolicy,
    ServiceHttp,
    ServiceThrottled,
    backoff_delay,
    is_throttled,
    retry_after_seconds,
)

POLICY = RetryPolicy(max_retries=5, base_delay=0.5, max_delay=30.0, jitter=0.1)


def test_retry_after_in_seconds() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 0 ") == 0.0


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(header, now=now.timestamp()) == 90.0
    past = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(past, now=now.timestamp()) == 0.0


def test_unreadable_retry_after_is_ignored() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") is None


def test_steps_double_without_retry_after() -> None:
    assert [backoff_delay(n, None, POLICY) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]


def test_retry_after_is_a_floor() -> None:
    assert backoff_delay(0, 5.0, POLICY) == 5.0
    assert backoff_delay(4, 1.0, POLICY) == 8.0


def test_every_wait_is_bounded() -> None:
    assert backoff_delay(20, None, POLICY) == 30.0
    assert backoff_delay(0, 600.0, POLICY) == 30.0
    assert backoff_delay(20, None, POLICY, rand=0.99) == 30.0


def test_jitter_adds_at_most_its_share() -> None:
    assert backoff_delay(1, None, POLICY, rand=0.5) == 1.0 * 1.05


def _response(status: int, text: str = "") -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = text.encode()
    return resp


def test_what_counts_as_throttling() -> None:
    assert is_throttled(_response(429))
    assert is_throttled(_response(503))
    # Canvas before 2025-10 answered 403 "Rate Limit Exceeded".
    assert is_throttled(
        _response(403, '{"errors":[{"message":"403 Forbidden (Rate Limit Exceeded)"}]}')
    )
    assert not is_throttled(_response(403, "Forbidden"))
    assert not is_throttled(_response(401))


class Scripted(requests.Session):
    """Answers with the given statuses in turn."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.calls = 0

    def request(self, method: str, url: str, **kw: object) -> requests.Response:  # type: ignore[override]
        self.calls += 1
        status, headers = self.answers.pop(0)
        resp = _response(status)
        resp.headers.update(headers)
        return resp


def test_the_http_layer_waits_as_asked_then_succeeds() -> None:
    waits: list[float] = []
    session = Scripted((429, {"Retry-After": "3"}), (429, {}), (200, {}))
    http = ServiceHttp(session, timeout=5, policy=POLICY, sleep=waits.append)
    assert http.send("GET", "https://lms/x").status_code == 200
    assert session.calls == 3
    assert 3.0 <= waits[0] <= 3.3 and 1.0 <= waits[1] <= 1.1


def test_the_http_layer_gives_up_after_its_retries() -> None:
    session = Scripted(*[(429, {})] * 3)
    http = ServiceHttp(session, timeout=5, policy=RetryPolicy(max_retries=2), sleep=lambda s: None)
    with pytest.raises(ServiceThrottled):
        http.send("GET", "https://lms/x")
    assert session.calls == 3


def test_proxies_come_from_the_environment_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    from lti_tool.lti.service_http import _proxies_for, environ_proxies, new_session

    _proxies_for.cache_clear()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.district.example:3128")
    monkeypatch.setenv("NO_PROXY", "lms.internal.example")
    assert environ_proxies("https://canvas.example/api")["https"] == (
        "http://proxy.district.example:3128"
    )
    assert "https" not in environ_proxies("https://lms.internal.example/x")
    assert new_session("ua").trust_env is False
    _proxies_for.cache_clear()
