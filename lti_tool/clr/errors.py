"""Domain errors of the credential core; web/errors.py and the CLI turn them into answers."""

from __future__ import annotations


class CredentialError(Exception):
    """Base class: a credential could not be built, signed or checked."""


class JsonLdError(CredentialError):
    """A document is not JSON-LD this tool can process safely (safe mode: nothing is dropped)."""


class SigningError(CredentialError):
    """A credential could not be signed (bad key, bad document)."""


class MalformedCredential(CredentialError):
    """The input is not a credential at all (not JSON, not an object, not a JWT)."""
