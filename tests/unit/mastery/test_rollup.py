"""A parent competency from its children: all mastered, Moodle's points rule, average."""

from __future__ import annotations

import pytest

from lti_tool.mastery import MasteryInputError, Status, calculate
from lti_tool.mastery.rollup import Child, ChildWeight, RollupRule, RollupSpec, rollup
from tests.unit.mastery.vectors import CANVAS, in_order

M, N, X = Status.MASTERED, Status.NOT_YET, Status.NO_EVIDENCE


def test_all_mastered() -> None:
    """Mastered only when every child is; the explanation names what is left."""
    assert rollup({"a": M, "b": Status.EXCEEDS}, "all_mastered").status is M
    result = rollup({"a": M, "b": Status.NEAR}, "all_mastered", names={"b": "Fractions"})
    assert result.status is N and result.level is None
    assert "Still to master: Fractions (nearly there)" in result.explanation
    assert result.not_mastered == ("b",)


def test_no_child_with_evidence_is_no_evidence() -> None:
    """A parent whose children have no evidence has none either."""
    assert rollup({"a": X, "b": X}, "all_mastered").status is X
    assert rollup({"a": X}, RollupSpec(RollupRule.POINTS)).status is X


def test_points_rule_as_moodle() -> None:
    """Required children must be mastered and mastered points must reach the total."""
    spec = RollupSpec(
        RollupRule.POINTS,
        points_required=3,
        weights={"a": ChildWeight(2, required=True), "b": ChildWeight(1), "c": ChildWeight(1)},
    )
    assert rollup({"a": M, "b": M, "c": N}, spec).status is M
    assert rollup({"a": M, "b": N, "c": N}, spec).status is N
    missing_required = rollup({"a": N, "b": M, "c": M}, spec)
    assert missing_required.status is N
    assert "Required and not yet mastered: a" in missing_required.explanation
    assert "2 of the 3 points" in missing_required.explanation


def test_points_rule_refuses_an_unreachable_total() -> None:
    """A total above the children's points could never be met."""
    with pytest.raises(MasteryInputError) as info:
        rollup({"a": M}, RollupSpec(RollupRule.POINTS, points_required=5))
    assert info.value.field == "points_required"


def test_average_of_child_scores() -> None:
    """The mean of the children's scores, on the scale; children without a score are listed."""
    children = {
        "a": calculate(in_order(3), "latest", CANVAS),
        "b": calculate(in_order(2), "latest", CANVAS),
        "c": calculate([], "latest", CANVAS),
    }
    result = rollup(children, "average", CANVAS)
    assert (result.score, result.level.name, result.status) == (2.5, "Near Mastery", Status.NEAR)  # type: ignore[union-attr]
    assert "(3.0 + 2.0) ÷ 2 = 2.5" in result.explanation
    assert "Not counted, no score yet: c" in result.explanation
    assert rollup([Child("a", X)], "average").status is X


def test_bad_rollups_are_domain_errors() -> None:
    """No children, an unknown rule, or negative points."""
    with pytest.raises(MasteryInputError):
        rollup({}, "all_mastered")
    with pytest.raises(MasteryInputError) as info:
        rollup({"a": M}, "majority")
    assert info.value.field == "rule"
    with pytest.raises(MasteryInputError):
        RollupSpec(RollupRule.POINTS, weights={"a": ChildWeight(-1)})
