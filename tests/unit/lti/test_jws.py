"""The RS256 JWS check launches use instead of PyJWT's decode: same verdicts, stricter input."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.lti import jws

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NOW = 1_800_000_000


def token(claims: dict | None = None, key: rsa.RSAPrivateKey = KEY, **header: str) -> str:
    """A signed RS256 token with sensible times."""
    body = {"iss": "https://lms.example", "iat": NOW, "exp": NOW + 300, **(claims or {})}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1", **header})


def test_a_good_token_verifies_and_its_payload_is_what_was_signed() -> None:
    """split + verify_rs256 accept a genuine token; the payload is the signed one."""
    parsed = jws.split(token({"sub": "u1"}))
    jws.verify_rs256(parsed, KEY.public_key())
    assert parsed.payload["sub"] == "u1"
    assert parsed.header == {"alg": "RS256", "kid": "k1", "typ": "JWT"}


def test_a_changed_payload_fails_the_signature() -> None:
    """Swap the body for another token's body: the signature no longer holds."""
    a, b = token({"sub": "u1"}).split("."), token({"sub": "admin"}).split(".")
    forged = jws.split(".".join([a[0], b[1], a[2]]))
    with pytest.raises(jws.JWSError, match="signature does not match"):
        jws.verify_rs256(forged, KEY.public_key())


def test_another_key_fails_the_signature() -> None:
    """A token signed by a key that is not the platform's is refused."""
    with pytest.raises(jws.JWSError, match="signature does not match"):
        jws.verify_rs256(jws.split(token(key=OTHER)), KEY.public_key())


def test_only_rs256_and_only_rsa_keys() -> None:
    """HS256 and alg=none are refused, and so is a key that is not RSA."""
    hs = jwt.encode({"iat": NOW, "exp": NOW + 1}, "secret-long-enough-for-hmac-256-bits!!", "HS256")
    with pytest.raises(jws.JWSError, match="RS256"):
        jws.verify_rs256(jws.split(hs), KEY.public_key())
    none = jwt.encode({"iat": NOW, "exp": NOW + 1}, None, algorithm="none")
    with pytest.raises(jws.JWSError, match="RS256"):
        jws.verify_rs256(jws.split(none), KEY.public_key())
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(jws.JWSError, match="not an RSA public key"):
        jws.verify_rs256(jws.split(token()), ec_key)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a.b", "three parts"),
        ("a.b.c.d", "three parts"),
        ("e30.e30.a+b", "signature is not base64url"),
        ("e30=.e30.abcd", "header is not base64url"),
        ("e30.W10.abcd", "body is not a JSON object"),
        ("bm90IGpzb24.e30.abcd", "header is not JSON"),
        ("e30.e30.abcde", "signature is not base64url"),
    ],
)
def test_malformed_tokens_are_refused_with_the_reason(text: str, problem: str) -> None:
    """Wrong part counts, padding, characters outside base64url and non-objects are refused."""
    with pytest.raises(jws.JWSError, match=problem):
        jws.split(text)


@pytest.mark.parametrize(
    ("claims", "claim", "problem"),
    [
        ({"exp": None}, "exp", "missing"),
        ({"iat": None}, "iat", "missing"),
        ({"exp": True}, "exp", "not_a_number"),
        ({"iat": "1800000000"}, "iat", "not_a_number"),
        ({"exp": NOW - 61}, "exp", "expired"),
        ({"iat": NOW + 61}, "iat", "in_the_future"),
        ({"nbf": NOW + 61}, "nbf", "in_the_future"),
    ],
)
def test_time_claims(claims: dict, claim: str, problem: str) -> None:
    """exp and iat are required numbers; expiry and not-before hold with 60 s of leeway."""
    body = {"iat": NOW, "exp": NOW + 300, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(jws.TimeClaimError) as info:
        jws.check_times(body, NOW, leeway=60)
    assert (info.value.claim, info.value.problem) == (claim, problem)


def test_leeway_tolerates_small_clock_differences() -> None:
    """Within the leeway, a just-expired token and one issued slightly ahead both pass."""
    jws.check_times({"iat": NOW + 59, "exp": NOW - 59, "nbf": NOW + 59}, NOW, leeway=60)


_NOW = int(time.time())
GOOD = token({"sub": "u1", "iat": _NOW, "exp": _NOW + 3600})


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(GOOD) - 1), char=st.characters())
def test_any_one_character_change_is_judged_as_pyjwt_judges_it(position: int, char: str) -> None:
    """Change one character anywhere: we accept only what PyJWT accepts (and never crash)."""
    mutated = GOOD[:position] + char + GOOD[position + 1 :]
    try:
        ours = jws.split(mutated)
        jws.verify_rs256(ours, KEY.public_key())
        jws.check_times(ours.payload, time.time(), 60)
        we_accept = True
    except jws.JWSError:
        we_accept = False
    try:
        jwt.decode(
            mutated, KEY.public_key(), algorithms=["RS256"], leeway=60,
            options={"require": ["exp", "iat"], "verify_aud": False},
        )  # fmt: skip
        they_accept = True
    except (jwt.InvalidTokenError, UnicodeEncodeError):  # PyJWT chokes on lone surrogates
        they_accept = False
    assert they_accept or not we_accept, "we accepted what PyJWT refuses"
    if they_accept and not we_accept:
        assert "=" in mutated, "we refused a token PyJWT accepts for a reason other than padding"
