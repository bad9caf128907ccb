"""Builders shared by the mastery tests: evidence in time order on a named scale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool.mastery import Evidence, Level, ProficiencyScale

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)

# The research vectors' scale: mastery at 3 of 5 (Canvas's legacy per-outcome ratings).
FIVE = ProficiencyScale.canvas_legacy_outcome()
CANVAS = ProficiencyScale.canvas_default()


def day(n: float) -> datetime:
    """The start time plus n days."""
    return T0 + timedelta(days=n)


def in_order(*scores: float | None, **fields: object) -> list[Evidence]:
    """Evidence with these scores, one a day, oldest first."""
    return [Evidence(s, at=day(i), **fields) for i, s in enumerate(scores)]  # type: ignore[arg-type]


def scale(top: float, mastery: float) -> ProficiencyScale:
    """A two-level scale: mastery at `mastery`, topped by a level at `top`."""
    levels = [Level("Not yet", 0), Level("Mastery", mastery, mastery=True)]
    if top != mastery:
        levels.append(Level("Beyond", top))
    return ProficiencyScale(tuple(levels), version="test")
