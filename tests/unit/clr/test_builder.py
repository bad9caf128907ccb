"""The builder's records pass the official schemas and verify, outer and nested."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from lti_tool.clr import dataintegrity
from lti_tool.clr.builder import assemble_clr, build_clr, identity_hash
from lti_tool.clr.contexts import CLR_CONTEXT
from lti_tool.clr.errors import CredentialError
from lti_tool.clr.multikey import VerificationKey
from lti_tool.clr.schemas import schema_errors
from tests.unit.clr.sample import ISSUER_ID, SIGNER, record


def resolve(method):
    if method != SIGNER.verification_method:
        return None
    return VerificationKey(method, ISSUER_ID, SIGNER.private_key.public_key())


def test_the_record_has_the_exact_context_and_passes_the_schemas():
    clr = build_clr(record(), SIGNER)
    assert clr["@context"] == list(CLR_CONTEXT)
    assert schema_errors(clr) == []


def test_outer_and_every_nested_credential_verify():
    clr = build_clr(record(), SIGNER)
    assert all(check.valid for check in dataintegrity.verify(clr, resolve))
    for nested in clr["credentialSubject"]["verifiableCredential"]:
        assert [check.valid for check in dataintegrity.verify(nested, resolve)] == [True]


def test_the_competency_is_aligned_to_case_with_result_and_status():
    clr = assemble_clr(record())
    nested = clr["credentialSubject"]["verifiableCredential"][1]
    achievement = nested["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Competency"
    alignment = achievement["alignment"][0]
    assert alignment["targetType"] == "CFItem"
    assert alignment["targetUrl"].endswith("item-1")
    assert alignment["targetCode"] == "C.1"
    assert alignment["targetFramework"] == "Graduate Competency Framework"
    levels = achievement["resultDescription"][0]["rubricCriterionLevel"]
    assert [level["name"] for level in levels] == [
        "Beginning",
        "Developing",
        "Proficient",
        "Advanced",
    ]
    assert levels[2]["alignment"][0]["targetType"] == "CFRubricCriterionLevel"
    result = nested["credentialSubject"]["result"][0]
    assert result["status"] == "Completed"
    assert result["achievedLevel"] == levels[1]["id"]
    assert nested["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert [e["name"] for e in nested["evidence"]] == ["Capstone data brief", "Teacher observation"]


def test_areas_and_associations():
    clr = assemble_clr(record())
    subject = clr["credentialSubject"]
    kinds = sorted({a["associationType"] for a in subject["association"]})
    assert kinds == ["isChildOf", "isParentOf", "precedes"]
    area_ids = {a["id"] for a in subject["achievement"]}
    child = next(a for a in subject["association"] if a["associationType"] == "isChildOf")
    assert child["targetId"] in area_ids
    assert clr["partial"] is True


def test_the_learner_is_identified_by_salted_hash_and_lti_ids():
    clr = assemble_clr(record())
    identifiers = clr["credentialSubject"]["identifier"]
    email = identifiers[0]
    assert email["identityHash"] == identity_hash("jordan@example.org", "q7Yw2Lm9")
    assert "Jordan@Example.org" not in str(clr)
    assert [i["identityType"] for i in identifiers] == [
        "emailAddress",
        "ltiUserId",
        "ltiPlatformId",
    ]


def test_a_level_off_the_scale_is_refused():
    base = record()
    bad = dataclasses.replace(base.competencies[0], achieved_level="9")
    with pytest.raises(CredentialError, match="not on the scale"):
        assemble_clr(dataclasses.replace(base, competencies=(bad,)))


def test_a_signer_that_is_not_the_issuer_is_refused():
    other = dataclasses.replace(SIGNER, controller="did:web:someone.else")
    with pytest.raises(CredentialError, match="controller"):
        build_clr(record(), other)


def test_a_tampered_nested_credential_fails_the_outer_and_its_own_proof():
    clr = build_clr(record(), SIGNER)
    changed = copy.deepcopy(clr)
    nested = changed["credentialSubject"]["verifiableCredential"][0]
    nested["credentialSubject"]["result"][0]["status"] = "Completed"
    assert not dataintegrity.verify(changed, resolve)[0].valid
    assert not dataintegrity.verify(nested, resolve)[0].valid


def test_schema_errors_are_reported():
    clr = assemble_clr(record())
    del clr["name"]
    assert any("name" in error for error in schema_errors(clr))
