"""Fitting knowledge tracing's four parameters to a district's own right/wrong evidence.

Expectation-maximisation (Baum-Welch) on the two-state model of Corbett & Anderson (1995) with
no forgetting, as pyBKT fits it by default: states "not yet known" and "known"; the start
chance L0, the learning chance T, and the guess G and slip S chances of an answer. Every skill
and every learner's sequence is fitted at once with array arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lti_tool.mastery.errors import MasteryInputError

# Keep every chance strictly inside (0, 1) so no state becomes impossible; guess and slip stay
# at or below one half so "known" keeps meaning "more often right".
_EPS = 1e-6


@dataclass(frozen=True)
class BktFit:
    """Fitted chances and how well they explain the answers."""

    l0: float
    transit: float
    guess: float
    slip: float
    log_likelihood: float
    iterations: int

    def as_params(self) -> dict[str, float]:
        """The fit as `knowledge_tracing` parameters (rounded to 4 decimals, inside (0, 1))."""
        return {
            name: min(max(round(value, 4), 0.0001), 0.9999)
            for name, value in (
                ("l0", self.l0), ("transit", self.transit), ("guess", self.guess),
                ("slip", self.slip),
            )
        }  # fmt: skip


def fit_bkt(
    sequences: Sequence[Sequence[bool]],
    start: tuple[float, float, float, float] = (0.3, 0.1, 0.2, 0.1),
    max_iterations: int = 100,
    tolerance: float = 1e-6,
) -> BktFit:
    """Fit (L0, T, G, S) to one skill's answer sequences (oldest first), one per learner."""
    return fit_bkt_many({0: sequences}, start, max_iterations, tolerance)[0]


def fit_bkt_many(
    skills: Mapping[Hashable, Sequence[Sequence[bool]]],
    start: tuple[float, float, float, float] = (0.3, 0.1, 0.2, 0.1),
    max_iterations: int = 100,
    tolerance: float = 1e-6,
) -> dict[Hashable, BktFit]:
    """Fit every skill's parameters at once; EM stops when no skill gains `tolerance` more."""
    if not all(0 < x < 1 for x in start):
        raise MasteryInputError("start", "every starting chance must be between 0 and 1")
    keys = list(skills)
    seqs, owner = [], []
    for k, key in enumerate(keys):
        for seq in skills[key]:
            if len(seq):
                seqs.append([bool(x) for x in seq])
                owner.append(k)
    present = set(owner)
    if len(present) != len(keys):
        missing = next(key for k, key in enumerate(keys) if k not in present)
        raise MasteryInputError(f"skills.{missing}", "needs at least one answer")
    n_skills = len(keys)
    skill = np.array(owner)
    lengths = np.array([len(s) for s in seqs])
    width = int(lengths.max())
    obs = np.zeros((len(seqs), width))
    for i, s in enumerate(seqs):
        obs[i, : len(s)] = s
    mask = np.arange(width)[None, :] < lengths[:, None]
    params = np.tile(np.array(start, dtype=float), (n_skills, 1))
    previous = np.full(n_skills, -math.inf)
    loglik = previous
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        gamma, xi01, per_seq = _expect(obs, mask, params[skill])
        loglik = np.bincount(skill, per_seq, minlength=n_skills)
        if iteration > 1 and np.all(loglik - previous < tolerance):
            break
        previous = loglik
        params = _maximise(gamma, xi01, obs, mask, skill, n_skills)
    else:
        # Out of iterations: the likelihood of the parameters being returned.
        per_seq = _expect(obs, mask, params[skill])[2]
        loglik = np.bincount(skill, per_seq, minlength=n_skills)
    return {
        key: BktFit(*map(float, params[k]), float(loglik[k]), iteration)
        for k, key in enumerate(keys)
    }


def _maximise(
    gamma: np.ndarray, xi01: np.ndarray, obs: np.ndarray, mask: np.ndarray, skill: np.ndarray,
    n_skills: int,
) -> np.ndarray:  # fmt: skip
    """New (L0, T, G, S) per skill from the expected states."""

    def per_skill(values: np.ndarray) -> np.ndarray:
        return np.bincount(skill, values, minlength=n_skills)

    unknown, known = gamma[..., 0] * mask, gamma[..., 1] * mask
    l0 = per_skill(gamma[:, 0, 1]) / np.bincount(skill, minlength=n_skills)
    learn = per_skill(xi01.sum(axis=1)) / per_skill((unknown[:, :-1] * mask[:, 1:]).sum(axis=1))
    guess = per_skill((unknown * obs).sum(axis=1)) / per_skill(unknown.sum(axis=1))
    slip = per_skill((known * (1 - obs)).sum(axis=1)) / per_skill(known.sum(axis=1))
    with np.errstate(invalid="ignore"):
        out = np.stack([l0, learn, guess, slip], axis=1)
    out = np.nan_to_num(out, nan=0.5)
    out[:, :2] = np.clip(out[:, :2], _EPS, 1 - _EPS)
    out[:, 2:] = np.clip(out[:, 2:], _EPS, 0.5)
    return out


def _expect(
    obs: np.ndarray, mask: np.ndarray, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each answer's state posteriors, expected learning steps, and each sequence's log-likelihood.

    `params` holds each sequence's (L0, T, G, S). Past a sequence's end the answer chances
    are 1 in both states, so padding changes nothing.
    """
    n, width = obs.shape
    l0, t, g, s = (params[:, i : i + 1] for i in range(4))
    e_known = np.where(obs == 1, 1 - s, s)
    e_unknown = np.where(obs == 1, g, 1 - g)
    e_known = np.where(mask, e_known, 1.0)
    e_unknown = np.where(mask, e_unknown, 1.0)
    t = t[:, 0]
    a0 = np.zeros((n, width))
    a1 = np.zeros((n, width))
    scale = np.zeros((n, width))
    p0, p1 = (1 - l0[:, 0]) * e_unknown[:, 0], l0[:, 0] * e_known[:, 0]
    for k in range(width):
        if k:
            prev0, prev1 = a0[:, k - 1], a1[:, k - 1]
            p0 = prev0 * (1 - t) * e_unknown[:, k]
            p1 = (prev0 * t + prev1) * e_known[:, k]
        c = p0 + p1
        scale[:, k] = c
        a0[:, k], a1[:, k] = p0 / c, p1 / c
    b0 = np.ones((n, width))
    b1 = np.ones((n, width))
    for k in range(width - 2, -1, -1):
        nxt0 = e_unknown[:, k + 1] * b0[:, k + 1]
        nxt1 = e_known[:, k + 1] * b1[:, k + 1]
        c = scale[:, k + 1]
        b0[:, k] = ((1 - t) * nxt0 + t * nxt1) / c
        b1[:, k] = nxt1 / c
    g0, g1 = a0 * b0, a1 * b1
    total = g0 + g1
    gamma = np.stack([g0 / total, g1 / total], axis=-1)
    xi01 = (a0[:, :-1] * t[:, None] * e_known[:, 1:] * b1[:, 1:] / scale[:, 1:]) * mask[:, 1:]
    loglik = (np.log(scale) * mask).sum(axis=1)
    return gamma, xi01, loglik
