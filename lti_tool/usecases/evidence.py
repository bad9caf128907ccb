"""Storing evidence: append-only, idempotent, safe when two syncs run at once.

A result pulled from the LMS is identified across syncs by its line item and learner (the
`result_key`); one particular value of it by that plus the score, the points possible and the
time (the `origin`). A unique constraint on (competency, learner, origin) makes a second copy
impossible even when two workers insert at the same moment; a new value of the same result
marks the older rows superseded instead of overwriting them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models.classroom import Evidence
from lti_tool.db.session import dialect_insert

#: Kinds of evidence a teacher or learner can record by hand, and what they are called.
MANUAL_SOURCES = {
    "observation": "Teacher observation",
    "outside_school": "Learning outside school",
    "artefact": "Artefact",
}
SOURCES = {"lms": "LMS gradebook", "assessment": "Assessment in this tool", **MANUAL_SOURCES}


class EvidenceError(ValueError):
    """Evidence that cannot be stored as given; the message says why."""


def _digest(*parts: object) -> str:
    """A stable digest of the parts, for keys that must match across syncs and workers."""
    text = "\x1f".join(
        "" if p is None else repr(p) if isinstance(p, float) else str(p) for p in parts
    )
    return hashlib.sha256(text.encode()).hexdigest()


def result_key(line_item_url: str, learner_sub: str) -> str:
    """The identity of a learner's result on a line item, across syncs."""
    return _digest("result", line_item_url, learner_sub)


@dataclass(frozen=True)
class LmsResult:
    """A learner's result on a line item as the LMS reported it.

    `at` is when the work was submitted or graded, when the LMS says so; AGS results often
    carry no time, and then the evidence is dated when the tool first saw the score.
    """

    line_item_id: int
    line_item_url: str
    learner_id: int
    learner_sub: str
    score: float | None
    points_possible: float
    at: datetime | None = None
    title: str = ""
    comment: str = ""


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, object]]) -> int:
    """Insert rows; a row whose (competency, learner, origin) exists is skipped. Returns
    how many were new.

    One statement, compiled once and cached, run for all rows ("insertmanyvalues"): far
    cheaper than building a multi-row VALUES clause per batch.
    """
    if not rows:
        return 0
    table = Evidence.__table__
    stmt = dialect_insert(session.get_bind().dialect.name)(table).on_conflict_do_nothing()
    # RETURNING counts what was really inserted on both backends (rowcount may be -1).
    result = session.connection().execute(stmt.returning(table.c.id), list(rows))
    return len(result.all())


def record_lms_results(
    session: Session,
    context_id: int,
    results: Iterable[LmsResult],
    competencies_by_line_item: dict[int, list[int]],
) -> int:
    """Store each result as evidence of every competency its line item is aligned to.

    A result whose value is the current evidence already adds nothing. A new value adds a row
    whose origin is derived from the value and from how many values the result has had, so
    two syncs that see the same change at once compute the same origin and store one row.
    An empty result (no score: not submitted, not graded, excused) is not evidence and is
    never stored as a zero; if it replaces an earlier score, that score is superseded.
    Returns the number of new evidence rows.
    """
    results = list(results)
    line_items = {r.line_item_id for r in results}
    current: dict[tuple[int, int, str], tuple[float | None, float | None]] = {}
    history: dict[tuple[int, int, str], int] = defaultdict(int)
    if line_items:
        for comp, learner, rkey, score, possible, status in session.execute(
            select(
                Evidence.course_competency_id,
                Evidence.learner_id,
                Evidence.result_key,
                Evidence.score,
                Evidence.points_possible,
                Evidence.status,
            ).where(
                Evidence.context_id == context_id,
                Evidence.line_item_id.in_(line_items),
                Evidence.result_key.is_not(None),
            )
        ):
            history[(comp, learner, rkey)] += 1
            if status == "active":
                current[(comp, learner, rkey)] = (score, possible)
    rows: list[dict[str, object]] = []
    keep: dict[tuple[int, int, str], str | None] = {}
    now = utcnow()
    for res in results:
        rkey = result_key(res.line_item_url, res.learner_sub)
        for comp in competencies_by_line_item.get(res.line_item_id, []):
            key = (comp, res.learner_id, rkey)
            if res.score is None:
                if key in current:
                    keep[key] = None
                continue
            value = (float(res.score), float(res.points_possible))
            if current.get(key) == value:
                continue
            at = res.at.isoformat() if res.at else ""
            origin = _digest(rkey, value[0], value[1], at, history[key])
            if history[key]:
                # Only a result seen before can have a row to supersede.
                keep[key] = origin
            rows.append(
                {
                    "context_id": context_id,
                    "learner_id": res.learner_id,
                    "course_competency_id": comp,
                    "source": "lms",
                    "score": value[0],
                    "points_possible": value[1],
                    "at": res.at or now,
                    "recorded_at": now,
                    "note": res.comment[:2000],
                    "link": "",
                    "title": res.title[:500],
                    "line_item_id": res.line_item_id,
                    "origin": origin,
                    "result_key": rkey,
                    "status": "active",
                }
            )
    added = _insert_ignoring_duplicates(session, rows)
    _supersede(session, keep, now)
    return added


def _supersede(
    session: Session, keep: dict[tuple[int, int, str], str | None], now: datetime
) -> None:
    """Mark every active row of each result superseded except its current value."""
    for (comp, learner, rkey), origin in keep.items():
        conditions = [
            Evidence.course_competency_id == comp,
            Evidence.learner_id == learner,
            Evidence.result_key == rkey,
            Evidence.status == "active",
        ]
        if origin is not None:
            conditions.append(Evidence.origin != origin)
        session.execute(
            update(Evidence)
            .where(and_(*conditions))
            .values(status="superseded", superseded_at=now)
            .execution_options(synchronize_session=False)
        )


def record_manual(
    session: Session,
    *,
    context_id: int,
    learner_id: int,
    course_competency_id: int,
    source: str,
    score: float | None,
    points_possible: float | None,
    at: datetime,
    recorded_by_id: int,
    note: str = "",
    link: str = "",
    title: str = "",
    pending: bool = False,
) -> Evidence:
    """Record evidence entered by a person: an observation, learning outside school, or an
    artefact. A learner's own submission waits as `pending` until the teacher accepts it."""
    if source not in MANUAL_SOURCES:
        raise EvidenceError(f"unknown kind of evidence {source!r}")
    if link and not link.startswith(("https://", "http://")):
        raise EvidenceError("a link must start with https:// or http://")
    if score is not None and (points_possible is None or points_possible <= 0):
        raise EvidenceError("a score needs the points it is out of")
    if score is not None and points_possible is not None and not 0 <= score <= points_possible:
        raise EvidenceError(f"the score must be between 0 and {points_possible:g}")
    if score is None and not pending:
        raise EvidenceError("choose a level for this evidence")
    if pending and not (note.strip() or link):
        raise EvidenceError("add a reflection or a link to your work")
    row = Evidence(
        context_id=context_id,
        learner_id=learner_id,
        course_competency_id=course_competency_id,
        source=source,
        score=score,
        points_possible=points_possible,
        at=at,
        recorded_by_id=recorded_by_id,
        note=note.strip(),
        link=link,
        title=title.strip(),
        origin=secrets.token_hex(16),
        status="pending" if pending else "active",
    )
    session.add(row)
    session.flush()
    return row


def decide_pending(
    session: Session, evidence: Evidence, *, accept: bool, score: float | None, points: float
) -> None:
    """The teacher accepts a learner's submission at a level, or declines it."""
    if evidence.status != "pending":
        raise EvidenceError("this evidence has already been decided")
    if accept:
        if score is None or not 0 <= score <= points:
            raise EvidenceError("choose the level this work shows")
        evidence.score = score
        evidence.points_possible = points
        evidence.status = "active"
    else:
        evidence.status = "declined"


def active_evidence(
    session: Session, context_id: int, learner_ids: Sequence[int] | None = None
) -> list[Evidence]:
    """Every active piece of evidence in a course, optionally for some learners only."""
    stmt = select(Evidence).where(Evidence.context_id == context_id, Evidence.status == "active")
    if learner_ids is not None:
        stmt = stmt.where(Evidence.learner_id.in_(list(learner_ids)))
    return list(session.scalars(stmt.order_by(Evidence.at, Evidence.id)))
