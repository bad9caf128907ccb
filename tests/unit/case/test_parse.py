"""Lenient parsing of real CASE data and strict refusal of broken packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lti_tool.case.model import tree
from lti_tool.case.parse import (
    CaseFormatError,
    load_json,
    normalise_datetime,
    normalise_identifier,
    parse_package,
    parse_package_bytes,
)
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


def test_there_are_sample_frameworks() -> None:
    """The parametrised tests below really run over the samples."""
    assert len(FRAMEWORK_FILES) == 15


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_every_sample_parses_with_the_files_counts(path: Path) -> None:
    """Each sample parses; items, associations, rubrics and definitions match the file.

    Counts are of distinct identifiers: an exact copy of a node (Smarter Balanced's math
    export repeats one association) is kept once, with a warning.
    """
    raw = read(path)
    package = parse_package(raw)
    counts = package.counts()

    def distinct(nodes: list[dict] | None) -> int:
        return len({n["identifier"].lower() for n in nodes or []})

    assert counts["CFItems"] == distinct(raw.get("CFItems")) == len(raw.get("CFItems") or [])
    assert counts["CFAssociations"] == distinct(raw.get("CFAssociations"))
    assert counts["CFRubrics"] == distinct(raw.get("CFRubrics"))
    for kind, members in (raw.get("CFDefinitions") or {}).items():
        assert counts[kind] == distinct(members), kind
    copies = len(raw.get("CFAssociations") or []) - counts["CFAssociations"]
    assert len(package.warnings) == copies


def test_an_exact_copy_is_kept_once_and_a_different_one_refused() -> None:
    """The same association twice is one association; two different ones are refused."""
    data = minimal()
    data["CFAssociations"].append(dict(data["CFAssociations"][1]))
    package = parse_package(data)
    assert len(package.associations) == 2
    assert "exact copy" in str(package.warnings[0])
    data["CFAssociations"][2] = {**data["CFAssociations"][2], "sequenceNumber": 7}
    assert any("duplicate association" in p for p in problems_of(data))


def problems_of(data: object) -> list[str]:
    """The problems a refused package reports, as 'path: message' strings."""
    with pytest.raises(CaseFormatError) as info:
        parse_package(data)
    return [str(p) for p in info.value.problems]


def test_identifiers_are_normalised() -> None:
    """Upper case, braces, urn:uuid: and undashed ids become one lower-case form."""
    want = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    for form in (want.upper(), "{" + want + "}", "urn:uuid:" + want, want.replace("-", "")):
        assert normalise_identifier(form) == want
    assert normalise_identifier("00000000-0000-0000-0000-000000000001") is not None
    assert normalise_identifier("CCSS.Math.3.OA") is None


def test_upper_case_ids_in_a_package_meet_their_references() -> None:
    """An upper-case item id and a lower-case reference are the same node (no duplicate)."""
    data = minimal()
    data["CFItems"][0]["identifier"] = ITEM_A.upper()
    package = parse_package(data)
    assert package.items[0].identifier == ITEM_A
    assert [n.item.identifier for n in tree(package)] == [ITEM_A]


def test_datetimes_without_a_zone_are_utc() -> None:
    """OpenSALT's naive datetimes are read as UTC; other zones are converted."""
    assert normalise_datetime("2017-05-25T18:05:33") == "2017-05-25T18:05:33Z"
    assert normalise_datetime("2026-06-05T04:23:43.000Z") == "2026-06-05T04:23:43Z"
    assert normalise_datetime("2020-01-01T10:00:00+02:00") == "2020-01-01T08:00:00Z"
    assert normalise_datetime("yesterday") is None


def test_nulls_and_provider_extras_are_accepted() -> None:
    """Explicit nulls are dropped; CFPackageURI and CFDocumentURI are kept, not refused."""
    data = minimal()
    data["CFDocument"]["CFPackageURI"] = {"title": "p", "identifier": DOC_ID, "uri": "x"}
    data["CFDocument"]["description"] = None
    data["CFItems"][0]["CFDocumentURI"] = {"title": "d", "identifier": DOC_ID, "uri": "y"}
    package = parse_package(data)
    assert "description" not in package.document.data
    assert package.items[0].get("CFDocumentURI")["uri"] == "y"


def test_associations_to_nodes_outside_the_package_are_accepted() -> None:
    """urn: and local: destinations with non-UUID ids are kept as given."""
    data = minimal()
    ext = assoc("bbbbbbbb-1111-4222-8333-000000000009", "exactMatchOf", ITEM_B, "x")
    ext["destinationNodeURI"] = {
        "title": "3.OA.A.1",
        "identifier": "CCSS-M:3.OA.A.1",
        "uri": "urn:fdc:edplancms.com:2016:cfr:CCSS-M:3.OA.A.1",
    }
    data["CFAssociations"].append(ext)
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000010", "ext:alignsTo", ITEM_B, ITEM_A)
    )
    package = parse_package(data)
    assert package.associations[2].destination.identifier == "CCSS-M:3.OA.A.1"
    assert package.associations[3].association_type == "ext:alignsTo"


def test_both_root_conventions_give_the_same_tree() -> None:
    """Top-level items linked to the document, or not linked at all, are roots alike."""
    linked = parse_package(minimal())
    data = minimal()
    del data["CFAssociations"][0]
    unlinked = parse_package(data)

    def shape(nodes):  # type: ignore[no-untyped-def]
        return [(n.item.identifier, shape(n.children)) for n in nodes]

    assert shape(tree(linked)) == shape(tree(unlinked)) == [(ITEM_A, [(ITEM_B, [])])]


def test_tree_orders_by_sequence_number_then_code() -> None:
    """Siblings follow sequenceNumber; those without one come after, by code."""
    data = minimal()
    data["CFItems"].append(item(ITEM_C, "Listens", "C.0"))
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000003", "isChildOf", ITEM_C, ITEM_A)
    )
    package = parse_package(data)
    assert [n.item.identifier for n in tree(package)[0].children] == [ITEM_B, ITEM_C]
    data["CFAssociations"][2]["sequenceNumber"] = 0
    package = parse_package(data)
    assert [n.item.identifier for n in tree(package)[0].children] == [ITEM_C, ITEM_B]


def test_wrapper_is_accepted() -> None:
    """{"CFPackage": {...}} is read as the package inside."""
    assert parse_package({"CFPackage": minimal()}).document.identifier == DOC_ID


def test_duplicate_identifiers_are_refused() -> None:
    """Two items with one identifier (even differing in case) are refused, with the path."""
    data = minimal()
    data["CFItems"][1]["identifier"] = ITEM_A.upper()
    problems = problems_of(data)
    assert any(p.startswith("$.CFItems[1].identifier: duplicate") for p in problems)


def test_self_loops_are_refused() -> None:
    """An association from a node to itself is refused."""
    data = minimal()
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000005", "isChildOf", ITEM_A, ITEM_A)
    )
    assert any(p.startswith("$.CFAssociations[2]: ") and "itself" in p for p in problems_of(data))


def test_is_child_of_cycles_are_refused() -> None:
    """A isChildOf B isChildOf A is refused."""
    data = minimal()
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000006", "isChildOf", ITEM_A, ITEM_B)
    )
    assert any("cycle" in p for p in problems_of(data))


def test_missing_required_fields_are_refused_with_their_paths() -> None:
    """A missing fullStatement and a missing document title are both reported."""
    data = minimal()
    del data["CFItems"][1]["fullStatement"]
    data["CFDocument"]["title"] = None
    problems = problems_of(data)
    assert any(p.startswith("$.CFItems[1].fullStatement:") for p in problems)
    assert any(p.startswith("$.CFDocument.title:") for p in problems)


def test_dangling_references_inside_the_package_are_refused() -> None:
    """isChildOf from a node not in the package, and an unknown grouping, are refused."""
    data = minimal()
    data["CFAssociations"].append(
        assoc("bbbbbbbb-1111-4222-8333-000000000007", "isChildOf", ITEM_C, ITEM_A)
    )
    data["CFAssociations"][1]["CFAssociationGroupingURI"] = {
        "title": "g",
        "identifier": "cccccccc-1111-4222-8333-000000000001",
        "uri": "https://case.example.org/g",
    }
    problems = problems_of(data)
    assert any(p.startswith("$.CFAssociations[2].originNodeURI:") for p in problems)
    assert any(p.startswith("$.CFAssociations[1].CFAssociationGroupingURI:") for p in problems)


def test_rubric_parts_must_point_at_their_parents() -> None:
    """A criterion naming another rubric is refused."""
    data = minimal()
    data["CFRubrics"] = [
        {
            "identifier": "dddddddd-1111-4222-8333-000000000001",
            "uri": "u",
            "lastChangeDateTime": "2024-01-01T00:00:00Z",
            "CFRubricCriteria": [
                {
                    "identifier": "dddddddd-1111-4222-8333-000000000002",
                    "uri": "u2",
                    "rubricId": "dddddddd-1111-4222-8333-000000000009",
                    "lastChangeDateTime": "2024-01-01T00:00:00Z",
                }
            ],
        }
    ]
    assert any(".CFRubricCriteria[0].rubricId:" in p for p in problems_of(data))


def test_bad_values_are_refused() -> None:
    """Unknown association types, non-UUID item ids and bad dates are refused."""
    data = minimal()
    data["CFAssociations"][1]["associationType"] = "isCousinOf"
    data["CFItems"][0]["identifier"] = "not-a-uuid"
    data["CFItems"][1]["lastChangeDateTime"] = "last tuesday"
    problems = problems_of(data)
    assert any(p.startswith("$.CFAssociations[1].associationType:") for p in problems)
    assert any(p.startswith("$.CFItems[0].identifier:") for p in problems)
    assert any(p.startswith("$.CFItems[1].lastChangeDateTime:") for p in problems)


def test_not_a_package_is_refused() -> None:
    """A list, or an object with no CFDocument, is refused clearly."""
    assert problems_of([1, 2]) == ["$: a CASE package must be a JSON object"]
    assert problems_of({"CFItems": []})[0].startswith("$.CFDocument:")


def test_malformed_oversize_and_deep_json_are_refused() -> None:
    """Bad JSON says where; too large and too deep are refused before parsing."""
    with pytest.raises(CaseFormatError, match="line 1, column"):
        load_json(b'{"CFDocument": ')
    with pytest.raises(CaseFormatError, match="limit"):
        load_json(b"{}" * 10, max_bytes=5)
    with pytest.raises(CaseFormatError, match="nests"):
        load_json("[" * 100_000 + "]" * 100_000)
    deep = minimal()
    nested: dict = {}
    deep["CFItems"][0]["extensions"] = nested
    for _ in range(100):
        nested["x"] = {}
        nested = nested["x"]
    assert any("nests deeper than 64" in p for p in problems_of(deep))
    with pytest.raises(CaseFormatError, match="UTF-8"):
        load_json(b"\xff\xfe{}")


def test_parse_package_bytes() -> None:
    """Bytes of a valid package parse."""
    package = parse_package_bytes(json.dumps(minimal()).encode())
    assert package.document.title == "Portrait of a Graduate"


def test_unpaired_surrogates_are_refused() -> None:
    """An escaped pair is an astral character; a lone escaped surrogate is refused."""
    assert load_json('{"t": "\\ud835\\udc51"}') == {"t": "𝑑"}
    with pytest.raises(CaseFormatError, match="surrogate"):
        load_json('{"t": "\\udc51 alone"}')
