"""Seed the demo: the built-in LMS with a course and people, registered with the tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.lti.keys import ensure_key
from lti_tool.lti.platforms import PlatformInput, add_platform
from lti_tool.platform_sim.demo import load_or_create
from lti_tool.platform_sim.store import SimStore
from lti_tool.platform_sim.web import endpoints
from lti_tool.secretbox import SecretBox

DEMO_PLATFORM_FILE = "demo_platform.json"


def seed(
    session: Session, box: SecretBox, instance_path: str, base_url: str, product: str = "canvas"
) -> SimStore:
    """Create (or load) the demo LMS and register it with the tool; safe to run twice."""
    sim = load_or_create(
        Path(instance_path) / DEMO_PLATFORM_FILE, base_url + "/sim", base_url, product
    )
    urls = endpoints(sim)
    for tool in sim.tools.values():
        for deployment in tool.deployment_ids:
            add_platform(
                session,
                PlatformInput(
                    issuer=sim.issuer,
                    client_id=tool.client_id,
                    auth_login_url=urls["auth"],
                    auth_token_url=urls["token"],
                    key_set_url=urls["jwks"],
                    deployment_id=deployment,
                    name=f"Demo LMS ({sim.product})",
                ),
                allow_http=True,
            )
    ensure_key(session, box)
    return sim


# --- the classroom: a framework, aligned assignments, grades, a sync, observations --------

DEMO_STANDARDS = Path(__file__).resolve().parent.parent.parent / "standards" / "demo"
FRAMEWORK_FILES = ("grade5-fractions.json", "portrait-of-a-graduate.json")

#: (label, points possible, day it was graded, competency codes, grades by learner)
ASSIGNMENTS: list[tuple[str, float, str, tuple[str, ...], dict[str, float | None]]] = [
    ("Unlike denominators quiz", 10, "2026-09-10", ("5.F.1",),
     {"amara": 9, "ben": 5, "chloe": 7, "diego": 3, "esme": 8}),
    ("Recipe word problems", 10, "2026-09-24", ("5.F.1", "5.F.2"),
     {"amara": 9, "ben": 6, "chloe": 8, "diego": 4, "esme": None}),
    ("Sharing pizzas: a fraction is a division", 4, "2026-10-08", ("5.F.3",),
     {"amara": 4, "ben": 2, "chloe": 3, "diego": 2, "esme": 4}),
    ("Area models of products", 4, "2026-10-22", ("5.F.4",),
     {"amara": 4, "ben": 3, "chloe": None, "diego": 2, "esme": 3}),
    ("Scaling predictions", 10, "2026-11-05", ("5.F.5",),
     {"amara": 8, "ben": 5, "chloe": 7, "diego": 4, "esme": None}),
    ("Math talk: explain your strategy", 4, "2026-11-12", ("POG.COM", "5.F.3"),
     {"amara": 4, "ben": 3, "chloe": 2, "diego": 3, "esme": None}),
    ("Fractions check-in", 10, "2026-11-19", ("5.F.1",),
     {"amara": 10, "ben": 8, "chloe": 9, "diego": 5, "esme": None}),
]  # fmt: skip


def _import_demo_frameworks(session: Session) -> list[str]:
    """Import the demo frameworks (unchanged ones are left as they are)."""
    from lti_tool.usecases.case_import import import_file

    identifiers = []
    for name in FRAMEWORK_FILES:
        report = import_file(session, DEMO_STANDARDS / name, "demo", 5_000_000)
        identifiers.append(report.document_identifier)
    return identifiers


def seed_classroom(app: Any, sim: SimStore) -> bool:
    """Give the demo course competencies, aligned assignments graded in the LMS, a completed
    sync, observations, an override and a learner's submission. Needs the demo server to be
    answering (the sync talks to the built-in LMS over HTTP). Returns False when the course
    was seeded before (nothing is changed then)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from lti_tool.db.models.case import CaseItem
    from lti_tool.db.models.lti import Context, Registration, User
    from lti_tool.lti.claims import Scope
    from lti_tool.platform_sim.demo import DEMO_CLIENT_ID, DEMO_COURSE_ID, place_assignment
    from lti_tool.platform_sim.services import (
        lineitem_url,
        lineitems_url,
        memberships_url,
        record_score,
    )
    from lti_tool.usecases import frameworks, progress, sync
    from lti_tool.usecases.course import (
        LineItemInfo,
        add_override,
        align,
        course_competencies,
        remember_line_items,
        set_competencies,
    )
    from lti_tool.usecases.evidence import record_manual

    session = app.extensions["db_sessions"]()
    try:
        _import_demo_frameworks(session)
        registration = session.scalars(
            select(Registration).where(
                Registration.issuer == sim.issuer, Registration.client_id == DEMO_CLIENT_ID
            )
        ).one()
        context = session.scalars(
            select(Context).where(
                Context.registration_id == registration.id,
                Context.context_id == DEMO_COURSE_ID,
            )
        ).first()
        if context is None:
            course = sim.courses[DEMO_COURSE_ID]
            context = Context(
                registration_id=registration.id,
                deployment_id=registration.deployments[0].id if registration.deployments else None,
                context_id=DEMO_COURSE_ID,
                title=course.title,
                label=course.label,
            )
            session.add(context)
        # What a launch from the course tells the tool about its services.
        context.lineitems_url = lineitems_url(sim, DEMO_COURSE_ID, DEMO_CLIENT_ID)
        context.ags_scopes = [
            Scope.LINEITEM.value,
            Scope.LINEITEM_READONLY.value,
            Scope.RESULT_READONLY.value,
            Scope.SCORE.value,
        ]
        context.memberships_url = memberships_url(sim, DEMO_COURSE_ID, DEMO_CLIENT_ID)
        session.flush()
        if course_competencies(session, context.id):
            session.commit()
            return False
        codes = {
            i.human_coding_scheme: i.identifier
            for i in session.scalars(
                select(CaseItem).where(
                    CaseItem.human_coding_scheme.in_(["5.F", "POG.COM", "POG.CT"])
                )
            )
        }
        chosen = frameworks.choices(session, [codes["5.F"], codes["POG.COM"], codes["POG.CT"]])
        comps = {c.code: c for c in set_competencies(session, context.id, chosen)}
        course = sim.courses[DEMO_COURSE_ID]
        for label, maximum, day, comp_codes, grades in ASSIGNMENTS:
            item = place_assignment(sim, label, maximum, comp_codes[0])
            (row,) = remember_line_items(
                session,
                context.id,
                [
                    LineItemInfo(
                        lineitem_url(sim, item),
                        label,
                        maximum,
                        resource_id=item["resourceId"],
                        resource_link_id=item["resourceLinkId"],
                        tag=item["tag"],
                    )
                ],
            )
            align(session, row, [comps[c].id for c in comp_codes], {"kind": "rescale"}, by_id=None)
            for who, score in grades.items():
                if score is None:
                    continue
                record_score(
                    sim,
                    course,
                    item,
                    {
                        "userId": who,
                        "scoreGiven": score,
                        "scoreMaximum": maximum,
                        "activityProgress": "Completed",
                        "gradingProgress": "FullyGraded",
                        "timestamp": f"{day}T15:00:00+00:00",
                    },
                    source="teacher",
                )
        session.commit()
        run, _ = sync.start(session, context.id, None)
        session.commit()
        sync.job(app, run.id)
        session.expire_all()
        people = {
            u.sub: u.id
            for u in session.scalars(select(User).where(User.registration_id == registration.id))
        }
        teacher = people.get("teacher")
        top = 4.0

        def day(text: str) -> datetime:
            return datetime.fromisoformat(text + "T12:00:00").replace(tzinfo=UTC)

        if teacher is not None and {"diego", "chloe", "ben", "amara"} <= set(people):
            record_manual(
                session,
                context_id=context.id,
                learner_id=people["diego"],
                course_competency_id=comps["5.F.2"].id,
                source="observation",
                score=2,
                points_possible=top,
                at=day("2026-11-20"),
                recorded_by_id=teacher,
                title="Explained his recipe answer with a number line",
                note="Needed a prompt to check the answer was reasonable.",
            )
            record_manual(
                session,
                context_id=context.id,
                learner_id=people["chloe"],
                course_competency_id=comps["POG.CT"].id,
                source="outside_school",
                score=3,
                points_possible=top,
                at=day("2026-11-14"),
                recorded_by_id=teacher,
                title="Planned the class bake-sale budget",
                note="Compared three price lists and justified the choice.",
            )
            add_override(
                session,
                context_id=context.id,
                learner_id=people["ben"],
                course_competency_id=comps["5.F.3"].id,
                level_name="Mastery",
                note="Explained fractions as division clearly in our conference on 25 Nov.",
                by_id=teacher,
            )
            record_manual(
                session, context_id=context.id, learner_id=people["amara"],
                course_competency_id=comps["5.F.6"].id, source="artefact", score=None,
                points_possible=None, at=day("2026-11-24"), recorded_by_id=people["amara"],
                title="My video: sharing 1/2 a pizza among 3 friends",
                link="https://example.org/amara-pizza-video",
                note="I drew the half and cut it into 3 equal parts: each gets 1/6.",
                pending=True,
            )  # fmt: skip
            progress.recompute(session, context.id)
        session.commit()
        return True
    finally:
        session.close()
