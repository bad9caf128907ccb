"""Evidence is append-only and idempotent, including when two syncs store it at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lti_tool.db.models.classroom import Evidence
from lti_tool.usecases.evidence import (
    EvidenceError,
    LmsResult,
    decide_pending,
    record_lms_results,
    record_manual,
)

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def _result(ids: dict[str, int], who: str, score: float | None, at: datetime | None) -> LmsResult:
    return LmsResult(
        line_item_id=ids["li"],
        line_item_url="https://lms.example.edu/lineitems/1?type_id=3",
        learner_id=ids[who],
        learner_sub=who,
        score=score,
        points_possible=10,
        at=at,
    )


def _rows(engine: Engine) -> list[tuple[int, int, float | None, str]]:
    with Session(engine) as s:
        return [
            (e.learner_id, e.course_competency_id, e.score, e.status)
            for e in s.scalars(select(Evidence).order_by(Evidence.id))
        ]


def test_a_result_becomes_evidence_of_each_aligned_competency(
    engine: Engine, course: dict[str, int]
) -> None:
    """One score on a line item aligned to two competencies is evidence of both."""
    with Session(engine) as s:
        added = record_lms_results(
            s,
            course["ctx"],
            [_result(course, "ada", 8, T0)],
            {course["li"]: [course["c1"], course["c2"]]},
        )
        s.commit()
    assert added == 2
    assert sorted(_rows(engine)) == sorted(
        [(course["ada"], course["c1"], 8.0, "active"), (course["ada"], course["c2"], 8.0, "active")]
    )


def test_syncing_twice_stores_one_copy(engine: Engine, course: dict[str, int]) -> None:
    """The same results synced again add nothing."""
    results = [_result(course, "ada", 8, T0), _result(course, "ben", 5, T0)]
    mapping = {course["li"]: [course["c1"]]}
    for expected in (2, 0):
        with Session(engine) as s:
            assert record_lms_results(s, course["ctx"], results, mapping) == expected
            s.commit()
    assert len(_rows(engine)) == 2


def test_a_changed_score_is_new_evidence_and_the_old_one_is_kept(
    engine: Engine, course: dict[str, int]
) -> None:
    """A regrade supersedes the old score; both stay for the audit trail."""
    mapping = {course["li"]: [course["c1"]]}
    with Session(engine) as s:
        record_lms_results(s, course["ctx"], [_result(course, "ada", 5, T0)], mapping)
        s.commit()
    with Session(engine) as s:
        later = T0 + timedelta(days=2)
        assert (
            record_lms_results(s, course["ctx"], [_result(course, "ada", 9, later)], mapping) == 1
        )
        s.commit()
    assert _rows(engine) == [
        (course["ada"], course["c1"], 5.0, "superseded"),
        (course["ada"], course["c1"], 9.0, "active"),
    ]


def test_an_empty_grade_is_never_a_zero(engine: Engine, course: dict[str, int]) -> None:
    """No score is no evidence; a grade that is cleared supersedes the old one."""
    mapping = {course["li"]: [course["c1"]]}
    with Session(engine) as s:
        assert (
            record_lms_results(s, course["ctx"], [_result(course, "ada", None, T0)], mapping) == 0
        )
        record_lms_results(s, course["ctx"], [_result(course, "ben", 0, T0)], mapping)
        s.commit()
    assert _rows(engine) == [(course["ben"], course["c1"], 0.0, "active")]
    with Session(engine) as s:
        record_lms_results(s, course["ctx"], [_result(course, "ben", None, T0)], mapping)
        s.commit()
    assert _rows(engine) == [(course["ben"], course["c1"], 0.0, "superseded")]


def test_two_syncs_at_once_store_one_copy(engine: Engine, course: dict[str, int]) -> None:
    """Two workers storing the same 200 results at the same moment end with 200 rows."""
    mapping = {course["li"]: [course["c1"]]}
    results = [
        _result(course, "ada" if i % 2 else "ben", i % 10, T0 + timedelta(minutes=i))
        for i in range(200)
    ]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sync() -> None:
        try:
            with Session(engine) as s:
                barrier.wait()
                record_lms_results(s, course["ctx"], results, mapping)
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors and "locked" not in str(errors[0]):
        raise errors[0]
    with Session(engine) as s:
        total = s.scalar(select(func.count()).select_from(Evidence))
    assert total == 200


def test_manual_evidence_is_checked(engine: Engine, course: dict[str, int]) -> None:
    """Observations need a level, links must be web links, scores must be in range."""
    common = {
        "context_id": course["ctx"],
        "learner_id": course["ada"],
        "course_competency_id": course["c1"],
        "at": T0,
        "recorded_by_id": course["teacher"],
    }
    with Session(engine) as s:
        with pytest.raises(EvidenceError, match="between 0 and 4"):
            record_manual(s, source="observation", score=5, points_possible=4, **common)
        with pytest.raises(EvidenceError, match="link"):
            record_manual(
                s, source="artefact", score=3, points_possible=4, link="javascript:x", **common
            )
        with pytest.raises(EvidenceError, match="unknown kind"):
            record_manual(s, source="lms", score=3, points_possible=4, **common)
        row = record_manual(s, source="observation", score=3, points_possible=4, **common)
        s.commit()
        assert row.status == "active"


def test_a_learner_submission_waits_for_the_teacher(engine: Engine, course: dict[str, int]) -> None:
    """A learner's artefact is pending until accepted at a level; deciding twice is refused."""
    with Session(engine) as s:
        row = record_manual(
            s,
            context_id=course["ctx"],
            learner_id=course["ada"],
            course_competency_id=course["c1"],
            source="artefact",
            score=None,
            points_possible=None,
            at=T0,
            recorded_by_id=course["ada"],
            link="https://example.org/my-model.pdf",
            pending=True,
        )
        assert row.status == "pending"
        decide_pending(s, row, accept=True, score=3, points=4)
        assert (row.status, row.score) == ("active", 3)
        with pytest.raises(EvidenceError, match="already"):
            decide_pending(s, row, accept=False, score=None, points=4)


def test_a_score_changed_back_is_evidence_again_without_timestamps(
    engine: Engine, course: dict[str, int]
) -> None:
    """5, then 9, then 5 again (results carry no time): three rows, the last one active."""
    mapping = {course["li"]: [course["c1"]]}
    for score in (5, 9, 5, 5):
        with Session(engine) as s:
            record_lms_results(s, course["ctx"], [_result(course, "ada", score, None)], mapping)
            s.commit()
    assert _rows(engine) == [
        (course["ada"], course["c1"], 5.0, "superseded"),
        (course["ada"], course["c1"], 9.0, "superseded"),
        (course["ada"], course["c1"], 5.0, "active"),
    ]
