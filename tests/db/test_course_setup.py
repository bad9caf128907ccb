"""A course's set-up: versioned settings, competencies that keep their evidence, alignments."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lti_tool.db.models.classroom import CourseLineItem
from lti_tool.usecases.course import (
    CompetencyChoice,
    LineItemInfo,
    SetupError,
    add_override,
    align,
    alignments,
    assignment_line_items,
    course_competencies,
    current_settings,
    map_score,
    remember_line_items,
    set_competencies,
    settings_history,
    update_settings,
)


def test_settings_start_at_canvas_defaults_and_keep_their_history(
    engine: Engine, course: dict[str, int]
) -> None:
    """Each change is a new version; older versions stay readable."""
    with Session(engine) as s:
        first = current_settings(s, course["ctx"])
        assert (first.version, first.method, first.params) == (
            0,
            "weighted_average",
            {"weight": 65},
        )
        assert first.mastery_points == 3 and first.top_points == 4
        update_settings(s, course["ctx"], changed_by_id=course["teacher"], method="n_mastery")
        update_settings(
            s, course["ctx"], changed_by_id=course["teacher"], params={"n": 2}, min_evidence=2
        )
        s.commit()
        now = current_settings(s, course["ctx"])
        assert (now.version, now.method, now.params, now.min_evidence) == (
            2,
            "n_mastery",
            {"n": 2},
            2,
        )
        assert [v.params for v in settings_history(s, course["ctx"])] == [{"n": 2}, {"n": 5}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"method": "median"}, "unknown calculation method"),
        ({"params": {"weight": 100}}, "weight must be from 1 to 99"),
        ({"params": {"weight": "x"}}, "weight must be a number"),
        ({"params": {"weight": 6.5}}, "whole number"),
        ({"scale": [{"name": "Only", "points": 1, "mastery": True}]}, "between 2 and 10"),
        ({"scale": [{"name": "A", "points": 2}, {"name": "B", "points": 1}]}, "exactly one"),
        (
            {"scale": [{"name": "A", "points": 1, "mastery": True}, {"name": "A", "points": 0}]},
            "name",
        ),
        ({"min_evidence": 0}, "minimum evidence"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_stored(
    engine: Engine, course: dict[str, int], changes: dict[str, object], message: str
) -> None:
    """A refused change leaves the settings as they were."""
    with Session(engine) as s:
        with pytest.raises(SetupError, match=message):
            update_settings(s, course["ctx"], changed_by_id=None, **changes)  # type: ignore[arg-type]
        assert current_settings(s, course["ctx"]).version == 0


def test_removed_competencies_come_back_with_their_rows(
    engine: Engine, course: dict[str, int]
) -> None:
    """Dropping a competency hides it; choosing it again restores the same row."""
    with Session(engine) as s:
        set_competencies(s, course["ctx"], [CompetencyChoice("c-2"), CompetencyChoice("c-3")])
        assert [c.identifier for c in course_competencies(s, course["ctx"])] == ["c-2", "c-3"]
        set_competencies(s, course["ctx"], [CompetencyChoice("c-1"), CompetencyChoice("c-2")])
        rows = course_competencies(s, course["ctx"])
        assert [(c.identifier, c.id) for c in rows][0] == ("c-1", course["c1"])


def test_line_items_are_upserted_and_alignments_checked(
    engine: Engine, course: dict[str, int]
) -> None:
    """A listing upserts by URL; a competency of another course cannot be aligned."""
    with Session(engine) as s:
        items = [LineItemInfo("https://lms.example.edu/li/9", "Essay", 20)]
        (row,) = remember_line_items(s, course["ctx"], items)
        again = remember_line_items(s, course["ctx"], items)
        assert again[0].id == row.id
        assert all(r.gone for r in s.query(CourseLineItem).filter(CourseLineItem.id != row.id))
        assert [r.label for r in assignment_line_items(s, course["ctx"])] == ["Essay"]
        align(s, row, [course["c1"]], {"kind": "cuts", "cuts": [[80, 4], [60, 3]]}, by_id=None)
        assert [a.course_competency_id for a in alignments(s, course["ctx"])[row.id]] == [
            course["c1"]
        ]
        with pytest.raises(SetupError, match="not one of this course"):
            align(s, row, [course["c1"], 999_999], {}, by_id=None)
        with pytest.raises(SetupError, match="not a level"):
            align(s, row, [course["c1"]], {"kind": "cuts", "cuts": [[80, 7]]}, by_id=None)


def test_score_mapping() -> None:
    """Rescaling and cut scores turn a raw score into points of the scale."""
    assert map_score({"kind": "rescale"}, 15, 20, 4) == 3.0
    cuts = {"kind": "cuts", "cuts": [[85, 4], [70, 3], [50, 2], [0, 1]]}
    assert [map_score(cuts, s, 100, 4) for s in (90, 85, 84.9, 50, 10)] == [4, 4, 3, 2, 1]
    rubric = {"kind": "rubric", "cuts": [[12, 4], [9, 3], [6, 2], [0, 1]]}
    assert [map_score(rubric, s, 12, 4) for s in (12, 11, 9, 6.5, 2)] == [4, 3, 3, 2, 1]


def test_an_override_needs_a_note_and_a_level_of_the_scale(
    engine: Engine, course: dict[str, int]
) -> None:
    """Overrides without a reason, or at a level the scale lacks, are refused."""
    common = {
        "context_id": course["ctx"],
        "learner_id": course["ada"],
        "course_competency_id": course["c1"],
        "by_id": course["teacher"],
    }
    with Session(engine) as s:
        with pytest.raises(SetupError, match="note"):
            add_override(s, level_name="Mastery", note="  ", **common)
        with pytest.raises(SetupError, match="not a level"):
            add_override(s, level_name="Gold", note="x", **common)
        row = add_override(s, level_name="Mastery", note="Explained it to me clearly", **common)
        assert row.points == 3
