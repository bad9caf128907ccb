"""Public credential endpoints: `/verify` (page and JSON API), the DID document, status lists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from lti_tool.app import db_session
from lti_tool.clr.errors import MalformedCredential
from lti_tool.clr.verify import parse_input
from lti_tool.db.base import utcnow
from lti_tool.usecases import credentials
from lti_tool.web.errors import error_response

bp = Blueprint("verify", __name__)

# The record itself may be up to 5 MB; a multipart form adds a little around it.
MAX_UPLOAD_BYTES = 5_100_000


def _base_url() -> str:
    """The tool's public URL: the issuer DID is derived from it."""
    return str(current_app.config["BASE_URL"])


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def did_json() -> Response:
    """The issuer's DID document (did:web), listing every credential key ever used."""
    session = db_session()
    document = credentials.did_document(session, current_app.extensions["secretbox"], _base_url())
    session.commit()
    resp = jsonify(document)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/clr/status/<int:list_id>")
def status_list(list_id: int) -> Response:
    """The signed BitstringStatusListCredential a verifier checks revocation against."""
    session = db_session()
    document = credentials.status_list_document(
        session, current_app.extensions["secretbox"], _base_url(), list_id
    )
    if document is None:
        return error_response(404, "No such status list", f"There is no status list {list_id}.")
    session.commit()
    resp = jsonify(document)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def _submitted() -> bytes:
    """The credential text from a JSON body, a raw body, an uploaded file or the form field."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(5_000_001)
    if request.form.get("credential"):
        return request.form["credential"].encode("utf-8")
    return request.get_data(cache=False)[:5_000_001]


@bp.get("/verify")
def page() -> str:
    """The public page: paste or upload a record, get a plain answer."""
    return render_template("verify.html", verdict=None, error=None)


@bp.post("/verify")
def check() -> Any:
    """Verify a posted record; JSON in (or Accept: JSON) gets JSON out, a form gets the page."""
    api = (
        request.is_json
        or request.mimetype in ("text/plain", "application/jwt")
        or (request.accept_mimetypes.best == "application/json")
    )
    if (request.content_length or 0) > MAX_UPLOAD_BYTES:
        message = "the upload is larger than 5 MB; no learner record is"
        if api:
            return jsonify(verified=False, error=message, reasons=[message]), 413
        return render_template("verify.html", verdict=None, error=message), 413
    try:
        value = parse_input(_submitted())
        verdict = credentials.verify_document(db_session(), _base_url(), value, utcnow())
    except MalformedCredential as exc:
        if api:
            return jsonify(verified=False, error=str(exc), reasons=[str(exc)]), 400
        return render_template("verify.html", verdict=None, error=str(exc)), 400
    if api:
        return jsonify(verdict.as_json())
    return render_template("verify.html", verdict=verdict, error=None)
