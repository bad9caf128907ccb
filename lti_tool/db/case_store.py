"""The CASE repository: turns stored framework rows into core Package objects and finds nodes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Text, select, type_coerce
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


def iter_node_texts(session: Session, model: type[Any], document_id: int) -> Iterator[Any]:
    """(strict11, stored JSON text) of one kind of node of a framework, in order, streamed."""
    query = (
        select(model.strict11, type_coerce(model.data, Text))
        .where(model.document_id == document_id)
        .order_by(model.position, model.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from session.execute(query)


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


def find_node(
    session: Session, model: type[Any], identifier: str
) -> tuple[Any, CaseDocument] | None:
    """A stored node of one kind by identifier, with its framework (the first, if shared)."""
    row = session.execute(
        select(model, CaseDocument)
        .join(CaseDocument, CaseDocument.id == model.document_id)
        .where(model.identifier == identifier)
        .order_by(CaseDocument.private, model.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def find_definition(
    session: Session, kind: str, identifier: str
) -> tuple[CaseDefinition, CaseDocument] | None:
    """A CFDefinitions member of one kind by identifier, with its framework."""
    row = session.execute(
        select(CaseDefinition, CaseDocument)
        .join(CaseDocument, CaseDocument.id == CaseDefinition.document_id)
        .where(CaseDefinition.kind == kind, CaseDefinition.identifier == identifier)
        .order_by(CaseDocument.private, CaseDefinition.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def definitions_below(
    session: Session, document_id: int, kind: str, hierarchy_code: str
) -> list[CaseDefinition]:
    """Definitions of one kind in a framework whose hierarchyCode lies below `hierarchy_code`."""
    prefix = hierarchy_code + "."
    rows = session.scalars(
        select(CaseDefinition)
        .where(
            CaseDefinition.document_id == document_id,
            CaseDefinition.kind == kind,
            CaseDefinition.hierarchy_code.is_not(None),
        )
        .order_by(CaseDefinition.hierarchy_code, CaseDefinition.position)
    )
    return [r for r in rows if r.hierarchy_code and r.hierarchy_code.startswith(prefix)]


def associations_touching(
    session: Session, identifier: str, include_private: bool
) -> list[tuple[CaseAssociation, CaseDocument]]:
    """Associations whose origin or destination is the node `identifier`, in any framework."""
    query = (
        select(CaseAssociation, CaseDocument)
        .join(CaseDocument, CaseDocument.id == CaseAssociation.document_id)
        .where(
            (CaseAssociation.origin_identifier == identifier)
            | (CaseAssociation.destination_identifier == identifier)
        )
        .order_by(CaseAssociation.document_id, CaseAssociation.position)
    )
    if not include_private:
        query = query.where(CaseDocument.private.is_(False))
    return [(a, d) for a, d in session.execute(query)]
