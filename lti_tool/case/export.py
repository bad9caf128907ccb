"""Write a package back as JSON: losslessly, or strictly as CASE 1.1 or CASE 1.0.

- `version=None`: every field the package was read with (nulls dropped, ids and datetimes
  normalised; see parse.py). JSON -> model -> JSON is semantically identical.
- `"1.1"`: valid against the official CFPackage JSON Schema with format checking. Provider
  extras (`CFPackageURI`, `CFDocumentURI`) are left out (the API rebuilds them); any other
  field the 1.1 schema has no place for, or whose value does not fit it, moves into the node's
  `extensions` under its own name, so nothing imported is lost; schema-required strings real
  data omits (e.g. a CFItemType's description) are written as "".
- `"1.0"`: only CASE 1.0 fields; no `extensions`, no 1.1-only fields (frameworkType,
  caseVersion, CFItem.subject/subjectURI, CFAssociation.notes, LinkGenURI.targetType); an
  association type 1.0 does not know (`isTranslationOf`, `ext:`) is written as isRelatedTo,
  as the Implementation Guide tells consumers to read it.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (Implementation Guide §3.3.4, §4.7)
"""

from __future__ import annotations

import re
from typing import Any

from lti_tool.case.model import Node, Package
from lti_tool.case.parse import normalise_date, normalise_datetime, normalise_identifier
from lti_tool.case.vocabulary import (
    ASSOC_TYPE,
    ASSOCIATION_TYPES_10,
    ASSOCIATION_TYPES_11,
    DATE,
    DATETIME,
    DEFINITION_KINDS,
    EXT,
    EXT_LIST,
    EXTENSION_TERM,
    FALLBACK_ASSOCIATION_TYPE,
    FIELDS_10,
    FIELDS_11,
    GEN_LINK,
    INT,
    LINK,
    LINK_LIST,
    NESTED,
    NUM,
    PROVIDER_EXTRAS,
    SCHEMA_REQUIRED,
    STR,
    STR_LIST,
    UUID,
)


class ExportError(ValueError):
    """The package cannot be written in the version asked for."""


_BAD = object()


def _link(value: Any) -> Any:
    """A conforming LinkURI, or _BAD."""
    if not isinstance(value, dict):
        return _BAD
    ident = value.get("identifier")
    uri = value.get("uri")
    if (
        not isinstance(ident, str)
        or not isinstance(uri, str)
        or set(value)
        - {
            "title",
            "identifier",
            "uri",
        }
    ):
        return _BAD
    norm = normalise_identifier(ident)
    if norm is None:
        return _BAD
    title = value.get("title", "")
    return {
        "title": title if isinstance(title, str) else str(title),
        "identifier": norm,
        "uri": uri,
    }


def _gen_link(value: Any, version: str) -> Any:
    """A conforming LinkGenURI (origin or destination of an association), or _BAD."""
    if not isinstance(value, dict):
        return _BAD
    ident, uri = value.get("identifier"), value.get("uri")
    if not isinstance(ident, str) or not isinstance(uri, str):
        return _BAD
    title = value.get("title", "")
    out = {
        "title": title if isinstance(title, str) else str(title),
        "identifier": ident,
        "uri": uri,
    }
    target = value.get("targetType")
    if (
        version == "1.1"
        and isinstance(target, str)
        and (target == "CASE" or EXTENSION_TERM.match(target))
    ):
        out["targetType"] = target
    return out


def _conform(kind: str, value: Any, version: str) -> Any:
    """The value made to fit a field kind, or _BAD when it cannot be without changing it."""
    if kind == STR:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return _BAD
    if kind == UUID:
        return value if isinstance(value, str) and normalise_identifier(value) == value else _BAD
    if kind == DATETIME:
        return (normalise_datetime(value) or _BAD) if isinstance(value, str) else _BAD
    if kind == DATE:
        return (normalise_date(value) or _BAD) if isinstance(value, str) else _BAD
    if kind == INT:
        return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
    if kind == NUM:
        return value if isinstance(value, int | float) and not isinstance(value, bool) else _BAD
    if kind == STR_LIST:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return value if ok else _BAD
    if kind == LINK:
        return _link(value)
    if kind == LINK_LIST:
        if not isinstance(value, list):
            return _BAD
        links = [_link(v) for v in value]
        return _BAD if any(v is _BAD for v in links) else links
    if kind == GEN_LINK:
        return _gen_link(value, version)
    if kind == ASSOC_TYPE:
        if not isinstance(value, str):
            return _BAD
        known = ASSOCIATION_TYPES_11 if version == "1.1" else ASSOCIATION_TYPES_10
        if value in known or (version == "1.1" and EXTENSION_TERM.match(value)):
            return value
        return FALLBACK_ASSOCIATION_TYPE
    if kind == EXT:
        return value if isinstance(value, dict) else _BAD
    if kind == EXT_LIST:
        if isinstance(value, dict):
            return [value]
        ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        return value if ok else _BAD
    return _BAD


def strict_object(cls: str, data: dict[str, Any], version: str) -> dict[str, Any]:
    """One node as the schema of `version` wants it (nested rubric parts included)."""
    fields = FIELDS_11[cls] if version == "1.1" else FIELDS_10[cls]
    out: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for key, value in data.items():
        if key in PROVIDER_EXTRAS:
            continue
        kind = fields.get(key)
        if kind == NESTED:
            child = "CFRubricCriterion" if key == "CFRubricCriteria" else "CFRubricCriterionLevel"
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                out[key] = [strict_object(child, v, version) for v in value]
            else:
                moved[key] = value
            continue
        if kind is None:
            moved[key] = value
            continue
        if kind is STR and type(value) is str:  # the common case, kept cheap for large exports
            out[key] = value
            continue
        conformed = _conform(kind, value, version)
        if conformed is _BAD:
            moved[key] = value
        else:
            out[key] = conformed
    for name in SCHEMA_REQUIRED[cls]:
        if name not in out:
            if name in ("identifier", "uri", "lastChangeDateTime"):
                raise ExportError(f"{cls} {data.get('identifier')} has no usable {name}")
            out[name] = ""
    if version == "1.1" and moved:
        if fields.get("extensions") == EXT_LIST:
            out["extensions"] = [*out.get("extensions", []), moved]
        else:
            ext = dict(out.get("extensions", {}))
            for key, value in moved.items():
                ext.setdefault(key, value)
            out["extensions"] = ext
    return out


_GEN_LINK_KEYS = frozenset({"title", "identifier", "uri", "targetType"})
_TYPES_11 = frozenset(ASSOCIATION_TYPES_11)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def is_strict_11(cls: str, data: dict[str, Any]) -> bool:
    """True when `strict_object(cls, data, "1.1")` would return `data` unchanged.

    Much cheaper than building the strict object (the common kinds are checked inline); the
    provider API streams such nodes as they are stored.
    """
    fields = FIELDS_11[cls]
    for key, value in data.items():
        kind = fields.get(key)
        if kind is STR:
            if type(value) is not str:
                return False
        elif kind is UUID:
            if type(value) is not str or not _CANONICAL_UUID.match(value):
                return False
        elif kind is DATETIME:
            if type(value) is not str or normalise_datetime(value) != value:
                return False
        elif kind is INT:
            if type(value) is not int:
                return False
        elif kind is ASSOC_TYPE:
            if type(value) is not str or (
                value not in _TYPES_11 and not EXTENSION_TERM.match(value)
            ):
                return False
        elif kind is GEN_LINK:
            if type(value) is not dict or not value.keys() <= _GEN_LINK_KEYS:
                return False
            if (
                type(value.get("title")) is not str
                or type(value.get("identifier")) is not str
                or type(value.get("uri")) is not str
            ):
                return False
            target = value.get("targetType")
            if target is not None and not (
                type(target) is str and (target == "CASE" or EXTENSION_TERM.match(target))
            ):
                return False
        elif kind is None or kind is NESTED or kind is EXT_LIST:
            return False
        else:
            conformed = _conform(kind, value, "1.1")
            if conformed is _BAD or conformed != value:
                return False
    return all(name in data for name in SCHEMA_REQUIRED[cls])


def node_to_json(node: Node, version: str | None) -> dict[str, Any]:
    """One node, losslessly (version None) or strictly."""
    if version is None:
        return node.data
    data = strict_object(node.cls, node.data, version)
    if node.cls == "CFDocument" and version == "1.1":
        data["caseVersion"] = "1.1"
    return data


def package_to_json(package: Package, version: str | None = "1.1") -> dict[str, Any]:
    """The whole package as a JSON-ready dict; see the module docstring for each version."""
    if version not in (None, "1.0", "1.1"):
        raise ExportError(f"CASE version {version!r} is not one of 1.0, 1.1")
    if version is None:
        return _lossless(package)
    out: dict[str, Any] = {
        "CFDocument": node_to_json(package.document, version),
        "CFItems": [node_to_json(i, version) for i in package.items],
        "CFAssociations": [node_to_json(a, version) for a in package.associations],
        "CFDefinitions": {
            kind: [node_to_json(d, version) for d in package.definitions.of(kind)]
            for kind in DEFINITION_KINDS
        },
        "CFRubrics": [node_to_json(r, version) for r in package.rubrics],
    }
    if version == "1.1":
        if package.definitions.extensions:
            out["CFDefinitions"]["extensions"] = package.definitions.extensions
        ext = dict(package.extensions or {})
        for key, value in package.extra.items():
            ext.setdefault(key, value)
        if ext:
            out["extensions"] = ext
    return out


def _lossless(package: Package) -> dict[str, Any]:
    """Every field the package was read with, in the package's own shape."""
    out: dict[str, Any] = {"CFDocument": package.document.data}
    if "CFItems" in package.present or package.items:
        out["CFItems"] = [i.data for i in package.items]
    if "CFAssociations" in package.present or package.associations:
        out["CFAssociations"] = [a.data for a in package.associations]
    if "CFDefinitions" in package.present or any(package.definitions.all()):
        defs: dict[str, Any] = {
            kind: [d.data for d in nodes] for kind, nodes in package.definitions.by_kind.items()
        }
        if package.definitions.extensions is not None:
            defs["extensions"] = package.definitions.extensions
        out["CFDefinitions"] = defs
    if "CFRubrics" in package.present or package.rubrics:
        out["CFRubrics"] = [r.data for r in package.rubrics]
    if package.extensions is not None:
        out["extensions"] = package.extensions
    out.update(package.extra)
    return out
