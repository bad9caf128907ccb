"""Read a CASE package leniently, then validate it strictly.

Lenient where real data needs it (CASE 1.0 and 1.1; `CFPackageURI` / `CFDocumentURI` extras;
datetimes without a zone, read as UTC; explicit nulls, dropped; upper-case, braced, `urn:uuid:`
or undashed UUIDs, normalised to lower-case 8-4-4-4-12; associations to `urn:` / `local:`
nodes outside the package; top-level items linked to the document or not linked at all; a
`{"CFPackage": {...}}` wrapper). Strict where it matters: duplicate identifiers, `isChildOf`
cycles and self-loops, missing required fields and dangling references inside the package are
refused, each problem with the JSON path where it is.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (Information Model §7; Implementation Guide §3.3.4)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from lti_tool.case.model import (
    CFAssociation,
    CFDefinition,
    CFDefinitions,
    CFDocument,
    CFItem,
    CFRubric,
    Package,
)
from lti_tool.case.vocabulary import (
    ASSOCIATION_TYPES_11,
    CHILD_OF,
    DEFINITION_KINDS,
    EXTENSION_TERM,
    REQUIRED,
)

_UUID = re.compile(
    r"^(?:urn:uuid:)?\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?"
    r"([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$"
)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_TYPES_BY_LOWER = {t.lower(): t for t in ASSOCIATION_TYPES_11}
_SPECIAL_KEYS = frozenset(
    {
        "lastChangeDateTime",
        "statusStartDate",
        "statusEndDate",
        "identifier",
        "rubricId",
        "rubricCriterionId",
        "sequenceNumber",
    }
)
# Deeper JSON than this is refused before it reaches the parser's recursion limit.
MAX_JSON_DEPTH = 64
PACKAGE_KEYS = ("CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics")


@dataclass(frozen=True)
class Problem:
    """One reason a package is refused: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CaseFormatError(ValueError):
    """The input is not a CASE package the tool can accept; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"The CASE package was refused: {shown}{more}")


def normalise_identifier(value: str) -> str | None:
    """The canonical lower-case 8-4-4-4-12 form of a UUID-like string, or None if it is not one.

    Accepts upper case, braces, a `urn:uuid:` prefix and 32 hex digits without dashes (CaSS),
    and the non-RFC-4122 ids real data uses (`00000000-0000-0000-0000-000000000001`).
    """
    if _CANONICAL_UUID.match(value):
        return value
    match = _UUID.match(value.strip())
    if not match:
        return None
    return "-".join(match.groups()).lower()


@lru_cache(maxsize=8192)
def normalise_datetime(value: str) -> str | None:
    """An ISO 8601 date-time as UTC with `Z`; a value without a zone is read as UTC."""
    text = value.strip()
    if len(text) < 10:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    timespec = "microseconds" if parsed.microsecond else "seconds"
    return parsed.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def normalise_date(value: str) -> str | None:
    """An ISO 8601 date (a date-time keeps its date part)."""
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def parse_datetime(value: str) -> datetime:
    """The aware UTC datetime of a normalised date-time string."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def load_json(data: bytes | str, max_bytes: int | None = None) -> Any:
    """Decode JSON text, refusing oversize, undecodable, malformed or too deeply nested input."""
    if max_bytes is not None and len(data) > max_bytes:
        raise CaseFormatError(
            [Problem("$", f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")]
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseFormatError(
                [Problem("$", f"the file is not UTF-8 text ({exc.reason})")]
            ) from None
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(
            [Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
        ) from None
    except RecursionError:
        raise CaseFormatError([Problem("$", "the JSON nests too deeply")]) from None
    if _SURROGATE_ESCAPE.search(data):
        # Escaped surrogates are fine in pairs; a lone one is not text (nor storable).
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise CaseFormatError(
                [Problem("$", "the JSON contains an unpaired UTF-16 surrogate escape")]
            ) from None
    return obj


def parse_package_bytes(data: bytes | str, max_bytes: int | None = None) -> Package:
    """Decode and parse a CASE package file."""
    return parse_package(load_json(data, max_bytes))


class _Reader:
    """Collects problems while normalising one package."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # --- values -------------------------------------------------------------------------------

    def clean(self, value: Any, path: str, depth: int = 3) -> Any:
        """Drop explicit nulls and normalise ids, dates and links, recursively.

        The hot path of a large import: plain strings pass through untouched, and a field's
        JSON path is only built when the field is a container or has a problem. `depth` is
        how deep `value` lies in the package (a node is at 3); deeper than MAX_JSON_DEPTH is
        refused, so nothing later recurses without bound.
        """
        if depth > MAX_JSON_DEPTH and isinstance(value, dict | list):
            self.problem(path, f"nests deeper than {MAX_JSON_DEPTH} levels")
            return value
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, val in value.items():
                if val is None:
                    continue
                if type(val) is str:
                    out[key] = self.clean_string(key, val, path) if key in _SPECIAL_KEYS else val
                elif isinstance(val, dict | list):
                    out[key] = self.clean(val, f"{path}.{key}", depth + 1)
                elif key == "sequenceNumber" and isinstance(val, float) and val.is_integer():
                    out[key] = int(val)
                else:
                    out[key] = val
            return out
        if isinstance(value, list):
            return [
                self.clean(v, f"{path}[{n}]", depth + 1)
                for n, v in enumerate(value)
                if v is not None
            ]
        return value

    def clean_string(self, key: str, value: str, path: str) -> Any:
        """Normalise one string field whose key carries a date, an identifier or a number."""
        if key == "lastChangeDateTime":
            norm = normalise_datetime(value)
            if norm is None:
                self.problem(f"{path}.{key}", f"{value!r} is not an ISO 8601 date-time")
                return value
            return norm
        if key in ("statusStartDate", "statusEndDate"):
            norm = normalise_date(value)
            if norm is None:
                self.problem(f"{path}.{key}", f"{value!r} is not an ISO 8601 date")
                return value
            return norm
        if key == "sequenceNumber":
            text = value.strip()
            return int(text) if text.lstrip("-").isdigit() else value
        # identifier, rubricId, rubricCriterionId. LinkGenURI identifiers may be any string;
        # those that are not UUIDs are kept as given (trimmed).
        return normalise_identifier(value) or value.strip()

    # --- nodes --------------------------------------------------------------------------------

    def node(self, cls: str, raw: Any, path: str) -> dict[str, Any] | None:
        """A cleaned node object, or None (with a problem) when it cannot be used."""
        if not isinstance(raw, dict):
            self.problem(path, f"a {cls} must be a JSON object")
            return None
        data = self.clean(raw, path)
        ok = True
        for name in REQUIRED[cls]:
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.problem(f"{path}.{name}", f"the required field {name} of a {cls} is missing")
                ok = False
            elif name not in ("originNodeURI", "destinationNodeURI") and not isinstance(value, str):
                self.problem(f"{path}.{name}", f"{name} must be a string")
                ok = False
        ident = data.get("identifier")
        if ok and normalise_identifier(str(ident)) is None:
            self.problem(f"{path}.identifier", f"{ident!r} is not a UUID")
            ok = False
        return data if ok else None

    def association(self, raw: Any, path: str) -> dict[str, Any] | None:
        data = self.node("CFAssociation", raw, path)
        if data is None:
            return None
        ok = True
        kind = data["associationType"]
        if isinstance(kind, str) and kind not in ASSOCIATION_TYPES_11:
            if kind.lower() in _TYPES_BY_LOWER:
                data["associationType"] = kind = _TYPES_BY_LOWER[kind.lower()]
            elif not EXTENSION_TERM.match(kind):
                self.problem(
                    f"{path}.associationType",
                    f"{kind!r} is not a CASE association type (nor an `ext:` term)",
                )
                ok = False
        for end in ("originNodeURI", "destinationNodeURI"):
            link = data[end]
            if not isinstance(link, dict) or not all(
                isinstance(link.get(k), str) and link.get(k) for k in ("identifier", "uri")
            ):
                self.problem(f"{path}.{end}", f"{end} needs an identifier and a uri")
                ok = False
        seq = data.get("sequenceNumber")
        if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
            self.problem(f"{path}.sequenceNumber", f"{seq!r} is not an integer")
            ok = False
        return data if ok else None


def _unwrap(obj: Any) -> Any:
    """Accept `{"CFPackage": {...}}` (a wrapper some tools write)."""
    if isinstance(obj, dict) and "CFDocument" not in obj and isinstance(obj.get("CFPackage"), dict):
        return obj["CFPackage"]
    return obj


def parse_package(obj: Any) -> Package:
    """Turn a decoded CASE package (1.0 or 1.1) into a Package, or raise CaseFormatError."""
    obj = _unwrap(obj)
    if not isinstance(obj, dict):
        raise CaseFormatError([Problem("$", "a CASE package must be a JSON object")])
    if "CFDocument" not in obj or obj["CFDocument"] is None:
        raise CaseFormatError([Problem("$.CFDocument", "the package has no CFDocument")])
    reader = _Reader()
    doc_data = reader.node("CFDocument", obj["CFDocument"], "$.CFDocument")

    def members(key: str) -> list[tuple[str, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            reader.problem(f"$.{key}", f"{key} must be a list")
            return []
        return [(f"$.{key}[{n}]", v) for n, v in enumerate(value)]

    items = [
        (p, d) for p, raw in members("CFItems") if (d := reader.node("CFItem", raw, p)) is not None
    ]
    assocs = [
        (p, d)
        for p, raw in members("CFAssociations")
        if (d := reader.association(raw, p)) is not None
    ]
    rubrics = [
        (p, d)
        for p, raw in members("CFRubrics")
        if (d := reader.node("CFRubric", raw, p)) is not None
    ]
    definitions: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    defs_raw = obj.get("CFDefinitions")
    defs_ext = None
    if defs_raw is not None and not isinstance(defs_raw, dict):
        reader.problem("$.CFDefinitions", "CFDefinitions must be an object")
        defs_raw = {}
    for kind, cls in DEFINITION_KINDS.items():
        value = (defs_raw or {}).get(kind)
        if value is None:
            continue
        if not isinstance(value, list):
            reader.problem(f"$.CFDefinitions.{kind}", f"{kind} must be a list")
            continue
        definitions[kind] = [
            (p, d)
            for n, raw in enumerate(value)
            if (d := reader.node(cls, raw, p := f"$.CFDefinitions.{kind}[{n}]")) is not None
        ]
    if defs_raw and isinstance(defs_raw.get("extensions"), dict):
        defs_ext = reader.clean(defs_raw["extensions"], "$.CFDefinitions.extensions")
    for path, rubric in rubrics:
        _check_rubric(reader, rubric, path)
    if doc_data is None:
        raise CaseFormatError(reader.problems)
    _check_graph(reader, doc_data, items, assocs, definitions, rubrics)
    if reader.problems:
        raise CaseFormatError(reader.problems)

    ext = obj.get("extensions")
    extra = {
        k: reader.clean(v, f"$.{k}")
        for k, v in obj.items()
        if k not in (*PACKAGE_KEYS, "extensions") and v is not None
    }
    return Package(
        document=CFDocument("CFDocument", doc_data),
        items=tuple(CFItem("CFItem", d) for _, d in items),
        associations=tuple(CFAssociation("CFAssociation", d) for _, d in assocs),
        definitions=CFDefinitions(
            {
                kind: tuple(CFDefinition(DEFINITION_KINDS[kind], d) for _, d in nodes)
                for kind, nodes in definitions.items()
            },
            defs_ext,
        ),
        rubrics=tuple(CFRubric("CFRubric", d) for _, d in rubrics),
        extensions=reader.clean(ext, "$.extensions") if isinstance(ext, dict) else None,
        extra=extra,
        present=frozenset(
            k
            for k in PACKAGE_KEYS
            if obj.get(k) is not None
            and not (k == "CFDefinitions" and not isinstance(defs_raw, dict))
        ),
        warnings=tuple(reader.warnings),
    )


def _check_rubric(reader: _Reader, rubric: dict[str, Any], path: str) -> None:
    """Criteria and levels need their required fields and must point at their own parents."""
    criteria = rubric.get("CFRubricCriteria", [])
    if not isinstance(criteria, list):
        reader.problem(f"{path}.CFRubricCriteria", "CFRubricCriteria must be a list")
        return
    for n, crit in enumerate(criteria):
        cpath = f"{path}.CFRubricCriteria[{n}]"
        if reader.node("CFRubricCriterion", crit, cpath) is None:
            continue
        if crit.get("rubricId") not in (None, rubric["identifier"]):
            reader.problem(
                f"{cpath}.rubricId",
                f"the criterion names rubric {crit['rubricId']}, "
                f"not its own {rubric['identifier']}",
            )
        levels = crit.get("CFRubricCriterionLevels", [])
        if not isinstance(levels, list):
            reader.problem(f"{cpath}.CFRubricCriterionLevels", "must be a list")
            continue
        for m, level in enumerate(levels):
            lpath = f"{cpath}.CFRubricCriterionLevels[{m}]"
            if reader.node("CFRubricCriterionLevel", level, lpath) is None:
                continue
            if level.get("rubricCriterionId") not in (None, crit["identifier"]):
                reader.problem(
                    f"{lpath}.rubricCriterionId",
                    f"the level names criterion {level['rubricCriterionId']}, "
                    f"not its own {crit['identifier']}",
                )


def _duplicates(
    reader: _Reader, entries: list[tuple[str, dict[str, Any]]], what: str
) -> list[tuple[str, dict[str, Any]]]:
    """Report every identifier used twice among `entries`; return them without exact copies.

    An exact copy of a node (same identifier, same content; Smarter Balanced's math export has
    one) is dropped with a warning; two different nodes sharing an identifier are refused.
    """
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    kept = []
    for path, data in entries:
        ident = data["identifier"]
        if ident not in seen:
            seen[ident] = (path, data)
            kept.append((path, data))
        elif seen[ident][1] == data:
            reader.warnings.append(
                Problem(path, f"an exact copy of the {what} at {seen[ident][0]}; kept once")
            )
        else:
            reader.problem(
                f"{path}.identifier",
                f"duplicate {what} identifier {ident} (first at {seen[ident][0]})",
            )
    return kept


def _check_graph(
    reader: _Reader,
    doc: dict[str, Any],
    items: list[tuple[str, dict[str, Any]]],
    assocs: list[tuple[str, dict[str, Any]]],
    definitions: dict[str, list[tuple[str, dict[str, Any]]]],
    rubrics: list[tuple[str, dict[str, Any]]],
) -> None:
    """Duplicates, self-loops, isChildOf cycles and dangling references inside the package."""
    items[:] = _duplicates(reader, [("$.CFDocument", doc), *items], "document or item")[1:]
    assocs[:] = _duplicates(reader, assocs, "association")
    rubrics[:] = _duplicates(reader, rubrics, "rubric")
    for kind, entries in definitions.items():
        entries[:] = _duplicates(reader, entries, kind[2:-1])
    item_ids = {d["identifier"] for _, d in items}
    groupings = {d["identifier"] for _, d in definitions.get("CFAssociationGroupings", [])}
    parents: dict[str, list[tuple[str, str]]] = {}
    for path, data in assocs:
        origin = data["originNodeURI"]["identifier"]
        dest = data["destinationNodeURI"]["identifier"]
        if origin == dest:
            reader.problem(path, f"the association links {origin} to itself")
            continue
        group = data.get("CFAssociationGroupingURI")
        if isinstance(group, dict) and group.get("identifier") not in groupings:
            reader.problem(
                f"{path}.CFAssociationGroupingURI",
                f"association grouping {group.get('identifier')} is not in CFDefinitions",
            )
        if data["associationType"] == CHILD_OF:
            # The child of an isChildOf in this package is placed in this package's tree, so
            # it must be one of its items; the parent may be the document or an item.
            if origin not in item_ids:
                reader.problem(
                    f"{path}.originNodeURI",
                    f"isChildOf from {origin}, which is not an item of this package",
                )
            elif dest in item_ids:
                parents.setdefault(origin, []).append((dest, path))
    _check_cycles(reader, parents)


def _check_cycles(reader: _Reader, parents: dict[str, list[tuple[str, str]]]) -> None:
    """Report each isChildOf cycle once, at the association that closes it."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in parents:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        state[start] = 1
        while stack:
            node, index = stack[-1]
            edges = parents.get(node, [])
            if index >= len(edges):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, index + 1)
            parent, path = edges[index]
            if state.get(parent) == 1:
                reader.problem(path, f"isChildOf makes a cycle through {parent}")
            elif not state.get(parent):
                state[parent] = 1
                stack.append((parent, 0))
