"""Learner records: the signed CLR and the readable transcript, for the learner, their
teacher, and anyone the learner gives the link to (who can check it is genuine)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.app import db_session
from lti_tool.db.models.classroom import LearnerStatement, MasteryState
from lti_tool.db.models.clr import IssuedCredential
from lti_tool.lti.claims import Role
from lti_tool.usecases import records
from lti_tool.web.auth import csrf_token, current_launch, launch_url, requires
from lti_tool.web.errors import register_domain_error
from lti_tool.web.instructor import TEACHERS, course_id, learner_in_course

bp = Blueprint("learner_records", __name__)
register_domain_error(records.RecordError, 409, "No record yet")


def _latest_record(context_id: int, learner_id: int) -> IssuedCredential | None:
    """The learner's newest record of the course that is not revoked."""
    return (
        db_session()
        .scalars(
            select(IssuedCredential)
            .where(
                IssuedCredential.subject_ref == records.subject_ref(context_id, learner_id),
                IssuedCredential.parent_id.is_(None),
                IssuedCredential.revoked_at.is_(None),
            )
            .order_by(IssuedCredential.id.desc())
            .limit(1)
        )
        .first()
    )


def _current_record(context_id: int, learner_id: int) -> IssuedCredential:
    """The learner's latest signed record, or a new one when their results have changed."""
    session = db_session()
    latest = _latest_record(context_id, learner_id)
    changed = session.scalars(
        select(MasteryState.computed_at)
        .where(MasteryState.context_id == context_id, MasteryState.learner_id == learner_id)
        .order_by(MasteryState.computed_at.desc())
        .limit(1)
    ).first()
    said = session.scalars(
        select(LearnerStatement.updated_at).where(
            LearnerStatement.context_id == context_id, LearnerStatement.learner_id == learner_id
        )
    ).first()
    newest_change = max((t for t in (changed, said) if t is not None), default=None)
    if latest is not None and (newest_change is None or latest.issued_at >= newest_change):
        return latest
    records.issue(
        session,
        current_app.extensions["secretbox"],
        context_id,
        learner_id,
        base_url=current_app.config["BASE_URL"],
        issuer_name=current_app.config["ISSUER_NAME"],
        statement=_statement(context_id, learner_id) or None,
    )
    session.commit()
    issued = _latest_record(context_id, learner_id)
    assert issued is not None
    return issued


def _share_url(row: IssuedCredential, suffix: str = "") -> str:
    """The record's own page (transcript and live verification), or one of its files."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/clr/records/{row.credential_id.removeprefix('urn:uuid:')}{suffix}"


def _download(row: IssuedCredential, name: str) -> Response:
    body = json.dumps(row.document, indent=2, ensure_ascii=False)
    resp = Response(body, mimetype="application/json")
    safe = "".join(ch if ch.isalnum() else "-" for ch in name)[:60] or "record"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}-clr.json"'
    return resp


def _statement(context_id: int, learner_id: int) -> str:
    row = (
        db_session()
        .scalars(
            select(LearnerStatement).where(
                LearnerStatement.context_id == context_id, LearnerStatement.learner_id == learner_id
            )
        )
        .first()
    )
    return row.text if row else ""


def _transcript(context_id: int, learner_id: int) -> records.Transcript:
    cfg = current_app.config
    data = records.transcript(
        db_session(), context_id, learner_id, cfg["ISSUER_NAME"], cfg["ISSUER_STATEMENT"]
    )
    data.learner_statement = _statement(context_id, learner_id)
    return data


def _transcript_page(context_id: int, learner_id: int, *, mine: bool) -> str:
    data = _transcript(context_id, learner_id)
    launch = current_launch()
    return render_template(
        "records/course_transcript.html",
        t=data,
        mine=mine,
        launch=launch,
        csrf_token=csrf_token(launch),
        url=launch_url,
        learner_id=learner_id,
    )


def _pdf(context_id: int, learner_id: int) -> BaseResponse:
    """The PDF of the current signed record (rendered from the record itself)."""
    row = _current_record(context_id, learner_id)
    return redirect(f"/clr/records/{row.credential_id.removeprefix('urn:uuid:')}.pdf")


# --- the learner ---------------------------------------------------------------------------


def _my_course() -> int:
    launch = current_launch()
    if launch.context_pk is None:
        abort(400, description="Open the tool from a course to see your record.")
    return launch.context_pk


@bp.get("/me/transcript")
@requires(Role.LEARNER)
def my_transcript() -> str:
    """My transcript: what I have mastered and what I am working on."""
    return _transcript_page(_my_course(), current_launch().user_id, mine=True)


@bp.post("/me/statement")
@requires(Role.LEARNER)
def my_statement() -> BaseResponse:
    """Save what I want to say about my learning on my transcript."""
    session = db_session()
    ctx, me = _my_course(), current_launch().user_id
    row = session.scalars(
        select(LearnerStatement).where(
            LearnerStatement.context_id == ctx, LearnerStatement.learner_id == me
        )
    ).first()
    if row is None:
        row = LearnerStatement(context_id=ctx, learner_id=me)
        session.add(row)
    row.text = request.form.get("statement", "").strip()[:1500]
    row.updated_at = datetime.now(UTC)
    session.commit()
    return redirect(launch_url("learner_records.my_transcript"))


@bp.get("/me/record.json")
@requires(Role.LEARNER)
def my_record() -> Response:
    """My signed CLR 2.0 record, to send to a college or keep in a wallet."""
    return _download(_current_record(_my_course(), current_launch().user_id), "my")


@bp.get("/me/transcript.pdf")
@requires(Role.LEARNER)
def my_pdf() -> BaseResponse:
    """My transcript as a PDF with a QR code to verify it."""
    return _pdf(_my_course(), current_launch().user_id)


@bp.get("/me/share")
@requires(Role.LEARNER)
def my_share() -> BaseResponse:
    """The public link to my signed record (for a college)."""
    row = _current_record(_my_course(), current_launch().user_id)
    return redirect(_share_url(row))


# --- the teacher ---------------------------------------------------------------------------


@bp.get("/course/learners/<int:learner_id>/transcript")
@requires(*TEACHERS)
def transcript(learner_id: int) -> str:
    """A learner's transcript, as they see it."""
    learner_in_course(learner_id)
    return _transcript_page(course_id(), learner_id, mine=False)


@bp.get("/course/learners/<int:learner_id>/record.json")
@requires(*TEACHERS)
def record(learner_id: int) -> Response:
    """A learner's signed record."""
    person = learner_in_course(learner_id)
    return _download(_current_record(course_id(), learner_id), person.name or person.sub)


@bp.get("/course/learners/<int:learner_id>/transcript.pdf")
@requires(*TEACHERS)
def pdf(learner_id: int) -> BaseResponse:
    """A learner's transcript as a PDF."""
    learner_in_course(learner_id)
    return _pdf(course_id(), learner_id)


@bp.get("/course/records")
@requires(*TEACHERS)
def class_records() -> str:
    """Every learner's signed record in one archive, made in the background."""
    from lti_tool.db.models.classroom import SyncRun

    session = db_session()
    run = session.scalars(
        select(SyncRun)
        .where(SyncRun.context_id == course_id(), SyncRun.kind == "export")
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).first()
    launch = current_launch()
    return render_template(
        "records/class_export.html",
        run=run,
        launch=launch,
        csrf_token=csrf_token(launch),
        url=launch_url,
    )


@bp.post("/course/records")
@requires(*TEACHERS)
def start_class_export() -> BaseResponse:
    """Start signing every learner's record; the page shows the progress."""
    from lti_tool import jobs
    from lti_tool.usecases import sync

    session = db_session()
    run, new = sync.start(session, course_id(), current_launch().user_id, kind="export")
    session.commit()
    if new:
        jobs.submit(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            "lti_tool.usecases.records.export_job",
            run.id,
        )
    return redirect(launch_url("learner_records.class_records"))


@bp.get("/course/records/<int:run_id>.zip")
@requires(*TEACHERS)
def class_records_file(run_id: int) -> Response:
    """The archive an export made."""
    import os

    from lti_tool.db.models.classroom import SyncRun

    run = db_session().get(SyncRun, run_id)
    path = records.export_path(current_app.instance_path, run_id)
    if run is None or run.context_id != course_id() or run.kind != "export":
        abort(404, description="There is no such export in this course.")
    if run.status != "done" or not os.path.exists(path):
        abort(409, description="This export is not finished yet.")
    with open(path, "rb") as handle:
        data = handle.read()
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = 'attachment; filename="class-records.zip"'
    return resp
