"""The bridge between a course's stored settings and evidence and the mastery engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from lti_tool.mastery import (
    METHODS,
    Evidence,
    EvidencePolicy,
    Level,
    MasteryInputError,
    MasteryResult,
    MethodSpec,
    Override,
    ProficiencyScale,
    apply_override,
    calculate,
)


@dataclass(frozen=True)
class Piece:
    """A piece of evidence already on the course scale."""

    id: int
    points: float
    at: datetime
    source: str
    title: str


def method_choices() -> dict[str, dict[str, Any]]:
    """The methods a teacher can choose: title, plain meaning, parameters with ranges."""
    return {
        name: {
            "label": info.title,
            "canvas": info.canvas,
            "help": info.meaning,
            "params": {
                p.name: {
                    "default": p.default,
                    "low": p.low,
                    "high": p.high,
                    "integer": p.integer,
                    "meaning": p.meaning,
                }
                for p in info.params
            },
        }
        for name, info in METHODS.items()
    }


def check_method(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters, parsed from form text or JSON and checked by the engine."""
    info = METHODS.get(method)
    if info is None:
        raise MasteryInputError("method", f"unknown calculation method {method!r}")
    parsed: dict[str, float] = {}
    for param in info.params:
        raw = params.get(param.name, param.default)
        if isinstance(raw, str):
            try:
                raw = float(raw) if raw.strip() else param.default
            except ValueError:
                raise MasteryInputError(f"params.{param.name}", "must be a number") from None
        if isinstance(raw, float) and raw.is_integer() and param.integer:
            raw = int(raw)
        parsed[param.name] = raw
    return dict(MethodSpec(method, parsed).params)


@lru_cache(maxsize=256)
def _scale(levels: tuple[tuple[str, float, bool], ...], version: str) -> ProficiencyScale:
    return ProficiencyScale(
        levels=tuple(Level(name, points, mastery=mastery) for name, points, mastery in levels),
        version=version,
    )


def scale_of(levels: Sequence[dict[str, Any]], version: int) -> ProficiencyScale:
    """The engine's scale for a course's stored levels."""
    key = tuple((str(lv["name"]), float(lv["points"]), bool(lv.get("mastery"))) for lv in levels)
    return _scale(key, f"course-v{version}")


def evaluate(
    *,
    levels: Sequence[dict[str, Any]],
    version: int,
    method: str,
    params: dict[str, Any],
    min_evidence: int,
    min_evidence_types: int,
    pieces: Sequence[Piece],
    override: tuple[str, str, datetime, str] | None = None,
    explain: bool = True,
) -> dict[str, Any]:
    """One learner's result on one competency, as stored and shown. Without `explain` the
    words are not written (they cost more than the arithmetic; pages ask for them)."""
    scale = scale_of(levels, version)
    evidence = [
        Evidence(
            score=p.points,
            points_possible=None,
            at=p.at,
            source=p.source,  # type: ignore[arg-type]
            id=str(p.id),
            title=p.title,
        )
        for p in pieces
    ]
    result = calculate(
        evidence,
        MethodSpec(method, params),
        scale,
        EvidencePolicy(min_evidence=min_evidence, min_sources=min_evidence_types),
    )
    if override is not None:
        level, note, at, by = override
        result = apply_override(result, Override(level=level, note=note, at=at, by=by), scale)
    return to_json(result, explain=explain)


def evaluate_many(
    *,
    levels: Sequence[dict[str, Any]],
    version: int,
    method: str,
    params: dict[str, Any],
    min_evidence: int,
    min_evidence_types: int,
    groups: Sequence[Sequence[Piece]],
) -> list[dict[str, Any]]:
    """Results for many learner-competency pairs at once, with array arithmetic (the same
    numbers as `evaluate`, without explanations or overrides)."""
    import math

    from lti_tool.mastery.batch import STATUSES, calculate_columns

    scale = scale_of(levels, version)
    spec = MethodSpec(method, params)
    sources: dict[str, int] = {}
    group, value, when, source = [], [], [], []
    for index, pieces in enumerate(groups):
        for piece in pieces:
            group.append(index)
            value.append(piece.points)
            when.append(piece.at.timestamp())
            source.append(sources.setdefault(piece.source, len(sources)))
    cols = calculate_columns(
        group,
        value,
        when,
        method=spec,
        scale=scale,
        policy=EvidencePolicy(min_evidence=min_evidence, min_sources=min_evidence_types),
        source=source,
        groups=len(groups),
    )
    out = []
    params_used = dict(spec.params)
    for i in range(len(groups)):
        score = float(cols.score[i])
        level_index = int(cols.level[i])
        probability = float(cols.probability[i])
        out.append(
            {
                "score": None if math.isnan(score) else score,
                "level": scale.levels[level_index].name if level_index >= 0 else "",
                "status": STATUSES[int(cols.status[i])].value,
                "explanation": "",
                "probability": None if math.isnan(probability) else probability,
                "used": [str(p.id) for p in groups[i]],
                "excluded": [],
                "method": spec.name,
                "params": params_used,
                "scale_version": scale.full_version,
                "override": None,
                "review": None,
            }
        )
    return out


def to_json(result: MasteryResult, *, explain: bool = True) -> dict[str, Any]:
    """The result as stored: numbers, names and (when asked) words."""
    return {
        "score": result.score,
        "level": result.level.name if result.level else "",
        "status": result.status.value,
        "explanation": result.explanation if explain else "",
        "probability": result.probability,
        "used": [u.evidence.id for u in result.used],
        "excluded": [[x.evidence.id, x.reason] for x in result.excluded],
        "method": result.method.name,
        "params": dict(result.method.params),
        "scale_version": result.scale_version,
        "override": (
            {
                "level": result.override.level,
                "note": result.override.note,
                "at": result.override.at.isoformat(),
                "active": result.override_active,
            }
            if result.override
            else None
        ),
        "review": result.review,
    }
