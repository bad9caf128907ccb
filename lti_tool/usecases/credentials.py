"""The credential issuer: Ed25519 keys, the DID document, issuing records, status lists, revoking.

Spec: https://w3c-ccg.github.io/did-method-web/ (did:web), https://www.w3.org/TR/vc-bitstring-status-list/
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK, PyJWTError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.clr import dataintegrity
from lti_tool.clr.builder import ClrRecord, StatusEntry, build_clr
from lti_tool.clr.errors import CredentialError
from lti_tool.clr.multikey import (
    Ed25519Signer,
    VerificationKey,
    parse_public_key_multibase,
    private_key_from_seed,
    private_seed,
    public_key_multibase,
    resolve_did_key,
)
from lti_tool.clr.statuslist import decode_list, status_list_credential
from lti_tool.clr.vcjwt import public_jwk_json, sign_jwt
from lti_tool.clr.verify import Verdict, verify_credential
from lti_tool.db.base import utcnow
from lti_tool.db.models import CredentialKey, IssuedCredential, StatusList
from lti_tool.secretbox import SecretBox

DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]


class RevocationError(CredentialError):
    """A credential cannot be revoked (unknown id, already revoked, no reason)."""


def issuer_did(base_url: str) -> str:
    """The did:web of the tool's public URL (port percent-encoded, path segments as ':')."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise CredentialError("LTI_TOOL_BASE_URL has no host; the credential issuer needs one")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *path])


def status_list_url(base_url: str, list_id: int) -> str:
    """Where a status list credential is served."""
    return f"{base_url.rstrip('/')}/clr/status/{list_id}"


def _generate(session: Session, box: SecretBox, algorithm: str = "Ed25519") -> CredentialKey:
    """A new key row (Ed25519 or ES256), private half encrypted."""
    if algorithm == "ES256":
        ec_private = ec.generate_private_key(ec.SECP256R1())
        jwk = public_jwk_json(ec_private.public_key())
        thumb = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
        fragment = "jwt-" + hashlib.sha256(thumb.encode()).hexdigest()[:16]
        der = ec_private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        row = CredentialKey(
            algorithm="ES256",
            fragment=fragment,
            public_jwk={**jwk, "alg": "ES256", "use": "sig"},
            private_key_encrypted=box.seal(der),
        )
    else:
        private = Ed25519PrivateKey.generate()
        public = public_key_multibase(private.public_key())
        row = CredentialKey(
            algorithm="Ed25519",
            fragment="key-" + hashlib.sha256(public.encode()).hexdigest()[:16],
            public_key_multibase=public,
            private_key_encrypted=box.seal(private_seed(private)),
        )
    session.add(row)
    session.flush()
    return row


def current_key(session: Session, box: SecretBox, algorithm: str = "Ed25519") -> CredentialKey:
    """The key that signs new credentials with algorithm, created on first use."""
    row = session.scalars(
        select(CredentialKey)
        .where(CredentialKey.retired_at.is_(None), CredentialKey.algorithm == algorithm)
        .order_by(CredentialKey.id.desc())
        .limit(1)
    ).first()
    return row or _generate(session, box, algorithm)


def rotate_key(session: Session, box: SecretBox) -> CredentialKey:
    """Retire the signing key (it stays resolvable for old records) and make a new one."""
    now = utcnow()
    session.execute(
        update(CredentialKey).where(CredentialKey.retired_at.is_(None)).values(retired_at=now)
    )
    return _generate(session, box)


@lru_cache(maxsize=16)
def _ec_private(token: bytes, box: SecretBox) -> Any:
    """Decrypt and parse an ES256 key once per process."""
    return serialization.load_der_private_key(box.open(token), password=None)


def jwt_key(session: Session, box: SecretBox, base_url: str) -> tuple[Any, str]:
    """The ES256 private key for VC-JWTs and its kid (a DID URL of the issuer)."""
    row = current_key(session, box, "ES256")
    return _ec_private(row.private_key_encrypted, box), f"{issuer_did(base_url)}#{row.fragment}"


def issue_record_jwt(
    session: Session, box: SecretBox, base_url: str, record: dict[str, Any]
) -> str:
    """A signed record as a VC-JWT (ES256): the outer embedded proof is replaced by the JWS."""
    private, kid = jwt_key(session, box, base_url)
    claims = {key: value for key, value in record.items() if key != "proof"}
    return sign_jwt(claims, private, "ES256", kid)


@lru_cache(maxsize=16)
def _private(seed_token: bytes, box: SecretBox) -> Ed25519PrivateKey:
    """Decrypt a seed once per process."""
    return private_key_from_seed(box.open(seed_token))


def signer(session: Session, box: SecretBox, base_url: str) -> Ed25519Signer:
    """The signer for new credentials: current key, issuer DID as controller."""
    row = current_key(session, box)
    did = issuer_did(base_url)
    return Ed25519Signer(_private(row.private_key_encrypted, box), f"{did}#{row.fragment}", did)


def did_document(session: Session, box: SecretBox, base_url: str) -> dict[str, Any]:
    """The DID document: every credential key ever used, so that old records still verify."""
    current_key(session, box)
    did = issuer_did(base_url)
    rows = session.scalars(select(CredentialKey).order_by(CredentialKey.id.desc())).all()
    methods = [
        {
            "id": f"{did}#{row.fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": row.public_key_multibase,
        }
        if row.algorithm == "Ed25519"
        else {
            "id": f"{did}#{row.fragment}",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": {k: v for k, v in (row.public_jwk or {}).items() if k != "use"},
        }
        for row in rows
    ]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


_FRAGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _key_by_fragment(session: Session, fragment: str) -> CredentialKey | None:
    """One of the tool's keys by its DID URL fragment (anything else in a URL finds nothing)."""
    if not _FRAGMENT.match(fragment):
        return None
    return session.scalars(select(CredentialKey).where(CredentialKey.fragment == fragment)).first()


def key_resolver(session: Session, base_url: str) -> Callable[[str], VerificationKey | None]:
    """Resolve the tool's own verification methods from the database, no network."""
    did = issuer_did(base_url)

    def resolve(method: str) -> VerificationKey | None:
        if not method.startswith(did + "#"):
            return None
        row = _key_by_fragment(session, method[len(did) + 1 :])
        if row is None or row.algorithm != "Ed25519":
            return None
        return VerificationKey(method, did, parse_public_key_multibase(row.public_key_multibase))

    return resolve


def _status_list(session: Session, needed: int) -> StatusList:
    """A status list with room for `needed` more entries (a new one when the last is full)."""
    row = session.scalars(
        select(StatusList).order_by(StatusList.id.desc()).limit(1).with_for_update()
    ).first()
    if row is None or row.next_index + needed > row.size:
        row = StatusList()
        session.add(row)
        session.flush()
    return row


def issue_record(
    session: Session, box: SecretBox, base_url: str, record: ClrRecord, subject_ref: str = ""
) -> dict[str, Any]:
    """Sign a learner record (and its nested credentials), giving each a status list entry."""
    key = current_key(session, box)
    status = _status_list(session, len(record.competencies) + 1)
    start = status.next_index
    status.next_index += len(record.competencies) + 1
    url = status_list_url(base_url, status.id)
    competencies = tuple(
        dataclasses.replace(item, status_entry=StatusEntry(url, start + 1 + n))
        for n, item in enumerate(record.competencies)
    )
    record = dataclasses.replace(
        record, competencies=competencies, status_entry=StatusEntry(url, start)
    )
    signed = build_clr(record, signer(session, box, base_url))
    outer = IssuedCredential(
        credential_id=record.id,
        kind="ClrCredential",
        name=record.name,
        subject_ref=subject_ref,
        status_list_id=status.id,
        status_index=start,
        key_id=key.id,
        issued_at=record.issued_at,
        document=signed,
    )
    session.add(outer)
    session.flush()
    for n, item in enumerate(competencies):
        session.add(
            IssuedCredential(
                credential_id=item.credential_id,
                kind="AchievementCredential",
                name=item.name,
                parent_id=outer.id,
                subject_ref=subject_ref,
                status_list_id=status.id,
                status_index=start + 1 + n,
                key_id=key.id,
                issued_at=record.issued_at,
            )
        )
    session.flush()
    return signed


def _status_list_row(session: Session, list_id: int) -> StatusList | None:
    """A status list by id; None for ids no integer column can hold."""
    if not 0 < list_id < 2**31:
        return None
    return session.get(StatusList, list_id)


def status_list_document(
    session: Session, box: SecretBox, base_url: str, list_id: int, now: datetime | None = None
) -> dict[str, Any] | None:
    """The signed BitstringStatusListCredential for a list, or None when there is no such list."""
    row = _status_list_row(session, list_id)
    if row is None:
        return None
    revoked = session.scalars(
        select(IssuedCredential.status_index).where(
            IssuedCredential.status_list_id == list_id, IssuedCredential.revoked_at.is_not(None)
        )
    ).all()
    moment = now or utcnow()
    unsigned = status_list_credential(
        status_list_url(base_url, list_id), issuer_did(base_url), revoked, moment
    )
    return dataintegrity.sign(unsigned, signer(session, box, base_url), moment)


def revoke(session: Session, credential_id: str, reason: str) -> list[IssuedCredential]:
    """Revoke a credential and, for a record, every credential nested in it."""
    if not reason.strip():
        raise RevocationError("give a reason for revoking (it is kept with the record)")
    row = None
    if "\x00" not in credential_id and len(credential_id) <= 255:
        row = session.scalars(
            select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)
        ).first()
    if row is None:
        raise RevocationError(f"no credential {credential_id!r} was issued by this tool")
    if row.revoked_at is not None:
        raise RevocationError(f"{credential_id} was already revoked on {row.revoked_at:%Y-%m-%d}")
    now = utcnow()
    rows = [
        row,
        *session.scalars(select(IssuedCredential).where(IssuedCredential.parent_id == row.id)),
    ]
    for item in rows:
        if item.revoked_at is None:
            item.revoked_at = now
            item.revocation_reason = reason.strip()
    session.flush()
    return rows


def revoked_indexes(session: Session, list_id: int) -> set[int]:
    """The revoked positions of one of the tool's status lists."""
    return set(
        session.scalars(
            select(IssuedCredential.status_index).where(
                IssuedCredential.status_list_id == list_id,
                IssuedCredential.revoked_at.is_not(None),
            )
        )
    )


def _offline_key_resolver(documents: dict[str, Any]) -> Callable[[str], VerificationKey | None]:
    """Resolve verification methods from controller / DID documents given offline."""

    def resolve(method: str) -> VerificationKey | None:
        base = method.split("#", 1)[0]
        document = documents.get(base) or documents.get(method)
        if not isinstance(document, dict):
            return None
        for entry in [
            *document.get("verificationMethod", []),
            *document.get("assertionMethod", []),
        ]:
            if isinstance(entry, dict) and entry.get("id") == method:
                try:
                    public = parse_public_key_multibase(str(entry.get("publicKeyMultibase")))
                except ValueError:
                    return None
                controller = entry.get("controller") or document.get("id")
                return VerificationKey(method, str(controller), public)
        return None

    return resolve


def verify_document(
    session: Session,
    base_url: str,
    value: dict[str, Any] | str,
    now: datetime,
    offline: dict[str, Any] | None = None,
) -> Verdict:
    """Verify a credential: the tool's own keys and lists from the database, others offline only.

    `offline` is `{"documents": {url: document}}`: controller documents, status list
    credentials and JWKs of other issuers, as a verifier was given them.
    """
    documents = (offline or {}).get("documents", {}) if isinstance(offline, dict) else {}
    own_keys = key_resolver(session, base_url)
    others = _offline_key_resolver(documents)
    own_lists = status_list_url(base_url, 0)[:-1]

    def resolve_key(method: str) -> VerificationKey | None:
        return own_keys(method) or resolve_did_key(method) or others(method)

    def resolve_status(url: str) -> bytes | None:
        tail = url[len(own_lists) :]
        if url.startswith(own_lists) and tail.isascii() and tail.isdigit():
            row = _status_list_row(session, int(tail))
            if row is None:
                return None
            bits = bytearray(row.size // 8)
            for index in revoked_indexes(session, row.id):
                bits[index // 8] |= 0x80 >> (index % 8)
            return bytes(bits)
        document = documents.get(url)
        if isinstance(document, dict):
            # A status list is only as good as its signature: an unsigned or forged list
            # leaves the status unchecked rather than "not revoked".
            try:
                checks = dataintegrity.verify(document, resolve_key)
            except CredentialError:
                return None
            issuer = document.get("issuer")
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            if not checks or not all(c.valid and c.controller == issuer_id for c in checks):
                return None
            subject = document.get("credentialSubject")
            try:
                return (
                    decode_list(subject.get("encodedList")) if isinstance(subject, dict) else None
                )
            except CredentialError:
                return None
        return None

    def resolve_jwk(kid: str) -> Any:
        did = issuer_did(base_url)
        if kid.startswith(did + "#"):
            row = _key_by_fragment(session, kid[len(did) + 1 :])
            jwk = row.public_jwk if row is not None and row.algorithm == "ES256" else None
        else:
            jwk = documents.get(kid)
        if isinstance(jwk, dict) and "keys" in jwk:
            jwk = next((k for k in jwk["keys"] if k.get("kid") == kid.split("#")[-1]), None)
        if not isinstance(jwk, dict):
            return None
        try:
            return PyJWK(jwk).key
        except PyJWTError:
            return None

    return verify_credential(
        value,
        resolve_key=resolve_key,
        resolve_status=resolve_status,
        now=now,
        resolve_jwk=resolve_jwk,
    )


def credential_rows(session: Session, subject_ref: str | None = None) -> list[IssuedCredential]:
    """Issued learner records, newest first (optionally for one subject)."""
    query = select(IssuedCredential).where(IssuedCredential.parent_id.is_(None))
    if subject_ref is not None:
        query = query.where(IssuedCredential.subject_ref == subject_ref)
    return list(session.scalars(query.order_by(IssuedCredential.id.desc())))


def stored_record(session: Session, record_uuid: str) -> IssuedCredential | None:
    """An issued learner record by the UUID in its `urn:uuid:` id (None when unknown)."""
    try:
        canonical = str(uuid.UUID(record_uuid))
    except ValueError:
        return None
    row = session.scalars(
        select(IssuedCredential).where(IssuedCredential.credential_id == f"urn:uuid:{canonical}")
    ).first()
    if row is None or row.document is None:
        return None
    return row
