"""OpenSALT's spreadsheet formats <-> a CASE package.

Reads the XLSX workbook OpenSALT imports and exports (sheets "CF Doc", "CF Item",
"CF Association") and the CSV variants found in the wild: OpenSALT's item CSV (the CF Item
columns), its "generic CSV" (one column per association type, keyed by human coding
scheme), a CSV with a `parent` column, and COMPEITO's CSV (a `#key,value` document header
followed by item rows with `parentIdentifier`). Columns are found by header name, in any
order and any case. Writes the same workbook back (`package_to_xlsx`).

The hierarchy comes from `smartLevel` (1, 1.2, 1.2.3: parent level and position) or a parent
column; isChildOf rows of the association sheet that repeat it are merged into it rather than
doubled (the duplicate-children bug OpenSALT had, opensalt#484/#657).

What a spreadsheet cannot carry is listed in `XLSX_ROUND_TRIP_LOSSES`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from defusedxml import DefusedXmlException

from lti_tool.case.conversion import (
    ASSOCIATION_TYPES,
    FALLBACK_TIMESTAMP,
    association_type,
    canonical_uuid,
    day,
    derived_uuid,
    link,
    looks_like_uri,
    prune,
    timestamp,
    unresolved_uri,
    uri_for,
)
from lti_tool.case.problems import CaseFormatError, Problem, ProblemCollector

DOC_SHEET = "CF Doc"
ITEM_SHEET = "CF Item"
ASSOCIATION_SHEET = "CF Association"
# Not OpenSALT's (it ignores the sheet): COMPEITO's flat rubric layout, one row per rubric,
# criterion and level, so rubrics survive a trip through a spreadsheet.
RUBRIC_SHEET = "CF Rubric"

# Limits chosen for real frameworks: the largest known (Common Core ELA, 1,189 items) is a
# 180 KB workbook that unpacks to 1.4 MB; a 50,000-item framework stays well inside these.
MAX_XLSX_BYTES = 32 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_XLSX_ENTRIES = 500
# Sheet XML compresses about 10-30x; a zip bomb compresses thousands of times.
MAX_XLSX_COMPRESSION_RATIO = 200
MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_ROWS = 250_000

XLSX_ROUND_TRIP_LOSSES = (
    "CFDefinitions other than item types, licences and association groupings",
    "extensions of rubrics, criteria and levels",
    "LinkURI titles and identifiers of item types and licences (rebuilt from their titles)",
    "the root convention: top-level items become children of the document (OpenSALT's)",
    "characters XML 1.0 cannot hold (control characters other than tab, CR, LF)",
    "text past 32,767 characters in one cell (Excel's limit)",
)

# Formula injection (CWE-1236): a cell that starts with one of these is run as a formula by
# Excel and LibreOffice. Exported cells that start so get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 cannot hold (the set openpyxl refuses to write).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_TYPE_LABELS = {
    "isChildOf": "Is Child Of",
    "isPeerOf": "Is Peer Of",
    "isPartOf": "Is Part Of",
    "exactMatchOf": "Exact Match Of",
    "precedes": "Precedes",
    "isRelatedTo": "Is Related To",
    "replacedBy": "Replaced By",
    "exemplar": "Exemplar",
    "hasSkillLevel": "Has Skill Level",
    "isTranslationOf": "Is Translation Of",
}


# Every way zipfile refuses a damaged or exotic archive (NotImplementedError: a compression
# method it lacks; RuntimeError: an encrypted part).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ValueError,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)


def _key(header: object) -> str:
    """A header reduced to lower-case letters and digits: 'Human Coding Scheme' -> ..."""
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


_DOC_FIELDS = {
    "identifier": "identifier",
    "creator": "creator",
    "title": "title",
    "lastchangedate": "lastChangeDateTime",
    "lastchangedatetime": "lastChangeDateTime",
    "officialsourceurl": "officialSourceURL",
    "publisher": "publisher",
    "description": "description",
    "subject": "subject",
    "language": "language",
    "version": "version",
    "adoptionstatus": "adoptionStatus",
    "statusstartdate": "statusStartDate",
    "statusenddate": "statusEndDate",
    "licensetitle": "licenseTitle",
    "license": "licenseTitle",
    "licence": "licenseTitle",
    "licensetext": "licenseText",
    "notes": "notes",
    "uri": "uri",
    "frameworktype": "frameworkType",
}

_ITEM_FIELDS = {
    "identifier": "identifier",
    "fullstatement": "fullStatement",
    "humancodingscheme": "humanCodingScheme",
    "smartlevel": "smartLevel",
    "listenumeration": "listEnumeration",
    "abbreviatedstatement": "abbreviatedStatement",
    "conceptkeywords": "conceptKeywords",
    "notes": "notes",
    "language": "language",
    "educationlevel": "educationLevel",
    "cfitemtype": "CFItemType",
    "itemtype": "CFItemType",
    "license": "license",
    "licence": "license",
    "alternativelabel": "alternativeLabel",
    "subject": "subject",
    "statusstartdate": "statusStartDate",
    "statusenddate": "statusEndDate",
    "lastchangedatetime": "lastChangeDateTime",
    "lastchangedate": "lastChangeDateTime",
    "uri": "uri",
    "extensions": "extensions",
    "sequencenumber": "sequenceNumber",
    "parent": "parent",
    "parentidentifier": "parent",
    "ischildof": "parent",
}
# Generic CSV: a column per association type, holding the destination's key or code.
_ITEM_ASSOCIATION_COLUMNS = {t.lower(): t for t in ASSOCIATION_TYPES if t != "isChildOf"}

_ASSOCIATION_FIELDS = {
    "identifier": "identifier",
    "originnodeuri": "originNodeURI",
    "originnodeidentifier": "originNodeIdentifier",
    "originnodehumancodingscheme": "originNodeHumanCodingScheme",
    "originnodetitle": "originNodeTitle",
    "associationtype": "associationType",
    "destinationnodeuri": "destinationNodeURI",
    "destinationnodeidentifier": "destinationNodeIdentifier",
    "destinationnodehumancodingscheme": "destinationNodeHumanCodingScheme",
    "destinationnodetitle": "destinationNodeTitle",
    "associationgroupidentifier": "associationGroupIdentifier",
    "associationgroupname": "associationGroupName",
    "sequencenumber": "sequenceNumber",
    "notes": "notes",
    "lastchangedatetime": "lastChangeDateTime",
    "uri": "uri",
    "extensions": "extensions",
}

_RUBRIC_FIELDS = {
    "type": "type",
    "identifier": "identifier",
    "rubricidentifier": "rubric",
    "criterionidentifier": "criterion",
    "title": "title",
    "description": "description",
    "category": "category",
    "weight": "weight",
    "position": "position",
    "quality": "quality",
    "score": "score",
    "feedback": "feedback",
    "cfitemidentifier": "item",
    "lastchangedatetime": "lastChangeDateTime",
    "uri": "uri",
}
_RUBRIC_HEADERS = ["Type", "Identifier", "RubricIdentifier", "CriterionIdentifier", "Title",
                   "Description", "Category", "Weight", "Position", "Quality", "Score",
                   "Feedback", "CFItemIdentifier", "lastChangeDateTime", "uri"]  # fmt: skip

# Long text keeps its spaces and line ends; every other cell is trimmed.
_VERBATIM = {
    "fullStatement",
    "notes",
    "description",
    "abbreviatedStatement",
    "licenseText",
    "feedback",
}


# --------------------------------------------------------------------------- cell values


def _unquote(text: str) -> str:
    """Undo the export's formula guard: a quote before = + - @ tab CR or a quote."""
    if len(text) > 1 and text[0] == "'" and text[1] in ("'", *_FORMULA_STARTS):
        return text[1:]
    return text


def _cell_text(value: object) -> str | None:
    """A cell as text, or None when blank. Excel numbers 3.0 read as '3'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = _unquote(str(value))
    return text if text.strip() else None


@dataclass
class _Row:
    """One spreadsheet row: its place for problem reports and its cells by field name."""

    where: str
    cells: dict[str, Any]
    extra: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        """The cell as text (trimmed unless it is long text), or None."""
        raw = self.cells.get(name)
        text = _cell_text(raw)
        if text is None:
            return None
        return text if name in _VERBATIM else text.strip()

    def raw(self, name: str) -> Any:
        """The cell as the reader gave it (datetimes stay datetimes)."""
        return self.cells.get(name)


def _rows(
    records: Iterable[tuple[int, list[Any]]],
    label: str,
    fields: Mapping[str, str],
    problems: ProblemCollector,
    keep_unknown: bool = False,
    required: tuple[str, ...] = (),
) -> Iterator[_Row]:
    """Rows keyed by field name, from (row number, cells) records whose first is the header.

    A sheet without a `required` column is reported once, not on every row.
    """
    iterator = iter(records)
    header_row = next(iterator, None)
    if header_row is None:
        problems.add(label, "the sheet is empty: a header row is needed")
        return
    _, header = header_row
    columns: list[tuple[int, str, bool]] = []
    seen: set[str] = set()
    for index, name in enumerate(header):
        text = _cell_text(name)
        if text is None:
            continue
        canonical = fields.get(_key(text))
        if canonical is None and not keep_unknown:
            continue
        target = canonical or text.strip()
        if canonical and canonical in seen:
            problems.add(f"{label}, row 1", f"column {text!r} appears twice")
            continue
        seen.add(target)
        columns.append((index, target, canonical is None))
    missing = [name for name in required if name not in seen]
    if missing:
        problems.add(f"{label}, row 1", f"no {' or '.join(missing)} column in the header")
        return
    count = 0
    for number, cells in iterator:
        if all(_cell_text(c) is None for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            problems.add(label, f"more than {MAX_ROWS} rows; split the framework")
            return
        row = _Row(f"{label}, row {number}", {})
        for index, target, unknown in columns:
            value = cells[index] if index < len(cells) else None
            if unknown:
                text = _cell_text(value)
                if text is not None:
                    row.extra[target] = text
            else:
                row.cells[target] = value
        yield row


def _split(text: str | None, separators: str = ",|") -> list[str]:
    """A cell holding a list: 'a, b|c' -> ['a', 'b', 'c']."""
    if not text:
        return []
    return [p.strip() for p in re.split(f"[{re.escape(separators)}\n]", text) if p.strip()]


def _education_levels(text: str | None) -> list[str]:
    """Grade codes as CASE writes them: '3' -> '03', 'K' stays (OpenSALT does the same)."""
    return [f"0{v}" if re.fullmatch(r"\d", v) else v for v in _split(text)]


# --------------------------------------------------------------------------- the builder


@dataclass
class _Node:
    """An item (or the document) others can point at."""

    identifier: str
    uri: str
    title: str


class _PackageBuilder:
    """Turns rows into a CASE package, resolving references between them."""

    def __init__(self, problems: ProblemCollector, uri_base: str | None) -> None:
        self.problems = problems
        self.uri_base = uri_base
        self.document: dict[str, Any] = {}
        self.doc_id = ""
        self.changed = FALLBACK_TIMESTAMP
        self.items: list[dict[str, Any]] = []
        self.nodes: dict[str, _Node] = {}
        self.by_key: dict[str, str] = {}
        self.by_code: dict[str, str] = {}
        self.ambiguous_codes: set[str] = set()
        self.by_uri: dict[str, str] = {}
        self.item_where: dict[str, str] = {}
        self.associations: list[dict[str, Any]] = []
        self.association_ids: set[str] = set()
        self.item_types: dict[str, dict[str, Any]] = {}
        self.licenses: dict[str, dict[str, Any]] = {}
        self.groupings: dict[str, dict[str, Any]] = {}
        self.parent_of: dict[str, tuple[str, int | None, str]] = {}
        self.merged_rows: set[int] = set()
        self.rubrics: list[dict[str, Any]] = []

    # ---- document

    def set_document(self, row: _Row, default_title: str, changed_at: str | None) -> None:
        """The CFDocument from the CF Doc row (or the CSV header, or defaults)."""
        title = row.text("title") or default_title
        if not title:
            self.problems.add(row.where, "the document has no title")
        creator = row.text("creator")
        if not creator:
            self.problems.add(row.where, "the document has no creator")
        raw_id = row.text("identifier")
        doc_id = canonical_uuid(raw_id) if raw_id else None
        if doc_id is None:
            doc_id = derived_uuid("document", raw_id or title or "")
        self.doc_id = doc_id
        self.changed = self._timestamp(row, "lastChangeDateTime") or changed_at or self.changed
        doc: dict[str, Any] = {
            "identifier": doc_id,
            "uri": row.text("uri") or uri_for(self.uri_base, "CFDocuments", doc_id),
            "creator": creator or "",
            "title": title or "",
            "lastChangeDateTime": self.changed,
            "officialSourceURL": row.text("officialSourceURL"),
            "publisher": row.text("publisher"),
            "description": row.text("description"),
            "subject": _split(row.text("subject"), "|") or row.raw("subjects"),
            "language": row.text("language"),
            "version": row.text("version"),
            "adoptionStatus": row.text("adoptionStatus"),
            "statusStartDate": self._day(row, "statusStartDate"),
            "statusEndDate": self._day(row, "statusEndDate"),
            "notes": row.text("notes"),
            "frameworkType": row.text("frameworkType"),
        }
        license_title = row.text("licenseTitle")
        if license_title:
            doc["licenseURI"] = self._license(license_title, row.text("licenseText"))
        self.document = prune(doc)
        self.nodes[doc_id] = _Node(doc_id, self.document["uri"], title or "")
        self.by_uri[self.document["uri"]] = doc_id
        if raw_id:
            self.by_key[raw_id] = doc_id

    def _timestamp(self, row: _Row, name: str) -> str | None:
        value = row.raw(name)
        if _cell_text(value) is None:
            return None
        result = timestamp(value if isinstance(value, datetime | date) else row.text(name))
        if result is None:
            self.problems.add(row.where, f"{name} {row.text(name)!r} is not a date and time")
        return result

    def _day(self, row: _Row, name: str) -> str | None:
        value = row.raw(name)
        if _cell_text(value) is None:
            return None
        result = day(value if isinstance(value, datetime | date) else row.text(name))
        if result is None:
            self.problems.add(row.where, f"{name} {row.text(name)!r} is not a date (YYYY-MM-DD)")
        return result

    def _integer(self, row: _Row, name: str) -> int | None:
        text = row.text(name)
        if text is None:
            return None
        try:
            number = int(text)
        except ValueError:
            self.problems.add(row.where, f"{name} {text!r} is not a whole number")
            return None
        if not -(2**31) <= number < 2**31:
            self.problems.add(row.where, f"{name} {number} is out of range")
            return None
        return number

    # ---- definitions

    def _definition(self, store: dict[str, dict[str, Any]], kind: str, title: str) -> dict:
        if title not in store:
            identifier = derived_uuid(self.doc_id, kind, title)
            store[title] = {
                "identifier": identifier,
                "uri": uri_for(self.uri_base, kind, identifier),
                "title": title,
                "lastChangeDateTime": self.changed,
            }
        return store[title]

    def _license(self, title: str, text: str | None) -> dict[str, str]:
        definition = self._definition(self.licenses, "CFLicenses", title)
        definition.setdefault("licenseText", text or title)
        return link(title, definition["identifier"], definition["uri"])

    def _item_type(self, title: str) -> dict[str, str]:
        definition = self._definition(self.item_types, "CFItemTypes", title)
        definition.setdefault("description", title)
        definition.setdefault("hierarchyCode", title)
        definition.setdefault("typeCode", title)
        return link(title, definition["identifier"], definition["uri"])

    def _grouping(self, raw_id: str | None, name: str | None) -> dict[str, str]:
        key = raw_id or name or ""
        if key not in self.groupings:
            identifier = canonical_uuid(raw_id) or derived_uuid(self.doc_id, "grouping", key)
            self.groupings[key] = {
                "identifier": identifier,
                "uri": uri_for(self.uri_base, "CFAssociationGroupings", identifier),
                "title": name or key,
                "lastChangeDateTime": self.changed,
            }
        g = self.groupings[key]
        return link(g["title"], g["identifier"], g["uri"])

    # ---- items

    def add_item(self, row: _Row) -> str | None:
        """One CFItem from a CF Item (or CSV) row; returns its identifier."""
        statement = row.text("fullStatement")
        raw_id = row.text("identifier")
        code = row.text("humanCodingScheme")
        if statement is None:
            self.problems.add(row.where, "fullStatement is empty (every item needs one)")
            return None
        identifier = canonical_uuid(raw_id) if raw_id else None
        if identifier is None:
            key = raw_id or code or statement
            identifier = derived_uuid(self.doc_id, "item", key)
        if identifier in self.nodes:
            first = self.item_where.get(identifier, "the document")
            self.problems.add(
                row.where, f"identifier {raw_id or identifier} is used already ({first})"
            )
            return None
        uri = row.text("uri") or uri_for(self.uri_base, "CFItems", identifier)
        item: dict[str, Any] = {
            "identifier": identifier,
            "fullStatement": statement,
            "uri": uri,
            "lastChangeDateTime": self._timestamp(row, "lastChangeDateTime") or self.changed,
            "humanCodingScheme": code,
            "alternativeLabel": row.text("alternativeLabel"),
            "listEnumeration": row.text("listEnumeration"),
            "abbreviatedStatement": row.text("abbreviatedStatement"),
            "conceptKeywords": _split(row.text("conceptKeywords")),
            "notes": row.text("notes"),
            "language": row.text("language"),
            "educationLevel": _education_levels(row.text("educationLevel")),
            "subject": _split(row.text("subject"), "|"),
            "statusStartDate": self._day(row, "statusStartDate"),
            "statusEndDate": self._day(row, "statusEndDate"),
        }
        type_title = row.text("CFItemType")
        if type_title:
            item["CFItemType"] = type_title
            item["CFItemTypeURI"] = self._item_type(type_title)
        license_title = row.text("license")
        if license_title:
            item["licenseURI"] = self._license(license_title, None)
        extensions = self._extensions(row)
        if extensions:
            item["extensions"] = extensions
        self.items.append(prune(item))
        self.nodes[identifier] = _Node(identifier, uri, code or statement[:60])
        self.item_where[identifier] = row.where
        self.by_uri[uri] = identifier
        if raw_id:
            self.by_key[raw_id] = identifier
        if code:
            if code in self.by_code and self.by_code[code] != identifier:
                self.ambiguous_codes.add(code)
            self.by_code.setdefault(code, identifier)
        return identifier

    def _extensions(self, row: _Row) -> dict[str, Any]:
        """Columns the format does not name, and an `extensions` JSON column, kept as-is."""
        result: dict[str, Any] = {
            k: v for k, v in row.extra.items() if _key(k) not in _ITEM_ASSOCIATION_COLUMNS
        }
        text = row.text("extensions")
        if text:
            try:
                parsed = json.loads(text)
            except (ValueError, RecursionError):
                parsed = None
            if not isinstance(parsed, dict):
                self.problems.add(row.where, "extensions is not a JSON object")
            else:
                result.update(parsed)
        return result

    # ---- references and associations

    def find(self, ref: str | None) -> str | None:
        """The identifier of the document or item a cell points at, if it is in the file."""
        if not ref:
            return None
        ref = ref.strip()
        found = canonical_uuid(ref)
        if found in self.nodes:
            return found
        if ref.startswith("local:") and canonical_uuid(ref[6:]) in self.nodes:
            return canonical_uuid(ref[6:])
        if ref in self.by_key:
            return self.by_key[ref]
        if ref in self.by_uri:
            return self.by_uri[ref]
        if ref in self.by_code and ref not in self.ambiguous_codes:
            return self.by_code[ref]
        return None

    def node_link(
        self,
        identifier: str | None,
        uri: str | None,
        code: str | None,
        title: str | None = None,
    ) -> dict[str, str] | None:
        """The LinkGenURI of an association end: in the file, or outside it as written."""
        for ref in (identifier, uri, code):
            found = self.find(ref)
            if found:
                node = self.nodes[found]
                return link(title or node.title, node.identifier, node.uri)
        if not (identifier or uri or code):
            return None
        outside_id = canonical_uuid(identifier) if identifier else None
        if outside_id is None and uri and uri.startswith("local:"):
            outside_id = canonical_uuid(uri[6:])
        ident = outside_id or identifier or code or uri or ""
        if uri is None:
            if outside_id:
                uri = f"urn:uuid:{outside_id}"
            elif looks_like_uri(ident):
                uri = ident
            else:
                uri = unresolved_uri(ident)
        return link(title or code or ident, ident, uri)

    def add_association(
        self,
        where: str,
        kind: str,
        origin: dict[str, str],
        destination: dict[str, str],
        raw_id: str | None = None,
        sequence: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """One CFAssociation; exact repeats of an unnamed association are dropped."""
        identifier = canonical_uuid(raw_id) if raw_id else None
        if identifier is None:
            key = raw_id or "\x1e".join(
                (origin["identifier"], kind, destination["identifier"], destination["uri"])
            )
            identifier = derived_uuid(self.doc_id, "association", key)
            if not raw_id and identifier in self.association_ids:
                return
        if identifier in self.association_ids:
            self.problems.add(where, f"association identifier {raw_id} is used already")
            return
        self.association_ids.add(identifier)
        extra = dict(extra or {})
        association: dict[str, Any] = {
            "identifier": identifier,
            "associationType": kind,
            "uri": extra.pop("uri", None) or uri_for(self.uri_base, "CFAssociations", identifier),
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": extra.pop("lastChangeDateTime", None) or self.changed,
            "sequenceNumber": sequence,
            **extra,
        }
        self.associations.append(prune(association))

    def set_parent(self, child: str, parent: str, sequence: int | None, where: str) -> None:
        """Record the tree parent of an item (from smartLevel or a parent column)."""
        self.parent_of[child] = (parent, sequence, where)

    def tree_associations(self, rows: list[_Row]) -> None:
        """isChildOf associations for the recorded parents, merged with sheet rows."""
        merged: dict[tuple[str, str], _Row] = {}
        for row in rows:
            kind = association_type(row.text("associationType") or "")
            if kind != "isChildOf":
                continue
            origin = self.find(row.text("originNodeIdentifier")) or self.find(
                row.text("originNodeURI")
            )
            dest = self.find(row.text("destinationNodeIdentifier")) or self.find(
                row.text("destinationNodeURI")
            )
            if origin and dest and self.parent_of.get(origin, ("",))[0] == dest:
                merged.setdefault((origin, dest), row)
        self.merged_rows = {id(r) for r in merged.values()}
        for child, (parent, sequence, where) in self.parent_of.items():
            row = merged.get((child, parent))
            raw_id = row.text("identifier") if row else None
            if row is not None:
                sequence = self._integer(row, "sequenceNumber")
            child_node, parent_node = self.nodes[child], self.nodes[parent]
            extra = self._association_extra(row) if row is not None else {}
            self.add_association(
                row.where if row else where,
                "isChildOf",
                link(child_node.title, child, child_node.uri),
                link(parent_node.title, parent, parent_node.uri),
                raw_id,
                sequence,
                extra,
            )

    def _association_extra(self, row: _Row) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "notes": row.text("notes"),
            "uri": row.text("uri"),
            "lastChangeDateTime": self._timestamp(row, "lastChangeDateTime"),
        }
        group_id, group_name = (
            row.text("associationGroupIdentifier"),
            row.text("associationGroupName"),
        )
        if group_id or group_name:
            extra["CFAssociationGroupingURI"] = self._grouping(group_id, group_name)
        extensions = self._extensions(row)
        if extensions:
            extra["extensions"] = extensions
        return extra

    def association_row(self, row: _Row) -> None:
        """One row of the CF Association sheet (those merged into the tree are skipped)."""
        if id(row) in self.merged_rows:
            return
        label = row.text("associationType")
        kind = association_type(label or "")
        if kind is None:
            self.problems.add(
                row.where,
                f"associationType {label!r} is not a CASE association type"
                if label
                else "associationType is empty",
            )
            return
        origin = self.node_link(
            row.text("originNodeIdentifier"),
            row.text("originNodeURI"),
            row.text("originNodeHumanCodingScheme"),
            row.text("originNodeTitle"),
        )
        destination = self.node_link(
            row.text("destinationNodeIdentifier"),
            row.text("destinationNodeURI"),
            row.text("destinationNodeHumanCodingScheme"),
            row.text("destinationNodeTitle"),
        )
        if origin is None or destination is None:
            end = "origin" if origin is None else "destination"
            self.problems.add(row.where, f"the association has no {end}")
            return
        self.add_association(
            row.where,
            kind,
            origin,
            destination,
            row.text("identifier"),
            self._integer(row, "sequenceNumber"),
            self._association_extra(row),
        )

    # ---- rubrics

    def _number(self, row: _Row, name: str) -> float | None:
        text = row.text(name)
        if text is None:
            return None
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            self.problems.add(row.where, f"{name} {text!r} is not a number")
            return None
        return number

    def _rubric_id(self, row: _Row, kind: str) -> str:
        raw = row.text("identifier")
        return canonical_uuid(raw) or derived_uuid(
            self.doc_id, kind, raw or row.text("title") or row.text("description") or row.where
        )

    def rubric_rows(self, rows: Iterable[_Row]) -> None:
        """CFRubrics from Rubric / Criterion / Level rows that point at their parent."""
        rubrics: dict[str, dict[str, Any]] = {}
        criteria: dict[str, dict[str, Any]] = {}
        keys: dict[str, str] = {}
        seen: set[str] = set()
        pending: list[tuple[str, _Row]] = []
        for row in rows:
            kind = (row.text("type") or "").lower()
            if kind not in ("rubric", "criterion", "level"):
                self.problems.add(
                    row.where, f"Type {row.text('type')!r} is not Rubric, Criterion or Level"
                )
                continue
            pending.append((kind, row))
        for wanted in ("rubric", "criterion", "level"):
            for kind, row in pending:
                if kind != wanted:
                    continue
                identifier = self._rubric_id(row, kind)
                if identifier in seen:
                    self.problems.add(row.where, f"identifier {identifier} is used already")
                    continue
                seen.add(identifier)
                if row.text("identifier"):
                    keys[row.text("identifier") or ""] = identifier
                common = {
                    "identifier": identifier,
                    "uri": row.text("uri")
                    or uri_for(self.uri_base, f"CFRubric{kind.title()}s", identifier),
                    "lastChangeDateTime": self._timestamp(row, "lastChangeDateTime")
                    or self.changed,
                    "description": row.text("description"),
                }
                if kind == "rubric":
                    common["uri"] = row.text("uri") or uri_for(
                        self.uri_base, "CFRubrics", identifier
                    )
                    rubric = prune({**common, "title": row.text("title")})
                    rubric["CFRubricCriteria"] = []
                    rubrics[identifier] = rubric
                    self.rubrics.append(rubric)
                elif kind == "criterion":
                    ref = row.text("rubric") or ""
                    parent = rubrics.get(canonical_uuid(ref) or keys.get(ref, ""))
                    if parent is None:
                        self.problems.add(
                            row.where, f"RubricIdentifier {ref!r} names no Rubric row"
                        )
                        continue
                    criterion = {
                        **common,
                        "category": row.text("category"),
                        "weight": self._number(row, "weight"),
                        "position": self._integer(row, "position"),
                        "rubricId": parent["identifier"],
                    }
                    item = row.text("item")
                    if item:
                        criterion["CFItemURI"] = self._item_link(row, item)
                    criterion = prune(criterion)
                    criterion["CFRubricCriterionLevels"] = []
                    parent["CFRubricCriteria"].append(criterion)
                    criteria[identifier] = criterion
                else:
                    ref = row.text("criterion") or ""
                    parent = criteria.get(canonical_uuid(ref) or keys.get(ref, ""))
                    if parent is None:
                        self.problems.add(
                            row.where, f"CriterionIdentifier {ref!r} names no Criterion row"
                        )
                        continue
                    parent["CFRubricCriterionLevels"].append(
                        prune(
                            {
                                **common,
                                "quality": row.text("quality"),
                                "score": self._number(row, "score"),
                                "feedback": row.text("feedback"),
                                "position": self._integer(row, "position"),
                                "rubricCriterionId": parent["identifier"],
                            }
                        )
                    )

    def _item_link(self, row: _Row, ref: str) -> dict[str, str]:
        """The LinkURI of the item a criterion assesses (in the file, or by identifier)."""
        found = self.find(ref)
        if found:
            node = self.nodes[found]
            return link(node.title, node.identifier, node.uri)
        identifier = canonical_uuid(ref)
        if identifier is None:
            self.problems.add(row.where, f"CFItemIdentifier {ref!r} is neither an item nor a UUID")
            identifier = ref
        return link(ref, identifier, f"urn:uuid:{identifier}")

    # ---- result

    def package(self) -> dict[str, Any]:
        """The CASE package; raises CaseFormatError if any problem was recorded."""
        self.problems.raise_if_any()
        definitions = {
            "CFItemTypes": list(self.item_types.values()),
            "CFLicenses": list(self.licenses.values()),
            "CFAssociationGroupings": list(self.groupings.values()),
        }
        package: dict[str, Any] = {
            "CFDocument": self.document,
            "CFItems": self.items,
            "CFAssociations": self.associations,
        }
        definitions = prune(definitions)
        if definitions:
            package["CFDefinitions"] = definitions
        if self.rubrics:
            package["CFRubrics"] = self.rubrics
        return package


def _smart_levels(builder: _PackageBuilder, levels: list[tuple[str, str, str]]) -> None:
    """Parents from smartLevel: '1.2.3' is child 3 of '1.2'; top levels hang on the document."""
    by_level: dict[str, str] = {}
    for identifier, level, where in levels:
        if level in by_level:
            builder.problems.add(where, f"smartLevel {level} is used twice")
            continue
        by_level[level] = identifier
    for identifier, level, where in levels:
        head, _, last = level.rpartition(".")
        parent = by_level.get(head, builder.doc_id) if head else builder.doc_id
        sequence = int(last) if re.fullmatch(r"[0-9]{1,9}", last) else None
        builder.set_parent(identifier, parent, sequence, where)


def _item_rows(builder: _PackageBuilder, rows: Iterable[_Row]) -> list[tuple[str, _Row]]:
    """Add every item; returns (identifier, row) for the hierarchy and association passes."""
    added = []
    for row in rows:
        identifier = builder.add_item(row)
        if identifier:
            added.append((identifier, row))
    return added


def _hierarchy(builder: _PackageBuilder, added: list[tuple[str, _Row]]) -> None:
    """Parents from smartLevel, or from a parent column, in the order rows were written."""
    levels = [(i, row.text("smartLevel") or "", row.where) for i, row in added]
    if any(level for _, level, _ in levels):
        _smart_levels(builder, [lv for lv in levels if lv[1]])
        return
    if not any("parent" in row.cells for _, row in added):
        return
    positions: dict[str, int] = {}
    for identifier, row in added:
        ref = row.text("parent")
        parent = builder.find(ref) if ref else builder.doc_id
        if parent is None:
            builder.problems.add(row.where, f"parent {ref!r} is not an item of this file")
            continue
        if parent == identifier:
            builder.problems.add(row.where, "an item cannot be its own parent")
            continue
        positions[parent] = positions.get(parent, 0) + 1
        sequence = builder._integer(row, "sequenceNumber")
        if sequence is None:
            sequence = positions[parent]
        builder.set_parent(identifier, parent, sequence, row.where)


def _column_associations(builder: _PackageBuilder, added: list[tuple[str, _Row]]) -> None:
    """Generic CSV: 'IsPartOf', 'replacedBy', ... columns hold the destination's key."""
    for identifier, row in added:
        for column, value in list(row.extra.items()):
            kind = _ITEM_ASSOCIATION_COLUMNS.get(_key(column))
            if kind is None:
                continue
            node = builder.nodes[identifier]
            for ref in _split(value, "|"):
                destination = builder.node_link(ref if builder.find(ref) else None, None, ref)
                if destination is None:
                    continue
                builder.add_association(
                    row.where, kind, link(node.title, identifier, node.uri), destination
                )


# --------------------------------------------------------------------------- XLSX


def _check_workbook_archive(data: bytes) -> None:
    """Refuse zip bombs and non-workbooks before any XML is parsed."""
    if len(data) > MAX_XLSX_BYTES:
        raise CaseFormatError(
            f"the workbook is {len(data):,} bytes; the limit is {MAX_XLSX_BYTES:,}", "workbook"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _ZIP_ERRORS:
        raise CaseFormatError(
            "the file is not a readable XLSX workbook (a damaged or unusual zip archive)",
            "workbook",
        ) from None
    with archive:
        if len(infos) > MAX_XLSX_ENTRIES:
            raise CaseFormatError(
                f"the workbook has {len(infos)} parts; the limit is {MAX_XLSX_ENTRIES}", "workbook"
            )
        total = sum(info.file_size for info in infos)
        if total > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise CaseFormatError(
                f"the workbook unpacks to {total:,} bytes; the limit is "
                f"{MAX_XLSX_UNCOMPRESSED_BYTES:,} (a zip bomb?)",
                "workbook",
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > MAX_XLSX_COMPRESSION_RATIO:
                raise CaseFormatError(
                    f"part {info.filename} is compressed {ratio:.0f}:1 (a zip bomb?)", "workbook"
                )
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise CaseFormatError("the file is a zip archive but not an XLSX workbook", "workbook")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                try:
                    with archive.open(info) as part:
                        head = part.read(4096)
                except _ZIP_ERRORS:
                    raise CaseFormatError(
                        f"part {info.filename} of the workbook is damaged", "workbook"
                    ) from None
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise CaseFormatError(
                        f"part {info.filename} declares a DTD or entities; refused", "workbook"
                    )


def _unreadable(exc: BaseException) -> CaseFormatError:
    """The refusal for a workbook openpyxl could not read, naming a DTD when that was why."""
    seen: BaseException | None = exc
    for _ in range(10):  # openpyxl wraps the XML parser's error in its own
        if seen is None:
            break
        if isinstance(seen, DefusedXmlException):
            return CaseFormatError(
                "a part of the workbook declares a DTD or entities; refused", "workbook"
            )
        seen = seen.__cause__ or seen.__context__
    return CaseFormatError(f"the workbook cannot be read ({type(exc).__name__})", "workbook")


def _sheet_records(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, list(values)


def parse_xlsx(
    data: bytes,
    *,
    uri_base: str | None = None,
    changed_at: str | None = None,
) -> dict[str, Any]:
    """An OpenSALT workbook (CF Doc / CF Item / CF Association) as a CASE package.

    `uri_base` (for example "https://tool.example/ims/case/v1p1") is where minted `uri`s
    point; without it they are urn:uuid: URIs. `changed_at` is the lastChangeDateTime used
    when the workbook gives none. Raises CaseFormatError listing every problem by sheet and row.
    """
    import openpyxl  # heavy; only the spreadsheet paths need it

    _check_workbook_archive(data)
    problems = ProblemCollector()
    builder = _PackageBuilder(problems, uri_base)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files
        raise _unreadable(exc) from None
    try:
        # "CF Item", "cf item" and "CF_Item" are the same sheet to a coordinator.
        sheets = {_key(name): workbook[name] for name in workbook.sheetnames}
        missing = [s for s in (DOC_SHEET, ITEM_SHEET) if _key(s) not in sheets]
        if missing:
            raise CaseFormatError(
                [
                    *(
                        Problem(
                            "workbook",
                            f"the sheet {name!r} is missing (found: "
                            f"{', '.join(workbook.sheetnames) or 'none'})",
                        )
                        for name in missing
                    )
                ]
            )
        modified = workbook.properties.modified if workbook.properties else None
        fallback = changed_at or (timestamp(modified) if modified else None)
        doc_rows = list(
            _rows(_sheet_records(sheets[_key(DOC_SHEET)]), DOC_SHEET, _DOC_FIELDS, problems)
        )
        if not doc_rows:
            problems.add(DOC_SHEET, "no document row under the header")
            problems.raise_if_any()
        if len(doc_rows) > 1:
            problems.add(doc_rows[1].where, "only one document per workbook")
        builder.set_document(doc_rows[0], "", fallback)
        item_rows = _rows(
            _sheet_records(sheets[_key(ITEM_SHEET)]),
            ITEM_SHEET,
            _ITEM_FIELDS,
            problems,
            True,
            ("fullStatement",),
        )
        added = _item_rows(builder, item_rows)
        association_rows: list[_Row] = []
        rubric_rows: list[_Row] = []
        if _key(RUBRIC_SHEET) in sheets:
            rubric_rows = list(
                _rows(
                    _sheet_records(sheets[_key(RUBRIC_SHEET)]),
                    RUBRIC_SHEET,
                    _RUBRIC_FIELDS,
                    problems,
                    required=("type",),
                )
            )
        _hierarchy(builder, added)
        _column_associations(builder, added)
        if _key(ASSOCIATION_SHEET) in sheets:
            # Only isChildOf rows wait (to be merged with the smartLevel tree); the others
            # are converted as they stream by, so a big sheet is never held whole.
            for row in _rows(
                _sheet_records(sheets[_key(ASSOCIATION_SHEET)]),
                ASSOCIATION_SHEET,
                _ASSOCIATION_FIELDS,
                problems,
                required=("associationType",),
            ):
                if association_type(row.text("associationType") or "") == "isChildOf":
                    association_rows.append(row)
                else:
                    builder.association_row(row)
    except CaseFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet fails inside openpyxl's reader
        raise _unreadable(exc) from None
    finally:
        workbook.close()
    builder.tree_associations(association_rows)
    for row in association_rows:
        builder.association_row(row)
    builder.rubric_rows(rubric_rows)
    return builder.package()


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CaseFormatError("the CSV is neither UTF-8 nor Windows-1252 text", "file") from None


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every record; the delimiter is sniffed from the first line."""
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        if "\t" in first:
            delimiter = "\t"
        elif ";" in first:
            delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
            if len(records) > MAX_ROWS + 100:
                raise CaseFormatError(f"more than {MAX_ROWS} rows; split the framework", "file")
    except csv.Error as exc:
        raise CaseFormatError(f"not a readable CSV file ({exc})", f"line {start}") from None
    return records


def parse_csv(
    data: bytes,
    *,
    filename: str = "",
    uri_base: str | None = None,
    changed_at: str | None = None,
) -> dict[str, Any]:
    """A framework CSV (any of the variants in the module docstring) as a CASE package.

    A CSV without a `#key,value` document header gets a document titled after the file
    (the admin renames it after import) whose identifier follows from that title, so
    importing the same file again finds the same framework.
    """
    if len(data) > MAX_CSV_BYTES:
        raise CaseFormatError(f"the CSV is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    records = _csv_records(_decode(data))
    problems = ProblemCollector()
    builder = _PackageBuilder(problems, uri_base)
    doc_cells: dict[str, Any] = {}
    header_at = 0
    for index, (_, cells) in enumerate(records):
        if cells and cells[0].startswith("#"):
            name = _DOC_FIELDS.get(_key(cells[0][1:]))
            values = [c for c in cells[1:] if c.strip()]
            if name == "subject":
                doc_cells["subjects"] = values
            elif name:
                doc_cells[name] = ",".join(values)
            header_at = index + 1
        elif any(c.strip() for c in cells):
            break
        else:
            header_at = index + 1
    body = records[header_at:]
    if not body:
        raise CaseFormatError("the CSV has no header row", "file")
    header_keys = {_key(c) for c in body[0][1]}
    if {"rubricidentifier", "criterionidentifier"} <= header_keys:
        raise CaseFormatError(
            "this is a rubric CSV (Type, Identifier, RubricIdentifier, ...), not a framework: "
            "import the framework, then its rubrics",
            "line 1",
        )
    if "fullstatement" not in header_keys:
        raise CaseFormatError(
            "no fullStatement column: a framework CSV has one row per item with at least "
            "fullStatement (and usually identifier, humanCodingScheme, a parent or smartLevel)",
            f"line {body[0][0]}",
        )
    stem = PurePath(filename).stem if filename else ""
    doc_row = _Row("document header" if doc_cells else "file", doc_cells)
    if "creator" not in doc_cells:
        doc_cells["creator"] = "Spreadsheet import"
    builder.set_document(doc_row, stem or "Imported framework", changed_at)
    rows = _rows(body, "CSV", _ITEM_FIELDS, problems, True, ("fullStatement",))
    rows = (_Row(r.where.replace("CSV, row", "line"), r.cells, r.extra) for r in rows)
    added = _item_rows(builder, rows)
    if not added and not problems:
        problems.add("file", "the CSV has a header but no items")
    _hierarchy(builder, added)
    _column_associations(builder, added)
    builder.tree_associations([])
    return builder.package()


def parse_rubric_csv(
    data: bytes,
    *,
    uri_base: str | None = None,
    changed_at: str | None = None,
) -> list[dict[str, Any]]:
    """CFRubrics from a rubric CSV (COMPEITO's flat layout: a row per rubric, criterion, level).

    Criteria point at the items they assess by CFItemIdentifier (a UUID); the framework the
    rubrics belong to is imported separately.
    """
    if len(data) > MAX_CSV_BYTES:
        raise CaseFormatError(f"the CSV is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    records = _csv_records(_decode(data))
    problems = ProblemCollector()
    builder = _PackageBuilder(problems, uri_base)
    builder.doc_id = derived_uuid("rubrics")
    builder.changed = changed_at or FALLBACK_TIMESTAMP
    rows = _rows(records, "CSV", _RUBRIC_FIELDS, problems, required=("type", "identifier"))
    builder.rubric_rows(_Row(r.where.replace("CSV, row", "line"), r.cells) for r in rows)
    problems.raise_if_any()
    if not builder.rubrics:
        raise CaseFormatError("the CSV has no Rubric rows", "file")
    return builder.rubrics


# --------------------------------------------------------------------------- export


def _safe(value: object) -> object:
    """A cell value that no spreadsheet runs as a formula, in characters XML can hold."""
    if value is None or isinstance(value, int | float):
        return value
    text = _XML_ILLEGAL.sub("", str(value))
    if text.startswith(_FORMULA_STARTS) or (
        len(text) > 1 and text[0] == "'" and text[1] in ("'", *_FORMULA_STARTS)
    ):
        return "'" + text
    return text


def _obj(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (stored data may be lenient)."""
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    """The JSON objects in `value` if it is a list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _join(values: object, separator: str = ",") -> str | None:
    if isinstance(values, list):
        return separator.join(str(v) for v in values)
    return None


def _tree_order(package: Mapping[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    """Items depth-first from the document, with their smartLevel; unreached ones last.

    Children are ordered by sequenceNumber, then as they come in the file. An item with two
    parents is listed under the first; its other isChildOf rows stay in CF Association.
    """
    document = _obj(package.get("CFDocument"))
    items = [i for i in _dicts(package.get("CFItems")) if isinstance(i.get("identifier"), str)]
    by_id = {i["identifier"]: i for i in items}
    doc_id = document.get("identifier")
    children: dict[Any, list[tuple[int, int, str]]] = {}
    has_parent: set[str] = set()
    for position, a in enumerate(_dicts(package.get("CFAssociations"))):
        if a.get("associationType") != "isChildOf":
            continue
        child = _obj(a.get("originNodeURI")).get("identifier")
        parent = _obj(a.get("destinationNodeURI")).get("identifier")
        if not (isinstance(child, str) and isinstance(parent, str)):
            continue
        if child in by_id and (parent in by_id or parent == doc_id):
            seq = a.get("sequenceNumber")
            children.setdefault(parent, []).append(
                (seq if isinstance(seq, int) else 2**31, position, child)
            )
            has_parent.add(child)
    last = len(_dicts(package.get("CFAssociations")))
    for n, item in enumerate(items):
        if item["identifier"] not in has_parent:
            children.setdefault(doc_id, []).append((2**31, last + n, item["identifier"]))
    ordered: list[tuple[dict[str, Any], str | None]] = []
    seen: set[str] = set()

    def expand(parent: Any, prefix: str) -> list[tuple[str, str]]:
        placed: list[tuple[str, str]] = []
        for _, _, child in sorted(children.get(parent, [])):
            if child not in seen:
                seen.add(child)
                n = len(placed) + 1
                placed.append((child, f"{prefix}.{n}" if prefix else str(n)))
        return placed

    stack = list(reversed(expand(doc_id, "")))
    while stack:
        node, level = stack.pop()
        ordered.append((by_id[node], level))
        stack.extend(reversed(expand(node, level)))
    ordered.extend((i, None) for i in items if i["identifier"] not in seen)
    return ordered


def package_to_xlsx(package: Mapping[str, Any]) -> bytes:
    """A CASE package as an OpenSALT workbook, safe to open in Excel (no formula injection).

    Columns 1-16 of CF Doc, 1-12 of CF Item and 1-10 of CF Association are OpenSALT's, in its
    order, so OpenSALT imports the file; later columns carry what else a sheet can hold.
    """
    from openpyxl import Workbook

    document = _obj(package.get("CFDocument"))
    workbook = Workbook(write_only=True)
    doc_sheet = workbook.create_sheet(DOC_SHEET)
    license_uri = _obj(document.get("licenseURI"))
    licenses = {
        d.get("identifier"): d for d in _dicts(_obj(package.get("CFDefinitions")).get("CFLicenses"))
    }
    license_def = licenses.get(license_uri.get("identifier"), {})
    doc_columns = [
        ("identifier", document.get("identifier")),
        ("creator", document.get("creator")),
        ("title", document.get("title")),
        ("lastChangeDate", document.get("lastChangeDateTime")),
        ("officialSourceURL", document.get("officialSourceURL")),
        ("publisher", document.get("publisher")),
        ("description", document.get("description")),
        ("subject", _join(document.get("subject"), "|")),
        ("language", document.get("language")),
        ("version", document.get("version")),
        ("adoptionStatus", document.get("adoptionStatus")),
        ("statusStartDate", document.get("statusStartDate")),
        ("statusEndDate", document.get("statusEndDate")),
        ("licenseTitle", license_uri.get("title")),
        ("licenseText", license_def.get("licenseText")),
        ("notes", document.get("notes")),
        ("uri", document.get("uri")),
        ("frameworkType", document.get("frameworkType")),
    ]
    doc_sheet.append([name for name, _ in doc_columns])
    doc_sheet.append([_safe(value) for _, value in doc_columns])

    item_sheet = workbook.create_sheet(ITEM_SHEET)
    item_headers = [
        "identifier", "fullStatement", "humanCodingScheme", "smartLevel", "listEnumeration",
        "abbreviatedStatement", "conceptKeywords", "notes", "language", "educationLevel",
        "CFItemType", "license", "alternativeLabel", "subject", "statusStartDate",
        "statusEndDate", "lastChangeDateTime", "uri", "extensions",
    ]  # fmt: skip
    item_sheet.append(item_headers)
    for item, level in _tree_order(package):
        extensions = item.get("extensions")
        item_sheet.append(
            [
                _safe(v)
                for v in (
                    item.get("identifier"),
                    item.get("fullStatement"),
                    item.get("humanCodingScheme"),
                    level,
                    item.get("listEnumeration"),
                    item.get("abbreviatedStatement"),
                    _join(item.get("conceptKeywords")),
                    item.get("notes"),
                    item.get("language"),
                    _join(item.get("educationLevel")),
                    item.get("CFItemType"),
                    _obj(item.get("licenseURI")).get("title"),
                    item.get("alternativeLabel"),
                    _join(item.get("subject"), "|"),
                    item.get("statusStartDate"),
                    item.get("statusEndDate"),
                    item.get("lastChangeDateTime"),
                    item.get("uri"),
                    json.dumps(extensions, ensure_ascii=False) if extensions else None,
                )
            ]
        )

    association_sheet = workbook.create_sheet(ASSOCIATION_SHEET)
    association_sheet.append(
        [
            "identifier",
            "originNodeURI",
            "originNodeIdentifier",
            "originNodeHumanCodingScheme",
            "associationType",
            "destinationNodeURI",
            "destinationNodeIdentifier",
            "destinationNodeHumanCodingScheme",
            "associationGroupIdentifier",
            "associationGroupName",
            "sequenceNumber",
            "notes",
            "lastChangeDateTime",
            "uri",
            "originNodeTitle",
            "destinationNodeTitle",
            "extensions",
        ]  # fmt: skip
    )
    codes = {
        i.get("identifier"): i.get("humanCodingScheme") for i in _dicts(package.get("CFItems"))
    }
    for a in _dicts(package.get("CFAssociations")):
        origin = _obj(a.get("originNodeURI"))
        destination = _obj(a.get("destinationNodeURI"))
        group = _obj(a.get("CFAssociationGroupingURI"))
        kind = a.get("associationType")
        extensions = a.get("extensions")
        association_sheet.append(
            [
                _safe(v)
                for v in (
                    a.get("identifier"),
                    origin.get("uri"),
                    origin.get("identifier"),
                    codes.get(origin.get("identifier")),
                    _TYPE_LABELS.get(kind, kind),
                    destination.get("uri"),
                    destination.get("identifier"),
                    codes.get(destination.get("identifier")),
                    group.get("identifier"),
                    group.get("title"),
                    a.get("sequenceNumber"),
                    a.get("notes"),
                    a.get("lastChangeDateTime"),
                    a.get("uri"),
                    origin.get("title"),
                    destination.get("title"),
                    json.dumps(extensions, ensure_ascii=False) if extensions else None,
                )
            ]
        )
    rubrics = _dicts(package.get("CFRubrics"))
    if rubrics:
        _rubric_sheet(workbook.create_sheet(RUBRIC_SHEET), rubrics)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rubric_sheet(sheet: Any, rubrics: list[dict[str, Any]]) -> None:
    """Rubrics, criteria and levels, one row each, parents before children."""
    sheet.append(_RUBRIC_HEADERS)

    def row(kind: str, obj: Mapping[str, Any], **cells: Any) -> None:
        values = {
            "Type": kind,
            "Identifier": obj.get("identifier"),
            "Description": obj.get("description"),
            "Position": obj.get("position"),
            "lastChangeDateTime": obj.get("lastChangeDateTime"),
            "uri": obj.get("uri"),
            **cells,
        }
        sheet.append([_safe(values.get(name)) for name in _RUBRIC_HEADERS])

    for rubric in rubrics:
        row("Rubric", rubric, Title=rubric.get("title"))
        for criterion in _dicts(rubric.get("CFRubricCriteria")):
            row(
                "Criterion",
                criterion,
                RubricIdentifier=rubric.get("identifier"),
                Category=criterion.get("category"),
                Weight=criterion.get("weight"),
                CFItemIdentifier=_obj(criterion.get("CFItemURI")).get("identifier"),
            )
            for level in _dicts(criterion.get("CFRubricCriterionLevels")):
                row(
                    "Level",
                    level,
                    CriterionIdentifier=criterion.get("identifier"),
                    Quality=level.get("quality"),
                    Score=level.get("score"),
                    Feedback=level.get("feedback"),
                )
