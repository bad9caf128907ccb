"""`lti-tool case import | list | export` against the test database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from lti_tool.case.schema import schema_problems
from tests.unit.case.samples import DOC_ID, FRAMEWORK_FILES, minimal

Cli = Callable[..., Result]
COMPEITO = next(p for p in FRAMEWORK_FILES if "compeito" in str(p))


def test_import_list_export_round(cli: Cli, tmp_path: Path) -> None:
    """A file imports with a report, shows in the list, and exports as valid 1.1 and as 1.0."""
    result = cli("case", "import", str(COMPEITO))
    assert result.exit_code == 0, result.output
    assert "Created: " in result.output
    assert "CFItems: 36 created" in result.output
    doc_id = json.loads(COMPEITO.read_text())["CFDocument"]["identifier"]

    listed = cli("case", "list")
    assert doc_id in listed.output and "36 items" in listed.output

    out = tmp_path / "out.json"
    exported = cli("case", "export", doc_id.upper(), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    package = json.loads(out.read_text(encoding="utf-8"))
    assert schema_problems(package) == []
    assert len(package["CFRubrics"]) == 2

    out10 = tmp_path / "out10.json"
    result = cli("case", "export", doc_id, "--out", str(out10), "--case-version", "1.0")
    assert result.exit_code == 0
    assert "caseVersion" not in json.loads(out10.read_text())["CFDocument"]


def test_reimport_reports_unchanged_as_json(cli: Cli) -> None:
    """Importing the same file twice reports unchanged, in JSON when asked."""
    cli("case", "import", str(COMPEITO))
    result = cli("case", "import", str(COMPEITO), "--json")
    report = json.loads(result.stdout)
    assert report["outcome"] == "unchanged"
    assert report["counts"]["CFItems"]["unchanged"] == 36


def test_refused_file_names_the_problem_and_exits_2(cli: Cli, tmp_path: Path) -> None:
    """A broken package: exit 2, the JSON path on stderr, no traceback, nothing stored."""
    data = minimal()
    del data["CFItems"][0]["fullStatement"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = cli("case", "import", str(bad))
    assert result.exit_code == 2
    assert "$.CFItems[0].fullStatement" in result.output
    assert "Traceback" not in result.output
    assert "No frameworks stored" in cli("case", "list").output
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\x01 not json")
    assert cli("case", "import", str(garbage)).exit_code == 2
    assert cli("case", "import", str(tmp_path / "nope.json")).exit_code == 2


def test_conflict_needs_replace(cli: Cli, tmp_path: Path) -> None:
    """Another source with the same framework id exits 1 until --replace is given."""
    path = tmp_path / "pog.json"
    path.write_text(json.dumps(minimal()))
    assert cli("case", "import", str(path), "--source", "district").exit_code == 0
    conflict = cli("case", "import", str(path))
    assert conflict.exit_code == 1
    assert "replace" in conflict.output
    assert cli("case", "import", str(path), "--replace").exit_code == 0
    assert "\tfile\t" in cli("case", "list").output


def test_url_import_from_a_provider(cli: Cli) -> None:
    """A CFPackages URL imports like a file; a provider's error is a sentence, not a trace."""
    from tests.usecases.test_case_fetch import DOK_ID, serve

    with serve() as (base, _):
        result = cli("case", "import", f"{base}/ims/case/v1p0/CFPackages/{DOK_ID}")
        assert result.exit_code == 0, result.output
        assert "created" in result.output
        missing = cli("case", "import", f"{base}/ims/case/v1p0/CFPackages/nope")
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_export_unknown_framework(cli: Cli, tmp_path: Path) -> None:
    """Exporting an identifier that is not stored exits 1 with a sentence."""
    result = cli("case", "export", DOC_ID, "--out", str(tmp_path / "x.json"))
    assert result.exit_code == 1
    assert "No framework" in result.output


def test_client_add_prints_credentials_once(cli: Cli) -> None:
    """`case client-add` registers a consumer and prints its id and secret."""
    result = cli("case", "client-add", "District warehouse")
    assert result.exit_code == 0
    assert "client_id     case-" in result.output and "client_secret " in result.output


OTHER_FORMATS = Path(__file__).resolve().parents[1] / "data" / "case"


def test_import_takes_every_framework_format(cli: Cli) -> None:
    """One command imports an OpenSALT workbook, a framework CSV and ASN in both RDF forms."""
    for name, items in (
        ("spreadsheet/opensalt_spreadsheet_import_sample.xlsx", None),
        ("spreadsheet/opensalt_sample_case.csv", None),
        ("asn/asn_D10003FB_ccss_math_rdfjson.json", 703),
    ):
        result = cli("case", "import", str(OTHER_FORMATS / name), "--json")
        assert result.exit_code == 0, (name, result.output[-1500:])
        report = json.loads(result.output[result.output.index("{") :])
        created = report["counts"]["CFItems"]["created"]
        assert created > 0 if items is None else created == items, (name, report["counts"])
    # The RDF/XML form of the same ASN document is the same framework: no new items.
    again = cli(
        "case", "import", str(OTHER_FORMATS / "asn/asn_D10003FB_ccss_math.rdf.xml"), "--json"
    )
    assert again.exit_code == 0, again.output[-1500:]
    counts = json.loads(again.output[again.output.index("{") :])["counts"]
    assert counts["CFItems"]["created"] == 0 and counts["CFItems"]["deprecated"] == 0


def test_a_damaged_workbook_is_refused_with_nothing_stored(cli: Cli, tmp_path: Path) -> None:
    """Bytes that claim to be a workbook but are not: exit 2, a sentence, no framework."""
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = cli("case", "import", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        "0 frameworks" in cli("case", "list").output
        or "No frameworks" in cli("case", "list").output
    )
