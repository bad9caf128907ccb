"""The plain verdict: signatures, controller, status, dates, nested credentials, claims."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from lti_tool.clr.builder import build_clr
from lti_tool.clr.errors import MalformedCredential
from lti_tool.clr.multikey import VerificationKey
from lti_tool.clr.statuslist import decode_list, encode_list
from lti_tool.clr.verify import parse_input, verify_credential
from tests.unit.clr.sample import ISSUER_ID, SIGNER, record

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EMPTY = decode_list(encode_list([]))


def resolve(method):
    if method != SIGNER.verification_method:
        return None
    return VerificationKey(method, ISSUER_ID, SIGNER.private_key.public_key())


def check(document, bits=EMPTY, now=NOW, resolve_key=resolve):
    return verify_credential(
        document, resolve_key=resolve_key, resolve_status=lambda url: bits, now=now
    )


@pytest.fixture(scope="module")
def signed():
    return build_clr(record(0, 3), SIGNER)


def test_a_good_record_is_verified_with_claims(signed):
    verdict = check(signed)
    assert verdict.verified, verdict.reasons
    assert verdict.credential.issuer_name == "Northfield Schools"
    assert [claim.level for claim in verdict.claims] == ["Beginning", "Developing", "Proficient"]
    assert [claim.status for claim in verdict.claims] == ["InProgress", "Completed", "Completed"]
    assert verdict.claims[0].evidence_count == 2
    assert verdict.as_json()["verified"] is True


def test_a_revoked_nested_credential_is_named(signed):
    index = int(signed["credentialSubject"]["verifiableCredential"][1]["credentialStatus"][
        "statusListIndex"
    ])  # fmt: skip
    verdict = check(signed, bits=decode_list(encode_list([index])))
    assert not verdict.verified
    assert verdict.nested[1].revoked is True
    assert verdict.credential.revoked is False
    assert any("Competency 1: revocation" in reason for reason in verdict.reasons)


def test_an_unreachable_status_list_means_not_verified(signed):
    verdict = check(signed, bits=None)
    assert not verdict.verified
    assert verdict.credential.revoked is None
    assert any("cannot be checked offline" in reason for reason in verdict.reasons)


def test_expired_and_not_yet_valid(signed):
    late = dataclasses.replace(record(0, 1), valid_until=NOW - timedelta(days=1))
    verdict = check(build_clr(late, SIGNER))
    assert verdict.credential.expired and not verdict.verified
    early = check(signed, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert any("not valid until" in reason for reason in early.reasons)


def test_a_key_controlled_by_someone_else_is_refused(signed):
    def other(method):
        key = resolve(method)
        return dataclasses.replace(key, controller="did:web:other.example") if key else None

    verdict = check(signed, resolve_key=other)
    assert any("not to the issuer" in reason for reason in verdict.reasons)


def test_a_removed_nested_credential_breaks_the_outer_proof(signed):
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["verifiableCredential"].pop()
    verdict = check(changed)
    assert not verdict.verified
    assert any(reason.startswith("record: invalid signature") for reason in verdict.reasons)


def test_an_unsigned_record_is_not_verified(signed):
    changed = {k: v for k, v in signed.items() if k != "proof"}
    assert "record: the credential has no proof" in check(changed).reasons


def test_an_undefined_term_is_reported_not_raised(signed):
    changed = copy.deepcopy(signed)
    changed["surprise"] = True
    verdict = check(changed)
    assert any("not defined by the context" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("raw", [b"", b"   ", b"[]", b"nope", b"\xff", "\ufeff"])
def test_parse_input_refuses_non_credentials(raw):
    with pytest.raises(MalformedCredential):
        parse_input(raw)


def test_parse_input_refuses_deep_nesting():
    with pytest.raises(MalformedCredential, match="nested"):
        parse_input('{"a":' * 100 + "1" + "}" * 100)
    with pytest.raises(MalformedCredential):
        parse_input("[" * 100_000 + "]" * 100_000)


def test_parse_input_accepts_json_and_jwt():
    assert parse_input(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert parse_input(" aaa.bbb.ccc\n") == "aaa.bbb.ccc"
