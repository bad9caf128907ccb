"""Fuzz: any JSON, or a record with any subtree replaced, gets a verdict, never an exception."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.clr.builder import build_clr
from lti_tool.clr.multikey import VerificationKey
from lti_tool.clr.verify import Verdict, verify_credential
from tests.unit.clr.sample import ISSUER_ID, SIGNER, record

SIGNED = build_clr(record(0, 2), SIGNER)
KEYS = ["@context", "id", "type", "issuer", "credentialSubject", "proof", "validFrom", "name",
        "verifiableCredential", "result", "achievement", "credentialStatus", "@value", "@list",
        "@graph", "@type", "@id", "evidence", "statusListIndex", "identifier"]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["VerifiableCredential", "ClrCredential", "https://x.example/a", "_:b0",
                       "https://www.w3.org/ns/credentials/v2", "2024-01-01T00:00:00Z"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


def resolve(method: str) -> VerificationKey | None:
    return VerificationKey(method, ISSUER_ID, SIGNER.private_key.public_key())


def _verify(document: Any) -> Verdict:
    return verify_credential(
        document,
        resolve_key=resolve,
        resolve_status=lambda url: bytes(16384),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = [path for path in _paths(SIGNED) if path]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), json_values, max_size=6))
def test_any_json_object_gets_a_verdict(document):
    assert _verify(document).verified is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values)
def test_a_record_with_any_subtree_replaced_gets_a_verdict(path, replacement):
    document = copy.deepcopy(SIGNED)
    target = document
    for key in path[:-1]:
        target = target[key]
    unchanged = target[path[-1]] == replacement
    target[path[-1]] = replacement
    verdict = _verify(document)
    if not unchanged:
        assert verdict.verified is False
