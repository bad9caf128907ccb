"""Canonicalisation equals the 1EdTech vectors byte for byte and refuses in safe mode."""

from __future__ import annotations

import copy
import hashlib

import pytest

from lti_tool.clr.errors import JsonLdError
from lti_tool.clr.jsonld import canonical_double
from lti_tool.clr.rdfc import canonicalize_quads, canonize, sort_lines
from tests.unit.clr.vectors import load, only_proof, text, unsigned


@pytest.mark.parametrize(
    ("vector", "canon"),
    [
        ("clr_signed_credential.json", "clrv2p0"),
        ("ob_signed_credential.json", "obv3p0"),
    ],
)
def test_document_and_proof_canon_match_the_vectors(vector, canon):
    signed = load(vector)
    proof = {k: v for k, v in only_proof(signed).items() if k != "proofValue"}
    proof["@context"] = signed["@context"]
    assert canonize(unsigned(signed)) == text(f"{canon}_document-canon.nq")
    assert canonize(proof) == text(f"{canon}_proof-canon.nq")


def test_hashes_match_the_clr_vector():
    expected = load("clr_expected_hashes.json")
    signed = load("clr_signed_credential.json")
    proof = {k: v for k, v in only_proof(signed).items() if k != "proofValue"}
    proof["@context"] = signed["@context"]
    assert (
        hashlib.sha256(canonize(unsigned(signed)).encode()).hexdigest() == expected["document-hash"]
    )
    assert hashlib.sha256(canonize(proof).encode()).hexdigest() == expected["proof-hash"]


def test_an_undefined_property_is_refused():
    document = unsigned(load("clr_signed_credential.json"))
    document["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["mood"] = "x"
    with pytest.raises(JsonLdError, match="'mood' is not defined"):
        canonize(document)


def test_a_relative_type_is_refused():
    document = unsigned(load("clr_signed_credential.json"))
    document["type"] = ["VerifiableCredential", "ClrCredential", "MadeUpType"]
    with pytest.raises(JsonLdError, match="MadeUpType"):
        canonize(document)


def test_a_relative_id_is_refused():
    document = unsigned(load("clr_signed_credential.json"))
    document["id"] = "credentials/3732"
    with pytest.raises(JsonLdError, match="not an absolute IRI"):
        canonize(document)


def test_an_unknown_context_is_refused_without_fetching():
    document = unsigned(load("clr_signed_credential.json"))
    document["@context"] = [*document["@context"], "https://example.org/evil-context.json"]
    with pytest.raises(JsonLdError, match="not one this tool knows"):
        canonize(document)


def test_redefining_a_protected_term_inline_is_refused():
    document = unsigned(load("ob_signed_credential.json"))
    document["@context"] = [*document["@context"], {"name": "https://example.org/name"}]
    with pytest.raises(JsonLdError, match="protected term redefinition"):
        canonize(document)


def test_an_inline_term_is_accepted_and_signed_over():
    document = unsigned(load("ob_signed_credential.json"))
    plain = canonize(document)
    document["@context"] = [*document["@context"], {"mood": "https://example.org/mood"}]
    document["mood"] = "calm"
    assert '<https://example.org/mood> "calm"' in canonize(document)
    assert canonize(document) != plain


def test_key_order_does_not_change_the_canon():
    document = unsigned(load("clr_signed_credential.json"))
    shuffled = dict(reversed(list(copy.deepcopy(document).items())))
    assert canonize(shuffled) == canonize(document)


def test_control_characters_are_escaped_as_rdf_canonize_does():
    document = unsigned(load("ob_signed_credential.json"))
    document["name"] = 'a\tb\nc"d\\e\x01f\x7f'
    assert '"a\\tb\\nc\\"d\\\\e\\u0001f\\u007F"' in canonize(document)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.5, "2.5E0"),
        (-0.125, "-1.25E-1"),
        (1e-7, "1.0E-7"),
        (1.5e300, "1.5E300"),
        # An exact tie at the 16th digit: JavaScript rounds away from zero, Python to even.
        (-932020917043080.25, "-9.320209170430803E14"),
        (5e-324, "4.940656458412465E-324"),
        (-0.0, "0.0E0"),
    ],
)
def test_doubles_use_the_json_ld_canonical_form(value, expected):
    assert canonical_double(value) == expected


def test_integral_numbers_are_integers_as_in_javascript():
    document = unsigned(load("clr_signed_credential.json"))
    nested = document["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]
    nested["creditsEarned"] = 2.0
    as_float = canonize(document)
    nested["creditsEarned"] = 2
    assert canonize(document) == as_float
    assert '"2"^^<https://www.w3.org/2001/XMLSchema#float>' in as_float


def test_blank_nodes_with_identical_neighbourhoods_are_canonicalised():
    # Two blank nodes pointing at each other: the first-degree hashes tie, N-degree decides.
    p = ("I", "https://example.org/p")
    a, b = ("B", "x"), ("B", "y")
    quads = [(a, p, b, None), (b, p, a, None)]
    assert canonicalize_quads(quads) == (
        "_:c14n0 <https://example.org/p> _:c14n1 .\n_:c14n1 <https://example.org/p> _:c14n0 .\n"
    )


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (1e-7, '"0"^^<https://www.w3.org/2001/XMLSchema#float>'),  # String(1e-7) is "1e-7"
        (1.5e-7, '"1.5E-7"^^<https://www.w3.org/2001/XMLSchema#float>'),
        (9007199254740993, '"9007199254740992"^^<https://www.w3.org/2001/XMLSchema#float>'),
        (1e21, '"1.0E21"^^<https://www.w3.org/2001/XMLSchema#float>'),
    ],
)
def test_numbers_follow_javascript(value, literal):
    document = unsigned(load("clr_signed_credential.json"))
    document["credentialSubject"]["verifiableCredential"][0]["credentialSubject"][
        "creditsEarned"
    ] = value
    assert literal in canonize(document)


def test_lines_sort_by_utf16_code_units_as_javascript_does():
    assert sort_lines(["\U0001f600\n", "\uffff\n"]) == ["\U0001f600\n", "\uffff\n"]
    assert sort_lines(["b\n", "a\n"]) == ["a\n", "b\n"]
