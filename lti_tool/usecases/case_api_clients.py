"""OAuth 2.0 client credentials for the CASE provider API: who may read private frameworks.

CASE mandates no security scheme; its Implementation Guide (A.12) recommends the 1EdTech
Security Framework, i.e. OAuth 2.0 client credentials with bearer tokens, which this follows.
Spec: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.cache import Cache
from lti_tool.db.models.case import CaseApiClient

SCOPE = "https://purl.imsglobal.org/spec/case/v1p0/scope/case.readonly"
TOKEN_TTL_SECONDS = 3600
_TOKEN_PREFIX = "case-api-token:"  # noqa: S105 - a cache key prefix, not a secret


class InvalidClient(Exception):
    """The client id or secret is wrong, or the client is switched off."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def add_client(session: Session, name: str) -> tuple[str, str]:
    """Register a consumer; returns its client id and secret (the secret is shown only once)."""
    client_id = "case-" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session.add(CaseApiClient(client_id=client_id, name=name[:255], secret_digest=_digest(secret)))
    session.flush()
    return client_id, secret


def issue_token(session: Session, cache: Cache, client_id: str, secret: str) -> str:
    """A bearer token for a registered client, valid for TOKEN_TTL_SECONDS."""
    client = session.scalars(
        select(CaseApiClient).where(CaseApiClient.client_id == client_id)
    ).one_or_none()
    expected = client.secret_digest if client is not None else _digest(secrets.token_hex(16))
    if not hmac.compare_digest(expected.encode(), _digest(secret).encode()) or not (
        client and client.active
    ):
        raise InvalidClient("Unknown client or wrong secret.")
    token = secrets.token_urlsafe(32)
    cache.set(_TOKEN_PREFIX + _digest(token), client_id.encode(), TOKEN_TTL_SECONDS)
    return token


def token_is_valid(cache: Cache, token: str) -> bool:
    """True when `token` is a live bearer token this tool issued."""
    return bool(token) and cache.get(_TOKEN_PREFIX + _digest(token)) is not None
