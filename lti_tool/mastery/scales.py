"""Proficiency scales, cut scores, and the statuses a teacher acts on.

Spec: Canvas `OutcomeProficiency.default_ratings` (Exceeds Mastery 4, Mastery 3, Near Mastery 2,
Below Mastery 1, No Evidence 0; exactly one mastery rating; points strictly decreasing) and the
Learning Mastery Gradebook's rule: a score takes the first rating whose points it reaches,
else the lowest rating.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.numbers import fmt, percent, round_half_away


class Status(StrEnum):
    """Where a learner stands on a competency, in the order a teacher reads it."""

    NO_EVIDENCE = "no_evidence"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    NOT_YET = "not_yet"
    NEAR = "near"
    MASTERED = "mastered"
    EXCEEDS = "exceeds"

    @property
    def rank(self) -> int:
        """Position in the order above (no evidence lowest, exceeds highest)."""
        return _STATUS_ORDER.index(self)

    @property
    def is_mastered(self) -> bool:
        """True for mastered and exceeds."""
        return self in (Status.MASTERED, Status.EXCEEDS)

    @property
    def words(self) -> str:
        """The status in plain words."""
        return _STATUS_WORDS[self]


_STATUS_ORDER = list(Status)
_STATUS_WORDS = {
    Status.NO_EVIDENCE: "no evidence yet",
    Status.INSUFFICIENT_EVIDENCE: "not enough evidence yet to decide",
    Status.NOT_YET: "not yet mastered",
    Status.NEAR: "nearly there",
    Status.MASTERED: "mastered",
    Status.EXCEEDS: "mastered, and beyond",
}


@dataclass(frozen=True)
class Level:
    """One level of a proficiency scale."""

    name: str
    points: float
    mastery: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        """Refuse a nameless level, one without finite points, or a mastery flag not true/false."""
        if not isinstance(self.mastery, bool):
            raise MasteryInputError("mastery", "must be true or false")
        if not isinstance(self.name, str) or not self.name.strip():
            raise MasteryInputError("name", "must be a non-empty text")
        if (
            isinstance(self.points, bool)
            or not isinstance(self.points, int | float)
            or not math.isfinite(self.points)
            or abs(self.points) > 1_000_000_000
        ):
            raise MasteryInputError(
                "points", "must be a number between -1,000,000,000 and 1,000,000,000"
            )


@dataclass(frozen=True)
class CutScores:
    """Percentages of the scale's top points at which each level starts, under a version.

    `cuts` pairs a level name with the lowest percentage (0-100) that reaches it. A result keeps
    the version it was calculated under, so an old result can be explained after the district
    changes its cut scores.
    """

    version: str
    cuts: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        """Refuse percentages outside 0-100 and repeated levels."""
        names = [name for name, _ in self.cuts]
        if len(set(names)) != len(names):
            raise MasteryInputError("cut_scores", "each level may appear once")
        for name, share in self.cuts:
            if (
                isinstance(share, bool)
                or not isinstance(share, int | float)
                or not 0 <= share <= 100
            ):
                raise MasteryInputError(f"cut_scores.{name}", "must be a percentage from 0 to 100")


@dataclass(frozen=True)
class ProficiencyScale:
    """Ordered levels (highest first) with exactly one mastery level, under a version."""

    levels: tuple[Level, ...]
    version: str = "1"
    name: str = ""
    cut_scores: CutScores | None = None

    def __post_init__(self) -> None:
        """Sort levels highest first; refuse ties in points and anything but one mastery level."""
        if not all(isinstance(lv, Level) for lv in self.levels):
            raise MasteryInputError("levels", "must be a list of levels")
        levels = tuple(sorted(self.levels, key=lambda lv: -lv.points))
        object.__setattr__(self, "levels", levels)
        if len(levels) < 2:
            raise MasteryInputError("levels", "a scale needs at least two levels")
        for a, b in zip(levels, levels[1:], strict=False):
            if a.points == b.points:
                raise MasteryInputError("levels", f"two levels have the points {fmt(a.points)}")
        if levels[0].points <= 0:
            raise MasteryInputError("levels", "the top level must have more than 0 points")
        names = [lv.name for lv in levels]
        if len(set(names)) != len(names):
            raise MasteryInputError("levels", "two levels have the same name")
        if sum(1 for lv in levels if lv.mastery) != 1:
            raise MasteryInputError("levels", "exactly one level must be the mastery level")
        if self.cut_scores is not None:
            unknown = [n for n, _ in self.cut_scores.cuts if n not in names]
            if unknown:
                raise MasteryInputError("cut_scores", f"no level named {unknown[0]!r}")
            missing = [n for n in names if n not in dict(self.cut_scores.cuts)]
            if missing:
                raise MasteryInputError("cut_scores", f"give a percentage for {missing[0]!r}")
            ordered = [dict(self.cut_scores.cuts)[n] for n in names]
            if any(a <= b for a, b in zip(ordered, ordered[1:], strict=False)):
                raise MasteryInputError(
                    "cut_scores", "percentages must fall as the levels fall, with no ties"
                )

    @classmethod
    def canvas_default(cls) -> ProficiencyScale:
        """Canvas's default account mastery scale (mastery at 3 of 4)."""
        return cls(
            levels=(
                Level("Exceeds Mastery", 4),
                Level("Mastery", 3, mastery=True),
                Level("Near Mastery", 2),
                Level("Below Mastery", 1),
                Level("No Evidence", 0),
            ),
            version="canvas-default",
            name="Canvas default",
        )

    @classmethod
    def canvas_legacy_outcome(cls) -> ProficiencyScale:
        """Canvas's legacy per-outcome ratings (mastery at 3 of 5)."""
        return cls(
            levels=(
                Level("Exceeds Expectations", 5),
                Level("Meets Expectations", 3, mastery=True),
                Level("Does Not Meet Expectations", 0),
            ),
            version="canvas-legacy-outcome",
            name="Canvas legacy outcome",
        )

    @cached_property
    def top(self) -> float:
        """The highest level's points: the scale every score is rescaled to."""
        return self.levels[0].points

    @cached_property
    def bottom(self) -> float:
        """The lowest level's points."""
        return self.levels[-1].points

    @cached_property
    def mastery_level(self) -> Level:
        """The level that means mastered."""
        return next(lv for lv in self.levels if lv.mastery)

    @cached_property
    def mastery_points(self) -> float:
        """The points at which a score counts as mastery."""
        return self.mastery_level.points

    @cached_property
    def mastery_threshold(self) -> float:
        """The score at which mastery starts: the mastery level's points, or its cut score."""
        return self.threshold(self.mastery_level)

    @cached_property
    def full_version(self) -> str:
        """The scale's version, and its cut scores' version when it has its own."""
        if self.cut_scores is None:
            return self.version
        return f"{self.version}; cut scores {self.cut_scores.version}"

    def find(self, name: str) -> Level | None:
        """The level with this name (case-insensitive), or None."""
        wanted = name.strip().casefold()
        return next((lv for lv in self.levels if lv.name.casefold() == wanted), None)

    def threshold(self, level: Level) -> float:
        """The score at which `level` starts, in the scale's points."""
        if self.cut_scores is None:
            return level.points
        return dict(self.cut_scores.cuts)[level.name] / 100 * self.top

    def level_for(self, score: float) -> Level:
        """The first level (highest first) whose threshold the score reaches, else the lowest."""
        rounded = round_half_away(score, 2)
        for lv in self.levels:
            if rounded >= round_half_away(self.threshold(lv), 2):
                return lv
        return self.levels[-1]

    def status_for(self, level: Level) -> Status:
        """Exceeds above the mastery level, near just below it (unless lowest), else not yet."""
        index = self.levels.index(level)
        mastery_index = self.levels.index(self.mastery_level)
        if index < mastery_index:
            return Status.EXCEEDS
        if index == mastery_index:
            return Status.MASTERED
        if index == mastery_index + 1 and index < len(self.levels) - 1:
            return Status.NEAR
        return Status.NOT_YET

    def describe_level(self, score: float, level: Level) -> str:
        """Why `score` is at `level`, in words: the level's threshold and the next one up."""
        index = self.levels.index(level)
        start = self.threshold(level)
        if self.cut_scores is not None:
            share = f"{fmt(score)} out of {fmt(self.top)} is {percent(score / self.top * 100)}"
            starts = dict(self.cut_scores.cuts)
            if index == 0:
                return f"{share}, at or above {level.name} ({percent(starts[level.name])})"
            higher = self.levels[index - 1]
            if score < start:
                return f"{share}, below every level's cut score, so the lowest level {level.name}"
            return (
                f"{share}: at or above {level.name} ({percent(starts[level.name])}) "
                f"but below {higher.name} ({percent(starts[higher.name])})"
            )
        if index == 0:
            return f"{fmt(score)} is at or above {level.name} ({fmt(start)})"
        higher = self.levels[index - 1]
        if score < start:
            return f"{fmt(score)} is below every level, so the lowest level {level.name}"
        return (
            f"{fmt(score)} is at or above {level.name} ({fmt(start)}) "
            f"but below {higher.name} ({fmt(self.threshold(higher))})"
        )
