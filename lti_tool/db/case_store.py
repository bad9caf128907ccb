"""The CASE repository: turns stored framework rows into core Package objects and finds nodes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.case.model import (
    CFAssociation,
    CFDefinition,
    CFDefinitions,
    CFDocument,
    CFItem,
    CFRubric,
    Package,
)
from lti_tool.case.vocabulary import DEFINITION_KINDS
from lti_tool.db.models.case import (
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubric,
)

# How many rows a streaming read fetches at a time.
STREAM_BATCH = 2000


def content_hash(data: Any) -> str:
    """A digest of a JSON value that ignores key order: equal digests, equal content."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_document(session: Session, identifier: str) -> CaseDocument | None:
    """The stored framework with this CFDocument identifier."""
    return session.scalars(
        select(CaseDocument).where(CaseDocument.identifier == identifier)
    ).one_or_none()


def list_documents(session: Session, include_private: bool = True) -> list[CaseDocument]:
    """Every stored framework, by title."""
    query = select(CaseDocument).order_by(CaseDocument.title, CaseDocument.identifier)
    if not include_private:
        query = query.where(CaseDocument.private.is_(False))
    return list(session.scalars(query))


def iter_node_data(
    session: Session, model: type[Any], document_id: int
) -> Iterator[dict[str, Any]]:
    """The JSON objects of one kind of node of a framework, in package order, streamed."""
    query = (
        select(model.data)
        .where(model.document_id == document_id)
        .order_by(model.position, model.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from session.scalars(query)


def iter_definitions(session: Session, document_id: int, kind: str) -> Iterator[dict[str, Any]]:
    """The JSON objects of one kind of CFDefinitions member of a framework."""
    query = (
        select(CaseDefinition.data)
        .where(CaseDefinition.document_id == document_id, CaseDefinition.kind == kind)
        .order_by(CaseDefinition.position, CaseDefinition.id)
    )
    yield from session.scalars(query)


def load_package(session: Session, document: CaseDocument) -> Package:
    """A stored framework as a Package, nodes in the order the source had them."""
    extra = document.package_data or {}
    defs = CFDefinitions(
        {
            kind: tuple(CFDefinition(cls, d) for d in iter_definitions(session, document.id, kind))
            for kind, cls in DEFINITION_KINDS.items()
            if kind in extra.get("definitionKinds", DEFINITION_KINDS)
        },
        extra.get("definitionsExtensions"),
    )
    return Package(
        document=CFDocument("CFDocument", document.data),
        items=tuple(CFItem("CFItem", d) for d in iter_node_data(session, CaseItem, document.id)),
        associations=tuple(
            CFAssociation("CFAssociation", d)
            for d in iter_node_data(session, CaseAssociation, document.id)
        ),
        definitions=defs,
        rubrics=tuple(
            CFRubric("CFRubric", d) for d in iter_node_data(session, CaseRubric, document.id)
        ),
        extensions=extra.get("extensions"),
        extra=extra.get("extra", {}),
        present=frozenset(extra.get("present", ())),
    )
