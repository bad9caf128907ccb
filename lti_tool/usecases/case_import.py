"""Import a CASE package into the store: all or nothing, idempotent, with a report.

- Validation and conflict checks run before the first write, so a refused package leaves the
  database as it was; the caller owns the transaction and rolls back on any error.
- Re-importing the same package changes nothing: nodes are compared by a digest of their
  normalised JSON; unchanged rows are not written, timestamps are not bumped.
- A changed node keeps its identifier and row, and is updated in place.
- An item missing from the new version is deprecated: its statusEndDate is set to the import
  day and it stays (alignments and learner evidence point at it). Associations, definitions
  and rubrics missing from the new version are removed: nothing outside the framework points
  at them.
- A framework whose identifier is already stored from another source is a conflict, refused
  unless the admin passes `resolution="replace"` (the new source then takes it over).
- Two imports of one framework at once are serialised by a lock on the framework identifier
  (a transaction-scoped advisory lock on PostgreSQL, the write lock on SQLite): the second
  sees the first's result and finds nothing to change.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (Implementation Guide §4.3: versioning)
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from lti_tool.case.export import is_strict_11
from lti_tool.case.model import Node, Package
from lti_tool.case.parse import (
    CaseFormatError,
    Problem,
    load_json,
    normalise_identifier,
    parse_datetime,
    parse_package,
)
from lti_tool.db.base import utcnow
from lti_tool.db.case_store import content_hash, find_document
from lti_tool.db.models.case import (
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubric,
)

RESOLUTIONS = ("replace",)
# Rows per bulk statement; also keeps IN lists under SQLite's variable limit.
CHUNK = 1000

Progress = Callable[[str, int, int], None]


@dataclass
class KindCounts:
    """What an import did to one kind of node."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deprecated: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        """True when any row of this kind was written."""
        return bool(self.created or self.updated or self.deprecated or self.removed)


@dataclass
class ImportReport:
    """The outcome of one accepted import."""

    document_identifier: str
    title: str
    source: str
    outcome: str  # created, updated or unchanged
    counts: dict[str, KindCounts] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "document": self.document_identifier,
            "title": self.title,
            "source": self.source,
            "outcome": self.outcome,
            "counts": {k: vars(v) for k, v in self.counts.items()},
            "warnings": [{"path": w.path, "message": w.message} for w in self.warnings],
        }


class ImportRefused(ValueError):
    """The import was refused; nothing was written. `problems` carry JSON paths."""

    def __init__(self, problems: list[Problem], conflict: bool = False) -> None:
        self.problems = problems
        self.conflict = conflict
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"The import was refused: {shown}{more}")


def read_package_file(source: str | Path | bytes, max_bytes: int) -> Any:
    """Decode a CASE JSON file (a path or its bytes), refusing one larger than `max_bytes`."""
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise ImportRefused(
                    [Problem("$", f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes")]
                )
            data = path.read_bytes()
        except OSError as exc:
            raise ImportRefused([Problem("$", f"cannot read {path}: {exc.strerror}")]) from None
    try:
        return load_json(data, max_bytes)
    except CaseFormatError as exc:
        raise ImportRefused(exc.problems) from None


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a package is read and stored.

    A large package allocates millions of acyclic objects; the collector's repeated scans of
    them cost about a quarter of an import. Reference counting still frees memory meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_file(
    session: Session, source_file: str | Path | bytes, source: str, max_bytes: int, **options: Any
) -> ImportReport:
    """Import a CASE JSON package file (1.0 or 1.1); see import_package for the options."""
    with _without_cyclic_gc():
        raw = read_package_file(source_file, max_bytes)
        return import_package(session, raw, source, **options)


def import_package(
    session: Session,
    package: dict[str, Any] | Package,
    source: str,
    *,
    resolution: str | None = None,
    private: bool | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Store a parsed CASE package (a decoded JSON dict, or a Package) from `source`.

    `source` names where it came from ("file", a provider URL, "authored"); `resolution`
    "replace" lets this source take over a framework another source imported. Raises
    ImportRefused, having written nothing, when the package is invalid or conflicts.
    """
    with _without_cyclic_gc():
        return _import_package(session, package, source, resolution, private, today, progress)


def _import_package(
    session: Session,
    package: dict[str, Any] | Package,
    source: str,
    resolution: str | None,
    private: bool | None,
    today: date | None,
    progress: Progress | None,
) -> ImportReport:
    """import_package, with the collector paused."""
    if resolution not in (None, *RESOLUTIONS):
        raise ImportRefused([Problem("$", f"unknown resolution {resolution!r}; use replace")])
    digest = None
    if isinstance(package, dict):
        digest = _digest(package)
        quick = _same_as_last_import(session, package, digest, source, resolution)
        if quick is not None:
            return quick
    if not isinstance(package, Package):
        try:
            package = parse_package(package)
        except CaseFormatError as exc:
            raise ImportRefused(exc.problems) from None
    today = today or datetime.now(UTC).date()
    report_progress = progress or (lambda _stage, _done, _total: None)
    doc_id = package.document.identifier
    _lock(session, doc_id)

    existing = find_document(session, doc_id)
    if existing is not None and existing.source != source and resolution != "replace":
        raise ImportRefused(
            [
                Problem(
                    "$.CFDocument.identifier",
                    f"framework {doc_id} ({existing.title}) was imported from {existing.source}; "
                    f"this copy comes from {source}. Importing it would overwrite that "
                    "framework: choose the resolution 'replace' to let this source take it over.",
                )
            ],
            conflict=True,
        )
    _refuse_moved_items(session, package, existing.id if existing else None)

    report = ImportReport(doc_id, package.document.title, source, "unchanged")
    report.warnings.extend(package.warnings)
    document, doc_changed = _upsert_document(session, existing, package, source, private)
    report.counts["CFDocument"] = KindCounts(
        created=int(existing is None), updated=int(existing is not None and doc_changed)
    )
    total = len(package.items) + len(package.associations)
    report.counts["CFItems"] = _sync(
        session,
        CaseItem,
        document.id,
        package.items,
        _item_row,
        keep_missing=today,
        progress=lambda n: report_progress("items", n, total),
    )
    report.counts["CFAssociations"] = _sync(
        session,
        CaseAssociation,
        document.id,
        package.associations,
        _association_row,
        progress=lambda n: report_progress("associations", len(package.items) + n, total),
    )
    report.counts["CFDefinitions"] = _sync(
        session,
        CaseDefinition,
        document.id,
        list(package.definitions.all()),
        _definition_row,
    )
    report.counts["CFRubrics"] = _sync(
        session, CaseRubric, document.id, package.rubrics, _rubric_row
    )
    if document.source_digest != digest:
        document.source_digest = digest
    if existing is None:
        report.outcome = "created"
    elif any(c.changed for c in report.counts.values()):
        report.outcome = "updated"
        document.updated_at = utcnow()
    session.flush()
    return report


def _digest(raw: dict[str, Any]) -> str:
    """A digest of a decoded package exactly as received (key order included)."""
    text = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _same_as_last_import(
    session: Session, raw: dict[str, Any], digest: str, source: str, resolution: str | None
) -> ImportReport | None:
    """The report of a re-import of exactly the package last imported from `source`.

    Such a package was validated and stored by that import, and every later write to the
    framework (another import) replaced the digest, so there is nothing to check or write.
    """
    doc = (
        raw.get("CFDocument")
        if "CFDocument" in raw
        else (raw.get("CFPackage") or {}).get("CFDocument")
    )
    ident = doc.get("identifier") if isinstance(doc, dict) else None
    if not isinstance(ident, str) or normalise_identifier(ident) is None:
        return None
    ident = normalise_identifier(ident) or ident
    _lock(session, ident)
    existing = find_document(session, ident)
    if (
        existing is None
        or existing.source_digest != digest
        or existing.source != source
        or resolution is not None
    ):
        return None
    report = ImportReport(ident, existing.title, source, "unchanged")
    report.counts["CFDocument"] = KindCounts(unchanged=1)
    for kind, model, where in (
        ("CFItems", CaseItem, CaseItem.removed.is_(False)),
        ("CFAssociations", CaseAssociation, None),
        ("CFDefinitions", CaseDefinition, None),
        ("CFRubrics", CaseRubric, None),
    ):
        query = select(func.count()).select_from(model).where(model.document_id == existing.id)
        if where is not None:
            query = query.where(where)
        report.counts[kind] = KindCounts(unchanged=session.scalar(query) or 0)
    return report


def _lock(session: Session, identifier: str) -> None:
    """Serialise imports of one framework until the transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        digest = hashlib.sha256(b"case-import:" + identifier.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # A write statement takes SQLite's one write lock (waiting for another writer), so the
        # reads that follow see what a concurrent import committed.
        session.execute(
            update(CaseDocument)
            .where(CaseDocument.identifier == identifier)
            .values(identifier=CaseDocument.identifier)
            .execution_options(synchronize_session=False)
        )


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """`values` in slices of `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _refuse_moved_items(session: Session, package: Package, document_id: int | None) -> None:
    """An item already stored under another framework cannot move into this one."""
    ids = [i.identifier for i in package.items]
    position = {ident: n for n, ident in enumerate(ids)}
    problems = []
    for chunk in _chunks(ids):
        rows = session.execute(
            select(CaseItem.identifier, CaseDocument.identifier, CaseDocument.title)
            .join(CaseDocument, CaseDocument.id == CaseItem.document_id)
            .where(CaseItem.identifier.in_(chunk))
        )
        for ident, other_doc, other_title in rows:
            if document_id is None or other_doc != package.document.identifier:
                problems.append(
                    Problem(
                        f"$.CFItems[{position[ident]}].identifier",
                        f"item {ident} belongs to framework {other_doc} ({other_title}); "
                        "an item cannot move to another framework",
                    )
                )
    if problems:
        problems.sort(key=lambda p: int(p.path.removeprefix("$.CFItems[").split("]")[0]))
        raise ImportRefused(problems, conflict=True)


def _date(value: Any) -> date | None:
    """A normalised ISO date string as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else None


def _package_data(package: Package) -> dict[str, Any]:
    """The package-level parts that are not nodes."""
    return {
        "extensions": package.extensions,
        "definitionsExtensions": package.definitions.extensions,
        "definitionKinds": sorted(package.definitions.by_kind),
        "extra": package.extra,
        "present": sorted(package.present),
    }


def _upsert_document(
    session: Session,
    existing: CaseDocument | None,
    package: Package,
    source: str,
    private: bool | None,
) -> tuple[CaseDocument, bool]:
    """Create or update the framework's row; True when it changed."""
    data = package.document.data
    values = {
        "identifier": package.document.identifier,
        "uri": package.document.uri,
        "title": package.document.title,
        "creator": package.document.creator,
        "adoption_status": package.document.adoption_status,
        "last_change": parse_datetime(package.document.last_change),
        "status_start_date": _date(data.get("statusStartDate")),
        "status_end_date": _date(data.get("statusEndDate")),
        "source": source,
        "data": data,
        "content_hash": content_hash(data),
        "package_data": _package_data(package),
    }
    if private is None:
        private = (package.document.adoption_status or "").lower() == "private draft"
    if existing is None:
        document = CaseDocument(**values, private=private)
        session.add(document)
        session.flush()
        return document, True
    changed = (
        existing.content_hash != values["content_hash"]
        or existing.package_data != values["package_data"]
        or existing.source != source
    )
    if changed:
        for key, value in values.items():
            setattr(existing, key, value)
    return existing, changed


def _common(node: Node, position: int) -> dict[str, Any]:
    """Columns every node row has."""
    text = json.dumps(node.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone UTF-16 surrogate (a "\ud800" escape) is not text any database can store.
        raise ImportRefused(
            [Problem(f"{node.cls} {node.identifier}", "contains an unpaired UTF-16 surrogate")]
        ) from None
    return {
        "identifier": node.identifier,
        "uri": node.uri,
        "last_change": parse_datetime(node.last_change),
        "position": position,
        # One serialisation per node serves the digest and the stored text alike.
        "data": text,
        "content_hash": hashlib.sha256(encoded).hexdigest(),
    }


def _item_row(node: Node, position: int) -> dict[str, Any]:
    """The columns of a CaseItem."""
    data = node.data
    return {
        **_common(node, position),
        "human_coding_scheme": _short(data.get("humanCodingScheme")),
        "full_statement": str(data.get("fullStatement", "")),
        "item_type": _short(data.get("CFItemType")),
        "status_start_date": _date(data.get("statusStartDate")),
        "status_end_date": _date(data.get("statusEndDate")),
        "removed": False,
        "strict11": is_strict_11("CFItem", data),
    }


def _association_row(node: Node, position: int) -> dict[str, Any]:
    """The columns of a CaseAssociation."""
    data = node.data
    seq = data.get("sequenceNumber")
    return {
        **_common(node, position),
        "association_type": str(data["associationType"])[:128],
        "origin_identifier": str(data["originNodeURI"]["identifier"])[:255],
        "destination_identifier": str(data["destinationNodeURI"]["identifier"])[:255],
        "sequence_number": seq if isinstance(seq, int) and abs(seq) < 2**31 else None,
        "strict11": is_strict_11("CFAssociation", data),
    }


def _definition_row(node: Node, position: int) -> dict[str, Any]:
    """The columns of a CaseDefinition."""
    return {
        **_common(node, position),
        "kind": node.cls + "s",
        "title": str(node.data.get("title", "")),
        "hierarchy_code": _short(node.data.get("hierarchyCode")),
    }


def _rubric_row(node: Node, position: int) -> dict[str, Any]:
    """The columns of a CaseRubric."""
    title = node.data.get("title")
    return {**_common(node, position), "title": title if isinstance(title, str) else None}


def _short(value: Any, size: int = 255) -> str | None:
    """A string column value cut to its column's size (the full value stays in `data`)."""
    return str(value)[:size] if value is not None else None


def _sync(
    session: Session,
    model: type[Any],
    document_id: int,
    nodes: Iterable[Node],
    to_row: Callable[[Node, int], dict[str, Any]],
    keep_missing: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> KindCounts:
    """Make one kind of node of a framework equal the package's; count what it took.

    With `keep_missing`, rows the package no longer has are deprecated on that day instead
    of deleted.
    """
    counts = KindCounts()
    is_definition = model is CaseDefinition
    key_cols = (model.kind, model.identifier) if is_definition else (model.identifier,)
    stored: dict[Any, tuple[int, str, int, bool]] = {}
    removed_col = model.removed if keep_missing else None
    cols = [model.id, *key_cols, model.content_hash, model.position]
    if removed_col is not None:
        cols.append(removed_col)
    for row in session.execute(select(*cols).where(model.document_id == document_id)):
        key = (row[1], row[2]) if is_definition else row[1]
        rest = row[len(key_cols) + 1 :]
        stored[key] = (
            row[0],
            rest[0],
            rest[1],
            bool(rest[2]) if removed_col is not None else False,
        )

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for position, node in enumerate(nodes):
        row = to_row(node, position)
        key = (row["kind"], row["identifier"]) if is_definition else row["identifier"]
        seen.add(key)
        found = stored.get(key)
        if found is None:
            row["document_id"] = document_id
            inserts.append(row)
            counts.created += 1
            if len(inserts) >= CHUNK:
                # Core executemany: the ORM's bulk path costs more than the database here;
                # inserting as we go keeps only one chunk of serialised rows in memory.
                session.execute(insert(model.__table__), inserts)
                inserts = []
        elif found[1] != row["content_hash"] or found[3]:
            updates.append({**row, "id": found[0]})
            counts.updated += 1
        else:
            counts.unchanged += 1
            if found[2] != position:
                updates.append({"id": found[0], "position": position})
        if progress and (position + 1) % CHUNK == 0:
            progress(position + 1)

    if inserts:
        session.execute(insert(model.__table__), inserts)
    for chunk in _chunks(updates):
        session.execute(update(model), chunk)

    missing = [(key, found) for key, found in stored.items() if key not in seen]
    if keep_missing is not None:
        changes = []
        for _key, (row_id, _hash, _pos, removed) in missing:
            if removed:
                continue
            changes.append(row_id)
        for chunk in _chunks(changes):
            for row in session.execute(select(model.id, model.data).where(model.id.in_(chunk))):
                data = dict(row.data)
                end = data.get("statusEndDate")
                if not (isinstance(end, str) and end <= keep_missing.isoformat()):
                    data["statusEndDate"] = keep_missing.isoformat()
                session.execute(
                    update(model)
                    .where(model.id == row.id)
                    .values(
                        removed=True,
                        strict11=is_strict_11("CFItem", data),
                        data=data,
                        content_hash=content_hash(data),
                        status_end_date=_date(data["statusEndDate"]),
                    )
                )
                counts.deprecated += 1
    else:
        ids = [found[0] for _key, found in missing]
        for chunk in _chunks(ids):
            session.execute(delete(model).where(model.id.in_(chunk)))
        counts.removed = len(ids)
    if progress:
        progress(len(seen))
    return counts
