"""What one more piece of evidence would take to reach mastery."""

from __future__ import annotations

from lti_tool.mastery import EvidencePolicy, MethodSpec, Source, next_step
from tests.unit.mastery.vectors import CANVAS, in_order


def test_the_lowest_level_that_reaches_mastery() -> None:
    """Weighted 65 after 1 and 2: only a 4 gets there (4 x .65 + 1.5 x .35 = 3.13)."""
    step = next_step(in_order(1, 2), MethodSpec("weighted_average"), CANVAS)
    assert step.needed is not None and step.needed.name == "Exceeds Mastery"
    assert step.explanation == "A next score of 4.0 (Exceeds Mastery) would reach mastery."


def test_already_mastered() -> None:
    """Nothing more is needed."""
    step = next_step(in_order(3), "latest", CANVAS)
    assert step.mastered and step.explanation == "Already mastered, at Mastery."


def test_when_one_more_is_not_enough() -> None:
    """n_mastery with n 3 and one score at mastery: one more cannot do it."""
    step = next_step(in_order(3, 1), MethodSpec("n_mastery", {"n": 3}), CANVAS)
    assert step.needed is None and "it will take a few more" in step.explanation


def test_a_new_kind_of_source_when_the_policy_waits_for_one() -> None:
    """Two kinds of source needed: the next step names a kind not used yet."""
    step = next_step(in_order(2), "latest", CANVAS, EvidencePolicy(min_sources=2))
    assert step.source is Source.ASSESSMENT
    assert step.explanation.endswith("if it comes from an assessment in this tool.")


def test_no_evidence_yet() -> None:
    """With nothing yet, a first score at mastery reaches it under `latest`."""
    step = next_step([], "latest", CANVAS)
    assert step.needed is not None and step.needed.name == "Mastery"
