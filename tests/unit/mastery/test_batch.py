"""Many results at once give exactly the numbers `calculate` gives, one by one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.mastery import (
    METHODS,
    Evidence,
    EvidencePolicy,
    MasteryInputError,
    MethodSpec,
    ProficiencyScale,
    Status,
    calculate,
)
from lti_tool.mastery.batch import calculate_columns, calculate_many
from tests.unit.mastery.test_properties import SCALES, evidence, methods, policies
from tests.unit.mastery.vectors import CANVAS, FIVE, in_order


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-9)


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.lists(evidence, max_size=8), min_size=1, max_size=6),
    methods,
    st.sampled_from(SCALES),
    policies,
)
def test_batch_equals_one_by_one(
    groups: list[list[Evidence]],
    method: MethodSpec,
    scale: ProficiencyScale,
    policy: EvidencePolicy,
) -> None:
    """Score, raw score, probability, level, status and count agree for every group."""
    many = calculate_many(dict(enumerate(groups)), method, scale, policy)
    for key, items in enumerate(groups):
        one = calculate(items, method, scale, policy)
        got = many[key]
        assert _same(got.score, one.score), (got, one.score)
        assert _same(got.raw_score, one.raw_score)
        assert _same(got.probability, one.probability)
        assert (got.level, got.status, got.used) == (one.level, one.status, len(one.used))


@pytest.mark.parametrize("name", list(METHODS))
def test_research_vectors_in_batch(name: str) -> None:
    """The research scores 1..5 give the same result in batch as one by one."""
    spec = MethodSpec(name)
    one = calculate(in_order(1, 2, 3, 4, 5), spec, FIVE)
    cols = calculate_columns([0] * 5, [1, 2, 3, 4, 5], [0, 1, 2, 3, 4], spec, FIVE)
    expected = np.nan if one.score is None else one.score
    assert np.isclose(cols.score[0], expected, equal_nan=True)


def test_columns_fill_groups_without_evidence() -> None:
    """Groups with no rows, or only NaN rows, have no evidence; untimed rows are oldest."""
    cols = calculate_columns(
        [0, 0, 2, 2], [3, 1, np.nan, np.nan], [np.nan, 5.0, 0, 0], "latest", CANVAS, groups=3
    )
    assert cols.score[0] == 1
    assert [cols.status_of(i) for i in range(3)] == [
        Status.NOT_YET, Status.NO_EVIDENCE, Status.NO_EVIDENCE,
    ]  # fmt: skip
    assert list(cols.used) == [2, 0, 0]


def test_columns_policy_needs_sources() -> None:
    """Two kinds of source needed: one group has two, the other one."""
    cols = calculate_columns(
        [0, 0, 1, 1], [3, 3, 3, 3], None, "latest", CANVAS,
        EvidencePolicy(min_sources=2), source=[0, 1, 2, 2],
    )  # fmt: skip
    assert [cols.status_of(i) for i in range(2)] == [
        Status.MASTERED, Status.INSUFFICIENT_EVIDENCE,
    ]  # fmt: skip


def test_columns_refuse_mismatched_input() -> None:
    """Columns of different lengths, negative groups or too few groups are domain errors."""
    with pytest.raises(MasteryInputError):
        calculate_columns([0, 1], [1.0], None)
    with pytest.raises(MasteryInputError):
        calculate_columns([-1], [1.0], None)
    with pytest.raises(MasteryInputError):
        calculate_columns([3], [1.0], None, groups=2)


def test_columns_refuse_bad_sources_and_group_counts() -> None:
    """A source column of the wrong length or a negative group count is a domain error."""
    with pytest.raises(MasteryInputError) as info:
        calculate_columns([0, 0], [1.0, 2.0], None, source=[0])
    assert info.value.field == "source"
    with pytest.raises(MasteryInputError):
        calculate_columns([], [], None, groups=-1)


def test_columns_refuse_text() -> None:
    """Columns that are not numbers are a domain error, not a numpy one."""
    with pytest.raises(MasteryInputError) as info:
        calculate_columns(["x"], [1.0], None)
    assert info.value.field == "columns"


def test_columns_without_times_keep_the_row_order() -> None:
    """No `when`: rows count as given in time order, so the latest is the last row."""
    cols = calculate_columns([0, 0, 0], [4.0, 1.0, 2.0], None, "latest", CANVAS)
    assert cols.score[0] == 2


@pytest.mark.parametrize("kind", ["whole scores", "fractional scores", "fractional times"])
def test_the_one_key_sort_orders_as_three_keys(kind: str) -> None:
    """Folding group, time and value into one key orders rows exactly as sorting by all three."""
    from lti_tool.mastery.batch import _order

    rng = np.random.default_rng(7)
    g = rng.integers(0, 50, 3000)
    t = rng.integers(0, 40, g.size).astype(float) + 1.7e9
    t[::5] = -np.inf
    v = rng.integers(0, 5, g.size).astype(float)
    if kind == "fractional scores":
        v += rng.random(g.size)
    if kind == "fractional times":
        t += 0.5
    got, want = _order(g, t, v), np.lexsort((v, t, g))
    for column in (g, t, v):
        assert np.array_equal(column[got], column[want])
