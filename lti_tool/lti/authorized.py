"""Authorized service calls: a bearer token per scope set, one retry on 401, all the pages.

A 401 is first taken as a stale token (the platform may revoke one early): the token is
forgotten everywhere and the call is retried once with a fresh one. A second 401 means the
platform refuses the service itself, which is what Moodle answers when the service is
switched off for the tool; the error says so. Paged answers are followed through their
`Link: rel="next"` headers (both quoting styles) and only ever to the same host, so the
bearer token never leaves the platform.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lti_tool.lti.links import parse_link_header, same_origin
from lti_tool.lti.service_http import (
    ServiceError,
    ServiceHttp,
    ServiceUnauthorized,
    error_text,
)
from lti_tool.lti.tokens import AccessTokens, TokenEndpoint

MAX_PAGES = 10_000
# What each service is called in messages, and how an admin switches it on.
SERVICE_WORDS = {
    "ags": (
        "grade service (AGS)",
        "In Moodle, set the tool's 'IMS LTI Assignment and Grade Services' to 'Use this service "
        "for grade sync and column management'; in Canvas, give the developer key the AGS scopes.",
    ),
    "nrps": (
        "roster service (NRPS)",
        "In Moodle, set the tool's 'IMS LTI Names and Role Provisioning' to 'Use this service "
        "to retrieve members' information'; in Canvas, give the developer key the NRPS scope.",
    ),
}


@dataclass(frozen=True)
class Page:
    """One page of a paged answer, with the links its `Link` header names."""

    url: str
    body: Any
    links: dict[str, str] = field(default_factory=dict)


class AuthorizedCalls:
    """Service calls for one registration, with tokens from the shared token cache."""

    def __init__(self, http: ServiceHttp, tokens: AccessTokens, endpoint: TokenEndpoint) -> None:
        """Call through `http` with tokens for `endpoint`."""
        self.http = http
        self.tokens = tokens
        self.endpoint = endpoint

    def call(
        self,
        method: str,
        url: str,
        *,
        service: str,
        scopes: tuple[str, ...],
        accept: str,
        content_type: str | None = None,
        body: Any = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
    ) -> Any:
        """One call; returns the parsed JSON answer (None when it has no body)."""
        resp = self._send(method, url, service, scopes, accept, content_type, body)
        return self._parse(resp, url, service, ok)[0]

    def page(self, url: str, *, service: str, scopes: tuple[str, ...], accept: str) -> Page:
        """One page of a paged GET and its links (only links on the same host are kept)."""
        resp = self._send("GET", url, service, scopes, accept, None, None)
        body, _ = self._parse(resp, url, service, (200,))
        links = parse_link_header(resp.headers.get("Link"), url)
        following = links.get("next")
        if following is not None and not same_origin(following, url):
            raise ServiceError(
                f"The platform's next page is on another host ({following}); the tool "
                "does not send its token there.",
                url=following,
            )
        return Page(url, body, {k: v for k, v in links.items() if same_origin(v, url)})

    def pages(
        self, url: str, *, service: str, scopes: tuple[str, ...], accept: str
    ) -> Iterator[Page]:
        """Every page of a paged GET, following `rel="next"` on the same host."""
        seen: set[str] = set()
        current: str | None = url
        while current is not None:
            if current in seen or len(seen) >= MAX_PAGES:
                raise ServiceError(
                    f"The platform's paging loops back to a page already read ({current}).",
                    url=current,
                )
            seen.add(current)
            page = self.page(current, service=service, scopes=scopes, accept=accept)
            yield page
            current = page.links.get("next")

    def _send(
        self,
        method: str,
        url: str,
        service: str,
        scopes: tuple[str, ...],
        accept: str,
        content_type: str | None,
        body: Any,
    ) -> Any:
        """Send with a token; on 401 retry once with a fresh token, then give up clearly."""
        headers = {"Accept": accept}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
            data = json.dumps(body).encode()
        what, how = SERVICE_WORDS.get(service, (service, ""))
        for attempt in (1, 2):
            token = self.tokens.token(self.endpoint, scopes)
            headers["Authorization"] = "Bearer " + token
            resp = self.http.send(
                method, url, headers=headers, data=data, what=f"The platform's {what}"
            )
            if resp.status_code != 401:
                return resp
            self.tokens.forget(self.endpoint, scopes)
            if attempt == 2:
                raise ServiceUnauthorized(
                    f"The platform refused the tool's access to its {what} (HTTP 401: "
                    f"{error_text(resp) or 'no reason given'}). The service may be switched "
                    f"off for this tool. {how}",
                    status=401,
                    url=url,
                )
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _parse(resp: Any, url: str, service: str, ok: tuple[int, ...]) -> tuple[Any, int]:
        """The JSON body of a successful answer, or a ServiceError naming the status."""
        what = SERVICE_WORDS.get(service, (service, ""))[0]
        if resp.status_code not in ok:
            raise ServiceError(
                f"The platform's {what} answered HTTP {resp.status_code}: "
                f"{error_text(resp) or 'no reason given'}.",
                status=resp.status_code,
                url=url,
            )
        if not resp.content:
            return None, resp.status_code
        try:
            return resp.json(), resp.status_code
        except ValueError:
            raise ServiceError(
                f"The platform's {what} answered with something that is not JSON.",
                status=resp.status_code,
                url=url,
            ) from None
