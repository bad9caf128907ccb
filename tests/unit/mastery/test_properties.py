"""Invariants of the engine, checked on generated evidence (hypothesis).

- The order of equal-time evidence (indeed of any evidence) never changes a result, under
  the documented tie-break.
- Adding evidence at or above mastery never lowers n_mastery's status.
- Scores stay within the scale; probabilities within 0 and 1.
- No input raises anything but the domain error.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.mastery import (
    METHODS,
    CutScores,
    Evidence,
    EvidencePolicy,
    Level,
    MasteryInputError,
    MasteryResult,
    MethodSpec,
    ProficiencyScale,
    Source,
    Status,
    calculate,
)
from lti_tool.mastery.jsonio import run_request
from tests.unit.mastery.vectors import CANVAS, FIVE, day

SCALES = [
    CANVAS,
    FIVE,
    ProficiencyScale((Level("Competent", 1, mastery=True), Level("Not yet competent", 0))),
    ProficiencyScale((Level("High", 2), Level("Pass", 0, mastery=True), Level("Low", -2))),
    ProficiencyScale(
        CANVAS.levels,
        version="cuts",
        cut_scores=CutScores(
            "1",
            (
                ("Exceeds Mastery", 90),
                ("Mastery", 80),
                ("Near Mastery", 55),
                ("Below Mastery", 25),
                ("No Evidence", 0),
            ),
        ),
    ),  # fmt: skip
]
FEW_TIMES = [None, day(0), day(1), day(2)]  # few distinct times, so ties are common

scales = st.sampled_from(SCALES)
scores = st.one_of(
    st.integers(-1, 6).map(float),
    st.floats(-5, 12, allow_nan=False, allow_infinity=False),
)
evidence = st.builds(
    Evidence,
    score=st.one_of(st.none(), scores),
    points_possible=st.sampled_from([None, None, 1, 4, 5, 10, 0]),
    at=st.sampled_from(FEW_TIMES),
    source=st.sampled_from(list(Source)),
    id=st.sampled_from(["", "a", "b"]),
    title=st.sampled_from(["", "Quiz"]),
    level=st.sampled_from([None, None, "Mastery", "Pass", "Gold"]),
    excused=st.booleans(),
    hidden=st.sampled_from([False, False, False, True]),
    alignment_mastery=st.sampled_from([None, None, 0.5]),
)
methods = st.one_of(
    st.sampled_from(list(METHODS)).map(MethodSpec),
    st.builds(lambda w: MethodSpec("weighted_average", {"weight": w}), st.integers(1, 99)),
    st.builds(
        lambda w: MethodSpec("standard_decaying_average", {"weight": w}), st.integers(50, 99)
    ),
    st.builds(lambda n: MethodSpec("n_mastery", {"n": n}), st.integers(1, 10)),
    st.builds(lambda n: MethodSpec("mode", {"n": n}), st.integers(1, 10)),
)
policies = st.builds(EvidencePolicy, st.integers(1, 4), st.integers(1, 3))


def fingerprint(result: MasteryResult) -> tuple[object, ...]:
    """Everything a teacher or learner sees, ignoring the input positions of the rows."""
    return (
        result.score,
        result.raw_score,
        result.probability,
        result.level,
        result.status,
        result.explanation,
        tuple(u.evidence for u in result.used),
        Counter((x.evidence, x.reason) for x in result.excluded),
    )


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(evidence, max_size=8), methods, scales, policies, st.data())
def test_row_order_never_changes_a_result(
    items: list[Evidence],
    method: MethodSpec,
    scale: ProficiencyScale,
    policy: EvidencePolicy,
    data: st.DataObject,
) -> None:
    """Any permutation of the evidence, ties in time included, gives the same result."""
    shuffled = data.draw(st.permutations(items))
    first = calculate(items, method, scale, policy)
    again = calculate(shuffled, method, scale, policy)
    assert fingerprint(first) == fingerprint(again)


@settings(deadline=None)
@given(
    st.lists(evidence, max_size=10),
    st.integers(1, 10),
    scales,
    policies,
    st.floats(0, 3, allow_nan=False),
    st.sampled_from(FEW_TIMES),
    st.sampled_from(list(Source)),
)
def test_evidence_at_or_above_mastery_never_lowers_n_mastery(
    items: list[Evidence],
    n: int,
    scale: ProficiencyScale,
    policy: EvidencePolicy,
    above: float,
    at: Any,
    source: Source,
) -> None:
    """Adding a score at or above mastery never lowers the status (mastered stays mastered)."""
    method = MethodSpec("n_mastery", {"n": n})
    before = calculate(items, method, scale, policy)
    value = min(scale.mastery_threshold + above, scale.top)
    after = calculate([*items, Evidence(value, at=at, source=source)], method, scale, policy)
    assert after.status.rank >= before.status.rank or (
        before.status.is_mastered and after.status.is_mastered
    )


@settings(deadline=None)
@given(st.lists(evidence, max_size=12), methods, scales, policies)
def test_scores_stay_within_the_scale(
    items: list[Evidence], method: MethodSpec, scale: ProficiencyScale, policy: EvidencePolicy
) -> None:
    """Score within [bottom, top]; level on the scale; status agrees with the level."""
    result = calculate(items, method, scale, policy)
    if result.score is not None:
        assert scale.bottom <= result.score <= scale.top
    if result.probability is not None:
        assert 0 <= result.probability <= 1
    if result.level is not None:
        assert result.level in scale.levels
        if result.status is not Status.INSUFFICIENT_EVIDENCE:
            assert scale.status_for(result.level) is result.status
    assert (result.status is Status.NO_EVIDENCE) == (not result.used)
    assert len(result.used) + len(result.excluded) == len(items)
    assert result.explanation


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def mostly(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Plausible values nine times in ten, anything JSON can hold otherwise."""
    return st.integers(0, 9).flatmap(lambda k: json_values if k == 0 else plausible)


any_time = st.builds(
    lambda when, hours: when.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat(),
    st.datetimes(),
    st.integers(-12, 14),
)
numbers = st.one_of(st.integers(-2, 10), st.floats(-1e12, 1e12), st.floats())
evidence_json = st.fixed_dictionaries(
    {"score": mostly(st.one_of(st.none(), numbers))},
    optional={
        "points_possible": mostly(st.sampled_from([None, 0, 1, 4, 5, 1e-7, 1e10, -1])),
        "at": mostly(st.one_of(any_time, st.sampled_from(
            [None, "2026-09-01T10:00:00Z", "2026-09-01", "soon", "2026-09-02T10:00:00+05:00"]))),
        "source": mostly(st.sampled_from([*(s.value for s in Source), "rumour"])),
        "level": mostly(st.sampled_from([None, "Mastery", "Gold"])),
        "excused": mostly(st.booleans()),
        "alignment_mastery": mostly(st.sampled_from([None, 0.5, 0, 1])),
        "title": mostly(st.text(max_size=6)),
    },
)  # fmt: skip
level_json = st.fixed_dictionaries(
    {"name": mostly(st.text(min_size=1, max_size=6)), "points": mostly(numbers)},
    optional={"mastery": mostly(st.booleans())},
)
params_json = st.dictionaries(
    st.sampled_from(["weight", "n", "l0", "transit", "slip", "guess", "near", "threshold"]),
    mostly(st.one_of(st.integers(0, 100), st.floats(0, 1))),
)
requests = st.fixed_dictionaries(
    {
        "method": mostly(st.sampled_from([*METHODS, "decaying_average"])),
        "evidence": mostly(st.lists(evidence_json, max_size=6)),
    },
    optional={
        "params": mostly(params_json),
        "scale": mostly(st.fixed_dictionaries({"levels": st.lists(level_json, max_size=4)})),
        "policy": mostly(
            st.dictionaries(st.sampled_from(["min_evidence", "min_sources"]), st.integers(0, 3))
        ),
        "override": mostly(
            st.fixed_dictionaries(
                {"level": st.sampled_from(["Mastery", "Gold"]), "note": st.text(max_size=3)},
                optional={
                    "at": st.one_of(any_time, st.sampled_from(["2026-09-01T12:00:00Z", "x"]))
                },
            )
        ),
    },
)


@settings(deadline=None, max_examples=1000)
@given(st.one_of(requests, json_values))
def test_no_input_raises_anything_but_the_domain_error(data: Any) -> None:
    """Any decoded JSON gives a JSON answer (no NaN) or a MasteryInputError naming a field."""
    try:
        answer = run_request(data)
    except MasteryInputError as exc:
        assert str(exc)
        return
    json.dumps(answer, allow_nan=False)


ids = st.sampled_from(["a", "b", "c", "d", "e"])


@settings(deadline=None)
@given(
    st.lists(st.tuples(ids, ids), max_size=8),
    st.lists(st.tuples(ids, ids), max_size=3),
    st.dictionaries(ids, st.sampled_from(list(Status))),
)
def test_readiness_on_any_graph(
    precedes: list[tuple[str, str]],
    equivalent: list[tuple[str, str]],
    statuses: dict[str, Status],
) -> None:
    """Cycles, self-loops and crosswalks: ready exactly when nothing before it is missing."""
    from lti_tool.mastery.readiness import CompetencyGraph, Readiness, readiness

    graph = CompetencyGraph(frozenset(), tuple(precedes), tuple(equivalent))
    states = readiness(graph, statuses)
    assert set(states) == set(graph.nodes)
    for node, state in states.items():
        if statuses.get(node, Status.NO_EVIDENCE).is_mastered:
            assert state.state is Readiness.MASTERED
        if state.state is Readiness.READY:
            assert state.missing == ()
        if state.state is Readiness.NOT_READY:
            assert state.missing and set(state.missing) <= set(state.prerequisites)


@settings(deadline=None)
@given(
    st.dictionaries(
        ids,
        st.tuples(st.sampled_from(list(Status)), st.one_of(st.none(), st.floats(-1, 5))),
        min_size=1,
    ),
    st.sampled_from(["all_mastered", "points", "average"]),
)
def test_rollup_of_any_children(
    children: dict[str, tuple[Status, float | None]], rule: str
) -> None:
    """Every rule gives a status; all_mastered is mastered exactly when every child is."""
    from lti_tool.mastery.rollup import Child, rollup

    kids = [Child(cid, status, score) for cid, (status, score) in children.items()]
    result = rollup(kids, rule, CANVAS)
    if result.score is not None:
        assert CANVAS.bottom <= result.score <= CANVAS.top
    if rule != "average" and any(k.status is not Status.NO_EVIDENCE for k in kids):
        assert result.status.is_mastered == all(k.status.is_mastered for k in kids)
