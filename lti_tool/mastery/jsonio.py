"""The engine's JSON shape: requests in, results out (used by `lti-tool mastery calculate`).

Every malformed field is refused with a `MasteryInputError` whose `field` is the JSON path
(`evidence[2].at`), so a caller can say exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lti_tool.mastery.calculation import (
    EvidencePolicy,
    MasteryResult,
    Override,
    apply_override,
    calculate,
)
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.evidence import Evidence, Source
from lti_tool.mastery.methods import MethodSpec
from lti_tool.mastery.numbers import round_half_away
from lti_tool.mastery.scales import CutScores, Level, ProficiencyScale

_TOP_FIELDS = {"method", "params", "methods", "scale", "policy", "override", "evidence"}
_EVIDENCE_FIELDS = {
    "score", "points_possible", "at", "source", "id", "title", "recorded_by", "note", "link",
    "level", "excused", "hidden", "alignment_mastery",
}  # fmt: skip


@dataclass(frozen=True)
class CalculationRequest:
    """A parsed request: evidence, one or more methods, the scale, the policy, an override."""

    evidence: tuple[Evidence, ...]
    methods: tuple[MethodSpec, ...]
    scale: ProficiencyScale
    policy: EvidencePolicy
    override: Override | None
    compare: bool


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MasteryInputError(where, "must be a JSON object")
    return value


def _only(value: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in value:
        if key not in allowed:
            path = f"{where}.{key}" if where else str(key)
            raise MasteryInputError(
                path, f"is not a known field (known: {', '.join(sorted(allowed))})"
            )


def _text(value: Any, where: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise MasteryInputError(where, "must be text")
    return value


def _flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MasteryInputError(where, "must be true or false")
    return value


def parse_time(value: Any, where: str) -> datetime | None:
    """An ISO 8601 date-time ("2026-09-01T10:00:00Z"); a time without a zone is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise MasteryInputError(where, "must be an ISO 8601 date-time such as 2026-09-01T10:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MasteryInputError(
            where, f"{value!r} is not an ISO 8601 date-time such as 2026-09-01T10:00:00Z"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MasteryInputError(where, "must be a number or null")
    return value


def parse_evidence(item: Any, index: int) -> Evidence:
    """One evidence object of a request."""
    where = f"evidence[{index}]"
    item = _object(item, where)
    _only(item, _EVIDENCE_FIELDS, where)
    source = item.get("source", "lms")
    if not isinstance(source, str) or source not in {s.value for s in Source}:
        raise MasteryInputError(
            f"{where}.source", f"must be one of {', '.join(s.value for s in Source)}"
        )
    try:
        return Evidence(
            score=_number(item.get("score"), f"{where}.score"),
            points_possible=_number(item.get("points_possible"), f"{where}.points_possible"),
            at=parse_time(item.get("at"), f"{where}.at"),
            source=Source(source),
            id=_text(item.get("id"), f"{where}.id"),
            title=_text(item.get("title"), f"{where}.title"),
            recorded_by=_text(item.get("recorded_by"), f"{where}.recorded_by"),
            note=_text(item.get("note"), f"{where}.note"),
            link=_text(item.get("link"), f"{where}.link"),
            level=_text(item.get("level"), f"{where}.level") or None,
            excused=_flag(item.get("excused"), f"{where}.excused"),
            hidden=_flag(item.get("hidden"), f"{where}.hidden"),
            alignment_mastery=_number(item.get("alignment_mastery"), f"{where}.alignment_mastery"),
        )
    except MasteryInputError as exc:
        if exc.field.startswith(where):
            raise
        raise exc.within(where) from None


def parse_scale(value: Any) -> ProficiencyScale:
    """The `scale` object; Canvas's default scale when absent."""
    if value is None:
        return ProficiencyScale.canvas_default()
    value = _object(value, "scale")
    _only(value, {"levels", "version", "name", "cut_scores"}, "scale")
    raw_levels = value.get("levels")
    if not isinstance(raw_levels, list):
        raise MasteryInputError("scale.levels", "must be a list of levels")
    levels = []
    for i, raw in enumerate(raw_levels):
        where = f"scale.levels[{i}]"
        raw = _object(raw, where)
        _only(raw, {"name", "points", "mastery", "description"}, where)
        if raw.get("points") is None:
            raise MasteryInputError(f"{where}.points", "is required")
        try:
            levels.append(
                Level(
                    name=_text(raw.get("name"), f"{where}.name"),
                    points=_number(raw.get("points"), f"{where}.points"),  # type: ignore[arg-type]
                    mastery=_flag(raw.get("mastery"), f"{where}.mastery"),
                    description=_text(raw.get("description"), f"{where}.description"),
                )
            )
        except MasteryInputError as exc:
            if exc.field.startswith(where):
                raise
            raise exc.within(where) from None
    cut_scores = None
    if value.get("cut_scores") is not None:
        raw_cuts = _object(value["cut_scores"], "scale.cut_scores")
        _only(raw_cuts, {"version", "cuts"}, "scale.cut_scores")
        cuts = _object(raw_cuts.get("cuts"), "scale.cut_scores.cuts")
        for name, percent in cuts.items():
            _number(percent, f"scale.cut_scores.cuts.{name}")
        try:
            cut_scores = CutScores(
                _text(raw_cuts.get("version"), "scale.cut_scores.version", "1"),
                tuple(cuts.items()),
            )
        except MasteryInputError as exc:
            raise exc.within("scale") from None
    try:
        return ProficiencyScale(
            levels=tuple(levels),
            version=_text(value.get("version"), "scale.version", "1"),
            name=_text(value.get("name"), "scale.name"),
            cut_scores=cut_scores,
        )
    except MasteryInputError as exc:
        raise exc.within("scale") from None


def _method(value: Any, params: Any, where: str) -> MethodSpec:
    params = {} if params is None else params
    try:
        return MethodSpec(value, _object(params, "params"))
    except MasteryInputError as exc:
        if not where:
            raise
        raise exc.within(where) from None


def parse_request(data: Any) -> CalculationRequest:
    """A `mastery calculate` request from decoded JSON; raises `MasteryInputError`."""
    data = _object(data, "")
    _only(data, _TOP_FIELDS, "")
    if "methods" in data:
        if "method" in data or "params" in data:
            raise MasteryInputError("methods", "give either method and params, or methods")
        raw_methods = data["methods"]
        if not isinstance(raw_methods, list) or not raw_methods:
            raise MasteryInputError("methods", "must be a non-empty list of {method, params}")
        methods = []
        for i, raw in enumerate(raw_methods):
            raw = _object(raw, f"methods[{i}]")
            _only(raw, {"method", "params"}, f"methods[{i}]")
            methods.append(_method(raw.get("method"), raw.get("params"), f"methods[{i}]"))
        compare = True
    else:
        if "method" not in data:
            raise MasteryInputError("method", 'is required (for example "weighted_average")')
        methods = [_method(data["method"], data.get("params"), "")]
        compare = False
    raw_evidence = data.get("evidence")
    if not isinstance(raw_evidence, list):
        raise MasteryInputError("evidence", "must be a list (it may be empty)")
    evidence = tuple(parse_evidence(item, i) for i, item in enumerate(raw_evidence))
    scale = parse_scale(data.get("scale"))
    for i, ev in enumerate(evidence):
        if ev.level is not None and scale.find(ev.level) is None:
            names = ", ".join(lv.name for lv in scale.levels)
            raise MasteryInputError(
                f"evidence[{i}].level", f"no level {ev.level!r} on the scale ({names})"
            )
    policy = EvidencePolicy()
    if data.get("policy") is not None:
        raw_policy = _object(data["policy"], "policy")
        _only(raw_policy, {"min_evidence", "min_sources"}, "policy")
        policy = EvidencePolicy(**raw_policy)
    override = None
    if data.get("override") is not None:
        raw = _object(data["override"], "override")
        _only(raw, {"level", "note", "at", "by"}, "override")
        at = parse_time(raw.get("at"), "override.at")
        if at is None:
            raise MasteryInputError("override.at", "is required: when the teacher decided")
        override = Override(
            level=_text(raw.get("level"), "override.level"),
            note=_text(raw.get("note"), "override.note"),
            at=at,
            by=_text(raw.get("by"), "override.by"),
        )
        if scale.find(override.level) is None:
            names = ", ".join(lv.name for lv in scale.levels)
            raise MasteryInputError("override.level", f"no level {override.level!r} ({names})")
    return CalculationRequest(evidence, tuple(methods), scale, policy, override, compare)


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def result_to_json(result: MasteryResult) -> dict[str, Any]:
    """A result as JSON-ready data: score, level, status, why, evidence used and left out."""
    out: dict[str, Any] = {
        "method": result.method.name,
        "params": dict(result.method.params),
        "score": result.score,
        "raw_score": result.raw_score,
        "probability": result.probability,
        "level": result.level.name if result.level else None,
        "status": result.status.value,
        "explanation": result.explanation,
        "used": [
            {
                "index": u.index,
                "id": u.evidence.id,
                "title": u.evidence.title,
                "source": u.evidence.source.value,
                "at": _time(u.evidence.at),
                "score": u.evidence.score,
                "points_possible": u.evidence.points_possible,
                "level": u.evidence.level,
                "value": round_half_away(u.value, 4),
            }
            for u in result.used
        ],
        "excluded": [
            {
                "index": x.index,
                "id": x.evidence.id,
                "title": x.evidence.title,
                "source": x.evidence.source.value,
                "at": _time(x.evidence.at),
                "reason": x.reason,
            }
            for x in result.excluded
        ],
        "scale_version": result.scale_version,
        "review": result.review,
        "override": None,
    }
    if result.override is not None:
        out["override"] = {
            "level": result.override.level,
            "note": result.override.note,
            "by": result.override.by,
            "at": _time(result.override.at),
            "active": result.override_active,
        }
    if result.calculated is not None:
        calc = result.calculated
        out["calculated"] = {
            "score": calc.score,
            "level": calc.level.name if calc.level else None,
            "status": calc.status.value,
        }
    return out


def scale_to_json(scale: ProficiencyScale) -> dict[str, Any]:
    """A scale as JSON-ready data that `parse_scale` reads back (for storing a course's scale)."""
    out: dict[str, Any] = {
        "name": scale.name,
        "version": scale.version,
        "levels": [
            {
                "name": lv.name,
                "points": lv.points,
                "mastery": lv.mastery,
                "description": lv.description,
            }
            for lv in scale.levels
        ],
    }
    if scale.cut_scores is not None:
        out["cut_scores"] = {
            "version": scale.cut_scores.version,
            "cuts": dict(scale.cut_scores.cuts),
        }
    return out


def method_to_json(method: MethodSpec) -> dict[str, Any]:
    """A method and its parameters as JSON-ready data, as a request names them."""
    return {"method": method.name, "params": dict(method.params)}


def run_request(data: Any) -> dict[str, Any]:
    """Parse a request, calculate every method asked for, and return the JSON answer."""
    request = parse_request(data)
    results = []
    for method in request.methods:
        result = calculate(request.evidence, method, request.scale, request.policy)
        if request.override is not None:
            result = apply_override(result, request.override, request.scale)
        results.append(result_to_json(result))
    return {"results": results} if request.compare else results[0]
