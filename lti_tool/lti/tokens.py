"""Access tokens for the LTI Advantage services, cached until shortly before they expire.

Spec: https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant
The tool signs a client assertion (iss = sub = client_id, aud = the token endpoint or the
registration's audience, a fresh jti) with its newest key and trades it for a bearer token.

pylti1p3 keeps tokens per connector object with no expiry; its fork once keyed a
process-wide cache without the client_id, so Canvas tenants sharing one issuer collided
(research: lti.md §1). Here a token is keyed by issuer + client_id + the sorted scopes, kept
in the shared cache (Redis or the database) so every worker reuses it, and mirrored in the
process to spare a round trip; it is dropped `margin` seconds before it expires, or at once
when the platform refuses it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jwt

from lti_tool.db.cache import Cache
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.service_http import ServiceError, ServiceHttp, error_text

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
CACHE_PREFIX = "lti:token:"


class TokenRequestError(ServiceError):
    """The platform's token endpoint refused the tool (RFC 6749 §5.2), in plain words."""


@dataclass(frozen=True)
class TokenEndpoint:
    """Where and as whom the tool asks for tokens: one registration's coordinates."""

    issuer: str
    client_id: str
    token_url: str
    audience: str | None = None


def cache_key(endpoint: TokenEndpoint, scopes: Iterable[str]) -> str:
    """The cache key of a token: issuer + client_id + sorted scopes, hashed to a fixed size."""
    material = "\n".join([endpoint.issuer, endpoint.client_id, " ".join(sorted(set(scopes)))])
    return CACHE_PREFIX + hashlib.sha256(material.encode()).hexdigest()


def cache_seconds(expires_in: float, margin: float) -> int:
    """How long a token may be reused: its lifetime less a margin (at most half of it)."""
    return int(expires_in - min(margin, expires_in / 2))


def client_assertion(endpoint: TokenEndpoint, key: SigningKey, now: float) -> str:
    """The signed JWT that authenticates the tool to the token endpoint (RFC 7523)."""
    claims = {
        "iss": endpoint.client_id,
        "sub": endpoint.client_id,
        "aud": endpoint.audience or endpoint.token_url,
        "iat": int(now),
        "exp": int(now) + ASSERTION_LIFETIME,
        "jti": secrets.token_urlsafe(24),
    }
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


class AccessTokens:
    """Gets, caches and forgets bearer tokens for service calls."""

    def __init__(
        self,
        cache: Cache,
        http: ServiceHttp,
        key_provider: Callable[[], SigningKey],
        *,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Share tokens through `cache`; sign assertions with the key `key_provider` gives."""
        self._cache = cache
        self._http = http
        self._key_provider = key_provider
        self._margin = margin
        self._clock = clock
        self._local: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetched = 0

    def token(self, endpoint: TokenEndpoint, scopes: Iterable[str]) -> str:
        """A valid bearer token for these scopes: from this process, the cache, or the platform."""
        scopes = sorted(set(scopes))
        key = cache_key(endpoint, scopes)
        found = self._cached(key)
        if found:
            return found
        with self._lock_for(key):
            # Threads that waited here find the token the first one fetched.
            found = self._cached(key)
            if found:
                return found
            value, expires_in = self._fetch(endpoint, scopes)
            ttl = cache_seconds(expires_in, self._margin)
            if ttl > 0:
                expires_at = self._clock() + ttl
                self._cache.set(
                    key, json.dumps({"t": value, "x": expires_at}).encode(), max(1, ttl)
                )
                self._local[key] = (value, expires_at)
            return value

    def forget(self, endpoint: TokenEndpoint, scopes: Iterable[str]) -> None:
        """Drop a token the platform refused, here and for every worker."""
        key = cache_key(endpoint, scopes)
        self._local.pop(key, None)
        self._cache.delete(key)

    def _lock_for(self, key: str) -> threading.Lock:
        """One lock per token key, so concurrent threads fetch a token once."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _cached(self, key: str) -> str | None:
        """The token for `key` if still good: the process copy first, then the shared cache."""
        now = self._clock()
        local = self._local.get(key)
        if local and local[1] > now:
            return local[0]
        raw = self._cache.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            value, expires_at = str(data["t"]), float(data["x"])
        except (ValueError, KeyError, TypeError):
            return None
        if expires_at <= now:
            return None
        self._local[key] = (value, expires_at)
        return value

    def _fetch(self, endpoint: TokenEndpoint, scopes: list[str]) -> tuple[str, float]:
        """Ask the platform's token endpoint; returns the token and its lifetime."""
        assertion = client_assertion(endpoint, self._key_provider(), self._clock())
        resp = self._http.send(
            "POST",
            endpoint.token_url,
            headers={"Accept": "application/json"},
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            what="The platform's token endpoint",
        )
        self.fetched += 1
        if resp.status_code != 200:
            raise TokenRequestError(
                _refusal_words(resp.status_code, error_text(resp), endpoint.token_url),
                status=resp.status_code,
                url=endpoint.token_url,
            )
        try:
            body = resp.json()
            value = body["access_token"]
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TokenRequestError(
                "The platform's token endpoint answered without an access token.",
                status=resp.status_code,
                url=endpoint.token_url,
            ) from None
        if not isinstance(value, str) or not value:
            raise TokenRequestError(
                "The platform's token endpoint answered without an access token.",
                url=endpoint.token_url,
            )
        return value, expires_in


def _refusal_words(status: int, text: str, url: str) -> str:
    """Why the token endpoint refused, and what usually fixes it."""
    if status == 404 and text == "an HTML page":
        return (
            f"The platform's token endpoint ({url}) answered 404 with a web page. Moodle does "
            "this when it cannot fetch the tool's public keys: its outgoing HTTP security blocks "
            "the tool's host or port (curlsecurityblockedhosts, curlsecurityallowedport)."
        )
    hint = ""
    if "invalid_client" in text:
        hint = (
            " Check that the platform has the tool's current public key or JWKS URL, and that "
            "the client_id is right."
        )
    elif "invalid_scope" in text:
        hint = " The platform has not granted this service to the tool; an admin can enable it."
    return f"The platform refused an access token (HTTP {status}: {text}).{hint}"
