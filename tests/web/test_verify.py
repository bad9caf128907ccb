"""`/verify` (page and API), `/.well-known/did.json` and the status list endpoint."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.usecases import credentials
from lti_tool.usecases.credential_samples import sample_record


@pytest.fixture
def record(app: Flask) -> dict[str, Any]:
    """One issued sample record."""
    base = app.config["BASE_URL"]
    with app.app_context():
        session = app.extensions["db_sessions"]()
        signed = credentials.issue_record(
            session, app.extensions["secretbox"], base, sample_record(base, 0, 2), "learner-1"
        )
        session.commit()
        session.close()
    return signed


def test_did_document_lists_the_key_controlled_by_the_issuer(client: FlaskClient, record):
    did = client.get("/.well-known/did.json").get_json()
    assert did["id"] == "did:web:tool.example.edu" == record["issuer"]["id"]
    method = did["verificationMethod"][0]
    assert method["controller"] == did["id"]
    assert record["proof"]["verificationMethod"] == method["id"]
    assert did["assertionMethod"] == [method["id"]]


def test_status_list_is_served_signed(client: FlaskClient, record):
    url = record["credentialStatus"]["statusListCredential"]
    document = client.get(url.replace("https://tool.example.edu", "")).get_json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert client.get("/clr/status/999").status_code == 404
    assert client.get("/clr/status/99999999999999999999999").status_code == 404
    changed = copy.deepcopy(record)
    changed["credentialStatus"]["statusListCredential"] = (
        "https://tool.example.edu/clr/status/99999999999999999999999"
    )
    answer = client.post("/verify", json=changed).get_json()
    assert any("cannot be checked" in reason for reason in answer["reasons"])


def test_api_verifies_a_record(client: FlaskClient, record):
    answer = client.post("/verify", json=record).get_json()
    assert answer["verified"] is True, answer["reasons"]
    assert answer["credential"]["issuer"]["name"] == "Sample School District"
    assert len(answer["nested"]) == 2
    assert [claim["status"] for claim in answer["claims"]] == ["InProgress", "Completed"]


def test_api_refuses_a_tampered_record_with_reasons(client: FlaskClient, record):
    changed = copy.deepcopy(record)
    changed["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["result"][0][
        "status"
    ] = "InProgress"
    answer = client.post("/verify", json=changed).get_json()
    assert answer["verified"] is False
    assert any("invalid signature" in reason for reason in answer["reasons"])


def test_api_refuses_a_record_re_signed_by_someone_else(client: FlaskClient, record):
    changed = copy.deepcopy(record)
    changed["proof"]["verificationMethod"] = "did:web:evil.example#key-1"
    answer = client.post("/verify", json=changed).get_json()
    assert answer["verified"] is False
    assert any("cannot be resolved" in reason for reason in answer["reasons"])


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b"\xff\xfe", b'{"a":'])
def test_malformed_input_gets_a_400_with_a_message(client: FlaskClient, body):
    resp = client.post("/verify", data=body, content_type="text/plain")
    assert resp.status_code == 400
    assert resp.get_json()["verified"] is False
    assert resp.get_json()["error"]


def test_a_non_credential_object_is_not_verified(client: FlaskClient):
    answer = client.post("/verify", json={"hello": "world"}).get_json()
    assert answer["verified"] is False
    assert answer["reasons"]


def test_a_garbage_jwt_is_not_verified(client: FlaskClient):
    resp = client.post("/verify", data="eyJhbGciOiJub25lIn0.eyJ9.x", content_type="text/plain")
    assert resp.status_code in (200, 400)
    assert resp.get_json()["verified"] is False


def test_page_form_paste_and_upload(client: FlaskClient, record):
    assert b"Verify a learner record" in client.get("/verify").data
    pasted = client.post("/verify", data={"credential": json.dumps(record)})
    assert pasted.status_code == 200
    assert b"<h2>Verified</h2>" in pasted.data
    assert b"Sample competency 1" in pasted.data
    from io import BytesIO

    uploaded = client.post(
        "/verify",
        data={"file": (BytesIO(b"nonsense"), "r.json")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 400
    assert b"Not a credential" in uploaded.data


def test_revoked_record_is_reported_revoked(app: Flask, client: FlaskClient, record):
    with app.app_context():
        session = app.extensions["db_sessions"]()
        credentials.revoke(session, record["id"], "issued in error")
        session.commit()
        session.close()
    answer = client.post("/verify", json=record).get_json()
    assert answer["verified"] is False
    assert answer["credential"]["revoked"] is True


def test_an_oversized_upload_is_refused_before_reading(client: FlaskClient):
    resp = client.post("/verify", data=b"x" * 5_200_000, content_type="text/plain")
    assert resp.status_code == 413
    assert "5 MB" in resp.get_json()["error"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["proof"].__setitem__(
            "verificationMethod", "did:web:tool.example.edu#" + "k" * 500
        ),
        lambda d: d["proof"].__setitem__("verificationMethod", "did:web:tool.example.edu#\x00"),
        lambda d: d["credentialStatus"].__setitem__(
            "statusListCredential", "https://tool.example.edu/clr/status/²"
        ),
        lambda d: d["credentialStatus"].__setitem__("statusListIndex", "99999999999"),
        lambda d: d.__setitem__("@context", [{"@vocab": "https://evil.example/"}]),
        lambda d: d.__setitem__("proof", [d["proof"], "x", {"type": None}]),
    ],
)
def test_hostile_records_get_an_answer_not_an_error(client: FlaskClient, record, edit):
    changed = copy.deepcopy(record)
    edit(changed)
    resp = client.post("/verify", json=changed)
    assert resp.status_code == 200
    assert resp.get_json()["verified"] is False
