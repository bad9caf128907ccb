"""A teacher's override wins until newer evidence arrives, then asks for review."""

from __future__ import annotations

import pytest

from lti_tool.mastery import (
    Evidence,
    MasteryInputError,
    Override,
    Status,
    apply_override,
    calculate,
)
from tests.unit.mastery.vectors import CANVAS, day, in_order


def _override(**fields: object) -> Override:
    values = {"level": "Mastery", "note": "Showed it in the lab", "at": day(5), "by": "Ms Diaz"}
    return Override(**{**values, **fields})  # type: ignore[arg-type]


def test_override_wins_over_older_evidence() -> None:
    """The teacher's level, its status and note; the calculation stays visible beneath."""
    calculated = calculate(in_order(2, 2), "weighted_average", CANVAS)
    result = apply_override(calculated, _override(), CANVAS)
    assert (result.level.name, result.status, result.score) == ("Mastery", Status.MASTERED, 3)  # type: ignore[union-attr]
    assert result.override_active and result.review is None
    assert result.calculated == calculated
    assert result.explanation.startswith(
        'Your teacher (Ms Diaz) set this to Mastery on 6 Sep 2026: "Showed it in the lab".'
    )
    assert "Without the override" in result.explanation


def test_newer_evidence_turns_the_override_into_a_review_flag() -> None:
    """Evidence after the override: the calculated result shows, flagged for review."""
    evidence = [*in_order(2, 2), Evidence(1, at=day(6))]
    calculated = calculate(evidence, "latest", CANVAS)
    result = apply_override(calculated, _override(), CANVAS)
    assert result.review == "newer evidence"
    assert not result.override_active
    assert result.override is not None and result.override.note == "Showed it in the lab"
    assert (result.score, result.status) == (1, Status.NOT_YET)
    assert "Newer evidence has arrived since (1 piece)" in result.explanation


def test_untimed_evidence_is_never_newer() -> None:
    """Evidence without a time sorts oldest, so it cannot overturn an override."""
    calculated = calculate([Evidence(1)], "latest", CANVAS)
    assert apply_override(calculated, _override(), CANVAS).override_active


def test_override_needs_a_note() -> None:
    """No note, no override."""
    with pytest.raises(MasteryInputError) as info:
        _override(note="  ")
    assert info.value.field == "override.note"


def test_override_level_must_be_on_the_scale() -> None:
    """An unknown level names the field and lists the scale's levels."""
    calculated = calculate(in_order(2), "latest", CANVAS)
    with pytest.raises(MasteryInputError, match="Near Mastery") as info:
        apply_override(calculated, _override(level="Gold"), CANVAS)
    assert info.value.field == "override.level"


def test_override_of_no_evidence() -> None:
    """A teacher may record mastery seen outside any scored work."""
    result = apply_override(calculate([], "latest", CANVAS), _override(), CANVAS)
    assert result.status is Status.MASTERED
