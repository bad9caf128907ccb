"""Bayesian Knowledge Tracing for right-or-wrong evidence.

Spec: Corbett & Anderson (1995), "Knowledge tracing: Modeling the acquisition of procedural
knowledge". Four parameters per skill: L0 (chance the skill is known before any evidence),
T (chance of learning it at each opportunity), G (guessing right without it), S (slipping
with it). The update matches pyBKT's `state_predictions` one step later.
"""

from __future__ import annotations

from collections.abc import Iterable


def bkt_trace(
    answers: Iterable[bool], l0: float, transit: float, guess: float, slip: float
) -> list[float]:
    """The chance the skill is known after each answer, oldest first."""
    known = l0
    trace = []
    for right in answers:
        if right:
            seen = known * (1 - slip)
            posterior = seen / (seen + (1 - known) * guess)
        else:
            seen = known * slip
            posterior = seen / (seen + (1 - known) * (1 - guess))
        known = posterior + (1 - posterior) * transit
        trace.append(known)
    return trace
