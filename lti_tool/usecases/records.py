"""A learner's record from their course work: a signed CLR 2.0 credential and a transcript.

Competencies the learner has mastered are `Completed`; those with evidence but not yet
mastered are `InProgress`; those without evidence are left out. Evidence names and dates go
in; links only for work the learner submitted themselves (what they chose to share). The
record is `partial` unless the teacher marks it final. No grades, no ranking.
"""

from __future__ import annotations

import io
import json
import secrets
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.clr.builder import (
    ClrRecord,
    Competency,
    CompetencyArea,
    IssuerProfile,
    Learner,
    Scale,
    ScaleLevel,
)
from lti_tool.clr.builder import Evidence as ClrEvidence
from lti_tool.db.models.case import CaseDocument, CaseItem
from lti_tool.db.models.classroom import Evidence
from lti_tool.db.models.lti import Context, Registration, User
from lti_tool.secretbox import SecretBox
from lti_tool.usecases import credentials, progress
from lti_tool.usecases.course import course_competencies, current_settings

MASTERED = ("mastered", "exceeds")


def subject_ref(context_id: int, learner_id: int) -> str:
    """How issued records name the learner and course they are about."""
    return f"course:{context_id}:learner:{learner_id}"


class RecordError(ValueError):
    """A record that cannot be made; the message says why."""


@dataclass
class TranscriptLine:
    """One competency on a transcript."""

    code: str
    statement: str
    level: str
    status: str
    evidence_count: int
    last_evidence: datetime | None


@dataclass
class TranscriptArea:
    """Competencies grouped under their area."""

    title: str
    mastered: list[TranscriptLine] = field(default_factory=list)
    in_progress: list[TranscriptLine] = field(default_factory=list)


@dataclass
class Transcript:
    """What a person reads in two minutes."""

    learner_name: str
    course_title: str
    issuer_name: str
    issuer_statement: str
    scale: list[dict[str, Any]]
    areas: list[TranscriptArea]
    mastered: int
    in_progress: int
    generated_at: datetime
    learner_statement: str = ""


def _learner_and_course(session: Session, context_id: int, learner_id: int) -> tuple[User, Context]:
    user = session.get(User, learner_id)
    context = session.get(Context, context_id)
    if user is None or context is None:
        raise RecordError("there is no such learner in this course")
    return user, context


def transcript(
    session: Session, context_id: int, learner_id: int, issuer_name: str, statement: str
) -> Transcript:
    """The learner's transcript data for one course: areas, mastered, in progress."""
    user, context = _learner_and_course(session, context_id, learner_id)
    settings = current_settings(session, context_id)
    states = progress.states_for(session, context_id, learner_id)
    counts: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    for ev in session.scalars(
        select(Evidence).where(
            Evidence.context_id == context_id,
            Evidence.learner_id == learner_id,
            Evidence.status == "active",
        )
    ):
        counts[ev.course_competency_id] += 1
        if ev.course_competency_id not in last or ev.at > last[ev.course_competency_id]:
            last[ev.course_competency_id] = ev.at
    comps = course_competencies(session, context_id)
    parents = _area_titles(session, {c.parent_identifier for c in comps if c.parent_identifier})
    areas: dict[str, TranscriptArea] = {}
    mastered = in_progress = 0
    for comp in comps:
        state = states.get(comp.id)
        if state is None or counts.get(comp.id, 0) == 0:
            continue
        title = parents.get(comp.parent_identifier or "", comp.framework_title or "Competencies")
        area = areas.setdefault(title, TranscriptArea(title))
        line = TranscriptLine(
            comp.code,
            comp.statement,
            state.level,
            state.status,
            counts[comp.id],
            last.get(comp.id),
        )
        if state.status in MASTERED:
            area.mastered.append(line)
            mastered += 1
        else:
            area.in_progress.append(line)
            in_progress += 1
    return Transcript(
        learner_name=user.name or user.sub,
        course_title=context.title,
        issuer_name=issuer_name,
        issuer_statement=statement,
        scale=settings.scale,
        areas=list(areas.values()),
        mastered=mastered,
        in_progress=in_progress,
        generated_at=datetime.now(UTC),
    )


def _area_titles(session: Session, identifiers: set[str]) -> dict[str, str]:
    if not identifiers:
        return {}
    return {
        i.identifier: (f"{i.human_coding_scheme} " if i.human_coding_scheme else "")
        + i.full_statement
        for i in session.scalars(select(CaseItem).where(CaseItem.identifier.in_(identifiers)))
    }


def build_record(
    session: Session,
    context_id: int,
    learner_id: int,
    *,
    base_url: str,
    issuer_name: str,
    final: bool = False,
    statement: str | None = None,
) -> ClrRecord:
    """The learner's CLR record for a course, unsigned."""
    user, context = _learner_and_course(session, context_id, learner_id)
    registration = session.get(Registration, context.registration_id)
    settings = current_settings(session, context_id)
    states = progress.states_for(session, context_id, learner_id)
    comps = course_competencies(session, context_id)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for ev in session.scalars(
        select(Evidence)
        .where(
            Evidence.context_id == context_id,
            Evidence.learner_id == learner_id,
            Evidence.status == "active",
        )
        .order_by(Evidence.at)
    ):
        evidence[ev.course_competency_id].append(ev)
    base = base_url.rstrip("/")
    uri_of = {c.identifier: c.uri or f"{base}/competencies/{c.identifier}" for c in comps}
    follows: dict[str, list[str]] = defaultdict(list)
    for comp in comps:
        for before in comp.prerequisites or []:
            if before in uri_of:
                follows[before].append(uri_of[comp.identifier])
    parent_ids = {c.parent_identifier for c in comps if c.parent_identifier}
    parent_items = {
        i.identifier: i
        for i in session.scalars(select(CaseItem).where(CaseItem.identifier.in_(parent_ids)))
    }
    doc_titles = dict(
        session.execute(
            select(CaseDocument.identifier, CaseDocument.title).where(
                CaseDocument.identifier.in_({c.framework_identifier for c in comps})
            )
        ).all()
    )
    levels = sorted(settings.scale, key=lambda lv: lv["points"])
    key_of = {lv["name"]: f"level-{n}" for n, lv in enumerate(levels)}
    items: list[Competency] = []
    for comp in comps:
        state = states.get(comp.id)
        mine = evidence.get(comp.id, [])
        if state is None or not mine:
            continue
        done = state.status in MASTERED
        items.append(
            Competency(
                case_uri=uri_of[comp.identifier],
                name=comp.code or comp.statement[:60],
                description=comp.statement,
                status="Completed" if done else "InProgress",
                credential_id=f"urn:uuid:{uuid.uuid4()}",
                achieved_level=key_of.get(state.level),
                code=comp.code or None,
                framework=doc_titles.get(comp.framework_identifier, comp.framework_title) or None,
                parents=(
                    (parent_items[comp.parent_identifier].uri,)
                    if comp.parent_identifier in parent_items
                    else ()
                ),
                precedes=tuple(follows.get(comp.identifier, [])),
                evidence=tuple(
                    ClrEvidence(
                        name=f"{ev.title or 'Evidence'} ({ev.at:%d %b %Y})",
                        url=ev.link if ev.link and ev.recorded_by_id == learner_id else None,
                        narrative=ev.note if ev.recorded_by_id == learner_id and ev.note else None,
                        genre=ev.source,
                    )
                    for ev in mine[-10:]
                ),
                achieved_at=mine[-1].at if done else None,
            )
        )
    if not items:
        raise RecordError("there is no evidence in this course yet, so there is no record to issue")
    areas = tuple(
        CompetencyArea(
            case_uri=item.uri,
            name=item.human_coding_scheme or item.full_statement[:60],
            description=item.full_statement,
            code=item.human_coding_scheme,
        )
        for item in parent_items.values()
    )
    mastery = next((lv["name"] for lv in levels if lv.get("mastery")), None)
    return ClrRecord(
        id=f"urn:uuid:{uuid.uuid4()}",
        name=f"{context.title or 'Course'}: competency record",
        issuer=IssuerProfile(credentials.issuer_did(base_url), issuer_name, url=base),
        learner=Learner(
            salt=secrets.token_hex(8),
            email=user.email or None,
            lti_user_id=user.sub,
            lti_platform_id=registration.issuer if registration else None,
        ),
        scale=Scale(
            name="Course proficiency scale",
            levels=tuple(
                ScaleLevel(key=f"level-{n}", name=lv["name"], points=float(lv["points"]))
                for n, lv in enumerate(levels)
            ),
            mastery_key=next(
                (f"level-{n}" for n, lv in enumerate(levels) if lv["name"] == mastery), None
            ),
        ),
        competencies=tuple(items),
        issued_at=datetime.now(UTC).replace(microsecond=0),
        achievement_base=f"{base}/achievements",
        areas=areas,
        partial=not final,
        description=f"Competencies {user.name or 'the learner'} has mastered or is working on.",
        statement=statement,
    )


def issue(
    session: Session,
    box: SecretBox,
    context_id: int,
    learner_id: int,
    *,
    base_url: str,
    issuer_name: str,
    final: bool = False,
    statement: str | None = None,
) -> dict[str, Any]:
    """Build, sign and record the learner's CLR; returns the signed credential."""
    record = build_record(
        session,
        context_id,
        learner_id,
        base_url=base_url,
        issuer_name=issuer_name,
        final=final,
        statement=statement,
    )
    return credentials.issue_record(
        session, box, base_url, record, subject_ref=subject_ref(context_id, learner_id)
    )


def export_course(
    session: Session,
    box: SecretBox,
    context_id: int,
    *,
    base_url: str,
    issuer_name: str,
    progress_cb: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int, list[str]]:
    """Every learner's signed record of a course in one zip; returns it, the number of
    records, and the learners who had nothing to record."""
    people = progress.learners(session, context_id)
    buffer = io.BytesIO()
    issued = 0
    skipped: list[str] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, person in enumerate(people, start=1):
            try:
                signed = issue(
                    session,
                    box,
                    context_id,
                    person.id,
                    base_url=base_url,
                    issuer_name=issuer_name,
                )
            except RecordError:
                skipped.append(person.name or person.sub)
            else:
                name = "".join(ch if ch.isalnum() else "-" for ch in (person.name or person.sub))
                archive.writestr(f"{name}-{person.id}.json", json.dumps(signed, indent=2))
                issued += 1
            if progress_cb:
                progress_cb(n, len(people))
        archive.writestr(
            "README.txt",
            f"{issued} signed CLR 2.0 learner records. Verify any of them at {base_url}/verify "
            "or with any Open Badges 3.0 / CLR 2.0 verifier.\n",
        )
    return buffer.getvalue(), issued, skipped


def export_path(instance_path: str, run_id: int) -> str:
    """Where a background export's archive is written."""
    import os

    return os.path.join(instance_path, "exports", f"class-records-{run_id}.zip")


def export_job(app: Any, run_id: int) -> None:
    """The background job: sign every learner's record of the course, write the archive,
    and report progress on the run (as a sync does), so a large class does not hold a page."""
    import os

    from lti_tool.db.models.classroom import SyncRun

    session: Session = app.extensions["db_sessions"]()
    try:
        run = session.get(SyncRun, run_id)
        if run is None:
            return
        run.status, run.message = "running", "Signing each learner's record"
        session.commit()

        def tick(done: int, total: int) -> None:
            run.done, run.total = done, total
            run.heartbeat_at = datetime.now(UTC)
            session.commit()

        try:
            data, issued, skipped = export_course(
                session,
                app.extensions["secretbox"],
                run.context_id,
                base_url=app.config["BASE_URL"],
                issuer_name=app.config["ISSUER_NAME"],
                progress_cb=tick,
            )
            target = export_path(app.instance_path, run_id)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            partial = target + ".part"
            with open(partial, "wb") as handle:
                handle.write(data)
            os.replace(partial, target)
        except Exception as exc:  # noqa: BLE001 - recorded on the run for the teacher
            session.rollback()
            run = session.get(SyncRun, run_id) or run
            run.status, run.message = "failed", f"The export stopped: {exc}"
            run.finished_at = datetime.now(UTC)
            session.commit()
            return
        note = f" ({len(skipped)} without evidence yet)" if skipped else ""
        run.status = "done"
        plural = "records are" if issued != 1 else "record is"
        run.message = f"{issued} signed {plural} ready{note}."
        run.finished_at = datetime.now(UTC)
        session.commit()
    finally:
        session.close()
