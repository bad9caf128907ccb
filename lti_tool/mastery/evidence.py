"""Evidence of learning: one score (or rubric level) for one learner on one competency.

Excused and missing scores are not evidence: they carry no score and are left out with a
reason. A zero that was entered is evidence and counts.

Order. Evidence is ordered by the time it was submitted or assessed, as Canvas orders outcome
results (`submitted_at || assessed_at`), so make-up work graded late counts as the most
recent. Evidence with no time sorts first (oldest), as in Canvas. When two pieces of evidence
carry the same time the engine cannot know which came later, so it breaks the tie by content,
never by the order the rows arrived in: the lower score counts as the earlier one, so the
higher score counts as the most recent and the learner gets the benefit of the doubt; then by
id, source, title, recorder, note, link and the remaining fields. The same evidence in any
order always gives the same result (a property test checks this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from lti_tool.mastery.errors import MasteryInputError

_NO_TIME = datetime.min.replace(tzinfo=UTC)

# Scores beyond these bounds are typing mistakes, and would overflow the arithmetic.
LIMIT = 1_000_000_000
SMALLEST = 0.000001


def as_utc(value: datetime, field: str) -> datetime:
    """The time in UTC (a time without a zone is taken as UTC), so one instant written with two
    offsets sorts and reads the same."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        raise MasteryInputError(field, "is outside the years 1 to 9999 in UTC") from None


class Source(StrEnum):
    """Where a piece of evidence came from."""

    LMS = "lms"
    ASSESSMENT = "assessment"
    OBSERVATION = "observation"
    OUTSIDE_SCHOOL = "outside_school"
    ARTEFACT = "artefact"

    @property
    def description(self) -> str:
        """The source in plain words, for explanations."""
        return _SOURCE_WORDS[self]


_SOURCE_WORDS = {
    Source.LMS: "a gradebook assignment",
    Source.ASSESSMENT: "an assessment in this tool",
    Source.OBSERVATION: "a teacher's observation",
    Source.OUTSIDE_SCHOOL: "learning outside school",
    Source.ARTEFACT: "work the learner submitted",
}


@dataclass(frozen=True)
class Evidence:
    """One score or rubric level, with where and when it came from.

    `score` is in the units of `points_possible`; when `points_possible` is None the score is
    already in the proficiency scale's points. `level` names a rubric level on the scale and
    stands in for a score. `score is None` and no `level` means missing: not evidence.
    `at` is kept in UTC (a time without a zone is taken as UTC).
    `alignment_mastery` is the fraction of points that counts as mastery on this assignment
    when it differs from the scale's (Canvas quiz alignments); see `scaled_value`.
    """

    score: float | None
    points_possible: float | None = None
    at: datetime | None = None
    source: Source = Source.LMS
    id: str = ""
    title: str = ""
    recorded_by: str = ""
    note: str = ""
    link: str = ""
    level: str | None = None
    excused: bool = False
    hidden: bool = False
    alignment_mastery: float | None = None
    _when: tuple[bool, datetime] = field(init=False, repr=False, compare=False)
    _content: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Refuse values no calculation can use; treat a naive time as UTC."""
        if self.score is not None:
            if isinstance(self.score, bool) or not isinstance(self.score, int | float):
                raise MasteryInputError("score", "must be a number or null")
            if not math.isfinite(self.score) or abs(self.score) > LIMIT:
                raise MasteryInputError(
                    "score", f"must be a number between -{LIMIT:,} and {LIMIT:,}"
                )
        if self.points_possible is not None:
            if isinstance(self.points_possible, bool) or not isinstance(
                self.points_possible, int | float
            ):
                raise MasteryInputError("points_possible", "must be a number or null")
            pp = self.points_possible
            if not math.isfinite(pp) or pp < 0 or pp > LIMIT or 0 < pp < SMALLEST:
                raise MasteryInputError(
                    "points_possible", f"must be 0, or a number from {SMALLEST} to {LIMIT:,}"
                )
        if self.alignment_mastery is not None and (
            isinstance(self.alignment_mastery, bool)
            or not isinstance(self.alignment_mastery, int | float)
            or not 0 < self.alignment_mastery < 1
        ):
            raise MasteryInputError("alignment_mastery", "must be a number between 0 and 1")
        for name in ("id", "title", "recorded_by", "note", "link"):
            if not isinstance(getattr(self, name), str):
                raise MasteryInputError(name, "must be text")
        if self.level is not None and (not isinstance(self.level, str) or not self.level.strip()):
            raise MasteryInputError("level", "must name a level of the scale")
        for name in ("excused", "hidden"):
            if not isinstance(getattr(self, name), bool):
                raise MasteryInputError(name, "must be true or false")
        if self.at is not None:
            if not isinstance(self.at, datetime):
                raise MasteryInputError("at", "must be a date and time")
            object.__setattr__(self, "at", as_utc(self.at, "at"))
        if not isinstance(self.source, Source):
            try:
                object.__setattr__(self, "source", Source(self.source))
            except ValueError:
                raise MasteryInputError(
                    "source", f"must be one of {', '.join(s.value for s in Source)}"
                ) from None
        # The sort key's parts, worked out once: evidence is ordered many times.
        when = (self.at is not None, self.at or _NO_TIME)
        object.__setattr__(self, "_when", when)
        object.__setattr__(self, "_content", _content(self))

    def label(self) -> str:
        """How the evidence is named in an explanation: its title, or source and date."""
        when = f", {self.at.day} {self.at:%b %Y}" if self.at is not None else ""
        if self.title:
            return f"{self.title}{when}"
        return f"{self.source.description}{when}"


class UsedEvidence(NamedTuple):
    """A piece of evidence the calculation used, with its value on the scale (immutable)."""

    evidence: Evidence
    value: float
    index: int = -1


class ExcludedEvidence(NamedTuple):
    """A piece of evidence the calculation left out, and why in plain words (immutable)."""

    evidence: Evidence
    reason: str
    index: int = -1


def order_key(used: UsedEvidence) -> tuple[object, ...]:
    """The documented order: time (none first), then lower value first, then content."""
    ev = used.evidence
    return (ev._when, used.value, ev._content)


def excluded_key(excluded: ExcludedEvidence) -> tuple[object, ...]:
    """Left-out evidence in time order too, so the explanation never depends on row order."""
    ev = excluded.evidence
    return (ev._when, ev._content, excluded.reason)


def _content(ev: Evidence) -> tuple[object, ...]:
    """Every other field, so two pieces tie only when they are the same in every way."""

    def number(x: float | None) -> tuple[bool, float]:
        return (x is not None, x or 0.0)

    return (
        ev.id,
        ev.source.value,
        ev.title,
        ev.recorded_by,
        ev.note,
        ev.link,
        ev.level or "",
        number(ev.score),
        number(ev.points_possible),
        number(ev.alignment_mastery),
        ev.excused,
        ev.hidden,
    )
