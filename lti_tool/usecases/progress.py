"""Mastery for a course: compute each learner's result per competency, and read it back.

The engine (`lti_tool.mastery`) does the arithmetic; this module feeds it a course's settings,
evidence (mapped through each alignment onto the course scale) and overrides, and stores the
result per learner and competency so pages read it without recomputing.

Learners are always listed by name, never by result: the tool does not rank anyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models.classroom import (
    CourseCompetency,
    Evidence,
    MasteryOverride,
    MasteryState,
)
from lti_tool.db.models.lti import Enrolment, User
from lti_tool.usecases import engine
from lti_tool.usecases.course import (
    SettingsView,
    alignments,
    course_competencies,
    current_settings,
    map_score,
)
from lti_tool.usecases.evidence import SOURCES

#: Statuses a teacher acts on, in the order a page explains them, with their words.
STATUS_WORDS = {
    "exceeds": "Exceeds",
    "mastered": "Mastered",
    "near": "Nearly there",
    "not_yet": "Not yet",
    "insufficient_evidence": "Needs more evidence",
    "no_evidence": "No evidence yet",
}
NEEDS_SUPPORT = {"not_yet"}


@dataclass(frozen=True)
class EvidenceItem:
    """A piece of evidence as pages show it, with its value on the course scale."""

    id: int
    competency_id: int
    source: str
    source_label: str
    title: str
    points: float | None
    raw: str
    at: datetime
    note: str
    link: str
    status: str


def learners(session: Session, context_id: int) -> list[User]:
    """The course's learners, alphabetically by name (never by result)."""
    rows = session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.context_id == context_id, Enrolment.role == "learner")
    )
    return sorted(rows, key=lambda u: ((u.family_name or u.name).lower(), u.name.lower(), u.id))


def _mappings(session: Session, context_id: int) -> dict[tuple[int, int], dict[str, Any]]:
    """How each aligned line item's scores map onto the scale, by (line item, competency)."""
    return {
        (a.line_item_id, a.course_competency_id): a.mapping
        for rows in alignments(session, context_id).values()
        for a in rows
    }


def _mapped_points(
    ev: Evidence, mappings: dict[tuple[int, int], dict[str, Any]], settings: SettingsView
) -> float | None:
    """The evidence's value in points of the course scale."""
    if ev.score is None:
        return None
    top = settings.top_points
    if ev.line_item_id is not None:
        mapping = mappings.get((ev.line_item_id, ev.course_competency_id), {"kind": "rescale"})
        return round(map_score(mapping, ev.score, ev.points_possible or 0.0, top), 4)
    if ev.points_possible and ev.points_possible != top:
        return round(top * ev.score / ev.points_possible, 4)
    return float(ev.score)


def _pieces(
    settings: SettingsView,
    evidence: Sequence[Evidence],
    mappings: dict[tuple[int, int], dict[str, Any]],
) -> list[engine.Piece]:
    """The evidence on the course scale, as the engine takes it."""
    pieces = []
    for ev in evidence:
        points = _mapped_points(ev, mappings, settings)
        if points is None:
            continue
        pieces.append(
            engine.Piece(
                id=ev.id,
                points=points,
                at=ev.at,
                source=ev.source,
                title=ev.title or SOURCES.get(ev.source, ev.source),
            )
        )
    return pieces


def evaluate(
    settings: SettingsView,
    evidence: Sequence[Evidence],
    mappings: dict[tuple[int, int], dict[str, Any]],
    override: MasteryOverride | None,
    teacher_name: str = "",
    explain: bool = True,
) -> dict[str, Any]:
    """The engine's result for one learner and one competency."""
    return engine.evaluate(
        levels=settings.scale,
        version=settings.version,
        method=settings.method,
        params=settings.params,
        min_evidence=settings.min_evidence,
        min_evidence_types=settings.min_evidence_types,
        pieces=_pieces(settings, evidence, mappings),
        override=(
            (override.level, override.note, override.at, teacher_name)
            if override is not None
            else None
        ),
        explain=explain,
    )


def recompute(session: Session, context_id: int, learner_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the results of a course (or some of its learners). Returns how
    many results changed."""
    settings = current_settings(session, context_id)
    comps = course_competencies(session, context_id)
    people = [u.id for u in learners(session, context_id)]
    if learner_ids is not None:
        wanted = set(learner_ids)
        people = [p for p in people if p in wanted]
    if not people or not comps:
        return 0
    mappings = _mappings(session, context_id)
    by_pair: dict[tuple[int, int], list[Any]] = defaultdict(list)
    # Plain rows, not mapped objects: a big course has tens of thousands of pieces.
    for ev in session.execute(
        select(
            Evidence.id,
            Evidence.learner_id,
            Evidence.course_competency_id,
            Evidence.score,
            Evidence.points_possible,
            Evidence.line_item_id,
            Evidence.at,
            Evidence.source,
            Evidence.title,
        ).where(
            Evidence.context_id == context_id,
            Evidence.status == "active",
            Evidence.learner_id.in_(people),
        )
    ):
        by_pair[(ev.learner_id, ev.course_competency_id)].append(ev)
    overrides: dict[tuple[int, int], MasteryOverride] = {}
    for ov in session.scalars(
        select(MasteryOverride)
        .where(
            MasteryOverride.context_id == context_id,
            MasteryOverride.withdrawn_at.is_(None),
            MasteryOverride.learner_id.in_(people),
        )
        .order_by(MasteryOverride.at, MasteryOverride.id)
    ):
        overrides[(ov.learner_id, ov.course_competency_id)] = ov
    states = {
        (row.learner_id, row.course_competency_id): row
        for row in session.execute(
            select(
                MasteryState.id,
                MasteryState.learner_id,
                MasteryState.course_competency_id,
                MasteryState.score,
                MasteryState.level,
                MasteryState.status,
            ).where(MasteryState.context_id == context_id, MasteryState.learner_id.in_(people))
        )
    }
    pairs = [(learner, comp.id) for learner in people for comp in comps]
    batch = engine.evaluate_many(
        levels=settings.scale,
        version=settings.version,
        method=settings.method,
        params=settings.params,
        min_evidence=settings.min_evidence,
        min_evidence_types=settings.min_evidence_types,
        groups=[_pieces(settings, by_pair.get(pair, []), mappings) for pair in pairs],
    )
    changed = 0
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for pair, result in zip(pairs, batch, strict=True):
        if pair in overrides:
            # An override's rule (it holds until newer evidence) needs the full calculation.
            result = evaluate(
                settings, by_pair.get(pair, []), mappings, overrides[pair], explain=False
            )
        values = {
            "score": result["score"],
            "level": result["level"],
            "status": result["status"],
            "result": result,
            "settings_version": settings.version,
            "computed_at": now,
        }
        old = states.get(pair)
        if old is None:
            changed += 1
            inserts.append(
                {"context_id": context_id, "learner_id": pair[0], "course_competency_id": pair[1]}
                | values
            )
            continue
        if (old.score, old.level, old.status) != (
            values["score"],
            values["level"],
            values["status"],
        ):
            changed += 1
        updates.append({"id": old.id} | values)
    # Bulk statements: a course's thousands of results in a few round trips.
    session.flush()
    if inserts:
        session.execute(insert(MasteryState), inserts)
    if updates:
        session.execute(update(MasteryState), updates)
    session.flush()
    return changed


@dataclass(frozen=True)
class Cell:
    """One learner's state on one competency, as the grid shows it."""

    status: str
    level: str
    score: float | None
    color: str
    ready: bool = False

    @property
    def label(self) -> str:
        """The words in the cell: the level once there is one, else the status."""
        if self.level and self.status not in ("insufficient_evidence", "no_evidence"):
            return self.level
        return STATUS_WORDS.get(self.status, self.status)


@dataclass
class Grid:
    """Learners x competencies, with the filters a teacher uses."""

    learners: list[User]
    competencies: list[CourseCompetency]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    scale: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[User, list[Cell]]] = field(default_factory=list)

    def cell(self, learner_id: int, competency_id: int) -> Cell:
        """The cell, or an empty one."""
        return self.cells.get(
            (learner_id, competency_id), Cell("no_evidence", "", None, "var(--none)")
        )


def ready_to_advance(comps: Sequence[CourseCompetency], statuses: dict[int, str]) -> set[int]:
    """Competencies not yet mastered whose every prerequisite in the course is mastered."""
    mastered_ids = {c.identifier for c in comps if statuses.get(c.id) in ("mastered", "exceeds")}
    known = {c.identifier for c in comps}
    ready = set()
    for comp in comps:
        prereqs = [p for p in comp.prerequisites or [] if p in known]
        if not prereqs or statuses.get(comp.id) in ("mastered", "exceeds"):
            continue
        if all(p in mastered_ids for p in prereqs):
            ready.add(comp.id)
    return ready


def grid(session: Session, context_id: int, show: str = "all") -> Grid:
    """The teacher's grid; `show` filters learners: all, support, insufficient, ready."""
    settings = current_settings(session, context_id)
    comps = course_competencies(session, context_id)
    people = learners(session, context_id)
    # Only the columns the grid shows: the stored explanations stay in the database.
    states: dict[int, dict[int, tuple[str, str, float | None]]] = defaultdict(dict)
    for learner_id, comp_id, status, level, score in session.execute(
        select(
            MasteryState.learner_id,
            MasteryState.course_competency_id,
            MasteryState.status,
            MasteryState.level,
            MasteryState.score,
        ).where(MasteryState.context_id == context_id)
    ):
        states[learner_id][comp_id] = (status, level, score)
    out = Grid(learners=[], competencies=comps, scale=settings.scale)
    empty = ("no_evidence", "", None)
    for person in people:
        mine = states.get(person.id, {})
        statuses = {comp_id: value[0] for comp_id, value in mine.items()}
        ready = ready_to_advance(comps, statuses)
        for comp in comps:
            status, level, score = mine.get(comp.id, empty)
            out.cells[(person.id, comp.id)] = Cell(
                status=status, level=level, score=score, color="", ready=comp.id in ready
            )
        values = set(statuses.values())
        if (
            show == "all"
            or (show == "support" and values & NEEDS_SUPPORT)
            or (show == "insufficient" and "insufficient_evidence" in values)
            or (show == "ready" and ready)
        ):
            out.learners.append(person)
            out.rows.append((person, [out.cells[(person.id, c.id)] for c in comps]))
    return out


def evidence_items(
    session: Session, context_id: int, learner_id: int, competency_id: int | None = None
) -> list[EvidenceItem]:
    """A learner's evidence (active and pending), oldest first, with its value on the scale."""
    settings = current_settings(session, context_id)
    mappings = _mappings(session, context_id)
    stmt = select(Evidence).where(
        Evidence.context_id == context_id,
        Evidence.learner_id == learner_id,
        Evidence.status.in_(("active", "pending")),
    )
    if competency_id is not None:
        stmt = stmt.where(Evidence.course_competency_id == competency_id)
    out = []
    for ev in session.scalars(stmt.order_by(Evidence.at, Evidence.id)):
        raw = (
            f"{ev.score:g} / {ev.points_possible:g}"
            if ev.score is not None and ev.points_possible
            else ""
        )
        out.append(
            EvidenceItem(
                id=ev.id,
                competency_id=ev.course_competency_id,
                source=ev.source,
                source_label=SOURCES.get(ev.source, ev.source),
                title=ev.title,
                points=_mapped_points(ev, mappings, settings),
                raw=raw,
                at=ev.at,
                note=ev.note,
                link=ev.link,
                status=ev.status,
            )
        )
    return out


def explanations(session: Session, context_id: int, learner_id: int) -> dict[int, str]:
    """Each competency's result for one learner in words (computed now, from the evidence)."""
    settings = current_settings(session, context_id)
    mappings = _mappings(session, context_id)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for ev in session.scalars(
        select(Evidence).where(
            Evidence.context_id == context_id,
            Evidence.learner_id == learner_id,
            Evidence.status == "active",
        )
    ):
        evidence[ev.course_competency_id].append(ev)
    overrides: dict[int, MasteryOverride] = {}
    for ov in session.scalars(
        select(MasteryOverride)
        .where(
            MasteryOverride.context_id == context_id,
            MasteryOverride.learner_id == learner_id,
            MasteryOverride.withdrawn_at.is_(None),
        )
        .order_by(MasteryOverride.at, MasteryOverride.id)
    ):
        overrides[ov.course_competency_id] = ov
    return {
        comp.id: evaluate(settings, evidence.get(comp.id, []), mappings, overrides.get(comp.id))[
            "explanation"
        ]
        for comp in course_competencies(session, context_id)
    }


def states_for(session: Session, context_id: int, learner_id: int) -> dict[int, MasteryState]:
    """A learner's stored results by competency."""
    return {
        s.course_competency_id: s
        for s in session.scalars(
            select(MasteryState).where(
                MasteryState.context_id == context_id, MasteryState.learner_id == learner_id
            )
        )
    }
