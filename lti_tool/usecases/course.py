"""A course's set-up: its competencies, scale, calculation method, line items and alignments.

Settings are versioned: every change adds a row, so a result computed under an older version
can still be explained. Competencies removed from a course keep their evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models.classroom import (
    Alignment,
    CourseCompetency,
    CourseLineItem,
    CourseSettings,
    MasteryOverride,
)
from lti_tool.mastery import MasteryInputError
from lti_tool.usecases import engine

#: Canvas's default proficiency scale: what a course starts with.
DEFAULT_SCALE: list[dict[str, Any]] = [
    {"name": "Exceeds Mastery", "points": 4, "color": "#127a1b"},
    {"name": "Mastery", "points": 3, "mastery": True, "color": "#0b874b"},
    {"name": "Near Mastery", "points": 2, "color": "#b07b00"},
    {"name": "Below Mastery", "points": 1, "color": "#c23c0d"},
    {"name": "No Evidence", "points": 0, "color": "#6b7780"},
]
DEFAULT_METHOD = "weighted_average"


class SetupError(ValueError):
    """A course set-up change that cannot be made; the message says why."""


@dataclass(frozen=True)
class SettingsView:
    """The settings in force for a course."""

    version: int
    scale: list[dict[str, Any]]
    method: str
    params: dict[str, Any]
    min_evidence: int
    min_evidence_types: int
    rollup: str
    changed_at: str = ""
    note: str = ""

    @property
    def top_points(self) -> float:
        """The highest level's points."""
        return float(max(level["points"] for level in self.scale))

    @property
    def mastery_points(self) -> float:
        """The points of the level marked as mastery."""
        for level in self.scale:
            if level.get("mastery"):
                return float(level["points"])
        return self.top_points

    def level_for(self, points: float) -> dict[str, Any]:
        """The highest level whose points the value reaches."""
        best = min(self.scale, key=lambda lv: lv["points"])
        for level in sorted(self.scale, key=lambda lv: lv["points"]):
            if points >= level["points"]:
                best = level
        return best


def default_settings() -> SettingsView:
    """What a course uses until its teacher chooses otherwise."""
    return SettingsView(
        version=0,
        scale=[dict(level) for level in DEFAULT_SCALE],
        method=DEFAULT_METHOD,
        params={"weight": 65},
        min_evidence=1,
        min_evidence_types=1,
        rollup="all_mastered",
    )


def current_settings(session: Session, context_id: int) -> SettingsView:
    """The newest settings of a course, or the defaults."""
    row = session.scalars(
        select(CourseSettings)
        .where(CourseSettings.context_id == context_id)
        .order_by(CourseSettings.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return default_settings()
    return _view(row)


def _view(row: CourseSettings) -> SettingsView:
    return SettingsView(
        version=row.version,
        scale=list(row.scale),
        method=row.method,
        params=dict(row.params or {}),
        min_evidence=row.min_evidence,
        min_evidence_types=row.min_evidence_types,
        rollup=row.rollup,
        changed_at=row.changed_at.isoformat(timespec="minutes"),
        note=row.note,
    )


def settings_history(session: Session, context_id: int) -> list[SettingsView]:
    """Every version of a course's settings, newest first."""
    rows = session.scalars(
        select(CourseSettings)
        .where(CourseSettings.context_id == context_id)
        .order_by(CourseSettings.version.desc())
    )
    return [_view(r) for r in rows]


def check_scale(scale: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A scale has 2-10 levels with distinct names and points, and exactly one mastery level."""
    if not 2 <= len(scale) <= 10:
        raise SetupError("a scale needs between 2 and 10 levels")
    names = [str(level.get("name", "")).strip() for level in scale]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise SetupError("every level needs a name, and no two levels the same name")
    try:
        points = [float(level["points"]) for level in scale]
    except (KeyError, TypeError, ValueError):
        raise SetupError("every level needs points, as a number") from None
    if len(set(points)) != len(points) or any(p < 0 for p in points):
        raise SetupError("levels need different points, none below zero")
    if sum(1 for level in scale if level.get("mastery")) != 1:
        raise SetupError("mark exactly one level as mastery")
    ordered = sorted(scale, key=lambda lv: -float(lv["points"]))
    return [
        {
            "name": str(lv["name"]).strip()[:80],
            "points": float(lv["points"]),
            **({"mastery": True} if lv.get("mastery") else {}),
            **({"color": lv["color"]} if isinstance(lv.get("color"), str) else {}),
        }
        for lv in ordered
    ]


def check_method(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A method the engine knows, with parameters inside their ranges."""
    try:
        return engine.check_method(method, params)
    except MasteryInputError as exc:
        where = exc.field.removeprefix("params.")
        raise SetupError(f"{where} {exc.message}" if where != "method" else exc.message) from None


def update_settings(
    session: Session,
    context_id: int,
    *,
    changed_by_id: int | None,
    scale: Sequence[dict[str, Any]] | None = None,
    method: str | None = None,
    params: dict[str, Any] | None = None,
    min_evidence: int | None = None,
    min_evidence_types: int | None = None,
    rollup: str | None = None,
    note: str = "",
) -> SettingsView:
    """Add a new version of the course's settings from the current one and the changes."""
    now = current_settings(session, context_id)
    new_method = method or now.method
    new_params = check_method(new_method, params if params is not None else now.params)
    new_scale = check_scale(scale) if scale is not None else now.scale
    new_min = now.min_evidence if min_evidence is None else int(min_evidence)
    new_types = now.min_evidence_types if min_evidence_types is None else int(min_evidence_types)
    if not 1 <= new_min <= 20:
        raise SetupError("the minimum evidence must be between 1 and 20")
    if not 1 <= new_types <= 5:
        raise SetupError("the minimum number of kinds of evidence must be between 1 and 5")
    new_rollup = rollup or now.rollup
    if new_rollup not in ("all_mastered", "points", "average"):
        raise SetupError(f"unknown rule for competency areas {new_rollup!r}")
    version = (
        session.scalar(
            select(func.max(CourseSettings.version)).where(CourseSettings.context_id == context_id)
        )
        or 0
    ) + 1
    row = CourseSettings(
        context_id=context_id,
        version=version,
        scale=new_scale,
        method=new_method,
        params=new_params,
        min_evidence=new_min,
        min_evidence_types=new_types,
        rollup=new_rollup,
        changed_by_id=changed_by_id,
        note=note.strip()[:500],
    )
    session.add(row)
    session.flush()
    return _view(row)


@dataclass(frozen=True)
class CompetencyChoice:
    """A framework item a teacher picked for the course, as the framework describes it."""

    identifier: str
    uri: str = ""
    code: str = ""
    statement: str = ""
    framework_identifier: str = ""
    framework_title: str = ""
    parent_identifier: str | None = None
    prerequisites: tuple[str, ...] = field(default_factory=tuple)


def course_competencies(
    session: Session, context_id: int, *, include_removed: bool = False
) -> list[CourseCompetency]:
    """The course's competencies in their order."""
    stmt = select(CourseCompetency).where(CourseCompetency.context_id == context_id)
    if not include_removed:
        stmt = stmt.where(CourseCompetency.removed_at.is_(None))
    return list(session.scalars(stmt.order_by(CourseCompetency.position, CourseCompetency.id)))


def set_competencies(
    session: Session, context_id: int, choices: Iterable[CompetencyChoice]
) -> list[CourseCompetency]:
    """Make the course's competencies exactly `choices`, in that order; others are removed
    from the grid but keep their evidence, and come back with it when chosen again."""
    existing = {
        c.identifier: c for c in course_competencies(session, context_id, include_removed=True)
    }
    chosen: list[CourseCompetency] = []
    seen: set[str] = set()
    for position, choice in enumerate(choices):
        if choice.identifier in seen:
            continue
        seen.add(choice.identifier)
        row = existing.get(choice.identifier)
        if row is None:
            row = CourseCompetency(context_id=context_id, identifier=choice.identifier)
            session.add(row)
        row.uri = choice.uri
        row.code = choice.code[:255]
        row.statement = choice.statement
        row.framework_identifier = choice.framework_identifier
        row.framework_title = choice.framework_title
        row.parent_identifier = choice.parent_identifier
        row.prerequisites = list(choice.prerequisites)
        row.position = position
        row.removed_at = None
        chosen.append(row)
    now = utcnow()
    for identifier, row in existing.items():
        if identifier not in seen and row.removed_at is None:
            row.removed_at = now
    session.flush()
    return chosen


def url_digest(url: str) -> str:
    """The digest a line item URL is indexed by (URLs can be longer than an index allows)."""
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass(frozen=True)
class LineItemInfo:
    """A line item as AGS describes it."""

    url: str
    label: str
    score_maximum: float
    resource_id: str = ""
    resource_link_id: str = ""
    tag: str = ""


def remember_line_items(
    session: Session, context_id: int, items: Iterable[LineItemInfo]
) -> list[CourseLineItem]:
    """Upsert the course's line items from an AGS listing; ones no longer listed are `gone`."""
    rows = {
        r.url_digest: r
        for r in session.scalars(
            select(CourseLineItem).where(CourseLineItem.context_id == context_id)
        )
    }
    seen: list[CourseLineItem] = []
    now = utcnow()
    for item in items:
        digest = url_digest(item.url)
        row = rows.get(digest)
        if row is None:
            row = CourseLineItem(context_id=context_id, url=item.url, url_digest=digest)
            session.add(row)
            rows[digest] = row
        row.label = item.label[:500]
        row.score_maximum = float(item.score_maximum)
        row.resource_id = item.resource_id[:255]
        row.resource_link_id = item.resource_link_id[:255]
        row.tag = item.tag[:255]
        row.seen_at = now
        row.gone = False
        seen.append(row)
    seen_digests = {r.url_digest for r in seen}
    for digest, row in rows.items():
        if digest not in seen_digests and row.purpose == "assignment":
            row.gone = True
    session.flush()
    return seen


def assignment_line_items(session: Session, context_id: int) -> list[CourseLineItem]:
    """The course's assignments (not the tool's own mastery columns) still in the LMS."""
    return list(
        session.scalars(
            select(CourseLineItem)
            .where(
                CourseLineItem.context_id == context_id,
                CourseLineItem.purpose == "assignment",
                CourseLineItem.gone.is_(False),
            )
            .order_by(CourseLineItem.id)
        )
    )


def check_mapping(mapping: dict[str, Any], scale_points: Sequence[float]) -> dict[str, Any]:
    """An alignment maps a score by rescaling it, by cut scores in percent, or by rubric
    points (the lowest raw score that shows each level, as a rubric's columns do)."""
    kind = mapping.get("kind", "rescale")
    if kind == "rescale":
        return {"kind": "rescale"}
    if kind not in ("cuts", "rubric"):
        raise SetupError(f"unknown score mapping {kind!r}")
    cuts = mapping.get("cuts")
    if not isinstance(cuts, list) or not cuts:
        raise SetupError("give the score at which at least one level starts")
    checked: list[list[float]] = []
    for entry in cuts:
        try:
            threshold, points = float(entry[0]), float(entry[1])
        except (TypeError, ValueError, IndexError):
            raise SetupError("each cut is a score and a level") from None
        if kind == "cuts" and not 0 <= threshold <= 100:
            raise SetupError("cut scores are percentages between 0 and 100")
        if kind == "rubric" and threshold < 0:
            raise SetupError("rubric points cannot be below zero")
        if points not in scale_points:
            raise SetupError(f"{points:g} is not a level of the course's scale")
        checked.append([threshold, points])
    checked.sort(key=lambda c: -c[0])
    return {"kind": kind, "cuts": checked}


def align(
    session: Session,
    line_item: CourseLineItem,
    competency_ids: Sequence[int],
    mapping: dict[str, Any],
    *,
    by_id: int | None,
) -> list[Alignment]:
    """Make the line item evidence of exactly these competencies of its course."""
    valid = {
        c.id
        for c in course_competencies(session, line_item.context_id)
        if c.id in set(competency_ids)
    }
    if len(valid) != len(set(competency_ids)):
        raise SetupError("a chosen competency is not one of this course's")
    settings = current_settings(session, line_item.context_id)
    checked = check_mapping(mapping, [float(lv["points"]) for lv in settings.scale])
    current = {
        a.course_competency_id: a
        for a in session.scalars(select(Alignment).where(Alignment.line_item_id == line_item.id))
    }
    for comp_id, row in current.items():
        if comp_id not in valid:
            session.delete(row)
    out = []
    for comp_id in sorted(valid):
        row = current.get(comp_id)
        if row is None:
            row = Alignment(
                line_item_id=line_item.id, course_competency_id=comp_id, created_by_id=by_id
            )
            session.add(row)
        row.mapping = checked
        out.append(row)
    session.flush()
    return out


def alignments(session: Session, context_id: int) -> dict[int, list[Alignment]]:
    """The course's alignments by line item."""
    rows = session.scalars(
        select(Alignment)
        .join(CourseLineItem, CourseLineItem.id == Alignment.line_item_id)
        .where(CourseLineItem.context_id == context_id)
    )
    out: dict[int, list[Alignment]] = {}
    for row in rows:
        out.setdefault(row.line_item_id, []).append(row)
    return out


def map_score(mapping: dict[str, Any], score: float, points_possible: float, top: float) -> float:
    """A raw score on a line item as points of the course scale."""
    if points_possible <= 0:
        return 0.0
    kind = mapping.get("kind")
    if kind in ("cuts", "rubric"):
        value = 100.0 * score / points_possible if kind == "cuts" else score
        for threshold, points in mapping["cuts"]:
            if value >= threshold:
                return float(points)
        return 0.0
    return top * score / points_possible


def add_override(
    session: Session,
    *,
    context_id: int,
    learner_id: int,
    course_competency_id: int,
    level_name: str,
    note: str,
    by_id: int,
) -> MasteryOverride:
    """Record a teacher's judgement of a learner's level; the note is required."""
    if not note.strip():
        raise SetupError("an override needs a note that says why")
    settings = current_settings(session, context_id)
    level = next((lv for lv in settings.scale if lv["name"] == level_name), None)
    if level is None:
        raise SetupError(f"{level_name!r} is not a level of the course's scale")
    row = MasteryOverride(
        context_id=context_id,
        learner_id=learner_id,
        course_competency_id=course_competency_id,
        level=level["name"],
        points=float(level["points"]),
        note=note.strip()[:2000],
        by_id=by_id,
    )
    session.add(row)
    session.flush()
    return row


def align_by_tag(session: Session, context_id: int) -> int:
    """Align new assignments whose AGS tag names one of the course's competencies (by code
    or identifier), as the tool's deep-linking form tags them. Assignments a teacher has
    aligned already are left alone. Returns how many were aligned."""
    comps = course_competencies(session, context_id)
    by_tag = {c.code.lower(): c.id for c in comps if c.code}
    by_tag.update({c.identifier.lower(): c.id for c in comps})
    aligned = alignments(session, context_id)
    count = 0
    for item in assignment_line_items(session, context_id):
        if item.id in aligned:
            continue
        tag = (item.tag or "").strip().lower()
        comp_id = by_tag.get(tag) or by_tag.get(tag.removeprefix("competency:"))
        if comp_id is None:
            continue
        session.add(
            Alignment(
                line_item_id=item.id, course_competency_id=comp_id, mapping={"kind": "rescale"}
            )
        )
        count += 1
    session.flush()
    return count
