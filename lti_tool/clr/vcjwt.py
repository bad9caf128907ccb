"""VC-JWT: a credential as the claims of a compact JWS signed with RS256 or ES256.

Spec: https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof (OB 3.0 section 8.2, used by CLR 2.0):
header `alg`, `typ: JWT`, `kid`; claims = the credential plus iss, sub, jti, nbf, exp.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from lti_tool.clr.dataintegrity import parse_datetime
from lti_tool.clr.errors import MalformedCredential, SigningError

ALGORITHMS = ("RS256", "ES256")

#: Looks up the public key for a `kid`; None when it is unknown.
JwkResolver = Callable[[str], Any]


def _id_of(value: Any) -> Any:
    """The id of an object, or the string itself."""
    return value.get("id") if isinstance(value, dict) else value


def _first_subject(credential: dict[str, Any]) -> Any:
    """The first credentialSubject."""
    subject = credential.get("credentialSubject")
    return subject[0] if isinstance(subject, list) and subject else subject


def _epoch(text: Any) -> int | None:
    """Seconds since the epoch of an XML Schema dateTime."""
    moment = parse_datetime(text)
    return int(moment.timestamp()) if moment else None


def registered_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT claims OB 3.0 derives from a credential."""
    claims = {
        "iss": _id_of(credential.get("issuer")),
        "jti": credential.get("id"),
        "sub": _id_of(_first_subject(credential)),
        "nbf": _epoch(credential.get("validFrom")),
    }
    if credential.get("validUntil") is not None:
        claims["exp"] = _epoch(credential["validUntil"])
    return claims


def sign_jwt(credential: dict[str, Any], private_key: Any, alg: str, kid: str) -> str:
    """The credential as a VC-JWT compact JWS."""
    if alg not in ALGORITHMS:
        raise SigningError(f"VC-JWT algorithm must be one of {', '.join(ALGORITHMS)}")
    if alg == "RS256" and not isinstance(private_key, rsa.RSAPrivateKey):
        raise SigningError("RS256 needs an RSA private key")
    if alg == "ES256" and not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise SigningError("ES256 needs a P-256 private key")
    registered = {k: v for k, v in registered_claims(credential).items() if v is not None}
    claims = {**credential, **registered}
    return jwt.encode(claims, private_key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


@dataclass(frozen=True)
class JwtCheck:
    """The outcome of checking a VC-JWT."""

    valid: bool
    reason: str
    credential: dict[str, Any] | None = None
    kid: str | None = None
    alg: str | None = None
    problems: list[str] = field(default_factory=list)


def looks_like_jwt(text: str) -> bool:
    """True when text has the shape of a compact JWS."""
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2])


def verify_jwt(token: str, resolve: JwkResolver) -> JwtCheck:
    """Check a VC-JWT's signature and that its registered claims match the credential."""
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise MalformedCredential(f"not a JWT: {error}") from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        return JwtCheck(False, f"JWT algorithm {alg!r} is not RS256 or ES256", alg=alg, kid=kid)
    if not isinstance(kid, str):
        return JwtCheck(False, "the JWT header names no kid", alg=alg)
    key = resolve(kid)
    if key is None:
        return JwtCheck(
            False, f"the key {kid} cannot be resolved (no network lookups)", None, kid, alg
        )
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[alg],
            options={"verify_exp": False, "verify_nbf": False, "verify_aud": False},
        )
    except jwt.InvalidSignatureError:
        return JwtCheck(
            False, "invalid signature: the JWT was changed after signing", None, kid, alg
        )
    except jwt.PyJWTError as error:
        return JwtCheck(False, f"the JWT cannot be verified: {error}", None, kid, alg)
    credential = {
        k: v for k, v in payload.items() if k not in ("iss", "sub", "jti", "nbf", "exp", "iat")
    }
    if "vc" in payload and isinstance(payload["vc"], dict):
        credential = payload["vc"]
    problems = [
        f"the JWT claim {name} does not match the credential"
        for name, value in registered_claims(credential).items()
        if value is not None and payload.get(name) != value
    ]
    if problems:
        return JwtCheck(False, problems[0], credential, kid, alg, problems)
    return JwtCheck(True, "signature valid", credential, kid, alg)


def public_jwk_json(public_key: Any) -> dict[str, Any]:
    """The public JWK (dict) of an RSA or EC public key."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return dict(RSAAlgorithm.to_jwk(public_key, as_dict=True))
    return dict(ECAlgorithm.to_jwk(public_key, as_dict=True))
