"""Credential keys, issued-credential rows and status indexes in the database."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from lti_tool.db.models import CredentialKey, IssuedCredential
from lti_tool.usecases import credentials
from lti_tool.usecases.credential_samples import sample_record


def test_issuing_stores_rows_with_distinct_status_indexes_and_encrypted_keys(app: Flask):
    base = app.config["BASE_URL"]
    box = app.extensions["secretbox"]
    with app.app_context():
        session = app.extensions["db_sessions"]()
        for n in range(2):
            credentials.issue_record(session, box, base, sample_record(base, n, 3), f"l{n}")
        session.commit()
        rows = session.scalars(select(IssuedCredential)).all()
        assert len(rows) == 8
        assert len({(r.status_list_id, r.status_index) for r in rows}) == 8
        assert sum(1 for r in rows if r.document is not None) == 2
        key = session.scalars(select(CredentialKey)).one()
        seed = box.open(key.private_key_encrypted)
        assert len(seed) == 32 and seed not in key.private_key_encrypted
        assert [r.credential_id for r in credentials.credential_rows(session, "l1")] == [
            rows[4].credential_id
        ]
        session.close()


def test_did_web_of_the_base_url():
    assert credentials.issuer_did("https://tool.example.edu") == "did:web:tool.example.edu"
    assert credentials.issuer_did("http://localhost:5000/") == "did:web:localhost%3A5000"
    assert credentials.issuer_did("https://h.example/a/b") == "did:web:h.example:a:b"


def _other_issuer_map(status_signed: bool) -> tuple[dict, dict]:
    """A record of another issuer and the offline documents a verifier was given."""
    from datetime import UTC, datetime

    from lti_tool.clr import dataintegrity
    from lti_tool.clr.builder import build_clr
    from lti_tool.clr.statuslist import status_list_credential
    from tests.unit.clr.sample import ISSUER_ID, SIGNER, record

    signed = build_clr(record(0, 1), SIGNER)
    url = signed["credentialStatus"]["statusListCredential"]
    status = status_list_credential(url, ISSUER_ID, [], datetime(2025, 6, 1, tzinfo=UTC))
    if status_signed:
        status = dataintegrity.sign(status, SIGNER, "2025-06-01T00:00:00Z")
    did = {
        "id": ISSUER_ID,
        "verificationMethod": [
            {
                "id": SIGNER.verification_method,
                "type": "Multikey",
                "controller": ISSUER_ID,
                "publicKeyMultibase": SIGNER.public_key_multibase,
            }
        ],
    }
    return signed, {"documents": {ISSUER_ID: did, url: status}}


def test_other_issuers_verify_only_from_offline_documents_with_a_signed_status_list(app: Flask):
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        session = app.extensions["db_sessions"]()
        signed, offline = _other_issuer_map(status_signed=True)
        verdict = credentials.verify_document(session, app.config["BASE_URL"], signed, now, offline)
        assert verdict.verified, verdict.reasons
        assert not credentials.verify_document(
            session, app.config["BASE_URL"], signed, now
        ).verified
        signed, forged = _other_issuer_map(status_signed=False)
        verdict = credentials.verify_document(session, app.config["BASE_URL"], signed, now, forged)
        assert not verdict.verified
        assert verdict.credential.revoked is None
        session.close()
