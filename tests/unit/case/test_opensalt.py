"""OpenSALT spreadsheets (XLSX and the CSV variants) <-> CASE packages."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from typing import Any

import openpyxl
import pytest

from lti_tool.case.opensalt import (
    MAX_XLSX_UNCOMPRESSED_BYTES,
    package_to_xlsx,
    parse_csv,
    parse_rubric_csv,
    parse_xlsx,
)
from lti_tool.case.problems import CaseFormatError
from tests.unit.case.formats import DATA, assert_valid_case

SHEETS = DATA / "spreadsheet"


def _workbook(doc: list[list[Any]], items: list[list[Any]], assocs: list[list[Any]]) -> bytes:
    """A small workbook with the three OpenSALT sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in (("CF Doc", doc), ("CF Item", items), ("CF Association", assocs)):
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


DOC_HEADER = ["identifier", "creator", "title", "lastChangeDate"]
DOC_ROW = ["0B3A1C2E-1111-4222-8333-444455556666", "District", "Portrait", "2024-05-01 10:00"]
ITEM_HEADER = ["identifier", "fullStatement", "humanCodingScheme", "smartLevel", "CFItemType"]
ASSOC_HEADER = [
    "identifier",
    "originNodeIdentifier",
    "associationType",
    "destinationNodeIdentifier",
    "destinationNodeHumanCodingScheme",
]


def _errors(exc: pytest.ExceptionInfo[CaseFormatError]) -> list[dict[str, str]]:
    return exc.value.as_list()


# ----------------------------------------------------------------------------- real files


def test_ccss_ela_workbook_imports_every_item_once_with_its_sheet_identifiers() -> None:
    package = parse_xlsx((SHEETS / "opensalt_ccss_ela_1189items.xlsx").read_bytes())
    assert_valid_case(package)
    assert len(package["CFItems"]) == 1189
    # smartLevel and the 1,189 isChildOf rows describe the same tree: no doubled children.
    assert Counter(a["associationType"] for a in package["CFAssociations"]) == {"isChildOf": 1189}
    ids = {a["identifier"] for a in package["CFAssociations"]}
    assert "7c0fd3b8-885d-11e7-84ff-0a58d8bae811" in ids
    assert package["CFDocument"]["title"] == "Common Core State Standards for ELA"
    assert package["CFDocument"]["lastChangeDateTime"] == "2017-09-14T21:32:05+00:00"
    first = package["CFItems"][0]
    assert first["humanCodingScheme"] == "L.1.4"
    assert first["educationLevel"] == ["01"]
    assert first["CFItemTypeURI"]["title"] == "Standard"


def test_opensalt_sample_workbook_keeps_all_association_types_and_outside_nodes() -> None:
    package = parse_xlsx((SHEETS / "opensalt_spreadsheet_import_sample.xlsx").read_bytes())
    assert_valid_case(package)
    kinds = Counter(a["associationType"] for a in package["CFAssociations"])
    assert kinds == {
        "isChildOf": 4,
        "exactMatchOf": 1,
        "isPartOf": 1,
        "precedes": 1,
        "replacedBy": 1,
        "hasSkillLevel": 1,
        "isPeerOf": 1,
    }
    exact = next(a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf")
    assert exact["destinationNodeURI"]["uri"] == "urn:uuid:9ce35718-abcf-11e8-82fc-3933f2f03ee8"
    items = {i["humanCodingScheme"]: i for i in package["CFItems"]}
    assert items["S.1"]["educationLevel"] == ["04", "05"]
    # The unknown 'statement' column survives as an extension, not silently dropped.
    top = next(
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["destinationNodeURI"]["identifier"] == package["CFDocument"]["identifier"]
    )
    assert top["originNodeURI"]["identifier"] == items["S"]["identifier"]


@pytest.mark.parametrize(
    ("name", "items", "kinds"),
    [
        ("opensalt_ccss_ela_items_1189.csv", 1189, {"isChildOf": 1189}),
        ("opensalt_sample_case.csv", 10, {"isChildOf": 10, "isRelatedTo": 3, "exemplar": 1}),
        ("opensalt_test_items_parent_column.csv", 99, {"isChildOf": 99}),
        ("compeito_seed_001.csv", 36, {"isChildOf": 36}),
    ],
)
def test_every_csv_variant_imports(name: str, items: int, kinds: dict[str, int]) -> None:
    package = parse_csv((SHEETS / name).read_bytes(), filename=name)
    assert_valid_case(package)
    assert len(package["CFItems"]) == items
    assert Counter(a["associationType"] for a in package["CFAssociations"]) == kinds


def test_compeito_csv_header_becomes_the_document() -> None:
    package = parse_csv((SHEETS / "compeito_seed_001.csv").read_bytes())
    doc = package["CFDocument"]
    assert doc["identifier"] == "4f3c6a12-e83b-4654-b7ce-1738552191e4"
    assert doc["title"] == "池之端大学 情報学部 コンピテンシーフレームワーク"
    assert doc["language"] == "ja"
    assert doc["subject"] == ["情報科学", "データサイエンス", "ソフトウェア工学"]
    assert doc["statusStartDate"] == "2025-04-01"
    child = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "CS-A-2")
    assert child["identifier"] == "10000000-0000-0000-0000-000000000013"
    parent = next(
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] == child["identifier"]
    )
    assert parent["destinationNodeURI"]["identifier"] == "10000000-0000-0000-0000-000000000101"
    assert parent["sequenceNumber"] == 20


def test_generic_csv_resolves_parents_by_coding_scheme() -> None:
    package = parse_csv((SHEETS / "opensalt_sample_case.csv").read_bytes(), filename="m.csv")
    by_code = {i["humanCodingScheme"]: i["identifier"] for i in package["CFItems"]}
    parents = {
        a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    assert parents[by_code["M.F.1-2.S1a"]] == by_code["M.F.1-2.S1"]
    assert parents[by_code["M"]] == package["CFDocument"]["identifier"]
    assert package["CFDocument"]["title"] == "m"


def test_the_same_file_always_gives_the_same_identifiers() -> None:
    data = (SHEETS / "opensalt_sample_case.csv").read_bytes()
    assert parse_csv(data, filename="a.csv") == parse_csv(data, filename="a.csv")


def test_rubric_csv_is_refused_with_a_reason() -> None:
    with pytest.raises(CaseFormatError, match="rubric CSV"):
        parse_csv((SHEETS / "compeito_seed_001r_rubric.csv").read_bytes())


def test_empty_template_is_refused_not_imported_blank() -> None:
    with pytest.raises(CaseFormatError) as exc:
        parse_xlsx((SHEETS / "opensalt_spreadsheet_import_template.xlsx").read_bytes())
    assert _errors(exc) == [{"where": "CF Doc", "message": "no document row under the header"}]


def test_uri_base_mints_dereferenceable_uris() -> None:
    package = parse_csv(
        (SHEETS / "opensalt_test_items_parent_column.csv").read_bytes(),
        uri_base="https://tool.example/ims/case/v1p1/",
    )
    item = package["CFItems"][0]
    assert item["uri"] == f"https://tool.example/ims/case/v1p1/CFItems/{item['identifier']}"


# ----------------------------------------------------------------------------- problems


def test_every_problem_is_reported_with_sheet_and_row() -> None:
    data = _workbook(
        [DOC_HEADER, ["", "", "", "not a date"]],
        [
            ITEM_HEADER,
            ["a1b2c3d4-0000-4000-8000-000000000001", "First", "A", "1", "Skill"],
            ["a1b2c3d4-0000-4000-8000-000000000001", "Again", "B", "2", "Skill"],
            ["", "", "C", "3", ""],
        ],
        [
            ASSOC_HEADER,
            ["", "a1b2c3d4-0000-4000-8000-000000000001", "Is Kind Of", "x", ""],
            ["", "a1b2c3d4-0000-4000-8000-000000000001", "Precedes", "", ""],
        ],
    )
    with pytest.raises(CaseFormatError) as exc:
        parse_xlsx(data)
    assert _errors(exc) == [
        {"where": "CF Doc, row 2", "message": "the document has no title"},
        {"where": "CF Doc, row 2", "message": "the document has no creator"},
        {
            "where": "CF Doc, row 2",
            "message": "lastChangeDateTime 'not a date' is not a date and time",
        },
        {
            "where": "CF Item, row 3",
            "message": "identifier a1b2c3d4-0000-4000-8000-000000000001 is used already "
            "(CF Item, row 2)",
        },
        {"where": "CF Item, row 4", "message": "fullStatement is empty (every item needs one)"},
        {
            "where": "CF Association, row 2",
            "message": "associationType 'Is Kind Of' is not a CASE association type",
        },
        {"where": "CF Association, row 3", "message": "the association has no destination"},
    ]


def test_sheet_without_a_needed_column_is_reported_once() -> None:
    data = _workbook(
        [DOC_HEADER, DOC_ROW],
        [["identifier", "statement"], *[[f"row {n}", "x"] for n in range(50)]],
        [["identifier", "kind"], ["a", "b"]],
    )
    with pytest.raises(CaseFormatError) as exc:
        parse_xlsx(data)
    assert _errors(exc) == [
        {"where": "CF Item, row 1", "message": "no fullStatement column in the header"},
        {"where": "CF Association, row 1", "message": "no associationType column in the header"},
    ]


def test_odd_smart_levels_do_not_break_the_tree() -> None:
    data = _workbook(
        [DOC_HEADER, DOC_ROW],
        [ITEM_HEADER, ["", "Squared", "A", "\u00b2", ""], ["", "Child", "B", "\u00b2.1", ""]],
        [ASSOC_HEADER],
    )
    package = parse_xlsx(data)
    child = next(a for a in package["CFAssociations"] if a["originNodeURI"]["title"] == "B")
    assert child["destinationNodeURI"]["title"] == "A"
    assert child["sequenceNumber"] == 1
    top = next(a for a in package["CFAssociations"] if a["originNodeURI"]["title"] == "A")
    assert "sequenceNumber" not in top


def test_dates_typed_in_excel_are_read_as_dates() -> None:
    from datetime import date, datetime

    data = _workbook(
        [
            [*DOC_HEADER, "statusStartDate"],
            [*DOC_ROW[:3], datetime(2024, 5, 1, 10, 30), date(2024, 8, 1)],
        ],
        [ITEM_HEADER, ["", "One", "A", "1", ""]],
        [ASSOC_HEADER],
    )
    doc = parse_xlsx(data)["CFDocument"]
    assert doc["lastChangeDateTime"] == "2024-05-01T10:30:00+00:00"
    assert doc["statusStartDate"] == "2024-08-01"


def test_sheet_names_are_matched_loosely() -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in (
        ("cf doc", [DOC_HEADER, DOC_ROW]),
        ("CF_Item", [ITEM_HEADER, ["", "One", "A", "1", ""]]),
    ):
        sheet = wb.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    package = parse_xlsx(out.getvalue())
    assert package["CFDocument"]["identifier"] == "0b3a1c2e-1111-4222-8333-444455556666"
    assert [i["fullStatement"] for i in package["CFItems"]] == ["One"]


def test_missing_sheet_is_named() -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(CaseFormatError) as exc:
        parse_xlsx(out.getvalue())
    assert "'CF Doc' is missing" in str(exc.value)


def test_csv_parent_that_is_not_in_the_file_is_refused() -> None:
    data = b"identifier,fullStatement,humanCodingScheme,parent\n,One,A,\n,Two,B,Z\n"
    with pytest.raises(CaseFormatError) as exc:
        parse_csv(data)
    assert _errors(exc) == [
        {"where": "line 3", "message": "parent 'Z' is not an item of this file"}
    ]


def test_csv_without_statement_column_is_refused() -> None:
    with pytest.raises(CaseFormatError, match="no fullStatement column"):
        parse_csv(b"name,age\nx,3\n")


def test_csv_in_windows_1252_and_semicolons_reads() -> None:
    data = "fullStatement;humanCodingScheme\nCaf\u00e9 au lait;A\n".encode("cp1252")
    package = parse_csv(data)
    assert package["CFItems"][0]["fullStatement"] == "Caf\u00e9 au lait"


# ----------------------------------------------------------------------------- hostile input


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def test_zip_bomb_is_refused_before_anything_is_unpacked() -> None:
    # 300 MB of zeros compress to about 300 KB: the declared size gives it away.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(MAX_XLSX_UNCOMPRESSED_BYTES // len(chunk) + 8):
                part.write(chunk)
    with pytest.raises(CaseFormatError, match="zip bomb"):
        parse_xlsx(out.getvalue())


def test_highly_compressed_part_is_refused() -> None:
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": b"a" * 50_000_000})
    with pytest.raises(CaseFormatError, match="compressed"):
        parse_xlsx(data)


def test_workbook_xml_with_entities_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><workbook>&b;</workbook>'
    )
    with pytest.raises(CaseFormatError, match="DTD"):
        parse_xlsx(_zip({"xl/workbook.xml": laughs}))


def test_dtd_hidden_past_the_first_bytes_is_still_refused() -> None:
    # The quick look at each part's start misses this one; the XML parser under openpyxl
    # (defusedxml) refuses it, and the refusal is still a clear CaseFormatError.
    source = zipfile.ZipFile(io.BytesIO(_workbook([DOC_HEADER, DOC_ROW], [ITEM_HEADER], [])))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                body = content.partition(b"?>")[2] if content.startswith(b"<?xml") else content
                content = (
                    b'<?xml version="1.0"?><!--'
                    + b"x" * 5000
                    + b'--><!DOCTYPE x [<!ENTITY e "e">]>'
                    + body
                )
            target.writestr(info, content)
    with pytest.raises(CaseFormatError, match="declares a DTD or entities"):
        parse_xlsx(out.getvalue())


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04garbage", b"not a zip", _zip({"a.txt": b"x"})])
def test_non_workbooks_get_a_clear_error(data: bytes) -> None:
    with pytest.raises(CaseFormatError, match="workbook"):
        parse_xlsx(data)


# ----------------------------------------------------------------------------- export


def _rich_package() -> dict[str, Any]:
    """A package with what a spreadsheet can carry, and cells that look like formulas."""
    doc_id = "11111111-1111-4111-8111-111111111111"
    a, b, c = (f"22222222-2222-4222-8222-22222222222{n}" for n in "abc")
    link = lambda i, t: {"title": t, "identifier": i, "uri": f"urn:uuid:{i}"}  # noqa: E731
    when = "2024-05-01T10:00:00+00:00"
    return {
        "CFDocument": {
            "identifier": doc_id,
            "uri": f"urn:uuid:{doc_id}",
            "creator": '=HYPERLINK("http://evil.example","click")',
            "title": "Portrait of a Graduate",
            "lastChangeDateTime": when,
            "subject": ["Durable skills", "Life"],
            "language": "en",
            "adoptionStatus": "Draft",
            "statusStartDate": "2024-08-01",
            "notes": "@SUM(1+1)",
        },
        "CFItems": [
            {
                "identifier": a,
                "uri": f"urn:uuid:{a}",
                "fullStatement": "+Communicates clearly 𝑑 — and \u00e9\n* a list",
                "humanCodingScheme": "-C",
                "lastChangeDateTime": when,
                "educationLevel": ["09", "10"],
                "conceptKeywords": ["speaking", "writing"],
                "extensions": {"district": {"strand": "core"}},
            },
            {
                "identifier": b,
                "uri": f"urn:uuid:{b}",
                "fullStatement": "'=quoted already",
                "humanCodingScheme": "C.1",
                "lastChangeDateTime": when,
                "alternativeLabel": "Outcome",
                "statusEndDate": "2030-01-01",
            },
            {
                "identifier": c,
                "uri": f"urn:uuid:{c}",
                "fullStatement": "\tTabbed",
                "humanCodingScheme": "C.2",
                "lastChangeDateTime": when,
            },
        ],
        "CFAssociations": [
            {
                "identifier": "33333333-3333-4333-8333-333333333331",
                "associationType": "isChildOf",
                "uri": "urn:uuid:33333333-3333-4333-8333-333333333331",
                "originNodeURI": link(a, "-C"),
                "destinationNodeURI": link(doc_id, "Portrait of a Graduate"),
                "lastChangeDateTime": when,
                "sequenceNumber": 10,
            },
            {
                "identifier": "33333333-3333-4333-8333-333333333332",
                "associationType": "isChildOf",
                "uri": "urn:uuid:33333333-3333-4333-8333-333333333332",
                "originNodeURI": link(b, "C.1"),
                "destinationNodeURI": link(a, "-C"),
                "lastChangeDateTime": when,
                "sequenceNumber": 20,
            },
            {
                "identifier": "33333333-3333-4333-8333-333333333333",
                "associationType": "isChildOf",
                "uri": "urn:uuid:33333333-3333-4333-8333-333333333333",
                "originNodeURI": link(c, "C.2"),
                "destinationNodeURI": link(a, "-C"),
                "lastChangeDateTime": when,
                "sequenceNumber": 10,
            },
            {
                "identifier": "33333333-3333-4333-8333-333333333334",
                "associationType": "exactMatchOf",
                "uri": "urn:uuid:33333333-3333-4333-8333-333333333334",
                "originNodeURI": link(c, "C.2"),
                "destinationNodeURI": {
                    "title": "CCSS.ELA-LITERACY.SL.9-10.1",
                    "identifier": "CCSS.ELA-LITERACY.SL.9-10.1",
                    "uri": "urn:fdc:edplancms.com:2016:cfr:CCSS-ELA:SL.9-10.1",
                },
                "lastChangeDateTime": when,
                "notes": "crosswalk",
            },
            {
                "identifier": "33333333-3333-4333-8333-333333333335",
                "associationType": "ext:isEvidenceFor",
                "uri": "urn:uuid:33333333-3333-4333-8333-333333333335",
                "originNodeURI": link(b, "C.1"),
                "destinationNodeURI": link(c, "C.2"),
                "lastChangeDateTime": when,
            },
        ],
    }


def _canonical(package: dict[str, Any]) -> dict[str, Any]:
    """The package with every list of objects sorted by identifier (order is not content)."""
    result = dict(package)
    for key in ("CFItems", "CFAssociations"):
        result[key] = sorted(package.get(key, []), key=lambda o: o["identifier"])
    result["CFDefinitions"] = {
        k: sorted(v, key=lambda o: o["identifier"])
        for k, v in package.get("CFDefinitions", {}).items()
    }
    return result


def _cells(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()


def test_export_is_safe_from_formula_injection() -> None:
    data = package_to_xlsx(_rich_package())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    try:
        for sheet in wb.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    finally:
        wb.close()
    doc = _cells(data, "CF Doc")
    assert doc[1][1] == '\'=HYPERLINK("http://evil.example","click")'


def test_export_opens_in_opensalts_column_order() -> None:
    data = package_to_xlsx(_rich_package())
    assert _cells(data, "CF Doc")[0][:4] == ("identifier", "creator", "title", "lastChangeDate")
    items = _cells(data, "CF Item")
    assert items[0][:4] == ("identifier", "fullStatement", "humanCodingScheme", "smartLevel")
    # Tree order with smart levels from sequenceNumber: C.2 (10) before C.1 (20).
    assert [(r[2], r[3]) for r in items[1:]] == [("'-C", "1"), ("C.2", "1.1"), ("C.1", "1.2")]
    assocs = _cells(data, "CF Association")
    assert assocs[1][4] == "Is Child Of"


def test_package_round_trips_through_the_workbook() -> None:
    original = _rich_package()
    again = parse_xlsx(package_to_xlsx(original))
    assert_valid_case(again)
    assert again["CFDocument"] == original["CFDocument"]
    assert sorted(again["CFItems"], key=lambda i: i["identifier"]) == original["CFItems"]

    # Item types, licences and groupings come back as definitions; associations come back
    # exactly, except that links to in-package nodes take the item's code as their title.
    def key(a: dict[str, Any]) -> tuple[Any, ...]:
        return (
            a["identifier"],
            a["associationType"],
            a["originNodeURI"]["identifier"],
            a["destinationNodeURI"]["identifier"],
            a["destinationNodeURI"]["uri"],
            a.get("sequenceNumber"),
            a.get("notes"),
            a["lastChangeDateTime"],
            a["uri"],
        )

    assert sorted(map(key, again["CFAssociations"])) == sorted(map(key, original["CFAssociations"]))


@pytest.mark.parametrize(
    "name",
    ["opensalt_ccss_ela_1189items.xlsx", "opensalt_spreadsheet_import_sample.xlsx"],
)
def test_real_workbooks_round_trip(name: str) -> None:
    first = parse_xlsx((SHEETS / name).read_bytes())
    second = parse_xlsx(package_to_xlsx(first))
    assert _canonical(second) == _canonical(first)


@pytest.mark.parametrize("name", ["compeito_seed_001.csv", "opensalt_sample_case.csv"])
def test_csv_imports_round_trip_through_the_workbook(name: str) -> None:
    first = parse_csv((SHEETS / name).read_bytes(), filename=name)
    second = parse_xlsx(package_to_xlsx(first))
    assert _canonical(second) == _canonical(first)


# ----------------------------------------------------------------------------- rubrics


def test_rubric_csv_gives_rubrics_with_criteria_and_levels() -> None:
    rubrics = parse_rubric_csv((SHEETS / "compeito_seed_001r_rubric.csv").read_bytes())
    assert [len(r["CFRubricCriteria"]) for r in rubrics] == [4, 3]
    criterion = rubrics[0]["CFRubricCriteria"][0]
    assert criterion["weight"] == 0.3
    assert criterion["rubricId"] == "20000000-0000-0000-0000-000000000001"
    assert criterion["CFItemURI"]["identifier"] == "10000000-0000-0000-0000-000000000021"
    levels = criterion["CFRubricCriterionLevels"]
    assert [(lv["quality"], lv["score"]) for lv in levels] == [
        ("Excellent", 4.0),
        ("Good", 3.0),
        ("Adequate", 2.0),
        ("Needs Improvement", 1.0),
    ]
    package = parse_csv((SHEETS / "compeito_seed_001.csv").read_bytes())
    assert_valid_case({**package, "CFRubrics": rubrics})


def test_rubrics_round_trip_through_the_workbook_linked_to_their_items() -> None:
    package = parse_csv((SHEETS / "compeito_seed_001.csv").read_bytes())
    package["CFRubrics"] = parse_rubric_csv((SHEETS / "compeito_seed_001r_rubric.csv").read_bytes())
    first = parse_xlsx(package_to_xlsx(package))
    assert_valid_case(first)
    criterion = first["CFRubrics"][0]["CFRubricCriteria"][0]
    # In a workbook with the framework, the criterion's item link is the item's own.
    assert criterion["CFItemURI"]["title"] == "SE-A-1"
    assert _canonical(parse_xlsx(package_to_xlsx(first))) == _canonical(first)


def test_rubric_rows_that_point_nowhere_are_reported() -> None:
    data = (
        b"Type,Identifier,RubricIdentifier,CriterionIdentifier,Title,Score\n"
        b"Rubric,r1,,,Writing,\n"
        b"Criterion,c1,r9,,,\n"
        b"Level,l1,,c9,,\n"
        b"Level,l2,,c1,,lots\n"
        b"Scale,s1,,,,\n"
    )
    with pytest.raises(CaseFormatError) as exc:
        parse_rubric_csv(data)
    assert exc.value.as_list() == [
        {"where": "line 6", "message": "Type 'Scale' is not Rubric, Criterion or Level"},
        {"where": "line 3", "message": "RubricIdentifier 'r9' names no Rubric row"},
        {"where": "line 4", "message": "CriterionIdentifier 'c9' names no Criterion row"},
        {"where": "line 5", "message": "CriterionIdentifier 'c1' names no Criterion row"},
    ]
