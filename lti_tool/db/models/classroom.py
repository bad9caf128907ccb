"""Mappings for the classroom: course set-up, alignments, evidence, overrides, mastery, syncs.

Evidence is append-only. A score that changes in the LMS becomes a new row and the old one is
marked superseded, so the audit trail keeps every value a learner was ever judged on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.base import Base, utcnow


class CourseSettings(Base):
    """One version of a course's scale, method and evidence rules; the newest one applies."""

    __tablename__ = "course_settings"
    __table_args__ = (UniqueConstraint("context_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    version: Mapped[int]
    scale: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    min_evidence: Mapped[int] = mapped_column(default=1)
    min_evidence_types: Mapped[int] = mapped_column(default=1)
    rollup: Mapped[str] = mapped_column(String(32), default="all_mastered")
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_user.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class CourseCompetency(Base):
    """A competency a course works on, with a snapshot of the framework item it came from."""

    __tablename__ = "course_competency"
    __table_args__ = (UniqueConstraint("context_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    identifier: Mapped[str] = mapped_column(String(255))
    uri: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(String(255), default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    framework_identifier: Mapped[str] = mapped_column(String(255), default="")
    framework_title: Mapped[str] = mapped_column(Text, default="")
    parent_identifier: Mapped[str | None] = mapped_column(String(255))
    # Identifiers of the competencies that `precede` this one in its framework.
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed competencies keep their evidence; they leave the grid, not the record.
    removed_at: Mapped[datetime | None]


class CourseLineItem(Base):
    """An AGS line item of the course the tool has seen: an assignment or a mastery column."""

    __tablename__ = "course_line_item"
    __table_args__ = (UniqueConstraint("context_id", "url_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    url_digest: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text, default="")
    score_maximum: Mapped[float] = mapped_column(Float, default=100.0)
    resource_id: Mapped[str] = mapped_column(String(255), default="")
    resource_link_id: Mapped[str] = mapped_column(String(255), default="")
    tag: Mapped[str] = mapped_column(String(255), default="")
    # "assignment" is graded by the teacher; "mastery" carries a competency's level back.
    purpose: Mapped[str] = mapped_column(String(16), default="assignment")
    course_competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_competency.id", ondelete="SET NULL")
    )
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    gone: Mapped[bool] = mapped_column(default=False)


class Alignment(Base):
    """A line item counts as evidence of a competency, through a mapping of its scores."""

    __tablename__ = "alignment"
    __table_args__ = (UniqueConstraint("line_item_id", "course_competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("course_line_item.id", ondelete="CASCADE"))
    course_competency_id: Mapped[int] = mapped_column(
        ForeignKey("course_competency.id", ondelete="CASCADE")
    )
    # {"kind": "rescale"} maps the percentage onto the scale's points;
    # {"kind": "cuts", "cuts": [[85, 4], [70, 3], ...]} uses cut scores in percent.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_user.id", ondelete="SET NULL")
    )


class Evidence(Base):
    """One piece of evidence of one learner on one competency. Rows are never updated in place
    except to mark them superseded, accepted or declined."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("course_competency_id", "learner_id", "origin"),
        Index("ix_evidence_context_learner", "context_id", "learner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    course_competency_id: Mapped[int] = mapped_column(
        ForeignKey("course_competency.id", ondelete="CASCADE")
    )
    # lms | assessment | observation | outside_school | artefact
    source: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    points_possible: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_user.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    line_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_line_item.id", ondelete="SET NULL")
    )
    # What makes a piece of evidence the same piece on a second sync (a digest of its
    # line item, learner, score and time), or a random id for evidence entered by hand.
    origin: Mapped[str] = mapped_column(String(64))
    # A result's identity across syncs, so a changed score supersedes the previous one.
    result_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # active | superseded | pending (learner-submitted, awaiting the teacher) | declined
    status: Mapped[str] = mapped_column(String(16), default="active")
    superseded_at: Mapped[datetime | None]


class MasteryOverride(Base):
    """A teacher's judgement of a learner's level, with the note that explains it."""

    __tablename__ = "mastery_override"
    __table_args__ = (Index("ix_override_learner_comp", "learner_id", "course_competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    course_competency_id: Mapped[int] = mapped_column(
        ForeignKey("course_competency.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(255))
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class MasteryState(Base):
    """The engine's latest result for a learner and a competency, and what was posted back."""

    __tablename__ = "mastery_state"
    __table_args__ = (UniqueConstraint("learner_id", "course_competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("lti_context.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    course_competency_id: Mapped[int] = mapped_column(
        ForeignKey("course_competency.id", ondelete="CASCADE")
    )
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(32), default="no_evidence")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    settings_version: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_score: Mapped[float | None] = mapped_column(Float)
    posted_at: Mapped[datetime | None]


class SyncRun(Base):
    """One run of a background job for a course: pulling scores or writing mastery back."""

    __tablename__ = "sync_run"
    __table_args__ = (Index("ix_sync_run_context", "context_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="pull")
    # queued | running | done | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_user.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    evidence_added: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class LearnerStatement(Base):
    """What a learner says about their own learning, printed on their transcript."""

    __tablename__ = "learner_statement"
    __table_args__ = (UniqueConstraint("context_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
