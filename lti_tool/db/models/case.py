"""Mappings for CASE frameworks: documents, items, associations, definitions and rubrics.

Each row keeps the node's whole normalised JSON object in `data` (lossless: every field,
`extensions` and note the source sent) beside indexed columns the tool searches and sorts by.
`content_hash` is a digest of `data`, so a re-import finds unchanged nodes without reading them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.base import Base, utcnow


class JSONText(TypeDecorator[Any]):
    """A JSON object kept as text; a `str` given to it is taken as JSON text already.

    Large imports serialise each node once, for its digest and for storage alike, and the
    provider API can stream stored text without decoding it.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: object) -> str | None:
        """Serialise a value; pass text through."""
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: object) -> Any:
        """Decode the stored text."""
        return None if value is None else json.loads(value)


class CaseDocument(Base):
    """A framework (CFDocument) and what its package carries beside its nodes."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    creator: Mapped[str] = mapped_column(Text, default="")
    adoption_status: Mapped[str | None] = mapped_column(String(255))
    last_change: Mapped[datetime]
    status_start_date: Mapped[date | None]
    status_end_date: Mapped[date | None]
    # Where the framework came from: "file", a provider's base URL, "authored" (made here).
    # Another source with the same identifier is a conflict an admin resolves.
    source: Mapped[str] = mapped_column(String(512))
    # Hidden from anonymous readers of the provider API.
    private: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Package-level parts that are not nodes: extensions, CFDefinitions.extensions, unknown
    # top-level keys, which top-level keys the source had.
    package_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Digest of the package exactly as last imported: the same file again is a no-op at once.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseItem(Base):
    """A CFItem of one framework; never deleted (alignments and evidence point at it)."""

    __tablename__ = "case_item"
    __table_args__ = (Index("ix_case_item_document_id_position", "document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("case_document.id", ondelete="RESTRICT"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    uri: Mapped[str] = mapped_column(Text)
    human_coding_scheme: Mapped[str | None] = mapped_column(String(255), index=True)
    full_statement: Mapped[str] = mapped_column(Text)
    item_type: Mapped[str | None] = mapped_column(String(255))
    last_change: Mapped[datetime] = mapped_column(index=True)
    status_start_date: Mapped[date | None]
    status_end_date: Mapped[date | None]
    # True when the last import of its framework no longer had it (statusEndDate was set).
    removed: Mapped[bool] = mapped_column(default=False)
    # True when `data` is already exactly what a CASE 1.1 export writes (served as stored).
    strict11: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseAssociation(Base):
    """A CFAssociation of one framework; its ends may lie outside the tool."""

    __tablename__ = "case_association"
    __table_args__ = (Index("ix_case_association_document_id_position", "document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("case_document.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    uri: Mapped[str] = mapped_column(Text)
    association_type: Mapped[str] = mapped_column(String(128))
    origin_identifier: Mapped[str] = mapped_column(String(255), index=True)
    destination_identifier: Mapped[str] = mapped_column(String(255), index=True)
    sequence_number: Mapped[int | None]
    last_change: Mapped[datetime]
    # True when `data` is already exactly what a CASE 1.1 export writes (served as stored).
    strict11: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseDefinition(Base):
    """A member of a package's CFDefinitions (item type, subject, concept, licence, grouping).

    Frameworks of one publisher share definitions, so the same identifier may appear under
    several documents.
    """

    __tablename__ = "case_definition"
    __table_args__ = (UniqueConstraint("document_id", "kind", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("case_document.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str] = mapped_column(String(64), index=True)
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    hierarchy_code: Mapped[str | None] = mapped_column(String(255))
    last_change: Mapped[datetime]
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseRubric(Base):
    """A CFRubric with its criteria and levels (inside `data`)."""

    __tablename__ = "case_rubric"
    __table_args__ = (UniqueConstraint("document_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("case_document.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(64), index=True)
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    last_change: Mapped[datetime]
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONText)
    content_hash: Mapped[str] = mapped_column(String(64))


class CaseApiClient(Base):
    """A consumer allowed to read private frameworks through the provider API (OAuth 2.0
    client credentials). Only a digest of its secret is kept."""

    __tablename__ = "case_api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    secret_digest: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
