"""From evidence to a result: score, level, status, and the explanation behind them.

`calculate` puts the evidence on the scale, leaves out what is not evidence (with the reason),
orders it (see `evidence.py` for the tie-break), runs the method, maps the score to a level
and a status, and writes down why. `apply_override` lays a teacher's judgement over it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.evidence import (
    Evidence,
    ExcludedEvidence,
    UsedEvidence,
    as_utc,
    excluded_key,
    order_key,
)
from lti_tool.mastery.methods import MethodSpec, fmt_param
from lti_tool.mastery.numbers import fmt, pct, round_half_away
from lti_tool.mastery.scales import Level, ProficiencyScale, Status


@dataclass(frozen=True)
class EvidencePolicy:
    """How much evidence, from how many kinds of source, before the engine decides."""

    min_evidence: int = 1
    min_sources: int = 1

    def __post_init__(self) -> None:
        """Refuse counts below one or beyond reason."""
        for name, limit in (("min_evidence", 1000), ("min_sources", 5)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
                raise MasteryInputError(
                    f"policy.{name}", f"must be a whole number from 1 to {limit}"
                )


@dataclass(frozen=True)
class Override:
    """A teacher's judgement of the level, with the note that says why (required)."""

    level: str
    note: str
    at: datetime
    by: str = ""

    def __post_init__(self) -> None:
        """Refuse an override without a note, a level or a time."""
        if not isinstance(self.note, str) or not self.note.strip():
            raise MasteryInputError("override.note", "an override needs a note saying why")
        if not isinstance(self.level, str) or not self.level.strip():
            raise MasteryInputError("override.level", "must name a level of the scale")
        if not isinstance(self.at, datetime):
            raise MasteryInputError("override.at", "must be a date and time")
        object.__setattr__(self, "at", as_utc(self.at, "override.at"))


@dataclass(frozen=True)
class MasteryResult:
    """Where a learner stands on one competency, and why.

    `score` is on the scale (clamped to it, two decimals, half away from zero); `raw_score` is
    the method's number before clamping, as Canvas reports it. Knowledge tracing gives a
    `probability` instead of a score. `used` is in the order the method read it, oldest first.
    The explanation is written when first read, so recomputing many results stays cheap.
    """

    score: float | None
    raw_score: float | None
    level: Level | None
    status: Status
    explain: Callable[[], str] = field(repr=False, compare=False)
    used: tuple[UsedEvidence, ...] = ()
    excluded: tuple[ExcludedEvidence, ...] = ()
    method: MethodSpec = field(default_factory=lambda: MethodSpec("weighted_average"))
    scale_version: str = ""
    probability: float | None = None
    override: Override | None = None
    override_active: bool = False
    review: str | None = None
    calculated: MasteryResult | None = None

    @cached_property
    def explanation(self) -> str:
        """Why, in words a learner or a parent can follow (written on first use)."""
        return self.explain()


def scaled_value(ev: Evidence, scale: ProficiencyScale) -> float | str:
    """The evidence as points on `scale`, or the reason it is not evidence.

    A score is rescaled only when its points possible differ from the scale's top points, as
    Canvas does (2 of 5 on a 4-point scale is 1.6). With `alignment_mastery` unlike the scale's
    mastery share, Canvas's `calculate_by_scale` stretches the score so the assignment's
    mastery cut maps onto the scale's (2 of 3 with mastery at 50%, on a scale with mastery at
    60% of 1 point, is 0.73).
    """
    if ev.hidden:
        return "not yet released to the learner"
    if ev.excused:
        return "excused"
    if ev.score is None:
        if ev.level is None:
            return "no score entered; a missing score does not count as 0"
        level = scale.find(ev.level)
        if level is None:
            return f"the level {ev.level!r} is not on this scale"
        # Where the level starts: its points, or its cut score, so it maps back to itself.
        return scale.threshold(level)
    possible = ev.points_possible
    if possible is None:
        return float(ev.score)
    if possible == 0:
        return "the assignment is worth 0 points, so no share of it can be worked out"
    share = ev.score / possible
    target = scale.mastery_threshold / scale.top
    if ev.alignment_mastery is not None and ev.alignment_mastery != target and 0 < target < 1:
        cut = ev.alignment_mastery
        if share <= cut:
            share = share * target / cut
        else:
            share = target + (share - cut) * (1 - target) / (1 - cut)
        return share * scale.top
    if possible == scale.top:
        return float(ev.score)
    return share * scale.top


def _level_for_status(scale: ProficiencyScale, status: Status) -> Level:
    """The scale's level for a status from a method that gives no score (knowledge tracing)."""
    index = scale.levels.index(scale.mastery_level)
    step = {Status.MASTERED: 0, Status.NEAR: 1}.get(status, 2)
    return scale.levels[min(index + step, len(scale.levels) - 1)]


def _describe_used(used: UsedEvidence, scale: ProficiencyScale) -> str:
    ev = used.evidence
    text = f"{ev.label()}: {fmt(used.value)}"
    if ev.score is None and ev.level is not None:
        text += f" ({ev.level})"
    elif ev.points_possible is not None and ev.points_possible != scale.top:
        text += f" ({fmt(ev.score or 0.0)} out of {fmt(ev.points_possible)})"
    return text


def _method_words(method: MethodSpec) -> str:
    info = method.info
    if not method.params:
        return f"Method: {info.title}."
    params = ", ".join(
        p.words.format(
            fmt_param(method.params[p.name]) if p.integer else pct(method.params[p.name])
        )
        for p in info.params
        if p.words
    ) or ", ".join(f"{name} {fmt_param(value)}" for name, value in method.params.items())
    return f"Method: {info.title} ({params})."


def calculate(
    evidence: Iterable[Evidence],
    method: MethodSpec | str = "weighted_average",
    scale: ProficiencyScale | None = None,
    policy: EvidencePolicy | None = None,
) -> MasteryResult:
    """Calculate one learner's result on one competency from their evidence."""
    spec = method if isinstance(method, MethodSpec) else MethodSpec(method)
    scale = scale or ProficiencyScale.canvas_default()
    policy = policy or EvidencePolicy()
    used_list: list[UsedEvidence] = []
    excluded: list[ExcludedEvidence] = []
    for index, ev in enumerate(evidence):
        if not isinstance(ev, Evidence):
            raise MasteryInputError(f"evidence[{index}]", "must be a piece of evidence")
        value = scaled_value(ev, scale)
        if isinstance(value, str):
            excluded.append(ExcludedEvidence(ev, value, index))
        else:
            used_list.append(UsedEvidence(ev, value, index))
    used_list.sort(key=order_key)
    excluded.sort(key=excluded_key)
    used = tuple(used_list)
    left_out = tuple(excluded)
    base = {
        "used": used,
        "excluded": left_out,
        "method": spec,
        "scale_version": scale.full_version,
    }
    if not used:

        def nothing() -> str:
            words = _evidence_words(spec, used, left_out, scale)
            return f"{words} There is no evidence yet, so there is no level yet."

        return MasteryResult(None, None, None, Status.NO_EVIDENCE, nothing, **base)  # type: ignore[arg-type]
    try:
        comp = spec.info.compute([u.value for u in used], spec.params, scale)
    except (OverflowError, ZeroDivisionError):
        raise MasteryInputError(
            "evidence", "the scores are too far outside the scale to calculate with"
        ) from None
    score = raw = None
    level: Level | None
    if comp.probability is not None:
        level = _level_for_status(scale, comp.status or Status.NOT_YET)
        # The level decides the status, as for every method: on a scale whose level below
        # mastery is its lowest, "nearly there" by probability is that level, "not yet".
        status = scale.status_for(level)
    elif comp.value is None:
        status, level = Status.INSUFFICIENT_EVIDENCE, None
    else:
        raw = round_half_away(comp.value, 2)
        score = min(max(raw, scale.bottom), scale.top)
        level = scale.level_for(score)
        status = scale.status_for(level)
    short = _short_of_policy(used, policy)
    decided = status
    if short:
        status = Status.INSUFFICIENT_EVIDENCE

    def explain() -> str:
        words = [_evidence_words(spec, used, left_out, scale), comp.arithmetic()]
        if comp.probability is not None and level is not None:
            words.append(f"The level is {level.name}: {decided.words}.")
        elif level is None:
            words.append("There is no level yet.")
        else:
            assert raw is not None and score is not None
            if score != raw:
                edge = "top" if raw > score else "bottom"
                words.append(
                    f"That is beyond the {edge} of the scale ({fmt(score)}), so it shows as "
                    f"{fmt(score)}."
                )
            words.append(
                f"{scale.describe_level(score, level)}, so the level is {level.name}: "
                f"{decided.words}."
            )
            if level is scale.levels[-1] and "evidence" in level.name.casefold():
                # Canvas's default scale names its 0-point level "No Evidence"; here there is.
                words.append(
                    f'The scale calls its lowest level "{level.name}": here it means the '
                    "evidence so far is below every other level, not that there is none."
                )
        if short and decided is not Status.INSUFFICIENT_EVIDENCE:
            words.append(f"{short()} This result is provisional until then.")
        elif short:
            words.append(short())
        return " ".join(words)

    probability = round_half_away(comp.probability, 4) if comp.probability is not None else None
    return MasteryResult(
        score,
        raw,
        level,
        status,
        explain,
        probability=probability,
        **base,  # type: ignore[arg-type]
    )


def _evidence_words(
    spec: MethodSpec,
    used: tuple[UsedEvidence, ...],
    left_out: tuple[ExcludedEvidence, ...],
    scale: ProficiencyScale,
) -> str:
    """The method, the evidence used oldest first, and what was left out and why."""
    words = [_method_words(spec)]
    if used:
        described = "; ".join(_describe_used(u, scale) for u in used)
        words.append(f"Evidence used, oldest first: {described}.")
    if left_out:
        described = "; ".join(f"{x.evidence.label()} ({x.reason})" for x in left_out)
        words.append(f"Left out: {described}.")
    return " ".join(words)


def _short_of_policy(
    used: tuple[UsedEvidence, ...], policy: EvidencePolicy
) -> Callable[[], str] | None:
    """None when the evidence is enough under the policy, else the words saying why not."""
    few = len(used) < policy.min_evidence
    kinds = {u.evidence.source for u in used} if policy.min_sources > 1 else {None}
    narrow = len(kinds) < policy.min_sources
    if not few and not narrow:
        return None

    def words() -> str:
        reasons = []
        if few:
            have = "1 piece" if len(used) == 1 else f"{len(used)} pieces"
            reasons.append(
                f"There {'is' if len(used) == 1 else 'are'} {have} of evidence; this course "
                f"asks for at least {policy.min_evidence} before deciding."
            )
        if narrow:
            reasons.append(
                f"The evidence comes from {len(kinds)} kind{'s' if len(kinds) != 1 else ''} of "
                f"source; this course asks for at least {policy.min_sources} (for example an "
                "assessment and a teacher's observation)."
            )
        return " ".join(reasons)

    return words


def apply_override(
    result: MasteryResult, override: Override, scale: ProficiencyScale
) -> MasteryResult:
    """Lay a teacher's override over a result: it wins until newer evidence arrives.

    Evidence newer than the override (by its submitted-or-assessed time) turns the override
    into a flag, `review="newer evidence"`, and the calculated result shows again; the
    override stays attached so the teacher sees what they decided and why.
    """
    level = scale.find(override.level)
    if level is None:
        names = ", ".join(lv.name for lv in scale.levels)
        raise MasteryInputError(
            "override.level", f"no level {override.level!r}; the scale has {names}"
        )
    who = f" ({override.by})" if override.by else ""
    said = (
        f"Your teacher{who} set this to {level.name} on {override.at.day} "
        f'{override.at:%b %Y}: "{override.note.strip()}".'
    )
    newer = [u for u in result.used if u.evidence.at is not None and u.evidence.at > override.at]
    if newer:
        count = "1 piece" if len(newer) == 1 else f"{len(newer)} pieces"
        return _replace(
            result,
            override=override,
            override_active=False,
            review="newer evidence",
            explain=lambda: (
                f"{said} Newer evidence has arrived since ({count}), so your teacher will review "
                f"it; until then this is the calculated result. {result.explanation}"
            ),
        )
    return _replace(
        result,
        score=level.points,
        raw_score=level.points,
        probability=None,
        level=level,
        status=scale.status_for(level),
        override=override,
        override_active=True,
        review=None,
        calculated=result,
        explain=lambda: f"{said} Without the override: {result.explanation}",
    )


def _replace(result: MasteryResult, **changes: object) -> MasteryResult:
    return replace(result, **changes)  # type: ignore[arg-type]
