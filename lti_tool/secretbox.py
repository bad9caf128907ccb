"""Encrypts private key material at rest with a key derived from LTI_TOOL_SECRET_KEY."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBoxError(Exception):
    """Stored key material cannot be decrypted with the configured secret."""


class SecretBox:
    """Authenticated encryption (Fernet) under a key derived from the tool's secret."""

    def __init__(self, secret_key: str, purpose: bytes = b"lti-tool private keys v1") -> None:
        """Derive the encryption key with HKDF-SHA256 so the raw secret is never used as a key."""
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt and authenticate."""
        return self._fernet.encrypt(plaintext)

    def open(self, token: bytes) -> bytes:
        """Decrypt, or raise SecretBoxError when the secret changed or the data was altered."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise SecretBoxError(
                "a stored private key cannot be decrypted: LTI_TOOL_SECRET_KEY differs from the "
                "one it was encrypted with"
            ) from None
