"""Fitting knowledge tracing's parameters by expectation-maximisation."""

from __future__ import annotations

import random

import pytest

from lti_tool.mastery import MasteryInputError, MethodSpec
from lti_tool.mastery.bkt_fit import fit_bkt, fit_bkt_many


def simulate(n: int, length: int, seed: int = 0) -> list[list[bool]]:
    """Answers from learners following L0 .3, T .1, G .2, S .1."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        known = rng.random() < 0.3
        seq = []
        for _ in range(length):
            seq.append(rng.random() < (0.9 if known else 0.2))
            known = known or rng.random() < 0.1
        out.append(seq)
    return out


def test_recovers_the_parameters_that_made_the_data() -> None:
    """From a poor start, 2,000 learners x 20 answers give back L0 .3, T .1, G .2, S .1."""
    fit = fit_bkt(simulate(2000, 20), start=(0.5, 0.3, 0.3, 0.3))
    assert fit.l0 == pytest.approx(0.3, abs=0.03)
    assert fit.transit == pytest.approx(0.1, abs=0.02)
    assert fit.guess == pytest.approx(0.2, abs=0.03)
    assert fit.slip == pytest.approx(0.1, abs=0.02)
    MethodSpec("knowledge_tracing", fit.as_params())


def test_each_iteration_explains_the_answers_at_least_as_well() -> None:
    """EM never lowers the log-likelihood; sequences of different lengths are fine."""
    data = simulate(200, 12) + simulate(50, 3, seed=1)
    lls = [fit_bkt(data, max_iterations=k).log_likelihood for k in range(1, 8)]
    assert all(b >= a - 1e-9 for a, b in zip(lls, lls[1:], strict=False))


def test_needs_answers_and_sane_starting_chances() -> None:
    """No answers, or a starting chance of 0 or 1, is a domain error."""
    with pytest.raises(MasteryInputError) as info:
        fit_bkt([[], []])
    assert info.value.field == "skills.0"
    with pytest.raises(MasteryInputError):
        fit_bkt([[True]], start=(0.0, 0.1, 0.2, 0.1))


def test_many_skills_at_once_equal_one_by_one() -> None:
    """Fitting skills together gives each the fit it gets alone."""
    a, b = simulate(300, 10, seed=2), [[x or i % 3 == 0 for i, x in enumerate(s)] for s in
                                       simulate(200, 15, seed=3)]  # fmt: skip
    together = fit_bkt_many({"a": a, "b": b}, tolerance=0.0, max_iterations=40)
    for key, seqs in (("a", a), ("b", b)):
        alone = fit_bkt(seqs, tolerance=0.0, max_iterations=40)
        assert together[key].l0 == pytest.approx(alone.l0)
        assert together[key].slip == pytest.approx(alone.slip)
        assert together[key].log_likelihood == pytest.approx(alone.log_likelihood)
