"""Reading framework files of every format from disk."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from lti_tool.case.problems import CaseFormatError
from lti_tool.usecases.case_sources import read_framework_bytes, read_framework_file
from tests.unit.case.formats import DATA, assert_valid_case


def test_reads_a_workbook_minting_uris_under_the_tool() -> None:
    path = DATA / "spreadsheet" / "opensalt_spreadsheet_import_sample.xlsx"
    fmt, package = read_framework_file(path, max_bytes=1_000_000, base_url="https://tool.example/")
    assert fmt == "xlsx"
    assert_valid_case(package)
    item = package["CFItems"][0]
    assert item["uri"] == f"https://tool.example/ims/case/v1p1/CFItems/{item['identifier']}"


def test_asn_keeps_its_own_uris() -> None:
    data = (DATA / "asn" / "asn_D10003FB_ccss_math.rdf.xml").read_bytes()
    fmt, package = read_framework_bytes("upload.rdf", data, base_url="https://tool.example")
    assert fmt == "asn-rdfxml"
    assert package["CFDocument"]["uri"] == "http://asn.jesandco.org/resources/D10003FB"


def test_too_large_missing_and_folder_are_refused() -> None:
    path = DATA / "spreadsheet" / "opensalt_ccss_ela_1189items.xlsx"
    with pytest.raises(CaseFormatError, match="import limit is 1,000"):
        read_framework_file(path, max_bytes=1000)
    with tempfile.TemporaryDirectory() as folder:
        with pytest.raises(CaseFormatError, match="no such file"):
            read_framework_file(Path(folder) / "missing.csv", max_bytes=1000)
        with pytest.raises(CaseFormatError, match="folder"):
            read_framework_file(folder, max_bytes=1000)
