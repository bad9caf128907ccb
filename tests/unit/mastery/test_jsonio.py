"""The JSON request and result shapes behind `lti-tool mastery calculate`."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.mastery import MasteryInputError
from lti_tool.mastery.jsonio import parse_request, run_request

ISSUE_EXAMPLE = {
    "method": "weighted_average",
    "params": {"weight": 65},
    "scale": {
        "levels": [
            {"name": "Exceeds Mastery", "points": 4},
            {"name": "Mastery", "points": 3, "mastery": True},
            {"name": "Near Mastery", "points": 2},
            {"name": "Below Mastery", "points": 1},
        ]
    },
    "evidence": [
        {"score": 2, "points_possible": 4, "at": "2026-09-01T10:00:00Z", "source": "lms"},
        {"score": 3, "points_possible": 4, "at": "2026-09-08T10:00:00Z", "source": "lms"},
    ],
}


def test_the_issue_example() -> None:
    """The request shape from the issue gives 2.65, Near Mastery, with the why."""
    out = run_request(ISSUE_EXAMPLE)
    assert (out["score"], out["level"], out["status"]) == (2.65, "Near Mastery", "near")
    assert "= 2.65" in out["explanation"]
    assert [u["at"] for u in out["used"]] == ["2026-09-01T10:00:00Z", "2026-09-08T10:00:00Z"]
    assert out["excluded"] == [] and out["override"] is None
    assert out["params"] == {"weight": 65}


def test_scale_defaults_to_canvas() -> None:
    """Without a scale, Canvas's default scale is used and named in the result."""
    out = run_request({"method": "latest", "evidence": [{"score": 3}]})
    assert out["scale_version"] == "canvas-default" and out["level"] == "Mastery"


def test_compare_several_methods_on_the_same_evidence() -> None:
    """`methods` gives one result per method, in the order asked."""
    data = {**ISSUE_EXAMPLE, "methods": [{"method": "latest"}, {"method": "highest"}]}
    del data["method"], data["params"]
    out = run_request(data)
    assert [(r["method"], r["score"]) for r in out["results"]] == [("latest", 3), ("highest", 3)]


def test_override_and_policy_in_a_request() -> None:
    """An override and a policy apply as in the engine."""
    data = {
        **ISSUE_EXAMPLE,
        "policy": {"min_evidence": 1, "min_sources": 1},
        "override": {"level": "Mastery", "note": "Retake in class", "at": "2026-09-09T10:00:00Z"},
    }
    out = run_request(data)
    assert out["override"]["active"] is True and out["status"] == "mastered"
    assert out["calculated"] == {"score": 2.65, "level": "Near Mastery", "status": "near"}


def test_empty_evidence_is_no_evidence() -> None:
    """An empty list is valid: no evidence yet."""
    out = run_request({"method": "latest", "evidence": []})
    assert (out["score"], out["level"], out["status"]) == (None, None, "no_evidence")


def _with(path: str, value: Any) -> dict[str, Any]:
    import copy

    data = copy.deepcopy(ISSUE_EXAMPLE)
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("method", "median", "method"),
        ("method", KeyError, "method"),
        ("method", 3, "method"),
        ("params", {"weight": 200}, "params.weight"),
        ("params", [65], "params"),
        ("params", {"wieght": 65}, "params.wieght"),
        ("evidence", {"score": 1}, "evidence"),
        ("evidence.0", "3", "evidence[0]"),
        ("evidence.0.score", "3", "evidence[0].score"),
        ("evidence.1.at", "next week", "evidence[1].at"),
        ("evidence.1.at", 20260901, "evidence[1].at"),
        ("evidence.1.points_possible", -4, "evidence[1].points_possible"),
        ("evidence.1.source", "rumour", "evidence[1].source"),
        ("evidence.1.excused", "yes", "evidence[1].excused"),
        ("evidence.1.level", "Gold", "evidence[1].level"),
        ("evidence.1.colour", "red", "evidence[1].colour"),
        ("scale", [], "scale"),
        ("scale.levels", {}, "scale.levels"),
        ("scale.levels.0", {"name": "Top"}, "scale.levels[0].points"),
        ("scale.levels.0", {"name": "", "points": 9}, "scale.levels[0].name"),
        ("scale.levels.1", {"name": "Mastery", "points": 3}, "scale.levels"),
        (
            "scale.levels.0",
            {"name": "Exceeds", "points": 4, "mastery": "y"},
            "scale.levels[0].mastery",
        ),
        ("policy", {"min_evidence": 0}, "policy.min_evidence"),
        ("policy", {"min_kinds": 2}, "policy.min_kinds"),
        ("override", {"level": "Mastery", "note": "", "at": "2026-09-09"}, "override.note"),
        ("override", {"level": "Mastery", "note": "x"}, "override.at"),
        ("override", {"level": "Gold", "note": "x", "at": "2026-09-09"}, "override.level"),
        ("methodz", 1, "methodz"),
    ],
)
def test_malformed_requests_name_the_field(path: str, value: Any, field: str) -> None:
    """Each malformed field is a domain error whose field is the JSON path."""
    with pytest.raises(MasteryInputError) as info:
        parse_request(_with(path, value))
    assert info.value.field == field, str(info.value)


def test_the_request_must_be_an_object() -> None:
    """A list or a number is not a request."""
    for data in ([], 3, None, "x"):
        with pytest.raises(MasteryInputError, match="must be a JSON object"):
            parse_request(data)


def test_cut_scores_in_a_request() -> None:
    """A district's cut scores move the level and their version is reported."""
    data = _with(
        "scale.cut_scores",
        {"version": "2026", "cuts": {"Exceeds Mastery": 95, "Mastery": 70, "Near Mastery": 50,
                                     "Below Mastery": 0}},
    )  # fmt: skip
    out = run_request(data)
    assert out["level"] == "Near Mastery"
    assert out["scale_version"] == "1; cut scores 2026"
    bad = _with("scale.cut_scores", {"cuts": {"Mastery": "high"}})
    with pytest.raises(MasteryInputError) as info:
        parse_request(bad)
    assert info.value.field == "scale.cut_scores.cuts.Mastery"


def test_scale_and_method_round_trip() -> None:
    """A stored scale (with cut scores) and method read back equal."""
    from lti_tool.mastery import CutScores, MethodSpec, ProficiencyScale
    from lti_tool.mastery.jsonio import method_to_json, parse_scale, scale_to_json

    default = ProficiencyScale.canvas_default()
    cuts = CutScores("7", tuple((lv.name, 100 - 20 * i) for i, lv in enumerate(default.levels)))
    scale = ProficiencyScale(default.levels, version="d-2", name="District", cut_scores=cuts)
    assert parse_scale(scale_to_json(scale)) == scale
    spec = MethodSpec("n_mastery", {"n": 3})
    stored = method_to_json(spec)
    assert stored == {"method": "n_mastery", "params": {"n": 3}}
    assert MethodSpec(stored["method"], stored["params"]) == spec


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_times_at_the_edge_of_the_calendar(at: str) -> None:
    """A time that falls outside the calendar in UTC is a domain error naming the field."""
    with pytest.raises(MasteryInputError) as info:
        parse_request({"method": "latest", "evidence": [{"score": 1, "at": at}]})
    assert info.value.field == "evidence[0].at"
