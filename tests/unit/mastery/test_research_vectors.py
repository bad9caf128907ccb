"""Every test vector and edge case of the mastery research notes, one named test each.

Scale unless noted: mastery 3, top 5. Scores are in time order; expected values are Canvas's
(RSpec expectations in canvas-lms), PowerSchool's, Otus's, mrmathman's and pyBKT's.
"""

from __future__ import annotations

import pytest

from lti_tool.mastery import Evidence, MethodSpec, Status, calculate
from lti_tool.mastery.bkt import bkt_trace
from tests.unit.mastery.vectors import CANVAS, FIVE, day, in_order, scale


def score(method: str, scores: list[float | None], **params: float) -> float | None:
    """The rounded score of `method` on scores in time order, on the 5-point scale."""
    return calculate(in_order(*scores), MethodSpec(method, params), FIVE).score


def test_vector_01_weighted_average_rounds_half_away_from_zero() -> None:
    """1,2,3,4,5 weighted 65: 4.125 rounds to 4.13, not Python's 4.12."""
    assert score("weighted_average", [1, 2, 3, 4, 5], weight=65) == 4.13


def test_vector_02_standard_decaying_average() -> None:
    """1,2,3,4,5 decaying 65 gives 4.47."""
    assert score("standard_decaying_average", [1, 2, 3, 4, 5], weight=65) == 4.47


def test_vector_03_standard_decaying_average_powerschool() -> None:
    """2,3,4 decaying 65 gives 3.53 (Canvas and PowerSchool Learning)."""
    assert score("standard_decaying_average", [2, 3, 4], weight=65) == 3.53


def test_vector_04_weighted_average_three_scores() -> None:
    """2,3,4 weighted 65: 3.475 rounds to 3.48."""
    assert score("weighted_average", [2, 3, 4], weight=65) == 3.48


def test_vector_05_weighted_average_weight_75() -> None:
    """3,1,5,4 weighted 75 gives 3.75."""
    assert score("weighted_average", [3, 1, 5, 4], weight=75) == 3.75


def test_vector_06_weighted_average_two_scores() -> None:
    """2,3 weighted 65 gives 2.65, the issue's example."""
    assert score("weighted_average", [2, 3], weight=65) == 2.65


def test_vector_07_weighted_average_single_score() -> None:
    """A single 2.123 is the result, rounded to 2.12."""
    assert score("weighted_average", [2.123], weight=65) == 2.12


def test_vector_08_n_mastery_averages_the_kept_scores() -> None:
    """n=3 on 4,5,1,3,2,3 keeps 4,5,3,3 and gives their mean 3.75."""
    assert score("n_mastery", [4, 5, 1, 3, 2, 3], n=3) == 3.75


def test_vector_09_n_mastery_too_few() -> None:
    """n=3: two scores, or three with one at mastery, give no score."""
    assert score("n_mastery", [3, 1], n=3) is None
    assert score("n_mastery", [3, 1, 2], n=3) is None


def test_vector_10_n_mastery_once() -> None:
    """n=1: 1,2 none; 1,2,3 gives 3.0; 1,2,3,4 gives 3.5."""
    assert score("n_mastery", [1, 2], n=1) is None
    assert score("n_mastery", [1, 2, 3], n=1) == 3.0
    assert score("n_mastery", [1, 2, 3, 4], n=1) == 3.5


def test_vector_11_n_mastery_three_and_four() -> None:
    """1..5: n=3 gives 4, n=4 gives nothing."""
    assert score("n_mastery", [1, 2, 3, 4, 5], n=3) == 4
    assert score("n_mastery", [1, 2, 3, 4, 5], n=4) is None


def test_vector_12_latest() -> None:
    """Latest of 1,2,4,5,3 is 3."""
    assert score("latest", [1, 2, 4, 5, 3]) == 3


def test_vector_13_highest_and_average() -> None:
    """1..5: highest 5, average 3.0."""
    assert score("highest", [1, 2, 3, 4, 5]) == 5
    assert score("average", [1, 2, 3, 4, 5]) == 3.0


def test_vector_14_quiz_percents_rescaled_to_the_outcome() -> None:
    """Quiz percents .9 then .4 on a 5-point outcome are 4.5 and 2.0; weighted 65 gives 2.88."""
    evidence = [Evidence(0.9, points_possible=1, at=day(0)), Evidence(0.4, 1, at=day(1))]
    result = calculate(evidence, MethodSpec("weighted_average", {"weight": 65}), FIVE)
    assert [u.value for u in result.used] == pytest.approx([4.5, 2.0])
    assert result.score == 2.88


def test_vector_15_quiz_alignment_mastery_stretched_to_the_outcome() -> None:
    """2 of 3 with alignment mastery 50%, on a 1-point outcome with mastery 0.6, is 0.73."""
    evidence = [Evidence(2, points_possible=3, at=day(0), alignment_mastery=0.5)]
    result = calculate(evidence, "latest", scale(top=1, mastery=0.6))
    assert result.used[0].value == pytest.approx(0.7333, abs=1e-4)
    assert result.score == 0.73


def test_vector_16_account_scale_rescaling() -> None:
    """2 of 5 on a 4-point account scale is 1.6."""
    result = calculate([Evidence(2, points_possible=5, at=day(0))], "highest", CANVAS)
    assert result.score == 1.6


def test_vector_17_otus_decaying_average() -> None:
    """Otus's decaying 65% on 1,2,3,4 gives 3.48: Canvas's standard decaying average."""
    assert score("standard_decaying_average", [1, 2, 3, 4], weight=65) == 3.48


def test_vector_18_power_law_marzano() -> None:
    """3,3,1,3 gives 1.90 and 3,3,1,3,4,4 gives 3.07 (mrmathman, 2014)."""
    assert score("power_law", [3, 3, 1, 3]) == 1.90
    assert score("power_law", [3, 3, 1, 3, 4, 4]) == 3.07


def test_vector_19_canvas_ui_example_fourteen_scores() -> None:
    """Canvas's 14-score example weighted 65 gives 5.03; on a 5-point scale it shows as 5.0."""
    scores = [1, 4, 2, 3, 5, 3, 6, 1, 4, 2, 3, 5, 3, 6]
    on_five = calculate(in_order(*scores), "weighted_average", FIVE)
    assert on_five.raw_score == 5.03
    assert on_five.score == 5.0
    assert calculate(in_order(*scores), "weighted_average", scale(6, 3)).score == 5.03


def test_vector_20_bayesian_knowledge_tracing() -> None:
    """L0 .3, T .1, G .2, S .1, three right answers: .69268, .91923, .98276 (pyBKT)."""
    assert bkt_trace([True] * 3, 0.3, 0.1, 0.2, 0.1) == pytest.approx(
        [0.69268, 0.91923, 0.98276], abs=1e-5
    )
    params = {"l0": 0.3, "transit": 0.1, "guess": 0.2, "slip": 0.1}
    result = calculate(in_order(5, 5, 5), MethodSpec("knowledge_tracing", params), FIVE)
    assert result.probability == 0.9828
    assert result.status is Status.MASTERED


def test_vector_21_canvas_levels_on_the_default_scale() -> None:
    """With 4 points possible: 2.99 is Near Mastery, 3.0 Mastery, 6.0 Exceeds Mastery."""
    levels = [
        calculate([Evidence(s, points_possible=4, at=day(0))], "latest", CANVAS).level
        for s in (2.99, 3.0, 6.0)
    ]
    assert [lv.name for lv in levels if lv] == ["Near Mastery", "Mastery", "Exceeds Mastery"]


def test_edge_1_no_evidence_or_all_nil_is_no_evidence_not_zero() -> None:
    """No evidence, or only empty scores, gives no score and the status no_evidence."""
    for evidence in ([], in_order(None, None)):
        result = calculate(evidence, "weighted_average", FIVE)
        assert (result.score, result.level, result.status) == (None, None, Status.NO_EVIDENCE)
        assert "no evidence yet" in result.explanation


def test_edge_2_one_piece_of_evidence() -> None:
    """One score: both averages and the power law give it; n_mastery with n > 1 gives none."""
    assert score("weighted_average", [2.123]) == 2.12
    assert score("standard_decaying_average", [2.123]) == 2.12
    assert score("power_law", [2.123]) == 2.12
    result = calculate(in_order(4), MethodSpec("n_mastery", {"n": 2}), FIVE)
    assert result.score is None and result.status is Status.INSUFFICIENT_EVIDENCE


def test_edge_3_untimed_evidence_sorts_oldest() -> None:
    """[4 (no time), 1 (a day earlier), 3 (now)]: the latest is 3.0."""
    evidence = [Evidence(4), Evidence(1, at=day(-1)), Evidence(3, at=day(0))]
    assert calculate(evidence, "latest", FIVE).score == 3.0


def test_edge_3_equal_times_break_to_the_higher_score_as_latest() -> None:
    """Two scores at the same time: the higher counts as the most recent, whatever the order."""
    a, b = Evidence(2, at=day(1)), Evidence(4, at=day(1))
    assert calculate([a, b], "latest", FIVE).score == 4
    assert calculate([b, a], "latest", FIVE).score == 4


def test_edge_4_excused_and_missing_are_left_out() -> None:
    """[2,3,nil,4] decaying 65 gives 3.53; n_mastery [4,5,1,3,nil,3] n=3 gives 3.75."""
    assert score("standard_decaying_average", [2, 3, None, 4], weight=65) == 3.53
    assert score("n_mastery", [4, 5, 1, 3, None, 3], n=3) == 3.75
    excused = [*in_order(2, 3), Evidence(0, at=day(5), excused=True)]
    result = calculate(excused, "latest", FIVE)
    assert result.score == 3
    assert [x.reason for x in result.excluded] == ["excused"]


def test_edge_4_an_entered_zero_counts() -> None:
    """A zero that was entered is evidence: it counts, and highest of [0] is 0."""
    assert score("highest", [0]) == 0
    assert score("average", [0, 4]) == 2.0


def test_edge_5_out_of_range_kept_raw_and_clamped_for_display() -> None:
    """Raw 40 and 70 on a 5-point outcome average 55 (Canvas); the score shows as 5.0."""
    result = calculate(in_order(40, 70), "average", FIVE)
    assert result.raw_score == 55
    assert result.score == 5.0
    assert "beyond the top of the scale" in result.explanation


def test_edge_5_zero_breaks_the_power_law_which_falls_back_to_a_line() -> None:
    """A 0 cannot be fitted on a log curve: the straight-line trend is read instead."""
    result = calculate(in_order(0, 2, 3), "power_law", FIVE)
    # least squares y = -4/3 + 1.5x, read at x = 3
    assert result.score == 3.17
    assert "straight line" in result.explanation
