"""Methods, parameters, scaling, policies and explanations."""

from __future__ import annotations

import pytest

from lti_tool.mastery import (
    METHODS,
    Evidence,
    EvidencePolicy,
    MasteryInputError,
    MethodSpec,
    Source,
    Status,
    calculate,
)
from tests.unit.mastery.vectors import CANVAS, FIVE, day, in_order


def test_defaults_are_canvas_defaults() -> None:
    """weight 65 for both averages, n 5 for n_mastery."""
    assert MethodSpec("weighted_average").params["weight"] == 65
    assert MethodSpec("standard_decaying_average").params["weight"] == 65
    assert MethodSpec("n_mastery").params["n"] == 5


def test_canvas_legacy_name_is_weighted_average() -> None:
    """Canvas stored Weighted Average as `decaying_average` before 2023."""
    assert MethodSpec("decaying_average", {"weight": 70}) == MethodSpec(
        "weighted_average", {"weight": 70}
    )


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("weighted_average", {"weight": 0}, "params.weight"),
        ("weighted_average", {"weight": 100}, "params.weight"),
        ("standard_decaying_average", {"weight": 49}, "params.weight"),
        ("weighted_average", {"weight": 65.5}, "params.weight"),
        ("weighted_average", {"weight": "65"}, "params.weight"),
        ("weighted_average", {"weight": True}, "params.weight"),
        ("n_mastery", {"n": 11}, "params.n"),
        ("n_mastery", {"n": 0}, "params.n"),
        ("latest", {"n": 1}, "params.n"),
        ("knowledge_tracing", {"slip": 1}, "params.slip"),
        ("knowledge_tracing", {"near": 0.96}, "params.near"),
        ("knowledge_tracing", {"guess": float("nan")}, "params.guess"),
        ("median", {}, "method"),
    ],
)
def test_bad_methods_and_parameters_name_the_field(
    name: str, params: dict[str, object], field: str
) -> None:
    """Parameters outside Canvas's ranges, of the wrong type, or unknown are domain errors."""
    with pytest.raises(MasteryInputError) as info:
        MethodSpec(name, params)  # type: ignore[arg-type]
    assert info.value.field == field


def test_weighted_average_accepts_a_whole_float() -> None:
    """65.0 from JSON is the whole number 65."""
    assert MethodSpec("weighted_average", {"weight": 65.0}).params["weight"] == 65


def test_every_method_has_a_meaning_and_valid_defaults() -> None:
    """The method table the README and the teacher's screen show is complete."""
    assert len(METHODS) == 9
    for info in METHODS.values():
        assert info.meaning and info.title
        MethodSpec(info.name)


def test_explanation_shows_the_arithmetic_in_plain_words() -> None:
    """The issue's example sentence, word for word."""
    result = calculate(in_order(2, 3), MethodSpec("weighted_average", {"weight": 65}), CANVAS)
    assert (
        "65% of your latest score 3.0 plus 35% of the average of earlier scores 2.0 = 2.65"
        in result.explanation
    )
    assert "Method: Weighted average (the latest score counts 65%)" in result.explanation
    assert "so the level is Near Mastery: nearly there" in result.explanation


def test_explanation_lists_evidence_in_order_and_what_was_left_out() -> None:
    """Used evidence oldest first with its title and date; left-out evidence with its reason."""
    evidence = [
        Evidence(3, 4, at=day(2), title="Lab report"),
        Evidence(None, 4, at=day(3), title="Quiz 2"),
        Evidence(2, 4, at=day(0), title="Quiz 1"),
        Evidence(4, 4, at=day(1), title="Essay", excused=True),
    ]
    result = calculate(evidence, "latest", CANVAS)
    text = result.explanation
    assert text.index("Quiz 1, 1 Sep 2026: 2.0") < text.index("Lab report, 3 Sep 2026: 3.0")
    assert "Quiz 2, 4 Sep 2026 (no score entered; a missing score does not count as 0)" in text
    assert "Essay, 2 Sep 2026 (excused)" in text
    assert [u.index for u in result.used] == [2, 0]
    assert [x.index for x in result.excluded] == [3, 1]  # left out, also in time order


def test_rubric_levels_are_evidence() -> None:
    """A rubric level stands in for its points; an unknown level is left out with the reason."""
    evidence = [Evidence(None, level="Mastery", at=day(0)), Evidence(None, level="Gold", at=day(1))]
    result = calculate(evidence, "latest", CANVAS)
    assert result.score == 3
    assert "not on this scale" in result.excluded[0].reason
    assert "(Mastery)" in result.explanation


def test_zero_points_possible_is_left_out() -> None:
    """A score out of 0 cannot be a share of anything."""
    result = calculate([Evidence(3, points_possible=0, at=day(0))], "latest", CANVAS)
    assert result.status is Status.NO_EVIDENCE
    assert "worth 0 points" in result.excluded[0].reason


def test_hidden_results_wait_until_released() -> None:
    """Canvas excludes results that are not yet posted to learners."""
    result = calculate([*in_order(2), Evidence(4, at=day(3), hidden=True)], "latest", CANVAS)
    assert result.score == 2


def test_rescaled_only_when_points_possible_differ() -> None:
    """3 of 4 on a 4-point scale stays 3; 3 of 5 becomes 2.4; no points possible stays 3."""
    values = [
        calculate([Evidence(3, pp, at=day(0))], "latest", CANVAS).score for pp in (4, 5, None)
    ]
    assert values == [3, 2.4, 3]


def test_mode_ties_go_to_the_level_seen_most_recently() -> None:
    """Two Mastery and two Near Mastery: the later-seen of the two wins."""
    spec = MethodSpec("mode", {"n": 4})
    assert calculate(in_order(3, 2, 3, 2), spec, CANVAS).level.name == "Near Mastery"  # type: ignore[union-attr]
    assert calculate(in_order(2, 3, 2, 3), spec, CANVAS).level.name == "Mastery"  # type: ignore[union-attr]
    result = calculate(in_order(1, 1, 1, 3, 3, 2), MethodSpec("mode", {"n": 3}), CANVAS)
    assert result.level.name == "Mastery"  # type: ignore[union-attr]
    assert "your last 3 scores" in result.explanation


def test_knowledge_tracing_statuses() -> None:
    """Right answers raise the chance; wrong ones keep it below mastery."""
    spec = MethodSpec("knowledge_tracing")
    wrong = calculate(in_order(0, 0, 0), spec, CANVAS)
    assert wrong.status is Status.NOT_YET and wrong.score is None
    assert wrong.probability is not None and wrong.probability < 0.7
    assert "not yet →" in wrong.explanation
    near = calculate(in_order(4, 4), spec, CANVAS)
    assert near.status is Status.NEAR and near.level.name == "Near Mastery"  # type: ignore[union-attr]


def test_policy_minimum_evidence_makes_a_result_provisional() -> None:
    """Fewer than the minimum: insufficient evidence, with the provisional score kept."""
    result = calculate(in_order(4), "latest", CANVAS, EvidencePolicy(min_evidence=3))
    assert result.status is Status.INSUFFICIENT_EVIDENCE
    assert result.score == 4
    assert "at least 3" in result.explanation and "provisional" in result.explanation


def test_policy_minimum_kinds_of_source() -> None:
    """Two sources needed: one kind is not enough, two kinds are."""
    policy = EvidencePolicy(min_sources=2)
    one = calculate(in_order(3, 3), "latest", CANVAS, policy)
    assert one.status is Status.INSUFFICIENT_EVIDENCE
    two = [Evidence(3, at=day(0)), Evidence(3, at=day(1), source=Source.OBSERVATION)]
    assert calculate(two, "latest", CANVAS, policy).status is Status.MASTERED


def test_policy_limits() -> None:
    """Counts must be whole numbers in range."""
    with pytest.raises(MasteryInputError) as info:
        EvidencePolicy(min_evidence=0)
    assert info.value.field == "policy.min_evidence"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"score": float("inf")}, "score"),
        ({"score": "3"}, "score"),
        ({"score": 3, "points_possible": -1}, "points_possible"),
        ({"score": 3, "alignment_mastery": 1.5}, "alignment_mastery"),
        ({"score": 3, "source": "rumour"}, "source"),
        ({"score": 3, "at": "yesterday"}, "at"),
        ({"score": 3, "title": 7}, "title"),
        ({"score": None, "level": 3}, "level"),
        ({"score": 3, "excused": "no"}, "excused"),
    ],
)
def test_bad_evidence_is_a_domain_error(fields: dict[str, object], field: str) -> None:
    """Evidence no calculation could use is refused, naming the field."""
    with pytest.raises(MasteryInputError) as info:
        Evidence(**fields)  # type: ignore[arg-type]
    assert info.value.field == field


def test_calculate_refuses_what_is_not_evidence() -> None:
    """A stray value in the evidence list is a domain error naming its position."""
    with pytest.raises(MasteryInputError) as info:
        calculate([Evidence(1), 3], "latest")  # type: ignore[list-item]
    assert info.value.field == "evidence[1]"


def test_naive_times_are_utc() -> None:
    """A time without a zone is read as UTC, so it compares with zoned times."""
    naive = day(0).replace(tzinfo=None)
    result = calculate([Evidence(1, at=naive), Evidence(2, at=day(1))], "latest", CANVAS)
    assert result.score == 2


def test_result_records_method_and_scale_version() -> None:
    """An old result can be explained later: it keeps the method, params and scale version."""
    result = calculate(in_order(3), MethodSpec("n_mastery", {"n": 1}), FIVE)
    assert result.method.name == "n_mastery" and result.method.params["n"] == 1
    assert result.scale_version == "canvas-legacy-outcome"


def test_rubric_level_maps_back_to_itself_under_cut_scores() -> None:
    """With Mastery starting at 80%, a rubric 'Mastery' counts where Mastery starts (3.2)."""
    from lti_tool.mastery import CutScores, ProficiencyScale

    cuts = CutScores("1", (("Exceeds Mastery", 95), ("Mastery", 80), ("Near Mastery", 50),
                           ("Below Mastery", 20), ("No Evidence", 0)))  # fmt: skip
    scale = ProficiencyScale(CANVAS.levels, cut_scores=cuts)
    result = calculate([Evidence(None, level="Mastery", at=day(0))], "latest", scale)
    assert result.score == 3.2
    assert result.level is not None and result.level.name == "Mastery"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("weighted_average", "65% of your latest score 4.0 plus 35% of the average of earlier "
                             "scores 2.67 = 3.53."),
        ("standard_decaying_average", "then 35% of 2.88 plus 65% of the next score 4.0 = 3.61."),
        ("n_mastery", "This needs 5 scores at or above mastery (3.0); there are 4 scores so far."),
        ("latest", "Your most recent score is 4.0."),
        ("highest", "Your highest of 4 scores is 4.0."),
        ("average", "(2.0 + 3.0 + 3.0 + 4.0) ÷ 4 = 3.0."),
        ("mode", "The most common level in your 4 scores (2.0, 3.0, 3.0, 4.0) is Mastery "
                 "(2 times), so the score is where that level starts, 3.0."),
        ("power_law", "reads 3.81 at your latest attempt (4)"),
        ("knowledge_tracing", "not yet → 15%, right → 49%, right → 83%, right → 96%. 96% is at "
                              "or above the 95% needed for mastery."),
    ],
)  # fmt: skip
def test_every_method_explains_its_arithmetic(name: str, words: str) -> None:
    """Each method's sentence on the scores 2, 3, 3, 4."""
    result = calculate(in_order(2, 3, 3, 4, title="Quiz"), MethodSpec(name), CANVAS)
    assert words in result.explanation
    assert result.explanation.startswith(f"Method: {METHODS[name].title}")
    assert "Quiz, 1 Sep 2026: 2.0; Quiz, 2 Sep 2026: 3.0" in result.explanation


def test_times_are_kept_in_utc() -> None:
    """One instant written with two offsets is the same time."""
    from datetime import timedelta, timezone

    east = Evidence(1, at=day(0).astimezone(timezone(timedelta(hours=5))))
    assert east.at == day(0) and east.at.utcoffset() == timedelta(0)


def test_a_zero_on_canvas_scale_is_not_called_missing_evidence() -> None:
    """Canvas names its 0-point level "No Evidence"; the words say there is evidence."""
    result = calculate(in_order(0), "latest", CANVAS)
    assert result.level is not None and result.level.name == "No Evidence"
    assert result.status is Status.NOT_YET
    assert "not that there is none" in result.explanation
