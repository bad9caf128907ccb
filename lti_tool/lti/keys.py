"""The tool's RSA signing keys: generated, rotated with an overlap, published as a JWKS.

Spec: https://www.imsglobal.org/spec/security/v1p0/#h_key-set-url (the tool's JWKS),
RFC 7517 (JWK) and RFC 7638 (thumbprints used as key ids).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models import ToolKey
from lti_tool.secretbox import SecretBox


@dataclass(frozen=True)
class SigningKey:
    """The private key the tool signs with, and its kid."""

    kid: str
    private_pem: str
    alg: str = "RS256"

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        """The parsed key for PyJWT (parsing a PEM costs tens of milliseconds; done once)."""
        return _parse_pem(self.private_pem)


def _b64u_uint(value: int) -> str:
    """Base64url of an unsigned integer, as JWK wants it."""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    """The public JWK of an RSA key, with an RFC 7638 thumbprint as its kid."""
    numbers = key.public_numbers()
    jwk = {"e": _b64u_uint(numbers.e), "kty": "RSA", "n": _b64u_uint(numbers.n)}
    thumb = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode())
    kid = base64.urlsafe_b64encode(thumb.digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def generate_key(session: Session, box: SecretBox) -> ToolKey:
    """Create a new RSA 2048 key row; the private half is encrypted before it is stored."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwk = public_jwk(private.public_key())
    row = ToolKey(kid=jwk["kid"], alg="RS256", public_jwk=jwk, private_key_encrypted=box.seal(pem))
    session.add(row)
    session.flush()
    return row


def current_key_row(session: Session) -> ToolKey | None:
    """The newest key that is not retired: the one that signs."""
    return session.scalars(
        select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc()).limit(1)
    ).first()


def ensure_key(session: Session, box: SecretBox) -> ToolKey:
    """Return the signing key row, creating the first key on a new installation."""
    return current_key_row(session) or generate_key(session, box)


def rotate(session: Session, box: SecretBox, overlap_days: int) -> tuple[ToolKey, list[ToolKey]]:
    """Add a new signing key; earlier keys stay published for overlap_days, then drop out."""
    now = utcnow()
    retired = list(session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))))
    for row in retired:
        row.retired_at = now
        row.retire_after = now + timedelta(days=overlap_days)
    new = generate_key(session, box)
    return new, retired


def published_jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The JWKS: public halves of the current key and of retired keys still in their overlap."""
    now = utcnow()
    rows = session.scalars(select(ToolKey).order_by(ToolKey.id.desc()))
    keys = [
        dict(row.public_jwk)
        for row in rows
        if row.retired_at is None or (row.retire_after is not None and row.retire_after > now)
    ]
    return {"keys": keys}


def signing_key(session: Session, box: SecretBox) -> SigningKey:
    """The key messages are signed with (the newest), decrypted once per process."""
    row = ensure_key(session, box)
    return _decrypt(row.kid, row.private_key_encrypted, box)


@lru_cache(maxsize=16)
def _parse_pem(pem: str) -> rsa.RSAPrivateKey:
    """Parse a private key PEM once per process."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@lru_cache(maxsize=16)
def _decrypt(kid: str, sealed: bytes, box: SecretBox) -> SigningKey:
    """Decrypt a key once; rows are immutable so the cache never goes stale."""
    return SigningKey(kid=kid, private_pem=box.open(sealed).decode())
