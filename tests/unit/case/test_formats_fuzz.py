"""Whatever bytes arrive, every reader answers with a package or a CaseFormatError."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from lti_tool.case.asn import parse_asn_rdfjson, parse_asn_rdfxml
from lti_tool.case.formats import detect_format, read_framework
from lti_tool.case.opensalt import package_to_xlsx, parse_csv, parse_rubric_csv, parse_xlsx
from lti_tool.case.problems import CaseFormatError
from tests.unit.case.formats import DATA, schema_errors

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Writing a workbook per example is slow; these get fewer examples.
FUZZ_WORKBOOKS = settings(FUZZ, max_examples=40)
SAMPLE_XLSX = (DATA / "spreadsheet" / "opensalt_spreadsheet_import_sample.xlsx").read_bytes()
SAMPLE_CSV = (DATA / "spreadsheet" / "opensalt_sample_case.csv").read_bytes()
ASN_JSON = (DATA / "asn" / "asn_D10003FB_ccss_math_rdfjson.json").read_bytes()[:6000]
ASN_XML = (DATA / "asn" / "asn_D10003FB_ccss_math.rdf.xml").read_bytes()[:6000]


def _only_format_errors(parse: Any, data: bytes) -> None:
    """`parse(data)` returns a schema-valid package or raises CaseFormatError, nothing else."""
    try:
        package = parse(data)
    except CaseFormatError as exc:
        assert exc.problems and all(p.where and p.message for p in exc.problems)
        return
    if isinstance(package, dict) and "CFItems" in package:
        assert not schema_errors(package), schema_errors(package)[:3]


def _mutate(data: bytes, positions: list[int], values: bytes) -> bytes:
    mutated = bytearray(data)
    for position, value in zip(positions, values, strict=False):
        mutated[position % len(mutated)] = value
    return bytes(mutated)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_into_every_reader(data: bytes) -> None:
    for parse in (parse_xlsx, parse_csv, parse_rubric_csv, parse_asn_rdfjson, parse_asn_rdfxml):
        _only_format_errors(parse, data)
    _only_format_errors(lambda d: read_framework("upload", d)[1], data)


@FUZZ_WORKBOOKS
@given(st.lists(st.integers(min_value=0), max_size=8), st.binary(min_size=1, max_size=8))
def test_damaged_workbooks(positions: list[int], values: bytes) -> None:
    _only_format_errors(parse_xlsx, _mutate(SAMPLE_XLSX, positions, values))


@FUZZ
@given(st.lists(st.integers(min_value=0), max_size=8), st.binary(min_size=1, max_size=8))
def test_damaged_asn_files(positions: list[int], values: bytes) -> None:
    _only_format_errors(parse_asn_rdfjson, _mutate(ASN_JSON, positions, values))
    _only_format_errors(parse_asn_rdfxml, _mutate(ASN_XML, positions, values))
    _only_format_errors(parse_csv, _mutate(SAMPLE_CSV, positions, values))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(JSON_VALUES)
def test_random_json_into_the_rdfjson_reader(value: object) -> None:
    _only_format_errors(parse_asn_rdfjson, json.dumps(value).encode())


# Text a worksheet can hold (openpyxl refuses control characters when writing).
CELL_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
CELL = st.none() | st.integers(-(10**12), 10**12) | CELL_TEXT


@FUZZ_WORKBOOKS
@given(
    st.lists(st.lists(CELL, max_size=6), max_size=4),
    st.lists(st.lists(CELL, max_size=8), max_size=6),
)
def test_random_cells_under_real_headers(doc: list[list[Any]], items: list[list[Any]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    headers = {
        "CF Doc": ["identifier", "creator", "title", "lastChangeDate", "subject",
                   "statusStartDate"],
        "CF Item": ["identifier", "fullStatement", "humanCodingScheme", "smartLevel",
                    "educationLevel", "CFItemType", "lastChangeDateTime", "extensions"],
    }  # fmt: skip
    for title, rows in (("CF Doc", doc), ("CF Item", items)):
        sheet = wb.create_sheet(title)
        sheet.append(headers[title])
        for row in rows:
            sheet.append(
                [
                    "'" + c if isinstance(c, str) and c.startswith(("=", "+", "-", "@")) else c
                    for c in row
                ]
            )
    out = io.BytesIO()
    try:
        wb.save(out)
    except Exception:  # noqa: BLE001 - openpyxl refuses some characters; not what is tested
        return
    _only_format_errors(parse_xlsx, out.getvalue())


@FUZZ
@given(st.text(max_size=400))
def test_random_text_as_csv(text: str) -> None:
    _only_format_errors(parse_csv, ("fullStatement,humanCodingScheme,parent\n" + text).encode())


@FUZZ_WORKBOOKS
@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_round_trips_through_the_export(statement: str, code: str) -> None:
    """Formula-like or odd text comes back as written (bar what XML cannot hold)."""
    doc_id = "11111111-1111-4111-8111-111111111111"
    item_id = "22222222-2222-4222-8222-222222222222"
    package = {
        "CFDocument": {
            "identifier": doc_id,
            "uri": f"urn:uuid:{doc_id}",
            "creator": "c",
            "title": "t",
            "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
        },
        "CFItems": [
            {
                "identifier": item_id,
                "uri": f"urn:uuid:{item_id}",
                "fullStatement": statement or "x",
                "humanCodingScheme": code or "c",
                "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
            }
        ],
        "CFAssociations": [],
    }
    statement_kept = ILLEGAL_CHARACTERS_RE.sub("", statement or "x")
    code_kept = ILLEGAL_CHARACTERS_RE.sub("", code or "c").strip()
    try:
        again = parse_xlsx(package_to_xlsx(package))
    except CaseFormatError as exc:
        # A statement of only blanks or control characters is refused on the way back in.
        assert not statement_kept.strip(), exc.summary()
        return
    [item] = again["CFItems"]
    assert item["identifier"] == item_id
    assert item["fullStatement"] == statement_kept
    assert item.get("humanCodingScheme") == (code_kept or None)


@FUZZ
@given(st.text(max_size=50), st.binary(max_size=200))
def test_detect_format_never_crashes(name: str, head: bytes) -> None:
    try:
        assert detect_format(name, head) in ("json", "xlsx", "csv", "asn-rdfjson", "asn-rdfxml")
    except CaseFormatError:
        pass


@FUZZ
@given(st.text(max_size=400))
def test_random_text_as_rubric_csv(text: str) -> None:
    header = "Type,Identifier,RubricIdentifier,CriterionIdentifier,Title,Weight,Score\n"
    _only_format_errors(parse_rubric_csv, (header + text).encode())


@FUZZ_WORKBOOKS
@given(
    st.dictionaries(
        st.sampled_from(["CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics"]),
        JSON_VALUES,
    )
)
def test_export_of_any_json_shape_does_not_crash(package: dict[str, Any]) -> None:
    """Stored data may be lenient; the download must still be a workbook."""
    assert package_to_xlsx(package).startswith(b"PK")
