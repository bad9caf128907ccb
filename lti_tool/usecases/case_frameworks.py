"""Read stored CASE frameworks: list them, and export one as a CASE package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.case.export import package_to_json
from lti_tool.case.model import CFItem, tree
from lti_tool.case.parse import normalise_identifier
from lti_tool.db.case_store import (
    associations_touching,
    find_document,
    find_node,
    list_documents,
    load_package,
)
from lti_tool.db.models.case import CaseAssociation, CaseItem


class FrameworkNotFound(LookupError):
    """No stored framework has this identifier."""


@dataclass(frozen=True)
class FrameworkSummary:
    """One stored framework, as a list shows it."""

    identifier: str
    title: str
    source: str
    adoption_status: str | None
    items: int
    associations: int
    private: bool


def summaries(session: Session) -> list[FrameworkSummary]:
    """Every stored framework with its item and association counts."""
    items: dict[int, int] = {
        doc: n
        for doc, n in session.execute(
            select(CaseItem.document_id, func.count()).group_by(CaseItem.document_id)
        )
    }
    assocs: dict[int, int] = {
        doc: n
        for doc, n in session.execute(
            select(CaseAssociation.document_id, func.count()).group_by(CaseAssociation.document_id)
        )
    }
    return [
        FrameworkSummary(
            d.identifier,
            d.title,
            d.source,
            d.adoption_status,
            items.get(d.id, 0),
            assocs.get(d.id, 0),
            d.private,
        )
        for d in list_documents(session)
    ]


def export_framework(session: Session, identifier: str, version: str | None) -> dict[str, Any]:
    """A stored framework as a CASE package: strict 1.1 or 1.0, or lossless (None)."""
    ident = normalise_identifier(identifier) or identifier.strip()
    document = find_document(session, ident)
    if document is None:
        raise FrameworkNotFound(f"No framework with identifier {identifier} is stored.")
    return package_to_json(load_package(session, document), version)


@dataclass(frozen=True)
class FrameworkView:
    """A framework to browse: its document, its tree, and items matching a search."""

    document: Any
    source: str
    private: bool
    tree: tuple[Any, ...]
    matches: list[Any] | None
    item_count: int


def browse(session: Session, identifier: str, query: str = "") -> FrameworkView:
    """A framework as a tree (sequenceNumber order, stable fallback), and a search of its items.

    The search matches the code or the statement, case-insensitively.
    """
    ident = normalise_identifier(identifier) or identifier.strip()
    document = find_document(session, ident)
    if document is None:
        raise FrameworkNotFound(f"No framework with identifier {identifier} is stored.")
    package = load_package(session, document)
    matches = None
    needle = query.strip().lower()
    if needle:
        matches = [
            i
            for i in package.items
            if needle in (i.human_coding_scheme or "").lower() or needle in i.full_statement.lower()
        ]
    return FrameworkView(
        package.document,
        document.source,
        document.private,
        tree(package),
        matches,
        len(package.items),
    )


@dataclass(frozen=True)
class ItemView:
    """An item with the associations it is an end of, in any framework."""

    item: Any
    document_identifier: str
    document_title: str
    associations: list[dict[str, Any]]


def item_detail(session: Session, identifier: str) -> ItemView:
    """An item and every association that starts or ends at it."""
    ident = normalise_identifier(identifier) or identifier.strip()
    found = find_node(session, CaseItem, ident)
    if found is None:
        raise FrameworkNotFound(f"No item with identifier {identifier} is stored.")
    item, document = found
    assocs = [a.data for a, _doc in associations_touching(session, ident, include_private=True)]
    return ItemView(CFItem("CFItem", item.data), document.identifier, document.title, assocs)


def set_private(session: Session, identifier: str, private: bool) -> str:
    """Hide a framework from anonymous readers of the provider API, or publish it again.

    Returns the framework's title. Private frameworks are served only to consumers holding a
    client-credentials token; re-imports keep the admin's choice.
    """
    ident = normalise_identifier(identifier) or identifier.strip()
    document = find_document(session, ident)
    if document is None:
        raise FrameworkNotFound(f"No framework with identifier {identifier} is stored.")
    document.private = private
    return document.title
