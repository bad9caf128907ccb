"""Importing CASE packages into the store: counts, re-import, updates, conflicts, all-or-nothing."""

from __future__ import annotations

import copy
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lti_tool.case.export import package_to_json
from lti_tool.db.case_store import find_document, load_package
from lti_tool.db.models.case import CaseAssociation, CaseDocument, CaseItem
from lti_tool.usecases.case_import import ImportRefused, import_file, import_package
from tests.unit.case.samples import (
    DOC_ID,
    FRAMEWORK_FILES,
    ITEM_A,
    ITEM_B,
    ITEM_C,
    assoc,
    item,
    minimal,
    read,
)
from tests.unit.case.test_export import dedupe, semantic

SBAC_MATH = next(p for p in FRAMEWORK_FILES if "content_specification" in p.name)
LIMIT = 20 * 1024 * 1024


def count(session: Session, model: type[Any]) -> int:
    """Rows of one table."""
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_every_sample_imports_and_round_trips(db_session: Session, path: Path) -> None:
    """JSON -> database -> JSON is semantically identical; counts equal the file's."""
    raw = read(path)
    report = import_file(db_session, path, "file", LIMIT)
    assert report.outcome == "created"
    assert report.counts["CFItems"].created == len(raw.get("CFItems") or [])
    document = find_document(db_session, report.document_identifier)
    assert document is not None
    exported = package_to_json(load_package(db_session, document), None)
    assert semantic(exported) == semantic(dedupe(raw))


def test_reimport_changes_nothing(db_session: Session) -> None:
    """The same file twice: no new rows, no rewritten rows, no timestamp bumps."""
    first = import_file(db_session, SBAC_MATH, "file", LIMIT)
    db_session.flush()
    before = db_session.execute(select(CaseItem.id, CaseItem.content_hash)).all()
    stamp = find_document(db_session, first.document_identifier).updated_at  # type: ignore[union-attr]
    second = import_file(db_session, SBAC_MATH, "file", LIMIT)
    assert second.outcome == "unchanged"
    assert second.counts["CFItems"].unchanged == 585
    assert second.counts["CFAssociations"].unchanged == 3367
    assert not any(c.changed for c in second.counts.values())
    assert db_session.execute(select(CaseItem.id, CaseItem.content_hash)).all() == before
    assert count(db_session, CaseAssociation) == 3367
    assert find_document(db_session, first.document_identifier).updated_at == stamp  # type: ignore[union-attr]


def test_reimport_of_the_same_content_in_other_words_changes_nothing(db_session: Session) -> None:
    """Keys reordered, nulls and upper-case ids added: compared node by node, still unchanged."""
    raw = read(SBAC_MATH)
    import_package(db_session, copy.deepcopy(raw), "file")
    before = db_session.execute(select(CaseItem.id, CaseItem.content_hash)).all()
    variant = copy.deepcopy(raw)
    variant["CFItems"] = [dict(reversed(list(i.items()))) for i in variant["CFItems"]]
    variant["CFItems"][0]["alternativeLabel"] = None
    variant["CFItems"][1]["identifier"] = variant["CFItems"][1]["identifier"].upper()
    report = import_package(db_session, variant, "file")
    assert report.outcome == "unchanged"
    assert report.counts["CFItems"].unchanged == 585
    assert db_session.execute(select(CaseItem.id, CaseItem.content_hash)).all() == before


def test_reordered_package_updates_positions_and_changes_together(db_session: Session) -> None:
    """Items in a new order, one of them changed: order follows the file, both kinds of update."""
    data = minimal()
    data["CFItems"].append(item(ITEM_C, "Listens", "C.2"))
    import_package(db_session, data, "file")
    data = copy.deepcopy(data)
    data["CFItems"].reverse()
    data["CFItems"][0]["fullStatement"] = "Listens actively"
    report = import_package(db_session, data, "file")
    assert report.counts["CFItems"].updated == 1 and report.counts["CFItems"].unchanged == 2
    order = db_session.scalars(select(CaseItem.identifier).order_by(CaseItem.position)).all()
    assert order == [ITEM_C, ITEM_B, ITEM_A]


def test_changed_item_keeps_its_identifier_and_missing_item_is_deprecated(
    db_session: Session,
) -> None:
    """A new statement updates the row in place; an item left out gets a statusEndDate."""
    import_package(db_session, minimal(), "file")
    row_id = db_session.scalar(select(CaseItem.id).where(CaseItem.identifier == ITEM_A))
    data = minimal()
    data["CFItems"][0]["fullStatement"] = "Communicates with purpose"
    data["CFItems"][0]["lastChangeDateTime"] = "2025-01-01T00:00:00Z"
    del data["CFItems"][1]
    del data["CFAssociations"][1]
    report = import_package(db_session, data, "file", today=date(2025, 6, 30))
    assert report.outcome == "updated"
    assert vars(report.counts["CFItems"]) == {
        "created": 0, "updated": 1, "unchanged": 0, "deprecated": 1, "removed": 0,
    }  # fmt: skip
    assert report.counts["CFAssociations"].removed == 1
    a = db_session.scalars(select(CaseItem).where(CaseItem.identifier == ITEM_A)).one()
    assert a.id == row_id and a.full_statement == "Communicates with purpose"
    b = db_session.scalars(select(CaseItem).where(CaseItem.identifier == ITEM_B)).one()
    assert b.removed and b.status_end_date == date(2025, 6, 30)
    assert b.data["statusEndDate"] == "2025-06-30"
    again = import_package(db_session, data, "file", today=date(2025, 7, 1))
    assert again.outcome == "unchanged"
    assert b.status_end_date == date(2025, 6, 30)


def test_a_replacement_keeps_both_items(db_session: Session) -> None:
    """A new identifier with replacedBy: the old item is kept (deprecated), the link stored."""
    import_package(db_session, minimal(), "file")
    data = minimal()
    data["CFItems"][1] = item(ITEM_C, "Speaks clearly to an audience", "C.1")
    data["CFAssociations"][1] = assoc(
        "bbbbbbbb-1111-4222-8333-000000000002", "isChildOf", ITEM_C, ITEM_A, 1
    )
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000008", "replacedBy", ITEM_B, ITEM_C)
    )
    data["CFItems"].append({**item(ITEM_B, "Speaks clearly", "C.1"), "statusEndDate": "2025-01-01"})
    report = import_package(db_session, data, "file")
    assert report.counts["CFItems"].created == 1
    assert count(db_session, CaseItem) == 3
    kinds = db_session.scalars(select(CaseAssociation.association_type)).all()
    assert "replacedBy" in kinds


def test_another_source_is_a_conflict_unless_replaced(db_session: Session) -> None:
    """Same framework id from another source: refused, nothing written; replace resolves it."""
    import_package(db_session, minimal(), "https://opensalt.example.org")
    data = minimal()
    data["CFDocument"]["title"] = "Imposter"
    with pytest.raises(ImportRefused) as info:
        import_package(db_session, data, "file")
    assert info.value.conflict
    assert "replace" in str(info.value)
    assert find_document(db_session, DOC_ID).title == "Portrait of a Graduate"  # type: ignore[union-attr]
    report = import_package(db_session, data, "file", resolution="replace")
    assert report.outcome == "updated"
    assert find_document(db_session, DOC_ID).source == "file"  # type: ignore[union-attr]


def test_an_item_cannot_move_to_another_framework(db_session: Session) -> None:
    """A package that claims an item of another stored framework is refused with its path."""
    import_package(db_session, minimal(), "file")
    other = copy.deepcopy(minimal())
    other["CFDocument"]["identifier"] = "9a8b7c6d-1111-4222-8333-999999999999"
    other["CFAssociations"] = []
    with pytest.raises(ImportRefused) as info:
        import_package(db_session, other, "file")
    assert info.value.problems[0].path == "$.CFItems[0].identifier"
    assert count(db_session, CaseDocument) == 1


def test_invalid_package_writes_nothing(db_session: Session) -> None:
    """A package with a cycle is refused before the first write."""
    data = minimal()
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000006", "isChildOf", ITEM_A, ITEM_B)
    )
    with pytest.raises(ImportRefused) as info:
        import_package(db_session, data, "file")
    assert "cycle" in str(info.value)
    assert count(db_session, CaseDocument) == count(db_session, CaseItem) == 0


def test_oversize_and_malformed_files_are_refused(db_session: Session, tmp_path: Path) -> None:
    """A file over the limit and a file that is not JSON are refused clearly."""
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(ImportRefused, match="limit is 1,024 bytes"):
        import_file(db_session, big, "file", 1024)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ImportRefused, match="not valid JSON"):
        import_file(db_session, bad, "file", 1024)
    with pytest.raises(ImportRefused, match="cannot read"):
        import_file(db_session, tmp_path / "missing.json", "file", 1024)
    assert count(db_session, CaseDocument) == 0


def test_private_draft_is_private(db_session: Session) -> None:
    """adoptionStatus 'Private Draft' (OpenSALT's hidden frameworks) marks the framework private."""
    data = minimal()
    data["CFDocument"]["adoptionStatus"] = "Private Draft"
    import_package(db_session, data, "file")
    assert find_document(db_session, DOC_ID).private  # type: ignore[union-attr]


def test_two_imports_at_once_end_consistent(app: Flask, engine: Engine) -> None:
    """Two threads import one framework at the same time: one framework, no duplicates."""
    raw = json.loads(SBAC_MATH.read_text(encoding="utf-8"))
    sessions = app.extensions["db_sessions"]
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with sessions() as session:
                barrier.wait()
                report = import_package(session, copy.deepcopy(raw), "file")
                session.commit()
                outcomes.append(report.outcome)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == ["created", "unchanged"]
    with Session(engine) as session:
        assert count(session, CaseDocument) == 1
        assert count(session, CaseItem) == 585
        assert count(session, CaseAssociation) == 3367
