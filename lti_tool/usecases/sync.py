"""Sync a course with its LMS: roster, line items, results in; mastery out.

A run is recorded as a `SyncRun` row with a progress count the page polls. Results are
stored per line item and committed as they arrive, so a run that dies in the middle keeps
what it fetched, and the next run (idempotent inserts) completes with nothing lost or
duplicated. Write-back posts each learner's current mastery to one gradebook column per
competency, created through AGS the first time and found again by its tag.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models.classroom import CourseCompetency, CourseLineItem, MasteryState, SyncRun
from lti_tool.db.models.lti import Context, Enrolment, User
from lti_tool.lti.claims import tool_role
from lti_tool.usecases import progress
from lti_tool.usecases.course import (
    LineItemInfo,
    align_by_tag,
    alignments,
    course_competencies,
    current_settings,
    remember_line_items,
    url_digest,
)
from lti_tool.usecases.evidence import LmsResult, record_lms_results

log = logging.getLogger(__name__)

#: A run whose heartbeat is older than this is taken to have died.
STALE_AFTER = timedelta(minutes=2)
MASTERY_TAG_PREFIX = "competency:"


class SyncError(Exception):
    """A sync that cannot start or continue; the message says why in plain words."""


@dataclass(frozen=True)
class Member:
    """A course member as the roster service lists them."""

    user_id: str
    roles: tuple[str, ...]
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    active: bool = True


@dataclass(frozen=True)
class Result:
    """A learner's result on a line item; `score` is None when there is no grade."""

    user_id: str
    score: float | None
    maximum: float
    at: datetime | None = None
    comment: str = ""


class CourseServices(Protocol):
    """What a sync needs from the LMS's services, for one course."""

    def members(self) -> list[Member]:
        """Every member of the course (all pages)."""

    def line_items(self) -> list[LineItemInfo]:
        """Every line item the tool can see (all pages)."""

    def results(self, line_item_url: str) -> list[Result]:
        """Every result of a line item (all pages)."""

    def create_line_item(
        self, label: str, score_maximum: float, resource_id: str, tag: str
    ) -> LineItemInfo:
        """Create a gradebook column."""

    def post_score(
        self,
        line_item_url: str,
        user_id: str,
        score: float,
        maximum: float,
        timestamp: datetime,
        comment: str,
    ) -> None:
        """Post a score with a timestamp later than any the column has."""


ServicesFactory = Callable[[Session, Context], CourseServices]


def start(
    session: Session,
    context_id: int,
    requested_by_id: int | None,
    kind: str = "pull",
    *,
    take_over: bool = False,
) -> tuple[SyncRun, bool]:
    """Record a new run, unless one is already running for the course (then return that one).
    The flag says whether the run is new. `take_over` ends a running run first (an admin
    who knows its process is gone)."""
    running = session.scalars(
        select(SyncRun).where(
            SyncRun.context_id == context_id,
            SyncRun.kind == kind,
            SyncRun.status.in_(("queued", "running")),
        )
    ).all()
    now = utcnow()
    for run in running:
        beat = run.heartbeat_at or run.started_at
        if now - beat < STALE_AFTER and not take_over:
            return run, False
        run.status = "failed"
        run.finished_at = now
        run.message = "Stopped responding; the next sync picks up where it stopped."
    run = SyncRun(
        context_id=context_id, kind=kind, status="queued", requested_by_id=requested_by_id
    )
    session.add(run)
    session.flush()
    return run, True


def latest_run(session: Session, context_id: int) -> SyncRun | None:
    """The course's most recent run."""
    return session.scalars(
        select(SyncRun)
        .where(SyncRun.context_id == context_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).first()


def _roster(session: Session, context: Context, members: Sequence[Member]) -> dict[str, int]:
    """Upsert learners and teachers from the roster; returns user ids by LTI user id."""
    users = {
        u.sub: u
        for u in session.scalars(
            select(User).where(User.registration_id == context.registration_id)
        )
    }
    enrolments = {
        e.user_id: e
        for e in session.scalars(select(Enrolment).where(Enrolment.context_id == context.id))
    }
    for member in members:
        if not member.user_id:
            continue
        user = users.get(member.user_id)
        if user is None:
            user = User(registration_id=context.registration_id, sub=member.user_id[:255])
            session.add(user)
            users[member.user_id] = user
        for attr in ("name", "given_name", "family_name", "email"):
            value = getattr(member, attr)
            if value:
                setattr(user, attr, value[: 320 if attr == "email" else 255])
    session.flush()
    for member in members:
        user = users.get(member.user_id)
        if user is None:
            continue
        role = tool_role(list(member.roles)).value if member.active else "inactive"
        enrolment = enrolments.get(user.id)
        if enrolment is None:
            enrolment = Enrolment(user_id=user.id, context_id=context.id, role=role)
            session.add(enrolment)
            enrolments[user.id] = enrolment
        enrolment.role = role
        enrolment.lti_roles = list(member.roles)[:50]
    session.flush()
    return {sub: u.id for sub, u in users.items()}


def _beat(session: Session, run: SyncRun, **values: Any) -> None:
    for key, value in values.items():
        setattr(run, key, value)
    run.heartbeat_at = utcnow()
    session.commit()


def run_pull(
    session: Session, services: CourseServices, run_id: int, *, concurrency: int = 8
) -> SyncRun:
    """Pull roster and results for every aligned line item, then recompute mastery."""
    run = session.get(SyncRun, run_id)
    if run is None:
        raise SyncError("that sync no longer exists")
    context = session.get(Context, run.context_id)
    if context is None:
        raise SyncError("the course of that sync no longer exists")
    _beat(session, run, status="running", message="Reading the gradebook columns")
    try:
        remember_line_items(session, context.id, services.line_items())
        align_by_tag(session, context.id)
        aligned = alignments(session, context.id)
        items = [
            li
            for li in session.scalars(
                select(CourseLineItem).where(
                    CourseLineItem.context_id == context.id, CourseLineItem.gone.is_(False)
                )
            )
            if li.id in aligned
        ]
        _beat(session, run, total=len(items), done=0, message="Reading the class list and results")
        comps_by_item = {li: [a.course_competency_id for a in rows] for li, rows in aligned.items()}
        added = 0
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            # The roster and every column's results side by side; the roster first, as the
            # results can only be stored once their learners are known.
            # Each task runs in a copy of this thread's context (the app context included).
            roster = pool.submit(contextvars.copy_context().run, services.members)
            futures = [
                (li, pool.submit(contextvars.copy_context().run, services.results, li.url))
                for li in items
            ]
            users = _roster(session, context, roster.result())
            session.commit()
            for done, (li, future) in enumerate(futures, start=1):
                fetched = future.result()
                rows = [
                    LmsResult(
                        line_item_id=li.id,
                        line_item_url=li.url,
                        learner_id=users[r.user_id],
                        learner_sub=r.user_id,
                        score=r.score,
                        points_possible=r.maximum or li.score_maximum,
                        at=r.at,
                        title=li.label,
                        comment=r.comment,
                    )
                    for r in fetched
                    if r.user_id in users
                ]
                added += record_lms_results(session, context.id, rows, comps_by_item)
                _beat(session, run, done=done, evidence_added=added)
        progress.recompute(session, context.id)
        _beat(
            session,
            run,
            status="done",
            finished_at=utcnow(),
            message=f"Done: {added} new pieces of evidence from {len(items)} assignments.",
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run, then kept
        session.rollback()
        run = session.get(SyncRun, run_id) or run
        _beat(
            session,
            run,
            status="failed",
            finished_at=utcnow(),
            message=f"The sync stopped: {_plain(exc)} What was read is kept; sync again to finish.",
        )
        log.warning("sync %s failed: %s", run_id, exc)
    return run


def _plain(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith(".") else text + "."


def mastery_column(
    session: Session, services: CourseServices, context_id: int, comp: CourseCompetency
) -> CourseLineItem:
    """The competency's gradebook column, created through AGS the first time."""
    row = session.scalars(
        select(CourseLineItem).where(
            CourseLineItem.context_id == context_id,
            CourseLineItem.purpose == "mastery",
            CourseLineItem.course_competency_id == comp.id,
            CourseLineItem.gone.is_(False),
        )
    ).first()
    if row is not None:
        return row
    settings = current_settings(session, context_id)
    tag = MASTERY_TAG_PREFIX + comp.identifier
    found = next((li for li in services.line_items() if li.tag == tag), None)
    if found is None:
        label = f"{comp.code or 'Competency'}: {comp.statement}"[:250]
        found = services.create_line_item(label, settings.top_points, comp.identifier, tag)
    row = session.scalars(
        select(CourseLineItem).where(
            CourseLineItem.context_id == context_id,
            CourseLineItem.url_digest == url_digest(found.url),
        )
    ).first()
    if row is None:
        row = CourseLineItem(context_id=context_id, url=found.url, url_digest=url_digest(found.url))
        session.add(row)
    row.label = found.label
    row.score_maximum = found.score_maximum
    row.tag = tag
    row.purpose = "mastery"
    row.course_competency_id = comp.id
    row.gone = False
    session.flush()
    return row


def write_back(session: Session, services: CourseServices, context_id: int) -> int:
    """Post every changed mastery result to its competency's column. Returns posts made.

    Timestamps only move forward: each post uses now, or a microsecond after the last post
    to that cell if the clock says otherwise.
    """
    settings = current_settings(session, context_id)
    users = {u.id: u.sub for u in progress.learners(session, context_id)}
    posted = 0
    for comp in course_competencies(session, context_id):
        states = [
            s
            for s in session.scalars(
                select(MasteryState).where(
                    MasteryState.context_id == context_id,
                    MasteryState.course_competency_id == comp.id,
                )
            )
            if s.learner_id in users and s.score is not None and s.score != s.posted_score
        ]
        if not states:
            continue
        column = mastery_column(session, services, context_id, comp)
        # Commit before calling the LMS: the service client keeps its own records (tokens,
        # score timestamps) in the same database, and SQLite allows one writer at a time.
        session.commit()
        for state in states:
            now = datetime.now(UTC)
            if state.posted_at and now <= state.posted_at:
                now = state.posted_at + timedelta(microseconds=1)
            comment = f"{state.level} ({progress.STATUS_WORDS.get(state.status, state.status)})"
            services.post_score(
                column.url,
                users[state.learner_id],
                float(state.score),  # type: ignore[arg-type]
                settings.top_points,
                now,
                comment,
            )
            state.posted_score = state.score
            state.posted_at = now
            posted += 1
            session.commit()
    return posted


class LtiCourseServices:
    """The course's real LTI services (AGS and NRPS) behind the interface a sync needs."""

    def __init__(self, client: Any) -> None:
        """Wrap a `lti_tool.lti.services.ServiceClient`."""
        self.client = client

    def members(self) -> list[Member]:
        """Every member of the course."""
        return [
            Member(
                user_id=m.user_id,
                roles=tuple(m.roles),
                name=m.name,
                given_name=m.given_name,
                family_name=m.family_name,
                email=m.email,
                active=m.active,
            )
            for m in self.client.members()
        ]

    def line_items(self) -> list[LineItemInfo]:
        """Every line item the tool can see."""
        return [_info(li) for li in self.client.line_items()]

    def results(self, line_item_url: str) -> list[Result]:
        """Every result of a line item; ungraded results have no score."""
        out = []
        for r in self.client.results(line_item_url):
            at = None
            if r.timestamp:
                try:
                    at = datetime.fromisoformat(r.timestamp.replace("Z", "+00:00"))
                    at = at if at.tzinfo else at.replace(tzinfo=UTC)
                except ValueError:
                    at = None
            out.append(
                Result(
                    user_id=r.user_id,
                    score=r.score,
                    maximum=float(r.maximum or 0),
                    at=at,
                    comment=r.comment or "",
                )
            )
        return out

    def create_line_item(
        self, label: str, score_maximum: float, resource_id: str, tag: str
    ) -> LineItemInfo:
        """Create a gradebook column."""
        return _info(
            self.client.create_line_item(
                label, score_maximum, resource_id=resource_id or None, tag=tag or None
            )
        )

    def post_score(
        self,
        line_item_url: str,
        user_id: str,
        score: float,
        maximum: float,
        timestamp: datetime,
        comment: str,
    ) -> None:
        """Post a score with the score media type and a monotonic timestamp."""
        self.client.post_score(
            line_item_url, user_id, score, maximum, comment=comment, timestamp=timestamp
        )


def _info(item: Any) -> LineItemInfo:
    return LineItemInfo(
        url=item.id,
        label=item.label,
        score_maximum=float(item.score_maximum),
        resource_id=item.resource_id or "",
        resource_link_id=item.resource_link_id or "",
        tag=item.tag or "",
    )


def services_for(app: Any, session: Session, context: Context) -> CourseServices:
    """The LTI services of a course, for its registration."""
    from lti_tool.db.models.lti import Registration
    from lti_tool.lti.services import ServiceClient

    registration = session.get(Registration, context.registration_id)
    if registration is None:
        raise SyncError("the platform this course came from is no longer registered")
    return LtiCourseServices(ServiceClient.for_context(app, registration, context))


def courses_to_sync(session: Session) -> list[int]:
    """Courses with at least one aligned assignment and the grade service."""
    from lti_tool.db.models.classroom import Alignment

    return sorted(
        set(
            session.scalars(
                select(CourseLineItem.context_id)
                .join(Alignment, Alignment.line_item_id == CourseLineItem.id)
                .join(Context, Context.id == CourseLineItem.context_id)
                .where(Context.lineitems_url.is_not(None))
            )
        )
    )


def job(app: Any, run_id: int) -> None:
    """The background job: pull, recompute, then write mastery back."""
    session_factory = app.extensions["db_sessions"]
    session: Session = session_factory()
    try:
        run = session.get(SyncRun, run_id)
        if run is None:
            return
        context = session.get(Context, run.context_id)
        if context is None:
            return
        services = services_for(app, session, context)
        run = run_pull(
            session, services, run_id, concurrency=int(app.config.get("SERVICE_CONCURRENCY", 8))
        )
        if run.status != "done":
            return
        try:
            posted = write_back(session, services, context.id)
        except Exception as exc:  # noqa: BLE001 - recorded on the run for the teacher
            session.rollback()
            run = session.get(SyncRun, run_id) or run
            _beat(
                session, run, message=run.message + f" Writing mastery back failed: {_plain(exc)}"
            )
            return
        if posted:
            _beat(
                session,
                run,
                message=run.message + f" Posted {posted} mastery levels to the gradebook.",
            )
    finally:
        session.close()
