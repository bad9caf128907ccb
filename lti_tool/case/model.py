"""A lossless model of a CASE package: every node keeps its whole (normalised) JSON object.

Typed properties give the fields the tool uses; `data` holds everything else, so a package
read from JSON writes back without losing a field, an `extensions` entry or a note.
`data` is owned by its node: treat it as read-only.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (CFPackage, Information Model §3.3)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lti_tool.case.vocabulary import CHILD_OF, DEFINITION_KINDS


@dataclass(frozen=True)
class Link:
    """A LinkURI or LinkGenURI: a reference to a node by title, identifier and uri."""

    title: str
    identifier: str
    uri: str
    target_type: str | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Link:
        """Read a normalised link object."""
        return cls(
            title=str(obj.get("title", "")),
            identifier=str(obj.get("identifier", "")),
            uri=str(obj.get("uri", "")),
            target_type=obj.get("targetType"),
        )


@dataclass(frozen=True)
class Node:
    """Any CASE object with an identifier: its class name and its full JSON object."""

    cls: str
    data: dict[str, Any]

    @property
    def identifier(self) -> str:
        """The node's identifier (normalised: lower-case UUID)."""
        return str(self.data["identifier"])

    @property
    def uri(self) -> str:
        """The node's uri as its publisher gave it."""
        return str(self.data.get("uri", ""))

    @property
    def last_change(self) -> str:
        """lastChangeDateTime, normalised to UTC with a `Z`."""
        return str(self.data.get("lastChangeDateTime", ""))

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the JSON object."""
        return self.data.get(key, default)


class CFDocument(Node):
    """The root of a framework."""

    @property
    def title(self) -> str:
        """The framework's title."""
        return str(self.data.get("title", ""))

    @property
    def creator(self) -> str:
        """Who made the framework."""
        return str(self.data.get("creator", ""))

    @property
    def adoption_status(self) -> str | None:
        """Free text, e.g. Draft, Adopted, Implemented, Retired, Private Draft."""
        return self.data.get("adoptionStatus")


class CFItem(Node):
    """One statement: a competency, standard, or a grouping of them."""

    @property
    def full_statement(self) -> str:
        """The statement's text (Markdown allowed in 1.1)."""
        return str(self.data.get("fullStatement", ""))

    @property
    def human_coding_scheme(self) -> str | None:
        """The code people use, e.g. 3.OA.A.1."""
        return self.data.get("humanCodingScheme")

    @property
    def item_type(self) -> str | None:
        """The CFItemType label."""
        return self.data.get("CFItemType")


class CFAssociation(Node):
    """A typed edge between two nodes, possibly outside the package."""

    @property
    def association_type(self) -> str:
        """isChildOf, exactMatchOf, ... or an `ext:` term."""
        return str(self.data["associationType"])

    @property
    def origin(self) -> Link:
        """The origin node."""
        return Link.from_json(self.data["originNodeURI"])

    @property
    def destination(self) -> Link:
        """The destination node."""
        return Link.from_json(self.data["destinationNodeURI"])

    @property
    def sequence_number(self) -> int | None:
        """Position among siblings, when given."""
        value = self.data.get("sequenceNumber")
        return value if isinstance(value, int) else None


class CFDefinition(Node):
    """A member of CFDefinitions: item type, subject, concept, licence or association grouping."""

    @property
    def title(self) -> str:
        """The definition's title."""
        return str(self.data.get("title", ""))


class CFRubric(Node):
    """A rubric with its criteria and their levels, all kept inside `data`."""

    @property
    def criteria(self) -> list[dict[str, Any]]:
        """The rubric's criteria (each with its CFRubricCriterionLevels)."""
        return list(self.data.get("CFRubricCriteria", []))


@dataclass(frozen=True)
class CFDefinitions:
    """The definitions a package carries, by kind (JSON key)."""

    by_kind: dict[str, tuple[CFDefinition, ...]] = field(default_factory=dict)
    extensions: dict[str, Any] | None = None

    def of(self, kind: str) -> tuple[CFDefinition, ...]:
        """The definitions of one kind, e.g. `CFItemTypes`."""
        return self.by_kind.get(kind, ())

    def all(self) -> Iterator[CFDefinition]:
        """Every definition, kind by kind."""
        for kind in DEFINITION_KINDS:
            yield from self.of(kind)


@dataclass(frozen=True)
class Package:
    """A CASE package: one document and everything in it."""

    document: CFDocument
    items: tuple[CFItem, ...] = ()
    associations: tuple[CFAssociation, ...] = ()
    definitions: CFDefinitions = field(default_factory=CFDefinitions)
    rubrics: tuple[CFRubric, ...] = ()
    extensions: dict[str, Any] | None = None
    # Top-level keys outside the CFPackage schema, kept for a lossless round trip.
    extra: dict[str, Any] = field(default_factory=dict)
    # Which keys the source had at the top level (an empty CFItems list is kept as such).
    present: frozenset[str] = frozenset()
    # What was accepted but worth telling (e.g. an exact duplicate dropped), with JSON paths.
    warnings: tuple[Any, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many of each kind of node the package holds."""
        out = {
            "CFItems": len(self.items),
            "CFAssociations": len(self.associations),
            "CFRubrics": len(self.rubrics),
        }
        for kind in DEFINITION_KINDS:
            out[kind] = len(self.definitions.of(kind))
        return out


@dataclass(frozen=True)
class TreeNode:
    """An item in a framework's tree with its ordered children."""

    item: CFItem
    children: tuple[TreeNode, ...]
    sequence_number: int | None = None


def tree(package: Package) -> tuple[TreeNode, ...]:
    """The framework as a tree, ordered by sequenceNumber with a stable fallback.

    Both root conventions give the same tree: top-level items linked `isChildOf` the document
    and items with no parent in the package are both roots. Siblings without a sequenceNumber
    follow those with one, in the order of the code, then the statement, then the identifier.
    """
    items = {i.identifier: i for i in package.items}
    children: dict[str, list[tuple[int | None, CFItem]]] = {}
    has_parent: set[str] = set()
    for assoc in package.associations:
        if assoc.association_type != CHILD_OF:
            continue
        child, parent = assoc.origin.identifier, assoc.destination.identifier
        if child not in items or child in has_parent:
            continue
        if parent in items:
            has_parent.add(child)
            children.setdefault(parent, []).append((assoc.sequence_number, items[child]))
        elif parent == package.document.identifier:
            has_parent.add(child)
            children.setdefault("", []).append((assoc.sequence_number, items[child]))
    for item in package.items:
        if item.identifier not in has_parent:
            children.setdefault("", []).append((None, item))

    def order(entry: tuple[int | None, CFItem]) -> tuple[int, int, str, str, str]:
        seq, item = entry
        return (
            0 if seq is not None else 1,
            seq or 0,
            item.human_coding_scheme or "",
            item.full_statement,
            item.identifier,
        )

    def build(key: str, seen: frozenset[str]) -> tuple[TreeNode, ...]:
        nodes = []
        for seq, item in sorted(children.get(key, []), key=order):
            if item.identifier in seen:  # a cycle; validation refuses these, stay safe anyway
                continue
            sub = build(item.identifier, seen | {item.identifier})
            nodes.append(TreeNode(item, sub, seq))
        return tuple(nodes)

    return build("", frozenset())
