"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite: sign and verify.

Spec: https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 (sections 3.3.1-3.3.6) and
https://www.w3.org/TR/vc-data-integrity/#add-proof
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lti_tool.clr.errors import CredentialError, JsonLdError, SigningError
from lti_tool.clr.multikey import Ed25519Signer, VerificationKey, multibase_decode, multibase_encode
from lti_tool.clr.rdfc import canonize

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"

#: Looks up a verification method URL; None when it is unknown.
KeyResolver = Callable[[str], VerificationKey | None]


def format_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a Z, seconds precision (as credentials carry it)."""
    if moment.tzinfo is None:
        raise SigningError("datetimes in credentials must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: Any) -> datetime | None:
    """An aware datetime from an XML Schema dateTime string, or None when it is not one."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    """Spec 3.3.4 (hashing): SHA-256(canon proof config) || SHA-256(canon document)."""
    proof_hash = hashlib.sha256(canonize(proof_config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonize(document).encode("utf-8")).digest()
    return proof_hash + document_hash


def sign(
    document: dict[str, Any], signer: Ed25519Signer, created: datetime | str
) -> dict[str, Any]:
    """A copy of document with a DataIntegrityProof appended (spec 3.3.1 create proof)."""
    if not isinstance(document, dict) or "@context" not in document:
        raise SigningError("only a JSON-LD object with an @context can be signed")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": created if isinstance(created, str) else format_datetime(created),
        "verificationMethod": signer.verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": ASSERTION_METHOD,
    }
    try:
        data = hash_data(unsecured, {**proof, "@context": document["@context"]})
    except JsonLdError as error:
        raise SigningError(f"the credential is not signable JSON-LD: {error}") from error
    proof["proofValue"] = multibase_encode(signer.sign(data))
    existing = document.get("proof")
    proofs = [] if existing is None else existing if isinstance(existing, list) else [existing]
    signed = dict(document)
    signed["proof"] = proof if not proofs else [*proofs, proof]
    return signed


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof."""

    valid: bool
    reason: str
    verification_method: str | None = None
    controller: str | None = None
    created: str | None = None
    cryptosuite: str | None = None


def verify(document: dict[str, Any], resolve: KeyResolver) -> list[ProofCheck]:
    """Check every proof on document (spec 3.3.2 verify proof); empty when there is none."""
    raw = document.get("proof")
    if raw is None:
        return []
    proofs = raw if isinstance(raw, list) else [raw]
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return [_verify_one(unsecured, proof, resolve) for proof in proofs]


def _verify_one(unsecured: dict[str, Any], proof: Any, resolve: KeyResolver) -> ProofCheck:
    """Check one proof object against the unsecured document."""
    if not isinstance(proof, dict):
        return ProofCheck(False, "the proof is not an object")
    method = proof.get("verificationMethod")
    suite = proof.get("cryptosuite")
    base = {
        "verification_method": method if isinstance(method, str) else None,
        "created": proof.get("created"),
        "cryptosuite": suite,
    }
    if proof.get("type") != PROOF_TYPE or suite != CRYPTOSUITE:
        return ProofCheck(
            False,
            f"unsupported proof {proof.get('type')!r}/{suite!r}: "
            f"only {PROOF_TYPE} with {CRYPTOSUITE} is accepted",
            **base,
        )
    if proof.get("proofPurpose") != ASSERTION_METHOD:
        return ProofCheck(False, "the proof's purpose is not assertionMethod", **base)
    if not isinstance(method, str):
        return ProofCheck(False, "the proof names no verificationMethod", **base)
    if "created" in proof and parse_datetime(proof["created"]) is None:
        return ProofCheck(False, "the proof's created is not a dateTime", **base)
    value = proof.get("proofValue")
    try:
        signature = multibase_decode(value) if isinstance(value, str) else b""
    except ValueError:
        signature = b""
    if len(signature) != 64:
        return ProofCheck(False, "the proofValue is not a base58btc Ed25519 signature", **base)
    key = resolve(method)
    if key is None:
        return ProofCheck(
            False, f"the key {method} cannot be resolved (no network lookups)", **base
        )
    base["controller"] = key.controller
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        context = unsecured.get("@context")
        ours = config["@context"] if isinstance(config["@context"], list) else [config["@context"]]
        theirs = context if isinstance(context, list) else [context]
        if theirs[: len(ours)] != ours:
            return ProofCheck(False, "the proof's @context does not match the document's", **base)
    config["@context"] = unsecured.get("@context")
    try:
        data = hash_data(unsecured, config)
    except CredentialError as error:
        return ProofCheck(False, f"the credential is not valid JSON-LD: {error}", **base)
    if not key.verify(signature, data):
        return ProofCheck(
            False, "invalid signature: the credential was changed after signing", **base
        )
    return ProofCheck(True, "signature valid", **base)
