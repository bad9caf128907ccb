"""VC-JWT (RS256 / ES256): signed claims match the credential; tampering and other algs refused."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lti_tool.clr.errors import MalformedCredential, SigningError
from lti_tool.clr.vcjwt import looks_like_jwt, sign_jwt, verify_jwt
from tests.unit.clr.vectors import load, unsigned

EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _credential():
    return unsigned(load("ob_signed_credential.json"))


@pytest.mark.parametrize(("key", "alg"), [(EC_KEY, "ES256"), (RSA_KEY, "RS256")])
def test_sign_then_verify(key, alg):
    credential = _credential()
    token = sign_jwt(credential, key, alg, "https://example.edu/issuers/565049#jwt-1")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": "https://example.edu/issuers/565049#jwt-1", "typ": "JWT"}
    check = verify_jwt(token, lambda kid: key.public_key())
    assert check.valid, check.reason
    assert check.credential == credential
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == credential["issuer"]["id"]
    assert claims["jti"] == credential["id"]
    assert claims["nbf"] == 1262304000


def test_a_changed_payload_is_refused():
    token = sign_jwt(_credential(), EC_KEY, "ES256", "k")
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["name"] = "Forged"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    check = verify_jwt(".".join([head, body, sig]), lambda kid: EC_KEY.public_key())
    assert not check.valid
    assert "invalid signature" in check.reason


def test_claims_that_disagree_with_the_credential_are_refused():
    credential = _credential()
    claims = {**credential, "iss": "https://evil.example", "nbf": 1262304000}
    token = jwt.encode(claims, EC_KEY, algorithm="ES256", headers={"kid": "k"})
    check = verify_jwt(token, lambda kid: EC_KEY.public_key())
    assert not check.valid
    assert "iss" in check.reason


def test_other_algorithms_and_unknown_keys_are_refused():
    token = jwt.encode({"a": 1}, "secret-secret-secret-secret-secret", algorithm="HS256")
    assert "not RS256 or ES256" in verify_jwt(token, lambda kid: None).reason
    token = sign_jwt(_credential(), EC_KEY, "ES256", "unknown")
    assert "cannot be resolved" in verify_jwt(token, lambda kid: None).reason
    with pytest.raises(SigningError):
        sign_jwt(_credential(), EC_KEY, "RS256", "k")
    with pytest.raises(SigningError):
        sign_jwt(_credential(), EC_KEY, "EdDSA", "k")


def test_garbage_is_malformed():
    assert looks_like_jwt("a.b.c") and not looks_like_jwt("{}")
    with pytest.raises(MalformedCredential):
        verify_jwt("a.b.c", lambda kid: None)
