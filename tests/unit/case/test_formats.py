"""Telling framework file formats apart, and reading any of them."""

from __future__ import annotations

import pytest

from lti_tool.case.formats import detect_format, parse_json_package, read_framework
from lti_tool.case.problems import CaseFormatError
from tests.unit.case.formats import DATA, assert_valid_case


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("spreadsheet/opensalt_ccss_ela_1189items.xlsx", "xlsx"),
        ("spreadsheet/opensalt_spreadsheet_import_sample.xlsx", "xlsx"),
        ("spreadsheet/opensalt_ccss_ela_items_1189.csv", "csv"),
        ("spreadsheet/opensalt_sample_case.csv", "csv"),
        ("spreadsheet/compeito_seed_001.csv", "csv"),
        ("spreadsheet/opensalt_test_items_parent_column.csv", "csv"),
        ("asn/asn_D10003FB_ccss_math_rdfjson.json", "asn-rdfjson"),
        ("asn/asn_D10003FB_ccss_math.rdf.xml", "asn-rdfxml"),
        ("api-responses/sbac_getCFPackage_webb_dok_levels.json", "json"),
    ],
)
def test_every_sample_file_is_recognised(path: str, expected: str) -> None:
    data = (DATA / path).read_bytes()
    assert detect_format(path, data[:4096]) == expected
    # Content decides, not the name: the same bytes under a misleading name.
    assert detect_format("upload.txt", data[:4096]) == expected


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("x.json", b'\xef\xbb\xbf  {"CFDocument": {}}', "json"),
        ("x", '{"CFDocument": {}}'.encode("utf-16"), "json"),
        ("x", '<?xml version="1.0" encoding="utf-16"?><rdf:RDF>'.encode("utf-16"), "asn-rdfxml"),
        ("x.xml", b"<root/>", "asn-rdfxml"),
        ("x.json", b"garbage", "json"),
        ("x.tsv", b"fullStatement\tcode\n", "csv"),
        ("items", b"fullStatement;humanCodingScheme\n", "csv"),
        ("x", b'{"http://asn.jesandco.org/resources/D1": {}}', "asn-rdfjson"),
    ],
)
def test_detection_cases(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old binary Excel"),
        ("page.html", b"<!doctype html><html>", "XML but not RDF"),
        ("notes", b"just words", "not a format the tool reads"),
        ("empty", b"", "not a format the tool reads"),
    ],
)
def test_unknown_formats_are_named(name: str, head: bytes, message: str) -> None:
    with pytest.raises(CaseFormatError, match=message):
        detect_format(name, head)


@pytest.mark.parametrize(
    "path",
    [
        "spreadsheet/opensalt_ccss_ela_1189items.xlsx",
        "spreadsheet/compeito_seed_001.csv",
        "asn/asn_D10003FB_ccss_math_rdfjson.json",
        "asn/asn_D10003FB_ccss_math.rdf.xml",
    ],
)
def test_read_framework_gives_valid_case_for_every_other_format(path: str) -> None:
    _, package = read_framework(path, (DATA / path).read_bytes())
    assert_valid_case(package)


def test_read_framework_passes_case_json_through() -> None:
    path = DATA / "api-responses" / "sbac_getCFPackage_webb_dok_levels.json"
    fmt, package = read_framework(path.name, path.read_bytes())
    assert fmt == "json"
    assert len(package["CFItems"]) == 15


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "a CASE package is a JSON object"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a": "\xff"}', "not valid JSON"),
    ],
)
def test_bad_json_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(CaseFormatError, match=message):
        parse_json_package(data)


def test_problems_read_like_the_json_importers() -> None:
    with pytest.raises(CaseFormatError) as exc:
        parse_json_package(b"{")
    problem = exc.value.problems[0]
    assert (problem.path, problem.message) == (
        problem.where,
        "not valid JSON (Expecting property name enclosed in double quotes)",
    )
    assert exc.value.as_list() == [{"where": problem.where, "message": problem.message}]
