"""Frameworks as a teacher picks from them: the tree of a stored CASE framework, its
crosswalks, and the items a ticked branch stands for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lti_tool.db.models.case import CaseAssociation, CaseDocument, CaseItem
from lti_tool.db.models.classroom import CourseCompetency
from lti_tool.usecases.course import CompetencyChoice

CROSSWALK_TYPES = ("exactMatchOf", "isRelatedTo", "isPeerOf")


@dataclass(frozen=True)
class DocumentSummary:
    """A framework in a list."""

    identifier: str
    title: str
    items: int


@dataclass
class OutlineNode:
    """An item in the picker's tree."""

    identifier: str
    code: str
    statement: str
    children: list[OutlineNode] = field(default_factory=list)
    crosswalks: list[str] = field(default_factory=list)


@dataclass
class Outline:
    """A framework's tree."""

    identifier: str
    title: str
    children: list[OutlineNode]


def documents(session: Session) -> list[DocumentSummary]:
    """Every stored framework with its number of current items."""
    counts = dict(
        session.execute(
            select(CaseItem.document_id, func.count())
            .where(CaseItem.removed.is_(False))
            .group_by(CaseItem.document_id)
        ).all()
    )
    return [
        DocumentSummary(d.identifier, d.title, int(counts.get(d.id, 0)))
        for d in session.scalars(select(CaseDocument).order_by(CaseDocument.title))
    ]


def _structure(
    session: Session, document: CaseDocument
) -> tuple[dict[str, CaseItem], dict[str, list[tuple[int, int, str]]]]:
    items = {
        i.identifier: i
        for i in session.scalars(
            select(CaseItem).where(CaseItem.document_id == document.id, CaseItem.removed.is_(False))
        )
    }
    children: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for a in session.scalars(
        select(CaseAssociation).where(
            CaseAssociation.document_id == document.id,
            CaseAssociation.association_type == "isChildOf",
        )
    ):
        if a.origin_identifier in items:
            children[a.destination_identifier].append(
                (
                    a.sequence_number or 10**9,
                    items[a.origin_identifier].position,
                    a.origin_identifier,
                )
            )
    return items, children


def outline(session: Session, identifier: str) -> Outline | None:
    """The framework's tree for the picker, with each item's crosswalks to other frameworks."""
    document = session.scalars(
        select(CaseDocument).where(CaseDocument.identifier == identifier)
    ).first()
    if document is None:
        return None
    items, children = _structure(session, document)
    crosswalks: dict[str, list[str]] = defaultdict(list)
    others = session.execute(
        select(CaseAssociation.origin_identifier, CaseAssociation.destination_identifier).where(
            CaseAssociation.association_type.in_(CROSSWALK_TYPES),
            or_(
                CaseAssociation.origin_identifier.in_(list(items)),
                CaseAssociation.destination_identifier.in_(list(items)),
            ),
        )
    ).all()
    far = {o for pair in others for o in pair if o not in items}
    codes = {
        i.identifier: i.human_coding_scheme or i.full_statement[:40]
        for i in session.scalars(select(CaseItem).where(CaseItem.identifier.in_(list(far))))
    }
    for origin, dest in others:
        here, there = (origin, dest) if origin in items else (dest, origin)
        if there in codes:
            crosswalks[here].append(codes[there])

    seen: set[str] = set()

    def build(parent: str) -> list[OutlineNode]:
        nodes = []
        for _, _, ident in sorted(children.get(parent, [])):
            if ident in seen:
                continue
            seen.add(ident)
            item = items[ident]
            nodes.append(
                OutlineNode(
                    identifier=ident,
                    code=item.human_coding_scheme or "",
                    statement=item.full_statement,
                    children=build(ident),
                    crosswalks=sorted(set(crosswalks.get(ident, []))),
                )
            )
        return nodes

    roots = build(document.identifier)
    # Items no isChildOf chain reaches from the document still appear, at the top level.
    parent_of = {kid: parent for parent, kids in children.items() for _, _, kid in kids}
    for ident in sorted(items, key=lambda i: items[i].position):
        if ident in seen or parent_of.get(ident) in items:
            continue
        seen.add(ident)
        item = items[ident]
        roots.append(
            OutlineNode(
                identifier=ident,
                code=item.human_coding_scheme or "",
                statement=item.full_statement,
                children=build(ident),
                crosswalks=sorted(set(crosswalks.get(ident, []))),
            )
        )
    return Outline(document.identifier, document.title, roots)


def choices(session: Session, identifiers: Iterable[str]) -> list[CompetencyChoice]:
    """What ticked items stand for: an item with children stands for its whole branch
    (its leaf items, each keeping its parent as its competency area)."""
    wanted = [i for i in dict.fromkeys(identifiers) if i]
    if not wanted:
        return []
    picked = list(session.scalars(select(CaseItem).where(CaseItem.identifier.in_(wanted))))
    out: list[CompetencyChoice] = []
    by_doc: dict[int, list[CaseItem]] = defaultdict(list)
    for item in picked:
        by_doc[item.document_id].append(item)
    for doc_id, doc_items in by_doc.items():
        document = session.get(CaseDocument, doc_id)
        assert document is not None
        items, children = _structure(session, document)
        parent_of = {kid: parent for parent, kids in children.items() for _, _, kid in kids}
        prereqs: dict[str, list[str]] = defaultdict(list)
        for origin, dest in session.execute(
            select(CaseAssociation.origin_identifier, CaseAssociation.destination_identifier).where(
                CaseAssociation.document_id == doc_id,
                CaseAssociation.association_type == "precedes",
            )
        ):
            prereqs[dest].append(origin)

        for item in sorted(doc_items, key=lambda i: i.position):
            for ident in _leaves(children, item.identifier):
                leaf = items.get(ident)
                if leaf is None:
                    continue
                parent = parent_of.get(ident)
                out.append(
                    CompetencyChoice(
                        identifier=leaf.identifier,
                        uri=leaf.uri,
                        code=leaf.human_coding_scheme or "",
                        statement=leaf.full_statement,
                        framework_identifier=document.identifier,
                        framework_title=document.title,
                        parent_identifier=parent if parent != document.identifier else None,
                        prerequisites=tuple(prereqs.get(ident, [])),
                    )
                )
    return out


def _leaves(
    children: dict[str, list[tuple[int, int, str]]], ident: str, depth: int = 0
) -> list[str]:
    """The leaf items under an item, in order (the item itself when it has no children)."""
    kids = [k for _, _, k in sorted(children.get(ident, []))]
    if not kids or depth > 50:
        return [ident]
    return [leaf for k in kids for leaf in _leaves(children, k, depth + 1)]


def choice_of(comp: CourseCompetency) -> CompetencyChoice:
    """A course competency as a choice again (its stored snapshot)."""
    return CompetencyChoice(
        identifier=comp.identifier,
        uri=comp.uri,
        code=comp.code,
        statement=comp.statement,
        framework_identifier=comp.framework_identifier,
        framework_title=comp.framework_title,
        parent_identifier=comp.parent_identifier,
        prerequisites=tuple(comp.prerequisites or ()),
    )
