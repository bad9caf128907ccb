"""Fixtures for the database tests: a small course with people, competencies and a line item."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from lti_tool.db.models import metadata
from lti_tool.db.models.classroom import CourseCompetency, CourseLineItem
from lti_tool.db.models.lti import Context, Registration, User


@pytest.fixture
def course(engine: Engine) -> Iterator[dict[str, int]]:
    """A course with two competencies, one line item aligned to both, and two learners."""
    with Session(engine) as s:
        reg = Registration(
            issuer="https://lms.example.edu",
            client_id="c1",
            auth_login_url="https://lms.example.edu/auth",
            auth_token_url="https://lms.example.edu/token",
        )
        s.add(reg)
        s.flush()
        ctx = Context(registration_id=reg.id, context_id="math5", title="Math 5")
        ada = User(registration_id=reg.id, sub="ada", name="Ada")
        ben = User(registration_id=reg.id, sub="ben", name="Ben")
        teacher = User(registration_id=reg.id, sub="t", name="Ms T")
        s.add_all([ctx, ada, ben, teacher])
        s.flush()
        c1 = CourseCompetency(context_id=ctx.id, identifier="c-1", code="5.NF.1")
        c2 = CourseCompetency(context_id=ctx.id, identifier="c-2", code="5.NF.2")
        s.add_all([c1, c2])
        s.flush()
        li = CourseLineItem(
            context_id=ctx.id,
            url="https://lms.example.edu/lineitems/1?type_id=3",
            url_digest="d1",
            label="Fractions quiz",
            score_maximum=10,
        )
        s.add(li)
        s.commit()
        ids = {
            "ctx": ctx.id,
            "ada": ada.id,
            "ben": ben.id,
            "teacher": teacher.id,
            "c1": c1.id,
            "c2": c2.id,
            "li": li.id,
        }
    yield ids
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
