"""Author a district's own frameworks (e.g. a Portrait of a Graduate) and crosswalks.

Authored frameworks are ordinary CASE packages with source "authored": new UUIDs, URIs under
the tool's base URL (they dereference through the provider API), stored by the importer, so
they are validated, versioned and exported like any imported framework.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (Implementation Guide §3.3.4, §4.1 URIs)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.case.export import package_to_json
from lti_tool.case.parse import normalise_identifier
from lti_tool.db.case_store import find_document, find_node, load_package
from lti_tool.db.models.case import CaseItem
from lti_tool.usecases.case_import import ImportReport, import_package

AUTHORED = "authored"
CROSSWALK_TYPES = ("exactMatchOf", "isRelatedTo", "precedes", "isPartOf", "isPeerOf")


class AuthoringError(ValueError):
    """An authoring request the tool cannot carry out; the message says why."""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _uri(base_url: str, kind: str, ident: str) -> str:
    return f"{base_url}/ims/case/v1p1/{kind}/{ident}"


def create_framework(
    session: Session, base_url: str, title: str, creator: str, description: str = ""
) -> str:
    """Create an empty framework authored here; returns its identifier."""
    title, creator = title.strip(), creator.strip()
    if not title or not creator:
        raise AuthoringError("A framework needs a title and a creator.")
    ident = str(uuid.uuid4())
    document: dict[str, Any] = {
        "identifier": ident,
        "uri": _uri(base_url, "CFDocuments", ident),
        "title": title[:1000],
        "creator": creator[:1000],
        "lastChangeDateTime": _now(),
        "adoptionStatus": "Draft",
    }
    if description.strip():
        document["description"] = description.strip()
    import_package(session, {"CFDocument": document, "CFItems": [], "CFAssociations": []}, AUTHORED)
    return ident


def _authored_package(session: Session, doc_id: str) -> dict[str, Any]:
    """The lossless package of a framework authored here, ready to change."""
    document = find_document(session, normalise_identifier(doc_id) or doc_id)
    if document is None:
        raise AuthoringError(f"No framework with identifier {doc_id} is stored.")
    if document.source != AUTHORED:
        raise AuthoringError(
            f"{document.title} was imported from {document.source}; change it at its source "
            "and import it again. Only frameworks authored here are edited here."
        )
    package = package_to_json(load_package(session, document), None)
    package.setdefault("CFItems", [])
    package.setdefault("CFAssociations", [])
    return package


def _link(node: dict[str, Any]) -> dict[str, str]:
    title = node.get("humanCodingScheme") or node.get("title") or node.get("fullStatement", "")
    return {"title": str(title)[:200], "identifier": node["identifier"], "uri": node["uri"]}


def _association(
    base_url: str, kind: str, origin: dict[str, str], dest: dict[str, str], seq: int | None
) -> dict[str, Any]:
    ident = str(uuid.uuid4())
    data: dict[str, Any] = {
        "identifier": ident,
        "uri": _uri(base_url, "CFAssociations", ident),
        "associationType": kind,
        "originNodeURI": origin,
        "destinationNodeURI": dest,
        "lastChangeDateTime": _now(),
    }
    if seq is not None:
        data["sequenceNumber"] = seq
    return data


def add_item(
    session: Session,
    base_url: str,
    doc_id: str,
    statement: str,
    code: str = "",
    parent_id: str = "",
    item_type: str = "",
) -> tuple[str, ImportReport]:
    """Add an item under the document or under one of its items; returns its identifier."""
    package = _authored_package(session, doc_id)
    statement = statement.strip()
    if not statement:
        raise AuthoringError("An item needs a statement.")
    items = {i["identifier"]: i for i in package["CFItems"]}
    parent = package["CFDocument"]
    if parent_id.strip():
        pid = normalise_identifier(parent_id) or parent_id.strip()
        if pid not in items:
            raise AuthoringError("The parent must be an item of this framework.")
        parent = items[pid]
    ident = str(uuid.uuid4())
    item: dict[str, Any] = {
        "identifier": ident,
        "uri": _uri(base_url, "CFItems", ident),
        "fullStatement": statement,
        "lastChangeDateTime": _now(),
    }
    if code.strip():
        item["humanCodingScheme"] = code.strip()[:100]
    if item_type.strip():
        item["CFItemType"] = item_type.strip()[:60]
    siblings = [
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["destinationNodeURI"]["identifier"] == parent["identifier"]
    ]
    package["CFItems"].append(item)
    package["CFAssociations"].append(
        _association(base_url, "isChildOf", _link(item), _link(parent), len(siblings) + 1)
    )
    package["CFDocument"]["lastChangeDateTime"] = _now()
    return ident, import_package(session, package, AUTHORED)


def add_crosswalk(
    session: Session, base_url: str, doc_id: str, origin_id: str, kind: str, destination_id: str
) -> ImportReport:
    """Link an item of this framework to an item of any stored framework."""
    if kind not in CROSSWALK_TYPES:
        raise AuthoringError(f"A crosswalk is one of {', '.join(CROSSWALK_TYPES)}.")
    package = _authored_package(session, doc_id)
    origin = normalise_identifier(origin_id) or origin_id.strip()
    items = {i["identifier"]: i for i in package["CFItems"]}
    if origin not in items:
        raise AuthoringError("The origin must be an item of this framework.")
    dest = normalise_identifier(destination_id) or destination_id.strip()
    if dest in items:
        target: dict[str, Any] = items[dest]
    else:
        found = find_node(session, CaseItem, dest)
        if found is None:
            raise AuthoringError(f"No stored item has the identifier {destination_id}.")
        target = found[0].data
    if origin == target["identifier"]:
        raise AuthoringError("An item cannot be linked to itself.")
    package["CFAssociations"].append(
        _association(base_url, kind, _link(items[origin]), _link(target), None)
    )
    package["CFDocument"]["lastChangeDateTime"] = _now()
    return import_package(session, package, AUTHORED)
