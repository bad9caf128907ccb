"""Calculation methods: Canvas's six, with Canvas's names and numbers, and three beyond Canvas.

Each method takes the evidence values on the scale, oldest first, and returns a score (or
None when the method cannot decide yet) and the arithmetic in words a learner can follow.

Spec: Canvas `rollup_score.rb` and `outcome_calculation_method.rb` (instructure/canvas-lms):
`weighted_average` (formerly stored as `decaying_average`), `standard_decaying_average`,
`n_mastery`, `latest`, `highest`, `average`. Power law: Marzano's fit of ln y = ln a + b ln x
by least squares on x = 1..n, read at x = n. Knowledge tracing: see `bkt.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from lti_tool.mastery.bkt import bkt_trace
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.numbers import fmt, pct
from lti_tool.mastery.scales import ProficiencyScale, Status


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its default, its allowed range, and what it means."""

    name: str
    default: float
    low: float
    high: float
    integer: bool
    meaning: str
    low_open: bool = False
    high_open: bool = False
    words: str = ""

    def check(self, value: object) -> float:
        """The value as a number, or a domain error naming `params.<name>`."""
        where = f"params.{self.name}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MasteryInputError(where, "must be a number")
        if not math.isfinite(value):
            raise MasteryInputError(where, "must be a finite number")
        if self.integer:
            if value != int(value):
                raise MasteryInputError(where, "must be a whole number")
            value = int(value)
        too_low = value <= self.low if self.low_open else value < self.low
        too_high = value >= self.high if self.high_open else value > self.high
        if too_low or too_high:
            lo = "above" if self.low_open else "from"
            hi = "below" if self.high_open else "to"
            raise MasteryInputError(
                where, f"must be {lo} {fmt_param(self.low)} {hi} {fmt_param(self.high)}"
            )
        return value


def fmt_param(value: float) -> str:
    """A parameter bound as written in the README (65, 0.95)."""
    return str(int(value)) if value == int(value) else str(value)


@dataclass(frozen=True)
class Computation:
    """What a method made of the evidence: a score or None, and the arithmetic in words.

    The words are written only when someone reads them (`arithmetic()`), so recomputing a
    district does not pay for sentences nobody reads.
    """

    value: float | None
    arithmetic: Callable[[], str] = field(repr=False, compare=False)
    probability: float | None = None
    status: Status | None = None


MethodFn = Callable[[Sequence[float], Mapping[str, float], ProficiencyScale], Computation]


@dataclass(frozen=True)
class MethodInfo:
    """A method's name, whether Canvas has it, its parameters, and what it means in words."""

    name: str
    title: str
    canvas: bool
    params: tuple[Param, ...]
    meaning: str
    compute: MethodFn = field(repr=False, compare=False)


@dataclass(frozen=True)
class MethodSpec:
    """A method chosen by name with its parameters; missing parameters take their defaults."""

    name: str
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Resolve Canvas's legacy name, check every parameter, fill in defaults."""
        if not isinstance(self.name, str):
            raise MasteryInputError("method", "must be the name of a method")
        name = ALIASES.get(self.name, self.name)
        info = METHODS.get(name)
        if info is None:
            raise MasteryInputError(
                "method", f"unknown method {self.name!r}; choose one of {', '.join(METHODS)}"
            )
        if not isinstance(self.params, Mapping):
            raise MasteryInputError("params", "must be an object of parameter names to numbers")
        known = {p.name: p for p in info.params}
        for key in self.params:
            if key not in known:
                allowed = ", ".join(known) or "none"
                raise MasteryInputError(
                    f"params.{key}", f"{name} has no such parameter (it takes: {allowed})"
                )
        resolved = {p.name: p.check(self.params.get(p.name, p.default)) for p in info.params}
        if name == "knowledge_tracing" and resolved["near"] >= resolved["threshold"]:
            raise MasteryInputError("params.near", "must be below params.threshold")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "params", MappingProxyType(resolved))

    @property
    def info(self) -> MethodInfo:
        """The method's description."""
        return METHODS[self.name]

    def __hash__(self) -> int:
        """Hash by name and parameters."""
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __eq__(self, other: object) -> bool:
        """Equal when the name and every parameter are equal."""
        if not isinstance(other, MethodSpec):
            return NotImplemented
        return self.name == other.name and dict(self.params) == dict(other.params)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _list(values: Sequence[float]) -> str:
    return ", ".join(fmt(v) for v in values)


def _one(value: float) -> Computation:
    return Computation(value, lambda: f"With one score, the result is that score: {fmt(value)}.")


def weighted_average(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Canvas Weighted Average: latest x w% + mean of all earlier x (100 - w)%."""
    w = params["weight"]
    if len(values) == 1:
        return _one(values[0])
    latest = values[-1]
    earlier = _mean(values[:-1])
    value = latest * (w / 100.0) + earlier * (1 - w / 100.0)
    return Computation(
        value,
        lambda: (
            f"{fmt_param(w)}% of your latest score {fmt(latest)} plus {fmt_param(100 - w)}% of "
            f"the average of earlier scores {fmt(earlier)} = {fmt(value)}."
        ),
    )


def standard_decaying_average(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Decaying average: start at the first score; each newer score counts w%."""
    w = params["weight"] / 100.0
    if len(values) == 1:
        return _one(values[0])
    value = values[0]
    for score in values[1:]:
        value = value * (1 - w) + score * w

    def words() -> str:
        steps = [f"Start with your first score {fmt(values[0])}"]
        running = values[0]
        for score in values[1:]:
            new = running * (1 - w) + score * w
            steps.append(
                f"then {fmt_param(100 - params['weight'])}% of {fmt(running)} plus "
                f"{fmt_param(params['weight'])}% of the next score {fmt(score)} = {fmt(new)}"
            )
            running = new
        return "; ".join(steps) + "."

    return Computation(value, words)


def n_mastery(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Canvas n Number of Times: average of the scores at or above mastery, once there are n."""
    n = int(params["n"])
    bar = scale.mastery_threshold
    total = len(values)

    def needed() -> str:
        return f"This needs {n} score{'s' if n > 1 else ''} at or above mastery ({fmt(bar)})"

    if total < n:
        return Computation(None, lambda: f"{needed()}; there {_are(total)} so far.")
    kept = [v for v in values if v >= bar]
    if len(kept) < n:
        return Computation(
            None,
            lambda: (
                f"{needed()}; {len(kept)} of your {total} score{'s' if total > 1 else ''} "
                f"{'is' if len(kept) == 1 else 'are'} at or above it so far."
            ),
        )
    value = _mean(kept)
    return Computation(
        value,
        lambda: (
            f"{needed()}. {len(kept)} of your {total} scores are ({_list(kept)}); "
            f"their average is {fmt(value)}."
        ),
    )


def _are(count: int) -> str:
    return f"is {count} score" if count == 1 else f"are {count} scores"


def latest(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Canvas Most Recent Score: the last score in time order."""
    value = values[-1]
    return Computation(value, lambda: f"Your most recent score is {fmt(value)}.")


def highest(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Canvas Highest Score: the best score."""
    best = max(values)
    count = len(values)
    return Computation(
        best,
        lambda: f"Your highest of {count} score{'s' if count > 1 else ''} is {fmt(best)}.",
    )


def average(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Canvas Average: the mean of every score."""
    value = _mean(values)
    if len(values) == 1:
        return _one(value)
    return Computation(
        value, lambda: f"({' + '.join(fmt(v) for v in values)}) ÷ {len(values)} = {fmt(value)}."
    )


def mode(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Most common level among the most recent n; a tie goes to the tied level seen last."""
    n = int(params["n"])
    recent = values[-n:]
    levels = [scale.level_for(v) for v in recent]
    counts: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    for i, lv in enumerate(levels):
        counts[lv.name] = counts.get(lv.name, 0) + 1
        last_seen[lv.name] = i
    top = max(counts.values())
    tied = [name for name, c in counts.items() if c == top]
    winner_name = max(tied, key=lambda name: last_seen[name])
    winner = next(lv for lv in levels if lv.name == winner_name)

    def words() -> str:
        if len(values) > len(recent):
            span = f"your last {len(recent)} scores"
        else:
            span = f"your {len(recent)} score{'s' if len(recent) > 1 else ''}"
        text = f"The most common level in {span} ({_list(recent)}) is {winner.name}"
        text += f" ({top} time{'s' if top > 1 else ''})"
        if len(tied) > 1:
            others = " and ".join(t for t in tied if t != winner_name)
            verb = "appears" if len(tied) == 2 else "appear"
            text += f"; {others} {verb} as often, and {winner.name} was seen most recently"
        return text + f", so the score is where that level starts, {fmt(start)}."

    start = scale.threshold(winner)
    return Computation(start, words)


def power_law(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Marzano's power law read at the latest attempt; a straight line when a score is 0 or less."""
    n = len(values)
    if n == 1:
        only = values[0]
        return Computation(
            only,
            lambda: (
                "A learning curve needs at least two scores; with one, the result is that "
                f"score: {fmt(only)}."
            ),
        )
    curve = min(values) > 0
    xs = (
        _LOGS[:n]
        if curve and n <= len(_LOGS)
        else [math.log(i) if curve else float(i) for i in range(1, n + 1)]
    )
    ys = [math.log(v) for v in values] if curve else list(values)
    mx, my = _mean(xs), _mean(ys)
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    b = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    if curve:
        value = math.exp(a + b * math.log(n))
        return Computation(
            value,
            lambda: (
                f"The learning curve that best fits your {n} scores in order ({_list(values)}) "
                f"reads {fmt(value)} at your latest attempt ({n}) (the curve: "
                f"{fmt(math.exp(a))} × attempt to the power {b:.2f})."
            ),
        )
    value = a + b * n
    return Computation(
        value,
        lambda: (
            "A learning curve cannot use a score of 0 or less, so this uses the straight line "
            f"that best fits your {n} scores in order ({_list(values)}): {fmt(a)} "
            f"{'+' if b >= 0 else '−'} {fmt(abs(b))} per attempt; at your latest attempt ({n}) "
            f"it reads {fmt(value)}."
        ),
    )


_LOGS = [math.log(i) for i in range(1, 257)]


def knowledge_tracing(
    values: Sequence[float], params: Mapping[str, float], scale: ProficiencyScale
) -> Computation:
    """Bayesian Knowledge Tracing: the chance the skill is known after right/wrong evidence."""
    bar = scale.mastery_threshold
    answers = [v >= bar for v in values]
    trace = bkt_trace(answers, params["l0"], params["transit"], params["guess"], params["slip"])
    p = trace[-1]
    need, near = params["threshold"], params["near"]
    if p >= need:
        status = Status.MASTERED
    elif p >= near:
        status = Status.NEAR
    else:
        status = Status.NOT_YET

    def words() -> str:
        steps = ", ".join(
            f"{'right' if right else 'not yet'} → {pct(q)}"
            for right, q in zip(answers, trace, strict=True)
        )
        if status is Status.MASTERED:
            verdict = f"at or above the {pct(need)} needed for mastery"
        elif status is Status.NEAR:
            verdict = f"below the {pct(need)} needed for mastery but at least {pct(near)}"
        else:
            verdict = f"below {pct(near)}"
        return (
            f"Each score counts as right when it reaches mastery ({fmt(bar)}). Starting from a "
            f"{pct(params['l0'])} chance that you already knew this, after each piece of "
            f"evidence: {steps}. {pct(p)} is {verdict}."
        )

    return Computation(None, words, probability=p, status=status)


_WEIGHT = "how much the latest score counts, in percent"
METHODS: dict[str, MethodInfo] = {
    m.name: m
    for m in (
        MethodInfo(
            "weighted_average", "Weighted average", True,
            (Param("weight", 65, 1, 99, True, _WEIGHT, words="the latest score counts {}%"),),
            "The latest score counts weight%; the average of all earlier scores counts the rest. "
            "Canvas called this Decaying Average until 2023.",
            weighted_average,
        ),
        MethodInfo(
            "standard_decaying_average", "Decaying average", True,
            (
                Param("weight", 65, 50, 99, True, "how much each newer score counts, in percent",
                      words="each newer score counts {}%"),
            ),
            "Start at the first score; each newer score counts weight% and what came before "
            "the rest, so older scores fade away.",
            standard_decaying_average,
        ),
        MethodInfo(
            "n_mastery", "n Number of Times", True,
            (
                Param("n", 5, 1, 10, True, "how many scores must reach mastery",
                      words="mastery needed {} times"),
            ),
            "Mastered once n scores reach the mastery level; the result is the average of "
            "those scores. Until then, no result.",
            n_mastery,
        ),
        MethodInfo(
            "latest", "Most recent score", True, (),
            "The most recent score, by when it was submitted or assessed.", latest,
        ),
        MethodInfo("highest", "Highest score", True, (), "The best score so far.", highest),
        MethodInfo(
            "average", "Average", True, (),
            "The average of every score; early struggle keeps pulling it down.", average,
        ),
        MethodInfo(
            "mode", "Most common level", False,
            (
                Param("n", 5, 1, 100, True, "how many recent scores to look at",
                      words="looking at the {} most recent scores"),
            ),
            "The level seen most often in the n most recent scores; a tie goes to the tied "
            "level seen most recently.",
            mode,
        ),
        MethodInfo(
            "power_law", "Power law (Marzano)", False, (),
            "Fits a learning curve to the scores in order and reads it at the latest attempt; "
            "uses a straight line when a score is 0, and the score itself when there is one.",
            power_law,
        ),
        MethodInfo(
            "knowledge_tracing", "Knowledge tracing (BKT)", False,
            (
                Param("l0", 0.3, 0, 1, False, "chance the skill was known before any evidence",
                      low_open=True, high_open=True),
                Param("transit", 0.1, 0, 1, False, "chance of learning it at each opportunity",
                      high_open=True),
                Param("guess", 0.2, 0, 1, False, "chance of a right answer without the skill",
                      low_open=True, high_open=True),
                Param("slip", 0.1, 0, 1, False, "chance of a wrong answer with the skill",
                      low_open=True, high_open=True),
                Param("threshold", 0.95, 0, 1, False, "chance needed to call it mastered",
                      low_open=True, high_open=True, words="mastered at a {} chance"),
                Param("near", 0.7, 0, 1, False, "chance needed to call it nearly there",
                      low_open=True, high_open=True),
            ),
            "The chance the skill is known, updated after each right (at or above mastery) or "
            "wrong answer; mastered when the chance reaches the threshold.",
            knowledge_tracing,
        ),
    )
}  # fmt: skip

# Canvas stored Weighted Average as `decaying_average` before its 2023 rename.
ALIASES = {"decaying_average": "weighted_average"}


def methods_to_json() -> list[dict[str, object]]:
    """Every method with its parameters (default and range) and meaning, for people choosing."""
    return [
        {
            "method": info.name,
            "title": info.title,
            "canvas": info.canvas,
            "meaning": info.meaning,
            "params": [
                {
                    "name": p.name,
                    "default": p.default,
                    "min": p.low,
                    "max": p.high,
                    "min_exclusive": p.low_open,
                    "max_exclusive": p.high_open,
                    "whole_number": p.integer,
                    "meaning": p.meaning,
                }
                for p in info.params
            ],
        }
        for info in METHODS.values()
    ]
