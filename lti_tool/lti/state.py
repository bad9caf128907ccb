"""The OIDC login's state and nonce: signed by the tool, used up once at launch.

Spec: https://www.imsglobal.org/spec/security/v1p0/#step-2-authentication-request (state and
nonce) and https://openid.net/specs/openid-connect-core-1_0.html#NonceNotes.

The state carries what the launch needs to know of its login (the registration, when it
expires, where the browser keeps it) under an HMAC with a key derived from the tool's
secret, and the nonce is derived from the state by a second HMAC. So a login writes
nothing: any worker can read a state, and nobody without the secret can make one. What
makes both single use is one atomic "add if absent" of the state's digest in the shared
cache (Redis SET NX, or an INSERT ... ON CONFLICT in the database) when a launch uses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

_VERSION = "s1"


@dataclass(frozen=True)
class LoginState:
    """A login's state as the launch reads it back."""

    value: str
    registration_id: int
    expires_at: int
    storage_target: str | None
    platform_origin: str | None

    @property
    def storage(self) -> str:
        """Where the browser keeps the state: the platform's window, or a cookie."""
        return "platform" if self.storage_target else "cookie"


@lru_cache(maxsize=8)
def derive_key(secret_key: str) -> bytes:
    """The HMAC key for states, derived from the tool's secret for this one purpose."""
    return hmac.new(secret_key.encode(), b"lti-tool oidc state v1", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url; ValueError when it is not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def _mac(key: bytes, body: str) -> str:
    """The state's signature."""
    return _b64(hmac.new(key, b"state|" + body.encode(), hashlib.sha256).digest())


def mint(
    key: bytes,
    registration_id: int,
    now: int,
    ttl: int,
    storage_target: str | None = None,
    platform_origin: str | None = None,
) -> LoginState:
    """A fresh state: 128 random bits first (they name the browser's cookie), then the facts."""
    where = ""
    if storage_target:
        where = _b64(f"{storage_target[:64]}\n{platform_origin or ''}".encode())
    body = ".".join(
        [secrets.token_urlsafe(16), _VERSION, str(registration_id), str(now + ttl), where]
    )
    value = body + "." + _mac(key, body)
    return LoginState(value, registration_id, now + ttl, storage_target, platform_origin)


def read(key: bytes, value: str, now: int) -> LoginState | None:
    """The state's facts when its signature holds and it has not expired; None otherwise."""
    if not value or len(value) > 512:
        return None
    body, _, mac = value.rpartition(".")
    if not body or not hmac.compare_digest(mac.encode(), _mac(key, body).encode()):
        return None
    parts = body.split(".")
    if len(parts) != 5 or parts[1] != _VERSION:
        return None
    try:
        registration_id, expires_at = int(parts[2]), int(parts[3])
        target = origin = None
        if parts[4]:
            target, _, origin = _unb64(parts[4]).decode().partition("\n")
    except (ValueError, UnicodeDecodeError):
        return None
    if expires_at <= now:
        return None
    return LoginState(value, registration_id, expires_at, target or None, origin or None)


def nonce_for(key: bytes, state: str) -> str:
    """The nonce that belongs to a state: only the tool can compute it."""
    return _b64(hmac.new(key, b"nonce|" + state.encode(), hashlib.sha256).digest())


def used_key(state: str) -> str:
    """The shared-cache key that marks a state as used."""
    return "lti:used-state:" + hashlib.sha256(state.encode()).hexdigest()[:40]
