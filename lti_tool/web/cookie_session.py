"""Flask's signed-cookie session, with its serializer built once instead of on every request.

The tool keeps nothing in Flask's session (a launch is named by its `ltik`, never by a
third-party cookie), yet Flask opens the session on every request, and its stock interface
builds a new itsdangerous serializer each time: a measurable part of a launch's cost.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """The stock cookie session, reusing one serializer per secret key (and fallbacks)."""

    def __init__(self) -> None:
        """Start with no serializer built."""
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The serializer for the app's current keys, built on first use."""
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key, False)
        if serializer is False:
            serializer = super().get_signing_serializer(app)
            self._serializers = {key: serializer}  # keys rarely change; keep only the current
        return serializer  # type: ignore[return-value]
