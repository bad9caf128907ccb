"""Learner records from the classroom: the signed CLR, the transcript page and PDF, the
class archive, and the shared link a college opens."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.app import db_session
from lti_tool.usecases.evidence import record_manual
from tests.web.test_classroom import _csrf, course_ready, framework, product  # noqa: F401

__all__ = ["course_ready", "framework", "product"]


def _evidence(app: Flask, course: dict[str, object], who: str, level: float) -> None:
    from lti_tool.usecases import progress

    with app.app_context():
        record_manual(
            db_session(),
            context_id=course["ctx"],  # type: ignore[arg-type]
            learner_id=course["ids"][who],  # type: ignore[index]
            course_competency_id=course["comp"],  # type: ignore[arg-type]
            source="observation",
            score=level,
            points_possible=4,
            at=datetime(2026, 10, 1, tzinfo=UTC),
            recorded_by_id=course["ids"]["t1"],  # type: ignore[index]
            title="Reasoned aloud about equivalent fractions",
        )
        progress.recompute(db_session(), course["ctx"])  # type: ignore[arg-type]
        db_session().commit()


def test_a_learner_downloads_a_signed_record_that_verifies(
    app: Flask,
    client: FlaskClient,
    course_ready: dict[str, object],  # noqa: F811
) -> None:
    """The record is a signed ClrCredential; the tool's verifier accepts it; tampering fails."""
    _evidence(app, course_ready, "l1", 3)
    resp = client.get(f"/me/record.json?ltik={course_ready['l1']}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    record = json.loads(resp.get_data())
    assert "ClrCredential" in record["type"] and record["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    nested = record["credentialSubject"]["verifiableCredential"]
    assert len(nested) == 1
    result = nested[0]["credentialSubject"]["result"][0]
    assert result["status"] == "Completed"
    verdict = client.post("/verify", json=record).get_json()
    assert verdict["verified"] is True, verdict
    record["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["result"][0][
        "status"
    ] = "InProgress"
    assert client.post("/verify", json=record).get_json()["verified"] is False


def test_the_transcript_groups_by_area_and_prints_with_a_qr_code(
    app: Flask,
    client: FlaskClient,
    course_ready: dict[str, object],  # noqa: F811
) -> None:
    """The page shows mastered work and the learner's statement; the PDF is a real PDF."""
    _evidence(app, course_ready, "l1", 4)
    lee = course_ready["l1"]
    page = client.get(f"/me/transcript?ltik={lee}").get_data(as_text=True)
    assert "Mastered" in page and "Reasoned aloud" not in page  # counts, not teacher notes
    client.post(
        f"/me/statement?ltik={lee}",
        data={"csrf_token": _csrf(page), "statement": "I like proving things with models."},
    )
    page = client.get(f"/me/transcript?ltik={lee}").get_data(as_text=True)
    assert "I like proving things with models." in page
    assert "GPA" not in page and "rank" not in page.lower().replace("ranking", "")
    pdf = client.get(f"/me/transcript.pdf?ltik={lee}", follow_redirects=True)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    share = client.get(f"/me/share?ltik={lee}")
    assert share.status_code == 302
    path = share.headers["Location"].split("tool.example.edu", 1)[-1]
    shared = client.get(path).get_data(as_text=True)
    assert "I like proving things with models." in shared  # the record carries the statement
    assert "Lee" in shared or "Mastered" in shared


def test_no_evidence_means_no_record_yet(
    client: FlaskClient,
    course_ready: dict[str, object],  # noqa: F811
) -> None:
    """A learner with nothing recorded gets a plain refusal, not an empty credential."""
    resp = client.get(f"/me/record.json?ltik={course_ready['l2']}")
    assert resp.status_code == 409 and "no evidence" in resp.get_data(as_text=True)


def test_a_teacher_exports_the_class_and_learners_cannot(
    app: Flask,
    client: FlaskClient,
    course_ready: dict[str, object],  # noqa: F811
) -> None:
    """The class archive is made in the background, with progress; it holds one record per
    learner with evidence. Learners cannot start or fetch it."""
    from lti_tool.db.models.classroom import SyncRun

    app.config["JOBS_IN_THREADS"] = True
    _evidence(app, course_ready, "l1", 2)
    t = course_ready["teacher"]
    page = client.get(f"/course/records?ltik={t}").get_data(as_text=True)
    assert (
        client.post(f"/course/records?ltik={t}", data={"csrf_token": _csrf(page)}).status_code
        == 302
    )
    for thread in app.extensions.get("job_threads", []):
        thread.join(timeout=60)
    with app.app_context():
        run = db_session().scalars(select(SyncRun).where(SyncRun.kind == "export")).one()
        assert (run.status, run.done, run.total) == ("done", 2, 2), run.message
        run_id = run.id
    page = client.get(f"/course/records?ltik={t}").get_data(as_text=True)
    assert "1 signed record is ready (1 without evidence yet)." in page
    resp = client.get(f"/course/records/{run_id}.zip?ltik={t}")
    assert resp.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert sum(n.endswith(".json") for n in names) == 1 and "README.txt" in names
    lee_ltik = course_ready["l1"]
    assert client.get(f"/course/records?ltik={lee_ltik}").status_code == 403
    assert client.get(f"/course/records/{run_id}.zip?ltik={lee_ltik}").status_code == 403
    lee = course_ready["ids"]["l1"]  # type: ignore[index]
    assert (
        client.get(f"/course/learners/{lee}/record.json?ltik={course_ready['l2']}").status_code
        == 403
    )


def test_an_unknown_shared_link_is_a_plain_404(client: FlaskClient) -> None:
    """Guessing a record link finds nothing."""
    resp = client.get("/clr/records/00000000-0000-4000-8000-000000000000")
    assert resp.status_code == 404
    assert client.get("/clr/records/not-a-uuid").status_code == 404


def test_an_admin_exports_a_course_from_the_command_line(
    app: Flask,
    course_ready: dict[str, object],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`lti-tool clr export --course ID` signs current records and writes one archive."""
    from click.testing import CliRunner

    from lti_tool.cli import main

    _evidence(app, course_ready, "l1", 3)
    monkeypatch.setenv("LTI_TOOL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("LTI_TOOL_SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("LTI_TOOL_BASE_URL", app.config["BASE_URL"])
    out = tmp_path / "class.zip"
    result = CliRunner().invoke(
        main, ["clr", "export", "--course", str(course_ready["ctx"]), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert any(n.endswith(".json") for n in names), names
    missing = CliRunner().invoke(main, ["clr", "export", "--course", "999999", "--out", str(out)])
    assert missing.exit_code == 1 and "no learners" in missing.output
    cohort = CliRunner().invoke(
        main, ["clr", "export", "--cohort", "grade 5", "--out", str(tmp_path / "cohort.zip")]
    )
    assert cohort.exit_code == 0, cohort.output
    nobody = CliRunner().invoke(
        main, ["clr", "export", "--cohort", "Class of 1850", "--out", str(out)]
    )
    assert nobody.exit_code == 1 and "no course" in nobody.output
