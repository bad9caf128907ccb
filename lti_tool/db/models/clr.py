"""Mappings for credential signing keys, status lists and issued credentials (CLR 2.0)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.base import Base, utcnow


class CredentialKey(Base):
    """A key that signs credentials; the private half is encrypted at rest.

    Ed25519 keys make Data Integrity proofs (eddsa-rdfc-2022); ES256 keys sign VC-JWTs.
    Retired keys stay in the DID document so that records they signed still verify.
    """

    __tablename__ = "credential_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    fragment: Mapped[str] = mapped_column(String(64), unique=True)
    # Ed25519: the Multikey; ES256: empty, the key is public_jwk.
    public_key_multibase: Mapped[str] = mapped_column(String(128), default="")
    public_jwk: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class StatusList(Base):
    """A Bitstring Status List (revocation); indexes are handed out in order."""

    __tablename__ = "credential_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), default="revocation")
    size: Mapped[int] = mapped_column(default=131072)
    next_index: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedCredential(Base):
    """A credential the tool signed: a learner record or one of its nested credentials."""

    __tablename__ = "issued_credential"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_credential.id", ondelete="CASCADE"), index=True
    )
    subject_ref: Mapped[str] = mapped_column(String(255), default="", index=True)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("credential_status_list.id"))
    status_index: Mapped[int]
    key_id: Mapped[int] = mapped_column(ForeignKey("credential_key.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only the outer record keeps its whole signed document, for downloading again.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
