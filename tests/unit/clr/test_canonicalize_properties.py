"""Property test: on generated credentials the fast canonicaliser equals PyLD's, byte for byte.

PyLD (the reference implementation of JSON-LD in Python) is slow but general; the tool's
canonicaliser is specialised and memoised. Both use the same offline contexts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.clr.contexts import ACHIEVEMENT_CONTEXT, CLR_CONTEXT, document_loader
from lti_tool.clr.errors import JsonLdError
from lti_tool.clr.rdfc import canonize

jsonld = pytest.importorskip("pyld.jsonld", reason="PyLD (the reference) is a test dependency")


def reference(document: dict[str, Any]) -> str:
    """PyLD's URDNA2015 (= RDFC-1.0) canonical N-Quads with the offline contexts."""
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )


# PyLD writes control characters other than \t \n \r raw, rdf-canonize escapes them; the
# escaping is checked against the vectors and jsonld.js elsewhere, so keep them out here.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters='\n\t"\\'),
    max_size=12,
)
iris = st.builds(lambda n: f"https://example.edu/x/{n}", st.integers(0, 5))
dates = st.sampled_from(["2024-01-01T00:00:00Z", "2025-06-30T12:30:00Z"])
numbers = st.one_of(st.integers(-5, 500), st.sampled_from([0.5, 2.25, 3.0, 1e-3]))


@st.composite
def alignment(draw):
    """An Alignment (a blank node)."""
    return {
        "type": ["Alignment"],
        "targetName": draw(texts),
        "targetUrl": draw(iris),
        "targetType": draw(st.sampled_from(["CFItem", "CFRubricCriterionLevel", "ext:Other"])),
        **({"targetCode": draw(texts)} if draw(st.booleans()) else {}),
    }


@st.composite
def achievement_credential(draw, index):
    """A nested AchievementCredential with optional blank-node parts."""
    achievement_id = draw(iris)
    levels = [
        {"id": f"{achievement_id}/level/{i}", "type": ["RubricCriterionLevel"], "name": draw(texts)}
        for i in range(draw(st.integers(0, 3)))
    ]
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": draw(st.sampled_from(["Competency", "Course", "ext:Mine"])),
        "name": draw(texts),
        "description": draw(texts),
        "criteria": {"narrative": draw(texts)},
        "alignment": draw(st.lists(alignment(), max_size=2)),
    }
    if levels:
        achievement["resultDescription"] = [
            {
                "id": f"{achievement_id}/rd",
                "type": ["ResultDescription"],
                "name": draw(texts),
                "resultType": "RubricCriterionLevel",
                "rubricCriterionLevel": levels,
                "allowedValue": draw(st.lists(texts, max_size=2)),
            }
        ]
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": achievement,
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": draw(st.booleans()),
                "identityHash": draw(texts),
                "identityType": draw(st.sampled_from(["emailAddress", "ltiUserId"])),
                **({"salt": draw(texts)} if draw(st.booleans()) else {}),
            }
        ],
    }
    if draw(st.booleans()):
        subject["id"] = "did:example:learner"
    if draw(st.booleans()):
        subject["creditsEarned"] = draw(numbers)
    if levels and draw(st.booleans()):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{achievement_id}/rd",
                "achievedLevel": levels[0]["id"],
                "status": draw(st.sampled_from(["Completed", "InProgress"])),
            }
        ]
    evidence = draw(st.lists(st.builds(lambda n: {"type": ["Evidence"], "name": n}, texts)))
    credential: dict[str, Any] = {
        "@context": list(ACHIEVEMENT_CONTEXT),
        "id": f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": "did:web:school.example", "type": ["Profile"], "name": draw(texts)},
        "validFrom": draw(dates),
        "name": draw(texts),
        "credentialSubject": subject,
    }
    if evidence:
        credential["evidence"] = evidence
    if draw(st.booleans()):
        credential["proof"] = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": draw(dates),
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:web:school.example#key-1",
            "proofValue": "z" + draw(st.text("123456789ABCDEFGH", min_size=1, max_size=8)),
        }
    if draw(st.booleans()):
        credential["credentialStatus"] = {
            "id": f"https://school.example/status/1#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": "https://school.example/status/1",
        }
    return credential


@st.composite
def clr(draw):
    """A ClrCredential holding 1-3 nested credentials and associations."""
    nested = [draw(achievement_credential(i)) for i in range(draw(st.integers(1, 3)))]
    return {
        "@context": list(CLR_CONTEXT),
        "id": "urn:uuid:11111111-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "did:web:school.example", "type": ["Profile"], "name": draw(texts)},
        "validFrom": draw(dates),
        "name": draw(texts),
        "partial": draw(st.booleans()),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
            "association": [
                {
                    "type": "Association",
                    "associationType": draw(st.sampled_from(["isChildOf", "precedes"])),
                    "sourceId": draw(iris),
                    "targetId": draw(iris),
                }
                for _ in range(draw(st.integers(0, 2)))
            ],
        },
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clr())
def test_generated_clrs_canonicalise_exactly_as_pyld_does(document):
    assert canonize(document) == reference(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(achievement_credential(7))
def test_generated_achievement_credentials_canonicalise_exactly_as_pyld_does(document):
    assert canonize(document) == reference(document)


EXAMPLES = sorted(
    (Path(__file__).resolve().parents[2] / "data" / "clr" / "examples").glob("*.json")
)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "_v1" not in p.name], ids=lambda p: p.stem)
def test_published_examples_canonicalise_exactly_as_pyld_does(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert canonize(document) == reference(document)


def test_vcdm_1_1_documents_are_refused_by_name():
    document = json.loads(
        (EXAMPLES[0].parent / "validator-fixture_clr20_simple_v1.json").read_text()
    )
    with pytest.raises(JsonLdError, match="2018/credentials/v1"):
        canonize(document)
