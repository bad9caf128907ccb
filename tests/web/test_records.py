"""A record's link: transcript page, PDF, signed JSON and JWT, and the QR code's verify page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.usecases import credentials
from lti_tool.usecases.credential_samples import sample_record


@pytest.fixture
def record(app: Flask) -> dict[str, Any]:
    base = app.config["BASE_URL"]
    with app.app_context():
        session = app.extensions["db_sessions"]()
        signed = credentials.issue_record(
            session, app.extensions["secretbox"], base, sample_record(base, 0, 4), "learner-1"
        )
        session.commit()
        session.close()
    return signed


def _uuid(record: dict[str, Any]) -> str:
    return record["id"].removeprefix("urn:uuid:")


def test_transcript_page(client: FlaskClient, record):
    page = client.get(f"/clr/records/{_uuid(record)}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Signatures verified" in html
    assert "Quantitative reasoning" in html and "Sample competency 1" in html
    assert "no grades" in html
    assert "<svg" in html and f"/verify/{_uuid(record)}" in html


def test_downloads(client: FlaskClient, record):
    uuid = _uuid(record)
    signed = client.get(f"/clr/records/{uuid}.json")
    assert signed.status_code == 200
    assert json.loads(signed.data) == record
    assert "attachment" in signed.headers["Content-Disposition"]
    pdf = client.get(f"/clr/records/{uuid}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    token = client.get(f"/clr/records/{uuid}.jwt").data.decode().strip()
    answer = client.post("/verify", data=token, content_type="text/plain").get_json()
    assert answer["verified"] is True, answer["reasons"]
    assert answer["format"] == "jwt"


def test_qr_target_verifies_the_stored_record(client: FlaskClient, record):
    page = client.get(f"/verify/{_uuid(record)}")
    assert page.status_code == 200
    assert b"<h2>Verified</h2>" in page.data


def test_revoked_record_says_so(app: Flask, client: FlaskClient, record):
    with app.app_context():
        session = app.extensions["db_sessions"]()
        credentials.revoke(session, record["id"], "issued in error")
        session.commit()
        session.close()
    assert b"revoked by the school" in client.get(f"/clr/records/{_uuid(record)}").data


@pytest.mark.parametrize(
    "path",
    [
        "/clr/records/not-a-uuid",
        "/clr/records/00000000-0000-4000-8000-000000000000.pdf",
        "/clr/records/x.json",
        "/clr/records/%00.jwt",
        "/verify/nope",
    ],
)
def test_unknown_links_are_404(client: FlaskClient, path):
    assert client.get(path).status_code == 404
