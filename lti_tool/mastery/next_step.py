"""What one more piece of evidence would take to reach mastery: a next step a learner can act on.

The engine tries each level of the scale as a new piece of evidence, newer than everything so
far, under the same method, scale and policy, and reports the lowest level that would reach
mastery. It works for every method because it asks `calculate` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lti_tool.mastery.calculation import EvidencePolicy, calculate
from lti_tool.mastery.evidence import Evidence, Source
from lti_tool.mastery.methods import MethodSpec
from lti_tool.mastery.numbers import fmt
from lti_tool.mastery.scales import Level, ProficiencyScale


@dataclass(frozen=True)
class NextStep:
    """The lowest level a next piece of evidence needs to reach mastery (None: not enough)."""

    mastered: bool
    needed: Level | None
    source: Source | None
    explanation: str


def next_step(
    evidence: Iterable[Evidence],
    method: MethodSpec | str = "weighted_average",
    scale: ProficiencyScale | None = None,
    policy: EvidencePolicy | None = None,
) -> NextStep:
    """What the next piece of evidence needs to be for the result to reach mastery."""
    items = list(evidence)
    scale = scale or ProficiencyScale.canvas_default()
    now = calculate(items, method, scale, policy)
    if now.status.is_mastered:
        at = f", at {now.level.name}" if now.level else ""
        return NextStep(True, None, None, f"Already mastered{at}.")
    times = [ev.at for ev in items if ev.at is not None]
    after = max(times) + timedelta(seconds=1) if times else datetime(2000, 1, 1)
    usual = now.used[-1].evidence.source if now.used else Source.ASSESSMENT
    used_sources = {u.evidence.source for u in now.used}
    # The usual kind of source first; then kinds not used yet, which the policy may await.
    others = [s for s in Source if s not in used_sources]
    for level in reversed(scale.levels):
        start = scale.threshold(level)
        for source in [usual, *others]:
            trial = Evidence(start, at=after, source=source, title="a next piece of evidence")
            if calculate([*items, trial], method, scale, policy).status.is_mastered:
                words = f"A next score of {fmt(start)} ({level.name}) would reach mastery"
                if source is not usual:
                    words += f", if it comes from {source.description}"
                return NextStep(False, level, source, words + ".")
    top = scale.levels[0]
    return NextStep(
        False,
        None,
        None,
        f"One more piece of evidence cannot reach mastery yet, even at {top.name} "
        f"({fmt(scale.threshold(top))}): it will take a few more.",
    )
