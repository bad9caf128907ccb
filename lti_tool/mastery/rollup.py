"""A parent competency's state from its children's, by one of three rules.

- `all_mastered`: mastered when every child is mastered (Moodle's `competency_rule_all`).
- `points`: mastered when every required child is mastered and the mastered children's points
  reach the required total (Moodle's `competency_rule_points`).
- `average`: the average of the children's scores, mapped to the scale like any score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from lti_tool.mastery.calculation import MasteryResult
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.methods import fmt_param
from lti_tool.mastery.numbers import fmt, round_half_away
from lti_tool.mastery.scales import Level, ProficiencyScale, Status


class RollupRule(StrEnum):
    """How a parent's state follows from its children's."""

    ALL_MASTERED = "all_mastered"
    POINTS = "points"
    AVERAGE = "average"


@dataclass(frozen=True)
class ChildWeight:
    """A child's points towards the parent, and whether it must be mastered (points rule)."""

    points: float = 1
    required: bool = False


@dataclass(frozen=True)
class RollupSpec:
    """A rule with its settings: for `points`, the total needed and each child's weight."""

    rule: RollupRule = RollupRule.ALL_MASTERED
    points_required: float | None = None
    weights: Mapping[str, ChildWeight] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Accept the rule by name; refuse a points total that is not a positive number."""
        try:
            object.__setattr__(self, "rule", RollupRule(self.rule))
        except ValueError:
            raise MasteryInputError(
                "rule", f"must be one of {', '.join(r.value for r in RollupRule)}"
            ) from None
        pr = self.points_required
        if pr is not None and (
            isinstance(pr, bool)
            or not isinstance(pr, int | float)
            or not math.isfinite(pr)
            or pr <= 0
        ):
            raise MasteryInputError("points_required", "must be a number above 0")
        for child, weight in self.weights.items():
            p = weight.points
            if (
                isinstance(p, bool)
                or not isinstance(p, int | float)
                or not math.isfinite(p)
                or p < 0
            ):
                raise MasteryInputError(f"weights.{child}.points", "must be a number 0 or more")
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))


@dataclass(frozen=True)
class Child:
    """One child's state as the rollup sees it."""

    id: str
    status: Status
    score: float | None = None
    name: str = ""

    @classmethod
    def of(cls, id: str, result: MasteryResult | Status, name: str = "") -> Child:
        """A child from a calculated result, or from a bare status."""
        if isinstance(result, MasteryResult):
            return cls(id, result.status, result.score, name)
        return cls(id, Status(result), None, name)

    @property
    def label(self) -> str:
        """How the child is named in an explanation."""
        return self.name or self.id


@dataclass(frozen=True)
class RollupResult:
    """A parent's state, and why."""

    score: float | None
    level: Level | None
    status: Status
    explanation: str
    rule: RollupRule
    mastered: tuple[str, ...]
    not_mastered: tuple[str, ...]


def rollup(
    children: Mapping[str, MasteryResult | Status] | list[Child],
    spec: RollupSpec | RollupRule | str,
    scale: ProficiencyScale | None = None,
    names: Mapping[str, str] | None = None,
) -> RollupResult:
    """The parent's state from its children's under `spec`."""
    if not isinstance(spec, RollupSpec):
        spec = RollupSpec(rule=spec)  # type: ignore[arg-type]
    scale = scale or ProficiencyScale.canvas_default()
    names = names or {}
    if isinstance(children, Mapping):
        kids = [Child.of(cid, res, names.get(cid, "")) for cid, res in children.items()]
    else:
        kids = list(children)
    if not kids:
        raise MasteryInputError("children", "a parent competency needs at least one child")
    mastered = tuple(k.id for k in kids if k.status.is_mastered)
    not_mastered = tuple(k.id for k in kids if not k.status.is_mastered)
    if spec.rule is RollupRule.AVERAGE:
        return _average(kids, scale, mastered, not_mastered)
    if all(k.status is Status.NO_EVIDENCE for k in kids):
        return RollupResult(
            None, None, Status.NO_EVIDENCE, "None of its parts has evidence yet.", spec.rule,
            mastered, not_mastered,
        )  # fmt: skip
    if spec.rule is RollupRule.ALL_MASTERED:
        ok = len(mastered) == len(kids)
        words = "This is mastered when every part is mastered. " + _lists(kids)
    else:
        ok, words = _points(kids, spec)
    status = Status.MASTERED if ok else Status.NOT_YET
    level = scale.mastery_level if ok else None
    return RollupResult(None, level, status, words, spec.rule, mastered, not_mastered)


def _lists(kids: list[Child]) -> str:
    done = [k.label for k in kids if k.status.is_mastered]
    todo = [f"{k.label} ({k.status.words})" for k in kids if not k.status.is_mastered]
    parts = []
    if done:
        parts.append(f"Mastered: {', '.join(done)}.")
    if todo:
        parts.append(f"Still to master: {', '.join(todo)}.")
    return " ".join(parts)


def _points(kids: list[Child], spec: RollupSpec) -> tuple[bool, str]:
    weights = {k.id: spec.weights.get(k.id, ChildWeight()) for k in kids}
    total = math.fsum(w.points for w in weights.values())
    needed = spec.points_required if spec.points_required is not None else total
    if needed > total:
        raise MasteryInputError(
            "points_required",
            f"needs {fmt_param(needed)} points but the parts add up to {fmt_param(total)}",
        )
    earned = math.fsum(weights[k.id].points for k in kids if k.status.is_mastered)
    required_missing = [
        k.label for k in kids if weights[k.id].required and not k.status.is_mastered
    ]
    words = [
        f"This is mastered when every required part is mastered and the mastered parts add up "
        f"to at least {fmt_param(needed)} points.",
        _lists(kids),
        f"Mastered parts add up to {fmt_param(earned)} of the {fmt_param(needed)} points needed.",
    ]
    if required_missing:
        words.append(f"Required and not yet mastered: {', '.join(required_missing)}.")
    return earned >= needed and not required_missing, " ".join(words)


def _average(
    kids: list[Child], scale: ProficiencyScale, mastered: tuple[str, ...], nm: tuple[str, ...]
) -> RollupResult:
    scored = [k for k in kids if k.score is not None]
    skipped = [k.label for k in kids if k.score is None]
    rule = RollupRule.AVERAGE
    if not scored:
        words = "None of its parts has a score yet."
        return RollupResult(None, None, Status.NO_EVIDENCE, words, rule, mastered, nm)
    values = [k.score for k in scored if k.score is not None]
    mean = math.fsum(values) / len(values)
    score = min(max(round_half_away(mean, 2), scale.bottom), scale.top)
    level = scale.level_for(score)
    status = scale.status_for(level)
    words = [
        "This is the average of its parts' scores: "
        f"({' + '.join(fmt(v) for v in values)}) ÷ {len(values)} = {fmt(score)}."
    ]
    if skipped:
        words.append(f"Not counted, no score yet: {', '.join(skipped)}.")
    words.append(
        f"{scale.describe_level(score, level)}, so the level is {level.name}: {status.words}."
    )
    return RollupResult(score, level, status, " ".join(words), rule, mastered, nm)
