"""The platform's OAuth2 token endpoint: client credentials with a JWT client assertion.

Spec: https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant
(the assertion), RFC 7523 (JWT bearer client authentication) and RFC 6749 §5 (the answer and
its errors). The tool signs the assertion with its own key; the platform checks it against the
key set it stored for the tool, or the one at the tool's JWKS URL.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from lti_tool.platform_sim.store import SimStore, SimTool

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ALL_SCOPES = (*AGS_SCOPES, NRPS_SCOPE)
MAX_ASSERTION_AGE = 300


class TokenError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Keep the error code, a description and the HTTP status."""
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class JwksUnreachable(Exception):
    """The tool's key set could not be fetched (Moodle then answers 404 with an HTML page)."""


@dataclass(frozen=True)
class Grant:
    """An access token the platform issued."""

    access_token: str
    scopes: tuple[str, ...]
    expires_in: int


_jwks_cache: dict[str, dict[str, Any]] = {}
_jwks_lock = threading.Lock()


def tool_keys(tool: SimTool, refresh: bool = False) -> dict[str, Any]:
    """The tool's public keys by kid: the stored key set, else its JWKS URL (cached)."""
    if tool.jwks is not None:
        keyset = tool.jwks
    elif tool.jwks_url:
        with _jwks_lock:
            cached = None if refresh else _jwks_cache.get(tool.jwks_url)
        if cached is None:
            try:
                resp = requests.get(tool.jwks_url, timeout=10)
                resp.raise_for_status()
                cached = resp.json()
            except (requests.RequestException, ValueError) as exc:
                raise JwksUnreachable(str(exc)) from None
            with _jwks_lock:
                _jwks_cache[tool.jwks_url] = cached
        keyset = cached
    else:
        return {}
    keys = {}
    for jwk in keyset.get("keys", []) if isinstance(keyset, dict) else []:
        try:
            keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
        except (KeyError, TypeError, jwt.PyJWKError, jwt.InvalidKeyError):
            continue
    return keys


def verify_tool_jwt(
    tool: SimTool, token: str, audience: str | list[str], require: tuple[str, ...] = ("iss",)
) -> dict[str, Any]:
    """Check a JWT the tool signed (kid in its key set, RS256, exp and iat); return its claims."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise TokenError("invalid_client", f"the JWT cannot be read: {exc}", 401) from None
    kid = header.get("kid")
    if header.get("alg") != "RS256" or not isinstance(kid, str):
        raise TokenError("invalid_client", "the JWT must be RS256 with a kid", 401)
    keys = tool_keys(tool)
    if kid not in keys:
        keys = tool_keys(tool, refresh=True)
    if kid not in keys:
        raise TokenError("invalid_client", f"kid {kid!r} is not in the tool's key set", 401)
    try:
        return jwt.decode(  # type: ignore[no-any-return]
            token,
            keys[kid],
            algorithms=["RS256"],
            audience=audience,
            leeway=5,
            options={"require": ["exp", "iat", *require]},
        )
    except jwt.InvalidTokenError as exc:
        raise TokenError("invalid_client", f"the JWT is not valid: {exc}", 401) from None


def grant(store: SimStore, form: dict[str, str], token_url: str) -> Grant:
    """Check a client-credentials request and issue an access token for the granted scopes."""
    store.token_requests += 1
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = form.get("client_assertion") or ""
    if not assertion:
        raise TokenError("invalid_request", "client_assertion is required")
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise TokenError("invalid_client", "client_assertion is not a JWT", 401) from None
    client_id = unverified.get("sub")
    tool = store.tools.get(client_id) if isinstance(client_id, str) else None
    if tool is None or not tool.active:
        raise TokenError("invalid_client", "unknown or inactive client", 401)
    claims = verify_tool_jwt(tool, assertion, token_url, require=("iss", "sub", "jti"))
    if claims.get("iss") != tool.client_id:
        raise TokenError("invalid_client", "iss and sub must both be the client_id", 401)
    if time.time() - claims["iat"] > MAX_ASSERTION_AGE:
        raise TokenError("invalid_client", "the client assertion is too old", 401)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenError("invalid_client", "the client assertion needs a jti", 401)
    with store.lock:
        now = time.time()
        for old in [k for k, exp in store.used_jtis.items() if exp < now]:
            del store.used_jtis[old]
        if jti in store.used_jtis:
            raise TokenError("invalid_client", "the client assertion was already used", 401)
        store.used_jtis[jti] = now + MAX_ASSERTION_AGE + 60
    requested = (form.get("scope") or "").split()
    if not requested:
        raise TokenError("invalid_scope", "scope is required")
    allowed = set(tool.scopes or ALL_SCOPES)
    granted = tuple(s for s in requested if s in allowed)
    if not granted:
        raise TokenError("invalid_scope", "none of the requested scopes is granted to this tool")
    token = secrets.token_urlsafe(24)
    with store.lock:
        store.access_tokens[token] = {
            "client_id": tool.client_id,
            "scopes": list(granted),
            "expires": time.time() + store.token_lifetime,
        }
    return Grant(access_token=token, scopes=granted, expires_in=store.token_lifetime)


def check_bearer(store: SimStore, header: str) -> dict[str, Any] | None:
    """The issued token an Authorization header carries, when known and not expired."""
    if not header.startswith("Bearer "):
        return None
    record = store.access_tokens.get(header.removeprefix("Bearer ").strip())
    if record is None or record["expires"] <= time.time():
        return None
    return record
