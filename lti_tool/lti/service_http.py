"""The HTTP layer under every LTI Advantage service call: headers, timeouts, throttling.

Canvas requires a User-Agent on service calls and answers 429 (formerly 403 "Rate Limit
Exceeded") when a tool calls too fast; Moodle answers 401 from a service switched off for
the tool (research: lti.md §4-5). Here every request carries the User-Agent and the media
types of its service, has a connect and a read timeout, and a throttled request waits for
the platform's `Retry-After` (or an exponential backoff when it names none), a bounded
number of times, before it gives up with a clear error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

THROTTLE_STATUSES = frozenset({429, 503})
MAX_ERROR_TEXT = 300


class ServiceError(Exception):
    """A service call failed; the message says what happened in words an admin can act on."""

    def __init__(self, message: str, *, status: int | None = None, url: str = "") -> None:
        """Keep the message, the HTTP status (when there was one) and the URL."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url


class ServiceUnauthorized(ServiceError):
    """The platform refused the tool's access token even after a fresh one (HTTP 401).

    In Moodle this is what a service switched off for the tool answers; in Canvas, a
    developer key without the service's scope.
    """


class ServiceThrottled(ServiceError):
    """The platform kept answering 429 (or asked to wait longer than the tool will)."""


class ServiceNotOffered(ServiceError):
    """The course's launches did not offer this service, so it has no endpoint."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to wait for a throttling platform."""

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.1


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (RFC 9110 §10.2.3: delay or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(
    attempt: int, retry_after: float | None, policy: RetryPolicy, rand: float = 0.0
) -> float:
    """The wait before retry number `attempt` (0-based): at least what the platform asked for,
    at least the exponential step, at most `max_delay`; `rand` in [0, 1) adds jitter."""
    step = policy.base_delay * (2**attempt)
    wanted = max(step, retry_after or 0.0)
    return min(policy.max_delay, wanted * (1 + policy.jitter * rand))


def is_throttled(resp: requests.Response) -> bool:
    """429 and 503, and Canvas's older 403 "Rate Limit Exceeded"."""
    if resp.status_code in THROTTLE_STATUSES:
        return True
    return resp.status_code == 403 and "rate limit exceeded" in resp.text[:500].lower()


def new_session(user_agent: str, pool_size: int = 32) -> requests.Session:
    """A requests session for service calls, its connection pool sized for the thread pool.

    It does not re-read the environment on every request (requests' `trust_env` costs more
    than a millisecond a call, a fifth of the time a page of results takes at concurrency
    8); proxies from the environment are resolved once per host instead (`environ_proxies`).
    """
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def environ_proxies(url: str) -> dict[str, str]:
    """The proxies the environment names for a URL's host (HTTPS_PROXY, NO_PROXY...)."""
    parts = urlsplit(url)
    return _proxies_for(parts.scheme, parts.netloc)


@lru_cache(maxsize=256)
def _proxies_for(scheme: str, netloc: str) -> dict[str, str]:
    """Resolved once per scheme and host: the environment does not change under a worker."""
    return dict(get_environ_proxies(f"{scheme}://{netloc}/"))


class ServiceHttp:
    """Sends service requests with the right headers and a bounded wait on throttling."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: float,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Use `session` (which carries the User-Agent) with a per-request timeout."""
        self.session = session
        self.timeout = (min(10.0, timeout), timeout)
        self.policy = policy or RetryPolicy()
        self.sleep = sleep

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: Any = None,
        what: str = "the platform",
    ) -> requests.Response:
        """Send a request; wait and retry while throttled; other answers are returned as is."""
        for attempt in range(self.policy.max_retries + 1):
            try:
                resp = self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    timeout=self.timeout,
                    proxies=None if self.session.trust_env else environ_proxies(url),
                )
            except requests.Timeout:
                raise ServiceError(
                    f"{what} did not answer within {self.timeout[1]:g} seconds.", url=url
                ) from None
            except requests.RequestException as exc:
                raise ServiceError(
                    f"{what} could not be reached ({type(exc).__name__}).", url=url
                ) from None
            if not is_throttled(resp):
                return resp
            asked = retry_after_seconds(resp.headers.get("Retry-After"))
            if asked is not None and asked > self.policy.max_delay:
                raise ServiceThrottled(
                    f"{what} is throttling the tool and asked it to wait {asked:.0f} seconds; "
                    "try again later.",
                    status=resp.status_code,
                    url=url,
                )
            if attempt == self.policy.max_retries:
                break
            self.sleep(backoff_delay(attempt, asked, self.policy, random.random()))  # noqa: S311
        raise ServiceThrottled(
            f"{what} kept refusing requests as too many (HTTP {resp.status_code}) after "
            f"{self.policy.max_retries} retries; try again later.",
            status=resp.status_code,
            url=url,
        )


def error_text(resp: requests.Response) -> str:
    """A short, printable piece of an error answer's body."""
    try:
        body = resp.json()
    except ValueError:
        text = resp.text
    else:
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):
                text = str(err.get("message") or err)
            elif err:
                text = str(err) + (
                    f": {body['error_description']}" if body.get("error_description") else ""
                )
            elif isinstance(body.get("errors"), list) and body["errors"]:
                text = str(body["errors"][0].get("message", body["errors"][0]))
            else:
                text = str(body)
        else:
            text = str(body)
    text = " ".join(text.split())
    if "<html" in text.lower():
        return "an HTML page"
    return text[:MAX_ERROR_TEXT]
