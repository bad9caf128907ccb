"""A CASE provider's URLs and answers, read without a server."""

from __future__ import annotations

import json

import pytest

from lti_tool.case.problems import CaseFormatError
from lti_tool.case.provider import (
    ProviderTarget,
    ProviderUrlError,
    parse_documents,
    parse_package,
    resolve_provider_url,
    status_info,
)
from tests.unit.case.formats import DATA

LISTING = json.loads((DATA / "api-responses" / "sbac_getAllCFDocuments_response.json").read_text())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://case.example.org",
            ProviderTarget(
                "documents",
                (
                    "https://case.example.org/ims/case/v1p1/CFDocuments",
                    "https://case.example.org/ims/case/v1p0/CFDocuments",
                ),
            ),
        ),
        (
            "https://host/district/",
            ProviderTarget(
                "documents",
                (
                    "https://host/district/ims/case/v1p1/CFDocuments",
                    "https://host/district/ims/case/v1p0/CFDocuments",
                ),
            ),
        ),
        (
            "https://host/ims/case/v1p0",
            ProviderTarget("documents", ("https://host/ims/case/v1p0/CFDocuments",)),
        ),
        (
            "https://host/ims/case/v1p1/CFDocuments/",
            ProviderTarget("documents", ("https://host/ims/case/v1p1/CFDocuments",)),
        ),
        (
            "https://host/ims/case/v1p1/CFPackages/ABC?x=1",
            ProviderTarget("package", ("https://host/ims/case/v1p1/CFPackages/ABC?x=1",)),
        ),
        (
            "https://host/ims/case/v1p0/CFDocuments/abc",
            ProviderTarget("package", ("https://host/ims/case/v1p0/CFPackages/abc",)),
        ),
    ],
)
def test_resolve_provider_url(url: str, expected: ProviderTarget) -> None:
    assert resolve_provider_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/x",
        "https://",
        "javascript:alert(1)",
        "https://user:pw@host/ims/case/v1p1/CFPackages/x",
        "https://host/ims/case/v1p1/CFItems/x",
    ],
)
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ProviderUrlError):
        resolve_provider_url(url)


def test_listing_gives_package_urls_on_the_listing_host() -> None:
    listing = "https://mirror.example/ims/case/v1p0/CFDocuments"
    documents = parse_documents(LISTING, listing)
    assert len(documents) == 14
    first = documents[0]
    assert first.identifier == "6a3ccfc6-cc76-11e7-8974-cfcd479e782c"
    assert first.title == "English Language Arts Specification: Grade 3 Claim 1 Target 1"
    assert first.creator == "Smarter Balanced_ELA CAT Item Specifications"
    # The listing's CFPackageURI names another host; the tool stays on the one it was given.
    assert (
        first.package_url == f"https://mirror.example/ims/case/v1p0/CFPackages/{first.identifier}"
    )


def test_same_host_cfpackageuri_is_used_as_given() -> None:
    listing = "https://case.smarterbalanced.org/ims/case/v1p0/CFDocuments"
    payload = {
        "CFDocuments": [
            {
                "identifier": "ABC",
                "title": "T",
                "CFPackageURI": {
                    "uri": "https://case.smarterbalanced.org/ims/case/v1p0/CFPackages/ABC?lang=en"
                },
            }
        ]
    }
    [document] = parse_documents(payload, listing)
    assert document.package_url.endswith("/CFPackages/ABC?lang=en")


@pytest.mark.parametrize("payload", [[], {"CFDocuments": "x"}, None, {"imsx_codeMajor": "failure"}])
def test_non_listings_are_refused(payload: object) -> None:
    with pytest.raises(CaseFormatError, match="not a CASE CFDocuments listing"):
        parse_documents(payload, "https://h/ims/case/v1p1/CFDocuments")


def test_package_answers() -> None:
    package = {"CFDocument": {"identifier": "x"}, "CFItems": []}
    assert parse_package(package) is package
    assert parse_package({"CFPackage": package}) is package
    with pytest.raises(CaseFormatError, match="no such thing"):
        parse_package(
            {"imsx_StatusInfo": {"imsx_codeMajor": "failure", "imsx_description": "no such thing"}}
        )
    with pytest.raises(CaseFormatError, match='no "CFDocument"'):
        parse_package({"CFDocument": "x"})


def test_status_info_reads_code_minor() -> None:
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_codeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldValue": "invalid_uuid"}]},
    }
    assert status_info(body) == "invalid_uuid"
    assert status_info({"CFDocument": {}}) is None
