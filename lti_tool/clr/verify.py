"""Verify a credential (JSON with Data Integrity proofs, or a VC-JWT) into a plain verdict.

Spec: https://www.imsglobal.org/spec/ob/v3p0/#verification-and-validation (OB 3.0 section 9,
which CLR 2.0 follows): structure, proof, issuer = key controller, status, validity dates;
for a ClrCredential every nested credential is checked the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lti_tool.clr import dataintegrity
from lti_tool.clr.contexts import VC_V2
from lti_tool.clr.dataintegrity import KeyResolver, ProofCheck, parse_datetime
from lti_tool.clr.errors import CredentialError, MalformedCredential
from lti_tool.clr.schemas import schema_errors
from lti_tool.clr.statuslist import bit_is_set
from lti_tool.clr.vcjwt import JwkResolver, looks_like_jwt, verify_jwt

#: Returns the bitstring of a status list credential URL, or None when it cannot be had offline.
StatusResolver = Callable[[str], bytes | None]

CLOCK_SKEW = timedelta(seconds=300)
MAX_INPUT_BYTES = 5_000_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class Claim:
    """What one nested credential says, in plain words."""

    name: str
    code: str | None
    achievement_type: str | None
    status: str | None
    level: str | None
    evidence_count: int


@dataclass(frozen=True)
class CredentialVerdict:
    """The checks on one credential (outer or nested)."""

    id: str | None
    kind: str
    name: str | None
    issuer_id: str | None
    issuer_name: str | None
    subject: str | None
    valid_from: str | None
    valid_until: str | None
    signatures: list[ProofCheck]
    revoked: bool | None
    expired: bool
    problems: list[str]

    @property
    def verified(self) -> bool:
        """True when nothing is wrong with this credential."""
        return not self.problems


@dataclass(frozen=True)
class Verdict:
    """The answer for a college: verified or not, and why."""

    verified: bool
    format: str
    credential: CredentialVerdict
    nested: list[CredentialVerdict] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    schema_problems: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Every problem found, each naming its credential."""
        found = [f"record: {p}" for p in self.credential.problems]
        for item in self.nested:
            found += [f"{item.name or item.id}: {p}" for p in item.problems]
        return found + [f"schema: {p}" for p in self.schema_problems]

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form for the API and the CLI."""

        def one(item: CredentialVerdict) -> dict[str, Any]:
            return {
                "id": item.id,
                "type": item.kind,
                "name": item.name,
                "issuer": {"id": item.issuer_id, "name": item.issuer_name},
                "subject": item.subject,
                "validFrom": item.valid_from,
                "validUntil": item.valid_until,
                "signatures": [
                    {
                        "valid": s.valid,
                        "reason": s.reason,
                        "verificationMethod": s.verification_method,
                    }
                    for s in item.signatures
                ],
                "revoked": item.revoked,
                "expired": item.expired,
                "verified": item.verified,
                "problems": item.problems,
            }

        return {
            "verified": self.verified,
            "format": self.format,
            "credential": one(self.credential),
            "nested": [one(item) for item in self.nested],
            "claims": [claim.__dict__ for claim in self.claims],
            "schemaProblems": self.schema_problems,
            "reasons": self.reasons,
        }


def parse_input(raw: bytes | str) -> dict[str, Any] | str:
    """A credential object or a JWT string from uploaded text; MalformedCredential otherwise."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_INPUT_BYTES:
            raise MalformedCredential("the file is larger than 5 MB; no learner record is")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCredential("the file is not UTF-8 text (JSON or a JWT)") from None
    text = raw.strip().lstrip("\ufeff")
    if not text:
        raise MalformedCredential("nothing to verify: the input is empty")
    if looks_like_jwt(text):
        return text
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise MalformedCredential(f"the input is neither JSON nor a JWT ({error})") from None
    if not isinstance(value, dict):
        raise MalformedCredential("the JSON is not an object, so it is not a credential")
    if _depth(value) > MAX_DEPTH:
        raise MalformedCredential(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """How deeply JSON arrays and objects nest (iteratively, so any input is safe)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def _list(value: Any) -> list[Any]:
    """A JSON value as a list (JSON-LD allows one item where a list is meant)."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _types(value: Any) -> list[str]:
    """The type list of an object."""
    kinds = value.get("type") if isinstance(value, dict) else None
    return kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []


def _id_of(value: Any) -> Any:
    """id of an object or the string."""
    return value.get("id") if isinstance(value, dict) else value


def _subject_label(credential: dict[str, Any]) -> str | None:
    """Who the credential is about: the subject id, else its identifiers."""
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, dict):
        return None
    if isinstance(subject.get("id"), str):
        return subject["id"]
    labels = [
        f"{i.get('identityType')}: {i.get('identityHash')}"
        for i in _list(subject.get("identifier"))
        if isinstance(i, dict)
    ]
    return "; ".join(labels) or None


def _check_one(
    credential: dict[str, Any],
    resolve_key: KeyResolver,
    resolve_status: StatusResolver,
    now: datetime,
    signatures: list[ProofCheck] | None = None,
) -> CredentialVerdict:
    """Structure, proof, controller, status and dates of one credential."""
    problems: list[str] = []
    kinds = _types(credential)
    kind = (
        "ClrCredential"
        if "ClrCredential" in kinds
        else next((k for k in kinds if k != "VerifiableCredential"), "unknown")
    )
    context = credential.get("@context")
    context = context if isinstance(context, list) else [context]
    if not context or context[0] != VC_V2:
        problems.append("the first @context is not the VC Data Model 2.0 context")
    if "VerifiableCredential" not in kinds:
        problems.append("the type does not include VerifiableCredential")
    issuer_id = _id_of(credential.get("issuer"))
    issuer = credential.get("issuer")
    if signatures is None:
        try:
            signatures = dataintegrity.verify(credential, resolve_key)
        except CredentialError as error:
            signatures = [ProofCheck(False, str(error))]
        if not signatures:
            problems.append("the credential has no proof")
    for check in signatures:
        if not check.valid:
            problems.append(check.reason)
        elif check.controller != issuer_id:
            problems.append(
                f"the signing key belongs to {check.controller}, not to the issuer {issuer_id}"
            )
    revoked = _status(credential, resolve_status, problems)
    valid_from = parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        problems.append("validFrom is missing or not a date-time")
    elif valid_from > now + CLOCK_SKEW:
        problems.append(f"not valid until {credential['validFrom']}")
    expired = False
    if credential.get("validUntil") is not None:
        valid_until = parse_datetime(credential["validUntil"])
        if valid_until is None:
            problems.append("validUntil is not a date-time")
        elif valid_until < now - CLOCK_SKEW:
            expired = True
            problems.append(f"expired on {credential['validUntil']}")
    return CredentialVerdict(
        id=credential.get("id") if isinstance(credential.get("id"), str) else None,
        kind=kind,
        name=credential.get("name") if isinstance(credential.get("name"), str) else None,
        issuer_id=issuer_id if isinstance(issuer_id, str) else None,
        issuer_name=issuer.get("name") if isinstance(issuer, dict) else None,
        subject=_subject_label(credential),
        valid_from=credential.get("validFrom"),
        valid_until=credential.get("validUntil"),
        signatures=signatures,
        revoked=revoked,
        expired=expired,
        problems=problems,
    )


def _status(
    credential: dict[str, Any], resolve: StatusResolver, problems: list[str]
) -> bool | None:
    """Whether any revocation/suspension status entry is set; None when unchecked."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return False
    entries = raw if isinstance(raw, list) else [raw]
    revoked: bool | None = False
    for entry in entries:
        if not isinstance(entry, dict) or "BitstringStatusListEntry" not in _types(entry):
            problems.append("a status entry of an unsupported type cannot be checked")
            revoked = None
            continue
        url = entry.get("statusListCredential")
        bits = resolve(url) if isinstance(url, str) else None
        if bits is None:
            problems.append(f"the status list {url} cannot be checked offline")
            revoked = None
            continue
        try:
            is_set = bit_is_set(bits, int(entry.get("statusListIndex", "")))
        except (TypeError, ValueError, CredentialError):
            problems.append("the status entry has no valid statusListIndex")
            revoked = None
            continue
        if is_set and entry.get("statusPurpose") in ("revocation", "suspension"):
            problems.append(f"{entry.get('statusPurpose')}: the issuer has withdrawn it")
            revoked = True
    return revoked


def _claims(nested: list[dict[str, Any]]) -> list[Claim]:
    """Plain-words claims of the nested achievement credentials."""
    claims = []
    for credential in nested:
        subject = credential.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        achievement = subject.get("achievement")
        achievement = achievement if isinstance(achievement, dict) else {}
        levels = {
            level.get("id"): level.get("name")
            for rd in _list(achievement.get("resultDescription"))
            if isinstance(rd, dict)
            for level in _list(rd.get("rubricCriterionLevel"))
            if isinstance(level, dict) and isinstance(level.get("id"), str)
        }
        results = [r for r in _list(subject.get("result")) if isinstance(r, dict)]
        first = results[0] if results else {}
        evidence = _list(credential.get("evidence"))
        claims.append(
            Claim(
                name=str(achievement.get("name") or credential.get("name") or "unnamed"),
                code=achievement.get("humanCode"),
                achievement_type=achievement.get("achievementType"),
                status=first.get("status"),
                level=levels.get(first["achievedLevel"])
                if isinstance(first.get("achievedLevel"), str)
                else None,
                evidence_count=len(evidence),
            )
        )
    return claims


def verify_credential(
    value: dict[str, Any] | str,
    *,
    resolve_key: KeyResolver,
    resolve_status: StatusResolver,
    now: datetime,
    resolve_jwk: JwkResolver | None = None,
) -> Verdict:
    """Check a credential (and every credential nested in a CLR) and say why it fails."""
    if isinstance(value, str):
        check = verify_jwt(value, resolve_jwk or (lambda kid: None))
        credential = check.credential or {}
        proof = ProofCheck(check.valid, check.reason, check.kid, None)
        outer = _check_one(credential, resolve_key, resolve_status, now, signatures=[proof])
        if check.valid:
            # The JWT's key proves control only if its kid is the issuer's.
            outer.problems[:] = [p for p in outer.problems if "signing key belongs" not in p]
            if not str(check.kid or "").startswith(f"{outer.issuer_id}#"):
                outer.problems.append("the JWT's key is not one of the issuer's keys")
        fmt = "jwt"
    else:
        credential = value
        outer = _check_one(credential, resolve_key, resolve_status, now)
        fmt = "json"
    nested_docs: list[dict[str, Any]] = []
    nested: list[CredentialVerdict] = []
    if outer.kind == "ClrCredential":
        subject = credential.get("credentialSubject")
        items = subject.get("verifiableCredential") if isinstance(subject, dict) else None
        if not isinstance(items, list) or not items:
            outer.problems.append("the ClrSubject holds no verifiableCredential")
            items = []
        for item in items:
            if not isinstance(item, dict):
                outer.problems.append("a nested credential is not an object")
                continue
            nested_docs.append(item)
            nested.append(_check_one(item, resolve_key, resolve_status, now))
    else:
        nested_docs = (
            [credential]
            if "AchievementCredential" in _types(credential)
            or ("OpenBadgeCredential" in _types(credential))
            else []
        )
    schema_problems = schema_errors(credential)[:20] if credential else ["no credential"]
    verified = outer.verified and all(item.verified for item in nested) and not schema_problems
    return Verdict(verified, fmt, outer, nested, _claims(nested_docs), schema_problems)
