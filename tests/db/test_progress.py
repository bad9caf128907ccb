"""A course's results computed all at once equal the engine's one-by-one results."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lti_tool.db.models.classroom import Evidence, MasteryState
from lti_tool.db.models.lti import Enrolment
from lti_tool.usecases import progress
from lti_tool.usecases.course import current_settings, update_settings
from lti_tool.usecases.evidence import record_manual


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("weighted_average", {"weight": 65}),
        ("standard_decaying_average", {"weight": 75}),
        ("n_mastery", {"n": 2}),
        ("latest", {}),
        ("highest", {}),
        ("average", {}),
        ("mode", {"n": 3}),
        ("power_law", {}),
    ],
)
def test_batch_results_equal_one_by_one(
    engine: Engine, course: dict[str, int], method: str, params: dict[str, int]
) -> None:
    """Random evidence, every method: the stored results are what `evaluate` gives."""
    rng = random.Random(f"{method}{params}")
    with Session(engine) as s:
        for who in ("ada", "ben"):
            s.add(Enrolment(user_id=course[who], context_id=course["ctx"], role="learner"))
        update_settings(
            s, course["ctx"], changed_by_id=None, method=method, params=params, min_evidence=2
        )
        start = datetime(2026, 9, 1, tzinfo=UTC)
        for who in ("ada", "ben"):
            for comp in ("c1", "c2"):
                for n in range(rng.randint(0, 6)):
                    record_manual(
                        s,
                        context_id=course["ctx"],
                        learner_id=course[who],
                        course_competency_id=course[comp],
                        source=rng.choice(["observation", "outside_school"]),
                        score=rng.choice([0, 1, 2, 3, 4]),
                        points_possible=4,
                        at=start + timedelta(days=rng.choice([n, n, 0])),
                        recorded_by_id=course["teacher"],
                    )
        progress.recompute(s, course["ctx"])
        s.commit()
        settings = current_settings(s, course["ctx"])
        for state in s.scalars(select(MasteryState)):
            evidence = s.scalars(
                select(Evidence).where(
                    Evidence.learner_id == state.learner_id,
                    Evidence.course_competency_id == state.course_competency_id,
                )
            ).all()
            one = progress.evaluate(settings, evidence, {}, None, explain=False)
            assert (state.score, state.level, state.status) == (
                one["score"],
                one["level"],
                one["status"],
            ), (method, state.learner_id, state.course_competency_id)
