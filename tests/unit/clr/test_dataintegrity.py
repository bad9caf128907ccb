"""eddsa-rdfc-2022: the signer reproduces the 1EdTech vectors; tampering is refused."""

from __future__ import annotations

import copy

import pytest

from lti_tool.clr import dataintegrity
from lti_tool.clr.errors import SigningError
from lti_tool.clr.multikey import (
    b58decode,
    b58encode,
    parse_public_key_multibase,
    public_key_multibase,
    resolve_did_key,
    secret_key_multibase,
)
from tests.unit.clr.vectors import KEYPAIR, load, only_proof, resolve, test_signer, unsigned


@pytest.mark.parametrize("vector", ["clr_signed_credential.json", "ob_signed_credential.json"])
def test_the_signer_reproduces_the_vector_proof_byte_for_byte(vector):
    signed = load(vector)
    expected = only_proof(signed)
    ours = dataintegrity.sign(unsigned(signed), test_signer(), expected["created"])
    assert ours["proof"] == expected


def test_the_clr_proof_value_is_the_published_one():
    expected = load("clr_expected_hashes.json")
    signed = load("clr_signed_credential.json")
    ours = dataintegrity.sign(unsigned(signed), test_signer(), "2010-01-01T19:23:24Z")
    assert ours["proof"]["proofValue"] == expected["proof-value"]


@pytest.mark.parametrize("vector", ["clr_signed_credential.json", "ob_signed_credential.json"])
def test_the_vectors_verify(vector):
    checks = dataintegrity.verify(load(vector), resolve)
    assert [check.valid for check in checks] == [True]
    assert checks[0].controller == KEYPAIR["controller"]


def test_the_nested_vector_credential_verifies():
    nested = load("clr_signed_credential.json")["credentialSubject"]["verifiableCredential"][0]
    assert [check.valid for check in dataintegrity.verify(nested, resolve)] == [True]


def _tampered(edit):
    signed = load("clr_signed_credential.json")
    edit(signed)
    return dataintegrity.verify(signed, resolve)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["issuer"].__setitem__("name", "Example University "),
        lambda d: d.__setitem__("validFrom", "2010-01-01T00:00:01Z"),
        lambda d: d["credentialSubject"]["verifiableCredential"][0].__setitem__("name", "Fake"),
        lambda d: (
            d["credentialSubject"]["verifiableCredential"][0]["proof"][0].__setitem__(
                "created", "2011-01-01T00:00:00Z"
            )
            if isinstance(d["credentialSubject"]["verifiableCredential"][0]["proof"], list)
            else d["credentialSubject"]["verifiableCredential"][0]["proof"].__setitem__(
                "created", "2011-01-01T00:00:00Z"
            )
        ),
    ],
    ids=["field", "date", "nested-credential", "nested-proof"],
)
def test_tampering_is_refused(edit):
    checks = _tampered(edit)
    assert not checks[0].valid
    assert "invalid signature" in checks[0].reason


def test_a_changed_signature_is_refused():
    signed = load("clr_signed_credential.json")
    proof = only_proof(signed)
    value = proof["proofValue"]
    proof["proofValue"] = value[:-1] + ("A" if value[-1] != "A" else "B")
    checks = dataintegrity.verify(signed, resolve)
    assert not checks[0].valid


def test_an_unknown_key_is_refused():
    signed = load("clr_signed_credential.json")
    only_proof(signed)["verificationMethod"] = "https://evil.example/key#1"
    checks = dataintegrity.verify(signed, resolve)
    assert not checks[0].valid
    assert "cannot be resolved" in checks[0].reason


def test_another_cryptosuite_is_refused():
    signed = load("clr_signed_credential.json")
    only_proof(signed)["cryptosuite"] = "eddsa-2022"
    assert "only DataIntegrityProof" in dataintegrity.verify(signed, resolve)[0].reason


def test_an_undefined_term_makes_signing_fail():
    document = unsigned(load("ob_signed_credential.json"))
    document["mood"] = "calm"
    with pytest.raises(SigningError, match="mood"):
        dataintegrity.sign(document, test_signer(), "2024-01-01T00:00:00Z")


def test_signing_keeps_the_input_unchanged():
    document = unsigned(load("ob_signed_credential.json"))
    before = copy.deepcopy(document)
    dataintegrity.sign(document, test_signer(), "2024-01-01T00:00:00Z")
    assert document == before


def test_secret_key_multibase_matches_the_published_test_key():
    assert secret_key_multibase(test_signer().private_key) == KEYPAIR["secretKeyMultibase"]


def test_multikey_round_trips():
    public = parse_public_key_multibase(KEYPAIR["publicKeyMultibase"])
    assert public_key_multibase(public) == KEYPAIR["publicKeyMultibase"]
    assert b58decode(b58encode(b"\0\0abc")) == b"\0\0abc"
    with pytest.raises(ValueError):
        parse_public_key_multibase("z" + b58encode(b"\x12\x34" + bytes(32)))


def test_did_key_methods_resolve_locally():
    fixture = load("examples/validator-fixture_ob30_simple-did-key-method.json")
    method = only_proof(fixture)["verificationMethod"]
    key = resolve_did_key(method)
    assert key is not None and key.controller == method.split("#")[0]
    assert [check.valid for check in dataintegrity.verify(fixture, resolve_did_key)] == [True]
    assert resolve_did_key("did:key:z6MkBAD#z6MkBAD") is None
    assert resolve_did_key("did:web:example.org#key") is None
