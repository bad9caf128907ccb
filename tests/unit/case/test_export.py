"""JSON -> model -> JSON round trips, and strict 1.1 and 1.0 exports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lti_tool.case.export import ExportError, package_to_json
from lti_tool.case.parse import parse_package
from lti_tool.case.schema import schema_problems
from lti_tool.case.vocabulary import ASSOCIATION_TYPES_10
from tests.unit.case.samples import FRAMEWORK_FILES, ITEM_A, ITEM_B, assoc, minimal, read

ID_KEYS = {"identifier", "rubricId", "rubricCriterionId"}


def semantic(value: Any, key: str = "") -> Any:
    """The meaning of a CASE JSON value: nulls dropped, ids case-folded, instants compared,
    sequence numbers as integers (OpenSALT writes "1").

    Written apart from the parser, so the round trip is checked against an independent reading.
    """
    if isinstance(value, dict):
        return {k: semantic(v, k) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [semantic(v) for v in value if v is not None]
    if isinstance(value, str) and key in ID_KEYS:
        return value.lower()
    if isinstance(value, str) and key == "sequenceNumber":
        return int(value)
    if isinstance(value, str) and key == "lastChangeDateTime":
        parsed = datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return value


def dedupe(raw: dict[str, Any]) -> dict[str, Any]:
    """The file without exact repeats of a node (kept once by the parser)."""
    out = dict(raw)
    seen: set[str] = set()
    kept = []
    for node in raw.get("CFAssociations") or []:
        if node["identifier"] not in seen:
            seen.add(node["identifier"])
            kept.append(node)
    if "CFAssociations" in raw:
        out["CFAssociations"] = kept
    return out


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_json_model_json_is_semantically_identical(path: Path) -> None:
    """Every field of every node survives the model, extras and extensions included."""
    raw = read(path)
    assert semantic(package_to_json(parse_package(raw), None)) == semantic(dedupe(raw))


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_strict_11_export_validates_against_the_official_schema(path: Path) -> None:
    """The 1.1 export passes the CFPackage schema with uuid/date/date-time formats asserted."""
    exported = package_to_json(parse_package(read(path)), "1.1")
    assert schema_problems(exported) == []
    assert exported["CFDocument"]["caseVersion"] == "1.1"


def test_the_schema_check_can_fail() -> None:
    """The lossless form of a provider export (with CFPackageURI) fails the strict schema."""
    raw = read(FRAMEWORK_FILES[0])
    problems = schema_problems(package_to_json(parse_package(raw), None))
    assert problems
    bad = package_to_json(parse_package(minimal()), "1.1")
    bad["CFItems"][0]["lastChangeDateTime"] = "2024-13-45T99:00:00Z"
    assert any("lastChangeDateTime" in p.path for p in schema_problems(bad))


def test_11_export_keeps_unknown_fields_in_extensions() -> None:
    """OpenSALT's legacy `educationalLevel` is kept, inside extensions, on a 1.1 export."""
    data = minimal()
    data["CFItems"][0]["educationalLevel"] = ["09"]
    data["CFItems"][0]["extensions"] = {"districtCode": "POG-1"}
    exported = package_to_json(parse_package(data), "1.1")
    assert exported["CFItems"][0]["extensions"] == {
        "districtCode": "POG-1",
        "educationalLevel": ["09"],
    }
    assert schema_problems(exported) == []


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_10_export_has_no_11_only_fields(path: Path) -> None:
    """No extensions, caseVersion, frameworkType, item subjects, association notes, targetType."""
    exported = package_to_json(parse_package(read(path)), "1.0")
    doc = exported["CFDocument"]
    assert not {"caseVersion", "frameworkType", "extensions", "CFPackageURI"} & set(doc)
    for node in exported["CFItems"]:
        assert not {"subject", "subjectURI", "extensions", "CFDocumentURI"} & set(node)
    for node in exported["CFAssociations"]:
        assert not {"notes", "extensions"} & set(node)
        assert "targetType" not in node["originNodeURI"]
        assert node["associationType"] in ASSOCIATION_TYPES_10
    assert "extensions" not in exported


def test_10_export_maps_new_association_types_to_is_related_to() -> None:
    """isTranslationOf and ext: types become isRelatedTo in 1.0; 1.1 keeps them."""
    data = minimal()
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000011", "isTranslationOf", ITEM_B, ITEM_A)
    )
    data["CFAssociations"][2]["notes"] = "Spanish edition"
    data["CFAssociations"][2]["originNodeURI"]["targetType"] = "CASE"
    package = parse_package(data)
    one_oh = package_to_json(package, "1.0")["CFAssociations"][2]
    assert one_oh["associationType"] == "isRelatedTo"
    assert "notes" not in one_oh
    one_one = package_to_json(package, "1.1")["CFAssociations"][2]
    assert one_one["associationType"] == "isTranslationOf"
    assert one_one["notes"] == "Spanish edition"
    assert one_one["originNodeURI"]["targetType"] == "CASE"


def test_unknown_version_is_refused() -> None:
    """Only 1.0 and 1.1 are written."""
    with pytest.raises(ExportError):
        package_to_json(parse_package(minimal()), "2.0")


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_is_strict_11_agrees_with_the_strict_export(path: Path) -> None:
    """Whenever a node counts as strict, the strict export leaves it exactly as it is."""
    from lti_tool.case.export import is_strict_11, strict_object

    package = parse_package(read(path))
    for node in (*package.items, *package.associations):
        if is_strict_11(node.cls, node.data):
            assert strict_object(node.cls, node.data, "1.1") == node.data


def test_is_strict_11_can_say_no_and_yes() -> None:
    """Provider extras, unknown fields and odd values are not strict; a clean node is."""
    from lti_tool.case.export import is_strict_11

    package = parse_package(minimal())
    item, association = package.items[0].data, package.associations[0].data
    assert is_strict_11("CFItem", item) and is_strict_11("CFAssociation", association)
    assert not is_strict_11("CFItem", {**item, "CFDocumentURI": {"title": "d"}})
    assert not is_strict_11("CFItem", {**item, "humanCodingScheme": 7})
    assert not is_strict_11("CFItem", {**item, "educationalLevel": ["09"]})
    odd = {**association["originNodeURI"], "targetType": "Moodle"}
    assert not is_strict_11("CFAssociation", {**association, "originNodeURI": odd})
    assert not is_strict_11("CFAssociation", {**association, "associationType": "isCousinOf"})
    assert not is_strict_11("CFAssociation", {**association, "associationType": {"x": 1}})
    assert not is_strict_11("CFAssociation", {**association, "sequenceNumber": True})
    assert not is_strict_11("CFItem", {**item, "identifier": item["identifier"].upper()})
    assert not is_strict_11("CFItem", {**item, "lastChangeDateTime": "2024-01-02T03:04:05"})
