"""A learner record by its link: the readable transcript (HTML, PDF) and the signed files.

The link holds the record's random UUID (122 bits), so it works like a shared document link:
whoever the learner or school gives it to can read and verify the record. Revoked records
stay readable and say so.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for
from markupsafe import Markup

from lti_tool.app import db_session
from lti_tool.clr.transcript import transcript_from_clr
from lti_tool.clr.transcript_pdf import qr_svg, transcript_pdf
from lti_tool.db.base import utcnow
from lti_tool.usecases import credentials
from lti_tool.web.errors import error_response

bp = Blueprint("records", __name__)


def _missing() -> Response:
    """One answer for unknown and malformed record links."""
    return error_response(404, "No such record", "There is no learner record at this link.")


def _verify_url(record_uuid: str) -> str:
    """The public page that verifies the stored record."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return base + url_for("records.verify_record", record_uuid=record_uuid)


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A file download."""
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/clr/records/<record_uuid>")
def transcript(record_uuid: str) -> Any:
    """The transcript as a page, with the live verification result and a QR code."""
    session = db_session()
    row = credentials.stored_record(session, record_uuid)
    if row is None:
        return _missing()
    verdict = credentials.verify_document(
        session, str(current_app.config["BASE_URL"]), row.document or {}, utcnow()
    )
    url = _verify_url(record_uuid)
    return render_template(
        "transcript.html",
        transcript=transcript_from_clr(row.document or {}),
        verdict=verdict,
        revoked=row.revoked_at is not None,
        verify_url=url,
        qr=Markup(qr_svg(url)),  # noqa: S704 - segno's SVG, built from our own URL
        record_uuid=record_uuid,
    )


@bp.get("/clr/records/<record_uuid>.pdf")
def transcript_as_pdf(record_uuid: str) -> Response:
    """The transcript as a PDF."""
    row = credentials.stored_record(db_session(), record_uuid)
    if row is None:
        return _missing()
    pdf = transcript_pdf(transcript_from_clr(row.document or {}), _verify_url(record_uuid))
    return _download(pdf, "application/pdf", f"learner-record-{record_uuid}.pdf")


@bp.get("/clr/records/<record_uuid>.json")
def signed_json(record_uuid: str) -> Response:
    """The signed ClrCredential, as a college's verifier or a wallet takes it."""
    row = credentials.stored_record(db_session(), record_uuid)
    if row is None:
        return _missing()
    body = json.dumps(row.document, indent=2, ensure_ascii=False)
    return _download(body, "application/vc+ld+json", f"learner-record-{record_uuid}.json")


@bp.get("/clr/records/<record_uuid>.jwt")
def signed_jwt(record_uuid: str) -> Response:
    """The record as a VC-JWT (ES256)."""
    session = db_session()
    row = credentials.stored_record(session, record_uuid)
    if row is None:
        return _missing()
    token = credentials.issue_record_jwt(
        session, current_app.extensions["secretbox"], str(current_app.config["BASE_URL"]),
        row.document or {},
    )  # fmt: skip
    session.commit()
    return _download(token + "\n", "application/vc+jwt", f"learner-record-{record_uuid}.jwt")


@bp.get("/verify/<record_uuid>")
def verify_record(record_uuid: str) -> Any:
    """The verification page for a stored record (where the transcript's QR code points)."""
    session = db_session()
    row = credentials.stored_record(session, record_uuid)
    if row is None:
        return _missing()
    verdict = credentials.verify_document(
        session, str(current_app.config["BASE_URL"]), row.document or {}, utcnow()
    )
    return render_template("verify.html", verdict=verdict, error=None)
