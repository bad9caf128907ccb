"""RS256 JSON Web Signatures, checked with a key parsed once, and JWT time claims.

Spec: RFC 7515 §5.2 (JWS validation, compact serialization), RFC 7518 §3.3 (RS256: RSASSA-
PKCS1-v1_5 with SHA-256), RFC 7519 §4.1.4–4.1.6 (exp, nbf, iat).

A launch's id_token is read once: header and body are decoded from the same characters whose
signature is then checked, so what was verified is exactly what is used. PyJWT did the same
work a second time per launch, and its per-character alphabet check in Python cost more than
the RSA verification itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


class JWSError(Exception):
    """The token is not a well-formed compact JWS, or its signature or times do not hold."""


@dataclass(frozen=True)
class CompactJWS:
    """A compact JWS split and decoded, not yet verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)


def _b64decode(part: str, what: str) -> bytes:
    """Strict unpadded base64url (RFC 7515 §2, RFC 4648 §3.5): anything else is refused."""
    if len(part) % 4 == 1 or not _B64URL.fullmatch(part):
        raise JWSError(f"its {what} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise JWSError(f"its {what} is not base64url") from None
    # Only the canonical encoding: unused low bits in the last character must be zero.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
        raise JWSError(f"its {what} is not canonical base64url")
    return raw


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    """A JSON object, or JWSError."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise JWSError(f"its {what} is not JSON") from None
    if not isinstance(value, dict):
        raise JWSError(f"its {what} is not a JSON object")
    return value


def split(token: str) -> CompactJWS:
    """Split and decode a compact JWS (header.payload.signature); nothing in it is trusted yet."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JWSError("it needs three parts")
    header = _json_object(_b64decode(parts[0], "header"), "header")
    payload = _json_object(_b64decode(parts[1], "body"), "body")
    signature = _b64decode(parts[2], "signature")
    return CompactJWS(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)


def verify_rs256(jws: CompactJWS, key: Any) -> None:
    """Check the RS256 signature with an RSA public key; raises JWSError when it does not hold."""
    if jws.header.get("alg") != "RS256":
        raise JWSError("it is not signed with RS256")
    if not isinstance(key, rsa.RSAPublicKey):
        raise JWSError("the platform's key is not an RSA public key")
    try:
        key.verify(jws.signature, jws.signing_input, _PKCS1, _SHA256)
    except InvalidSignature:
        raise JWSError("the signature does not match the key") from None


class TimeClaimError(JWSError):
    """exp, iat or nbf is missing, not a number, or says the token is not valid now."""

    def __init__(self, claim: str, problem: str) -> None:
        """problem is one of: missing, not_a_number, expired, in_the_future."""
        super().__init__(f"{claim}: {problem}")
        self.claim = claim
        self.problem = problem


def _number(claims: dict[str, Any], name: str, required: bool) -> float | None:
    """A NumericDate claim (RFC 7519 §2): a JSON number, not a boolean."""
    if name not in claims:
        if required:
            raise TimeClaimError(name, "missing")
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TimeClaimError(name, "not_a_number")
    return float(value)


def check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    """exp and iat are required; the token is expired at exp, and not valid before iat or nbf.

    Each comparison allows `leeway` seconds of clock difference, as PyJWT does.
    """
    exp = _number(claims, "exp", required=True)
    iat = _number(claims, "iat", required=True)
    nbf = _number(claims, "nbf", required=False)
    assert exp is not None and iat is not None
    if exp <= now - leeway:
        raise TimeClaimError("exp", "expired")
    if iat > now + leeway:
        raise TimeClaimError("iat", "in_the_future")
    if nbf is not None and nbf > now + leeway:
        raise TimeClaimError("nbf", "in_the_future")
