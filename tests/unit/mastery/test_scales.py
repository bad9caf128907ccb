"""Proficiency scales, cut scores and statuses."""

from __future__ import annotations

import pytest

from lti_tool.mastery import CutScores, Level, MasteryInputError, ProficiencyScale, Status
from lti_tool.mastery.numbers import fmt, round_half_away
from tests.unit.mastery.vectors import CANVAS, FIVE


def test_canvas_default_scale() -> None:
    """Canvas's default: five levels, mastery at 3 of 4."""
    assert [lv.points for lv in CANVAS.levels] == [4, 3, 2, 1, 0]
    assert CANVAS.mastery_level.name == "Mastery"
    assert (CANVAS.top, CANVAS.bottom, CANVAS.mastery_points) == (4, 0, 3)


def test_statuses_follow_the_mastery_level() -> None:
    """Above mastery exceeds, at it mastered, one below near, further down not yet."""
    statuses = [CANVAS.status_for(lv) for lv in CANVAS.levels]
    assert statuses == [
        Status.EXCEEDS, Status.MASTERED, Status.NEAR, Status.NOT_YET, Status.NOT_YET,
    ]  # fmt: skip


def test_the_lowest_level_is_never_near() -> None:
    """On a two-level scale (Moodle's default) the level below mastery is 'not yet'."""
    moodle = ProficiencyScale((Level("Competent", 1, mastery=True), Level("Not yet competent", 0)))
    assert moodle.status_for(moodle.levels[1]) is Status.NOT_YET
    assert FIVE.status_for(FIVE.levels[-1]) is Status.NOT_YET


def test_levels_are_sorted_highest_first() -> None:
    """Levels given in any order are kept highest first."""
    s = ProficiencyScale((Level("Low", 0), Level("High", 2, mastery=True), Level("Mid", 1)))
    assert [lv.name for lv in s.levels] == ["High", "Mid", "Low"]


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((Level("A", 1, mastery=True),), "at least two levels"),
        ((Level("A", 1, mastery=True), Level("B", 1)), "two levels have the points"),
        ((Level("A", 1), Level("B", 0)), "exactly one level must be the mastery level"),
        ((Level("A", 1, mastery=True), Level("B", 0, mastery=True)), "exactly one"),
        ((Level("A", 1, mastery=True), Level("A", 0)), "same name"),
    ],
)
def test_bad_scales_are_refused(levels: tuple[Level, ...], message: str) -> None:
    """A scale Canvas would refuse is refused with a domain error naming `levels`."""
    with pytest.raises(MasteryInputError, match=message) as info:
        ProficiencyScale(levels)
    assert info.value.field == "levels"


def test_a_level_needs_a_name_and_finite_points() -> None:
    """Nameless, NaN or vaguely flagged levels, and non-levels, are domain errors."""
    with pytest.raises(MasteryInputError):
        Level("A", 1, mastery="yes")  # type: ignore[arg-type]
    with pytest.raises(MasteryInputError):
        ProficiencyScale(("Mastery", "Not yet"))  # type: ignore[arg-type]
    with pytest.raises(MasteryInputError):
        Level("", 1)
    with pytest.raises(MasteryInputError):
        Level("A", float("nan"))


def test_level_for_takes_the_first_level_reached() -> None:
    """Canvas LMGB: the first rating whose points the score reaches, else the lowest."""
    assert CANVAS.level_for(2.99).name == "Near Mastery"
    assert CANVAS.level_for(3).name == "Mastery"
    assert CANVAS.level_for(-1).name == "No Evidence"
    assert CANVAS.level_for(2.999).name == "Mastery"  # shown as 3.0, so it is 3.0


def test_cut_scores_move_the_levels_and_carry_a_version() -> None:
    """With mastery cut at 80%, 3 of 4 (75%) is Near Mastery; the version is recorded."""
    cuts = CutScores("2026-27", (("Exceeds Mastery", 95), ("Mastery", 80), ("Near Mastery", 60),
                                 ("Below Mastery", 20), ("No Evidence", 0)))  # fmt: skip
    s = ProficiencyScale(CANVAS.levels, version="district-1", cut_scores=cuts)
    assert s.level_for(3.0).name == "Near Mastery"
    assert s.level_for(3.2).name == "Mastery"
    assert s.full_version == "district-1; cut scores 2026-27"
    assert "75%" in s.describe_level(3.0, s.level_for(3.0))


def test_cut_scores_must_cover_every_level_and_fall() -> None:
    """Cut scores naming an unknown level, missing one, or rising are refused."""
    with pytest.raises(MasteryInputError, match="no level named"):
        ProficiencyScale(FIVE.levels, cut_scores=CutScores("1", (("Nope", 50),)))
    with pytest.raises(MasteryInputError, match="give a percentage"):
        ProficiencyScale(FIVE.levels, cut_scores=CutScores("1", (("Meets Expectations", 60),)))
    rising = CutScores("1", (("Exceeds Expectations", 50), ("Meets Expectations", 60),
                             ("Does Not Meet Expectations", 0)))  # fmt: skip
    with pytest.raises(MasteryInputError, match="must fall"):
        ProficiencyScale(FIVE.levels, cut_scores=rising)
    with pytest.raises(MasteryInputError, match="percentage"):
        CutScores("1", (("A", 101),))


def test_find_is_case_insensitive() -> None:
    """Rubric level names match whatever their case."""
    assert CANVAS.find(" near mastery ") == CANVAS.levels[2]
    assert CANVAS.find("Nope") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.125, 4.13), (3.475, 3.48), (2.875, 2.88), (-4.125, -4.13), (2.123, 2.12), (0.0, 0.0)],
)
def test_round_half_away_from_zero(value: float, expected: float) -> None:
    """Ruby's rounding, including halves that binary floats store just below the half."""
    assert round_half_away(value) == expected


def test_fmt_writes_scores_for_people() -> None:
    """At least one decimal, at most two."""
    assert [fmt(3), fmt(2.5), fmt(2.654), fmt(-0.0)] == ["3.0", "2.5", "2.65", "0.0"]
