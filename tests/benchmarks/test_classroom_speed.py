"""The classroom at scale: a whole sync of a big course, and the teacher's grid.

1. Sync: 1,000 learners and 40 aligned line items on the built-in platform in its own process,
   with 50 ms added to every request (the platform fixture of test_ags_fetch). Times the
   whole pull (roster, line items, every result page, 40,000 pieces of evidence stored, every
   result recomputed) against the ideal: requests ÷ concurrency × latency.
2. Grid: 30 learners × 60 competencies with a result each; the server-side time of
   GET /course/grid, median and 95th percentile of 30 requests.

Run with `make bench` (or `pytest -s tests/benchmarks/test_classroom_speed.py -o addopts=""`).
It checks the work was done; it asserts nothing about time.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models.classroom import Evidence, MasteryState
from lti_tool.db.models.lti import Context, Enrolment, User
from lti_tool.platform_sim.store import SimStore
from lti_tool.usecases import progress, sync
from lti_tool.usecases.course import (
    CompetencyChoice,
    align,
    assignment_line_items,
    remember_line_items,
    set_competencies,
)
from tests.benchmarks.test_ags_fetch import (  # noqa: F401 - fixtures
    LATENCY_MS,
    LEARNERS,
    LINE_ITEMS,
    https_client,
    platform,
)
from tests.web.lti_flow import launch

CONCURRENCY = 8


def test_sync_a_big_course_against_the_ideal(
    app: Flask,
    https_client: FlaskClient,  # noqa: F811
    platform: SimStore,  # noqa: F811
) -> None:
    """Pull 40,000 results into evidence and mastery; report the time against the ideal."""
    from tests.web.services_setup import trust_tool_keys

    trust_tool_keys(app, platform)
    flow = launch(https_client, platform, "t1", "c1")
    assert flow.launch is not None and flow.launch.status_code == 302
    with app.app_context():
        session = db_session()
        context = session.scalars(select(Context)).one()
        services = sync.services_for(app, session, context)
        remember_line_items(session, context.id, services.line_items())
        comps = set_competencies(
            session,
            context.id,
            [
                CompetencyChoice(f"comp-{n}", code=f"C.{n}", statement=f"Competency {n}")
                for n in range(10)
            ],
        )
        for n, item in enumerate(assignment_line_items(session, context.id)):
            align(session, item, [comps[n % len(comps)].id], {"kind": "rescale"}, by_id=None)
        session.commit()
        sent: list[int] = []
        services.client.http.session.hooks["response"].append(lambda *a, **k: sent.append(1))  # type: ignore[attr-defined]
        run, _ = sync.start(session, context.id, None)
        session.commit()
        started = time.perf_counter()
        done = sync.run_pull(session, services, run.id, concurrency=CONCURRENCY)
        elapsed = time.perf_counter() - started
        assert done.status == "done", done.message
        stored = session.scalar(select(func.count()).select_from(Evidence))
        states = session.scalar(select(func.count()).select_from(MasteryState))
    ideal = len(sent) / CONCURRENCY * LATENCY_MS / 1000
    print(
        f"\n{platform.product}: sync of {LEARNERS} learners x {LINE_ITEMS} line items, "
        f"{LATENCY_MS} ms per request, concurrency {CONCURRENCY}: {len(sent)} requests in "
        f"{elapsed:.2f} s; ideal {ideal:.2f} s -> {elapsed / ideal:.2f}x; "
        f"{stored} pieces of evidence, {states} results"
    )
    assert stored == LEARNERS * LINE_ITEMS
    assert states == LEARNERS * 10


def test_the_grid_for_30_learners_and_60_competencies(app: Flask, client: FlaskClient) -> None:
    """Render the teacher's grid from stored results; report the server-side time."""
    from lti_tool.db.models.lti import LaunchRecord, Registration

    with app.app_context():
        session = db_session()
        reg = Registration(
            issuer="https://lms.example",
            client_id="c",
            auth_login_url="https://lms.example/a",
            auth_token_url="https://lms.example/t",
        )
        session.add(reg)
        session.flush()
        from lti_tool.db.models.lti import Deployment

        dep = Deployment(registration_id=reg.id, deployment_id="d")
        ctx = Context(registration_id=reg.id, context_id="big", title="Big course")
        teacher = User(registration_id=reg.id, sub="t", name="Teacher")
        session.add_all([dep, ctx, teacher])
        session.flush()
        comps = set_competencies(
            session,
            ctx.id,
            [
                CompetencyChoice(f"k{n}", code=f"K.{n}", statement=f"Competency {n}")
                for n in range(60)
            ],
        )
        statuses = ["exceeds", "mastered", "near", "not_yet", "insufficient_evidence"]
        for i in range(30):
            user = User(registration_id=reg.id, sub=f"l{i}", name=f"Learner {i:02d}")
            session.add(user)
            session.flush()
            session.add(Enrolment(user_id=user.id, context_id=ctx.id, role="learner"))
            for j, comp in enumerate(comps):
                status = statuses[(i + j) % len(statuses)]
                session.add(
                    MasteryState(
                        context_id=ctx.id,
                        learner_id=user.id,
                        course_competency_id=comp.id,
                        score=3.0,
                        level="Mastery",
                        status=status,
                        result={},
                    )
                )
        session.add(
            LaunchRecord(
                id="bench-launch",
                registration_id=reg.id,
                deployment_id=dep.id,
                user_id=teacher.id,
                context_id=ctx.id,
                message_type="LtiResourceLinkRequest",
                role="instructor",
                claims={},
                expires_at=datetime(2100, 1, 1, tzinfo=UTC),
            )
        )
        session.commit()
        assert len(progress.grid(session, ctx.id).learners) == 30
    times = []
    for _ in range(31):
        started = time.perf_counter()
        resp = client.get("/course/grid?ltik=bench-launch")
        times.append(time.perf_counter() - started)
        assert resp.status_code == 200
    times = sorted(times[1:])
    print(
        "\ngrid of 30 learners x 60 competencies: "
        f"median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms"
    )
