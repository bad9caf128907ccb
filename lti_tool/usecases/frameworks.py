"""Frameworks as a teacher picks from them: the tree of a stored CASE framework, its
crosswalks, and the items a ticked branch stands for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lti_tool.case.model import Package, TreeNode, tree
from lti_tool.db.case_store import load_package
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


def _load(session: Session, document: CaseDocument) -> tuple[Package, tuple[TreeNode, ...]]:
    """A stored framework and its tree, as the standards screens show it, without the items
    a later import deprecated (their children move up to take their place)."""
    package = load_package(session, document)
    removed = set(
        session.scalars(
            select(CaseItem.identifier).where(
                CaseItem.document_id == document.id, CaseItem.removed.is_(True)
            )
        )
    )

    def prune(nodes: Iterable[TreeNode]) -> tuple[TreeNode, ...]:
        out: list[TreeNode] = []
        for node in nodes:
            kids = prune(node.children)
            if node.item.identifier in removed:
                out.extend(kids)
            else:
                out.append(TreeNode(node.item, kids, node.sequence_number))
        return tuple(out)

    return package, prune(tree(package))


def _crosswalks(session: Session, identifiers: list[str]) -> dict[str, list[str]]:
    """The codes of items in other frameworks that each item is crosswalked to."""
    pairs = session.execute(
        select(CaseAssociation.origin_identifier, CaseAssociation.destination_identifier).where(
            CaseAssociation.association_type.in_(CROSSWALK_TYPES),
            or_(
                CaseAssociation.origin_identifier.in_(identifiers),
                CaseAssociation.destination_identifier.in_(identifiers),
            ),
        )
    ).all()
    here = set(identifiers)
    far = {end for pair in pairs for end in pair if end not in here}
    codes = {
        i.identifier: i.human_coding_scheme or i.full_statement[:40]
        for i in session.scalars(select(CaseItem).where(CaseItem.identifier.in_(list(far))))
    }
    out: dict[str, list[str]] = defaultdict(list)
    for origin, dest in pairs:
        mine, other = (origin, dest) if origin in here else (dest, origin)
        if other in codes:
            out[mine].append(codes[other])
    return out


def _walk(nodes: Iterable[TreeNode]) -> Iterator[TreeNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def outline(session: Session, identifier: str) -> Outline | None:
    """The framework's tree for the picker, with each item's crosswalks to other frameworks."""
    document = session.scalars(
        select(CaseDocument).where(CaseDocument.identifier == identifier)
    ).first()
    if document is None:
        return None
    _, roots = _load(session, document)
    crosswalks = _crosswalks(session, [n.item.identifier for n in _walk(roots)])

    def convert(nodes: Iterable[TreeNode]) -> list[OutlineNode]:
        return [
            OutlineNode(
                identifier=n.item.identifier,
                code=n.item.human_coding_scheme or "",
                statement=n.item.full_statement,
                children=convert(n.children),
                crosswalks=sorted(set(crosswalks.get(n.item.identifier, []))),
            )
            for n in nodes
        ]

    return Outline(document.identifier, document.title, convert(roots))


def _leaves(node: TreeNode) -> Iterator[TreeNode]:
    """The leaf items under a node (the node itself when it has none)."""
    if not node.children:
        yield node
    for child in node.children:
        yield from _leaves(child)


def choices(session: Session, identifiers: Iterable[str]) -> list[CompetencyChoice]:
    """What ticked items stand for: an item with children stands for its whole branch
    (its leaf items, each keeping its parent as its competency area)."""
    wanted = [i for i in dict.fromkeys(identifiers) if i]
    if not wanted:
        return []
    doc_ids = sorted(
        set(session.scalars(select(CaseItem.document_id).where(CaseItem.identifier.in_(wanted))))
    )
    out: list[CompetencyChoice] = []
    for doc_id in doc_ids:
        document = session.get(CaseDocument, doc_id)
        assert document is not None
        package, roots = _load(session, document)
        parent_of = {
            child.item.identifier: node.item.identifier
            for node in _walk(roots)
            for child in node.children
        }
        prereqs: dict[str, list[str]] = defaultdict(list)
        for assoc in package.associations:
            if assoc.association_type == "precedes":
                prereqs[assoc.destination.identifier].append(assoc.origin.identifier)
        ticked = [n for n in _walk(roots) if n.item.identifier in wanted]
        for node in ticked:
            for leaf in _leaves(node):
                ident = leaf.item.identifier
                out.append(
                    CompetencyChoice(
                        identifier=ident,
                        uri=leaf.item.uri,
                        code=leaf.item.human_coding_scheme or "",
                        statement=leaf.item.full_statement,
                        framework_identifier=document.identifier,
                        framework_title=document.title,
                        parent_identifier=parent_of.get(ident),
                        prerequisites=tuple(prereqs.get(ident, [])),
                    )
                )
    return out


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
