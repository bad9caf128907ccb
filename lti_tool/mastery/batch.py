"""Many results at once, for recomputing a class or a whole district after every sync.

`calculate_columns` takes evidence as columns of numbers (learner-competency group, value on
the scale, time) and computes every group's score, level and status with array arithmetic;
`calculate_many` does the same from `Evidence` objects. Both give the same numbers as
`calculate` (a property test checks this) but no explanations: ask `calculate` for the
explanation of the one result a person opens.

Order within a group is by time (none first), then by value, as `calculate` orders; rows
with equal time and value are interchangeable for every method, so the rest of the
tie-break never changes a number.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lti_tool.mastery.calculation import EvidencePolicy, scaled_value
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.evidence import Evidence, Source
from lti_tool.mastery.methods import MethodSpec
from lti_tool.mastery.scales import Level, ProficiencyScale, Status

STATUSES = tuple(Status)
_SOURCE_CODES = {s: i for i, s in enumerate(Source)}
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Columns:
    """Results as columns, one row per group: NaN score means none; level -1 means none."""

    score: Floats
    raw_score: Floats
    probability: Floats
    level: Ints
    status: NDArray[np.int8]
    used: Ints

    def status_of(self, group: int) -> Status:
        """The status of one group."""
        return STATUSES[int(self.status[group])]


@dataclass(frozen=True)
class Summary:
    """One group's result without its explanation."""

    score: float | None
    raw_score: float | None
    probability: float | None
    level: Level | None
    status: Status
    used: int


def _round(x: Floats) -> Floats:
    """Vectorised `round_half_away` (the same operations, so the same results)."""
    with np.errstate(invalid="ignore"):
        r = np.floor(np.abs(x) * 100.0 + 0.5 + 1e-9) / 100.0
    return np.where(r == 0.0, 0.0, np.copysign(r, x))


def _levels(score: Floats, scale: ProficiencyScale) -> Ints:
    """Index (highest first) of the first level each rounded score reaches, else the lowest."""
    thresholds = _round(np.array([scale.threshold(lv) for lv in scale.levels], dtype=float))
    idx = np.searchsorted(-thresholds, -_round(score), side="left")
    return np.minimum(idx, len(scale.levels) - 1).astype(np.int64)


def _statuses(level: Ints, scale: ProficiencyScale) -> NDArray[np.int8]:
    """Status codes for level indexes, as `ProficiencyScale.status_for`."""
    table = np.array([STATUSES.index(scale.status_for(lv)) for lv in scale.levels], dtype=np.int8)
    return table[level]


def calculate_columns(
    group: ArrayLike,
    value: ArrayLike,
    when: ArrayLike | None = None,
    method: MethodSpec | str = "weighted_average",
    scale: ProficiencyScale | None = None,
    policy: EvidencePolicy | None = None,
    source: ArrayLike | None = None,
    groups: int | None = None,
) -> Columns:
    """Results for every group from evidence columns.

    `group` numbers each row's learner-competency pair from 0; `value` is the score already on
    the scale (NaN or infinite for rows that are not evidence); `when` orders rows in time
    (NaN for no time: oldest; None: the rows are already in time order); `source` numbers
    each row's kind of source (for the policy's minimum of kinds); `groups` is how many groups
    there are (default: the largest group number + 1).
    """
    spec = method if isinstance(method, MethodSpec) else MethodSpec(method)
    scale = scale or ProficiencyScale.canvas_default()
    policy = policy or EvidencePolicy()
    try:
        g_all = np.asarray(group, dtype=np.int64)
        v_all = np.asarray(value, dtype=np.float64)
        t_all = (
            np.arange(v_all.size, dtype=np.float64)
            if when is None
            else np.asarray(when, dtype=np.float64)
        )
    except (TypeError, ValueError):
        raise MasteryInputError("columns", "group, value and when must be numbers") from None
    if not (g_all.shape == v_all.shape == t_all.shape) or g_all.ndim != 1:
        raise MasteryInputError("columns", "group, value and when must be equally long lists")
    if g_all.size and g_all.min() < 0:
        raise MasteryInputError("group", "group numbers start at 0")
    n_groups = int(groups if groups is not None else (g_all.max() + 1 if g_all.size else 0))
    if n_groups < 0:
        raise MasteryInputError("groups", "must be 0 or more")
    try:
        src_all = None if source is None else np.asarray(source, dtype=np.int64)
    except (TypeError, ValueError):
        raise MasteryInputError("source", "must be whole numbers") from None
    if src_all is not None and (
        src_all.shape != g_all.shape or (src_all.size and src_all.min() < 0)
    ):
        raise MasteryInputError("source", "must number each row's kind of source from 0")
    if g_all.size and g_all.max() >= n_groups:
        raise MasteryInputError("groups", "is smaller than the largest group number + 1")
    keep = np.isfinite(v_all)
    g, v, t = g_all[keep], v_all[keep], t_all[keep]
    t = np.where(np.isfinite(t), t, -np.inf)  # NaN or infinite: no time, the oldest
    if _in_order(g, t, v):
        # Rows read from the database already ordered by group and time need no sort.
        order = np.arange(g.size)
    else:
        order = _order(g, t, v)
        g, v = g[order], v[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if g.size else np.zeros(0, np.int64)
    present = g[starts]
    counts = np.diff(np.r_[starts, g.size])

    nan = np.full(n_groups, np.nan)
    score, raw, prob = nan.copy(), nan.copy(), nan.copy()
    level = np.full(n_groups, -1, dtype=np.int64)
    status = np.full(n_groups, STATUSES.index(Status.NO_EVIDENCE), dtype=np.int8)
    used = np.zeros(n_groups, dtype=np.int64)
    used[present] = counts
    if present.size:
        computed, p_status = _compute(spec, v, starts, counts, scale)
        if spec.name == "knowledge_tracing":
            assert p_status is not None
            prob[present] = np.floor(computed * 10000.0 + 0.5 + 1e-9) / 10000.0
            mastery_index = scale.levels.index(scale.mastery_level)
            step = np.where(
                p_status == STATUSES.index(Status.MASTERED),
                0,
                np.where(p_status == STATUSES.index(Status.NEAR), 1, 2),
            )
            level[present] = np.minimum(mastery_index + step, len(scale.levels) - 1)
            status[present] = _statuses(level[present], scale)  # as `calculate`: the level decides
        else:
            decided = ~np.isnan(computed)
            r = _round(computed)
            s = np.clip(r, scale.bottom, scale.top)
            raw[present] = np.where(decided, r, np.nan)
            score[present] = np.where(decided, s, np.nan)
            lv = _levels(np.where(decided, s, scale.top), scale)
            level[present] = np.where(decided, lv, -1)
            status[present] = np.where(
                decided, _statuses(lv, scale), STATUSES.index(Status.INSUFFICIENT_EVIDENCE)
            )
        short = counts < policy.min_evidence
        if policy.min_sources > 1:
            if src_all is None:
                kinds = np.ones_like(counts)
            else:
                src = src_all[keep][order]
                pairs = np.unique(g * (src.max() + 1 if src.size else 1) + src)
                kinds = np.bincount(pairs // (src.max() + 1), minlength=n_groups)[present]
            short |= kinds < policy.min_sources
        status[present[short]] = STATUSES.index(Status.INSUFFICIENT_EVIDENCE)
    return Columns(score, raw, prob, level, status, used)


def _order(g: Ints, t: Floats, v: Floats) -> Ints:
    """The permutation that orders rows by group, time, then value.

    Times in whole seconds (as databases and LMSs give them) fold with the group and the
    value's rank into one integer key: one sort instead of three. Fractional times, or keys
    too large for 64 bits, fall back to sorting by all three keys.
    """
    timed = np.isfinite(t)
    if not (timed.any() and np.array_equal(np.floor(t[timed]), t[timed])):
        return np.lexsort((v, t, g))
    lo, hi = float(t[timed].min()), float(t[timed].max())
    span = hi - lo + 2  # one more for "no time", which sorts first
    vlo, vhi = float(v.min()), float(v.max())
    if np.array_equal(np.floor(v), v) and vhi - vlo < 2**20:
        rank, kinds = (v - vlo).astype(np.int64), int(vhi - vlo) + 1  # scores in whole points
    else:
        values, inverse = np.unique(v, return_inverse=True)
        rank, kinds = inverse.reshape(-1).astype(np.int64), int(values.size)
    if (float(g.max()) + 1) * span * kinds >= 2.0**62:
        return np.lexsort((v, t, g))
    when = np.where(timed, t - lo + 1, 0).astype(np.int64)
    return np.argsort((g * np.int64(span) + when) * kinds + rank)


def _in_order(g: Ints, t: Floats, v: Floats) -> bool:
    """True when rows are already ordered by group, time, then value."""
    if g.size < 2:
        return True
    g0, g1, t0, t1 = g[:-1], g[1:], t[:-1], t[1:]
    same_time = (t1 == t0) & (v[1:] >= v[:-1])
    return bool(np.all((g1 > g0) | ((g1 == g0) & ((t1 > t0) | same_time))))


def _compute(
    spec: MethodSpec, v: Floats, starts: Ints, counts: Ints, scale: ProficiencyScale
) -> tuple[Floats, NDArray[np.int8] | None]:
    """Each group's unrounded value (NaN when the method cannot decide yet)."""
    ends = starts + counts - 1
    group_of = np.repeat(np.arange(starts.size), counts)
    pos = np.arange(v.size) - starts[group_of]
    name, params = spec.name, spec.params
    if name == "latest":
        return v[ends], None
    if name == "highest":
        return np.maximum.reduceat(v, starts), None
    if name == "average":
        return np.add.reduceat(v, starts) / counts, None
    if name == "weighted_average":
        w = params["weight"] / 100.0
        last = v[ends]
        with np.errstate(invalid="ignore", divide="ignore"):
            earlier = (np.add.reduceat(v, starts) - last) / (counts - 1)
        return np.where(counts > 1, last * w + earlier * (1 - w), last), None
    if name == "standard_decaying_average":
        w = params["weight"] / 100.0
        exponent = (counts[group_of] - 1 - pos).astype(float)
        coef = np.where(pos == 0, (1 - w) ** exponent, w * (1 - w) ** exponent)
        return np.add.reduceat(coef * v, starts), None
    if name == "n_mastery":
        n = int(params["n"])
        kept = v >= scale.mastery_threshold
        kept_n = np.add.reduceat(kept.astype(np.int64), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.add.reduceat(np.where(kept, v, 0.0), starts) / kept_n
        return np.where((counts >= n) & (kept_n >= n), mean, np.nan), None
    if name == "mode":
        return _mode(v, starts, counts, group_of, pos, int(params["n"]), scale), None
    if name == "power_law":
        return _power_law(v, starts, counts, group_of, pos), None
    if name == "knowledge_tracing":
        return _knowledge_tracing(v, starts, counts, params, scale)
    raise MasteryInputError("method", f"{name} has no batch form")  # pragma: no cover


def _mode(
    v: Floats, starts: Ints, counts: Ints, group_of: Ints, pos: Ints, n: int,
    scale: ProficiencyScale,
) -> Floats:  # fmt: skip
    n_levels = len(scale.levels)
    recent = pos >= counts[group_of] - n
    lv = _levels(v[recent], scale)
    cell = group_of[recent] * n_levels + lv
    tally = np.bincount(cell, minlength=starts.size * n_levels)
    last = np.full(starts.size * n_levels, -1, dtype=np.int64)
    np.maximum.at(last, cell, pos[recent])
    key = tally * (int(counts.max()) + 2) + last
    best = key.reshape(starts.size, n_levels).argmax(axis=1)
    starts_at = np.array([scale.threshold(lv) for lv in scale.levels], dtype=float)
    return starts_at[best]


def _power_law(v: Floats, starts: Ints, counts: Ints, group_of: Ints, pos: Ints) -> Floats:
    curve = np.minimum.reduceat(v, starts) > 0
    on_curve = curve[group_of]
    x = np.where(on_curve, np.log(pos + 1.0), pos + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(on_curve, np.log(np.where(on_curve, v, 1.0)), v)
        n = counts.astype(float)
        sx, sy = np.add.reduceat(x, starts), np.add.reduceat(y, starts)
        mx, my = sx / n, sy / n
        dx = x - mx[group_of]
        sxx = np.add.reduceat(dx * dx, starts)
        sxy = np.add.reduceat(dx * (y - my[group_of]), starts)
        b = sxy / sxx
        a = my - b * mx
        fitted = np.where(curve, np.exp(a + b * np.log(n)), a + b * n)
    return np.where(counts == 1, v[starts], fitted)


def _knowledge_tracing(
    v: Floats, starts: Ints, counts: Ints, params: Mapping[str, float], scale: ProficiencyScale
) -> tuple[Floats, NDArray[np.int8]]:
    l0, transit, guess, slip = params["l0"], params["transit"], params["guess"], params["slip"]
    right = v >= scale.mastery_threshold
    known = np.full(starts.size, l0)
    for k in range(int(counts.max())):
        active = np.nonzero(counts > k)[0]
        r = right[starts[active] + k]
        p = known[active]
        seen = np.where(r, p * (1 - slip), p * slip)
        other = np.where(r, (1 - p) * guess, (1 - p) * (1 - guess))
        post = seen / (seen + other)
        known[active] = post + (1 - post) * transit
    need, near = params["threshold"], params["near"]
    codes = np.where(
        known >= need,
        STATUSES.index(Status.MASTERED),
        np.where(known >= near, STATUSES.index(Status.NEAR), STATUSES.index(Status.NOT_YET)),
    ).astype(np.int8)
    return known, codes


def calculate_many(
    groups: Mapping[Hashable, Iterable[Evidence]],
    method: MethodSpec | str = "weighted_average",
    scale: ProficiencyScale | None = None,
    policy: EvidencePolicy | None = None,
) -> dict[Hashable, Summary]:
    """Results without explanations for many groups (e.g. every learner x competency)."""
    scale = scale or ProficiencyScale.canvas_default()
    keys = list(groups)
    g: list[int] = []
    val: list[float] = []
    when: list[float] = []
    src: list[int] = []
    for i, key in enumerate(keys):
        for ev in groups[key]:
            x = scaled_value(ev, scale)
            if isinstance(x, str):
                continue
            g.append(i)
            val.append(x)
            when.append(ev.at.timestamp() if ev.at is not None else np.nan)
            src.append(_SOURCE_CODES[ev.source])
    cols = calculate_columns(g, val, when, method, scale, policy, src, groups=len(keys))
    return {key: summary(cols, i, scale) for i, key in enumerate(keys)}


def summary(cols: Columns, i: int, scale: ProficiencyScale) -> Summary:
    """One group's row of `cols` as a `Summary`."""

    def num(x: Any) -> float | None:
        return None if np.isnan(x) else float(x)

    lv = int(cols.level[i])
    return Summary(
        num(cols.score[i]),
        num(cols.raw_score[i]),
        num(cols.probability[i]),
        scale.levels[lv] if lv >= 0 else None,
        STATUSES[int(cols.status[i])],
        int(cols.used[i]),
    )


def as_columns(rows: Sequence[tuple[int, float, float]]) -> tuple[Ints, Floats, Floats]:
    """(group, value, time) rows as the three columns `calculate_columns` takes."""
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2]
