"""The CASE provider API: every endpoint on v1p0 and v1p1, and every error it answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.case.schema import schema_problems
from lti_tool.usecases.case_import import import_package
from tests.unit.case.samples import DOC_ID, FRAMEWORK_FILES, ITEM_A, ITEM_B, minimal, read

COMPEITO = next(p for p in FRAMEWORK_FILES if "compeito" in str(p))
SBAC_ELA = next(p for p in FRAMEWORK_FILES if "sbac_ela" in p.name)
GROUPING = "cccccccc-1111-4222-8333-000000000001"
LICENSE = "cccccccc-1111-4222-8333-000000000002"
CONCEPT = "cccccccc-1111-4222-8333-000000000003"
CONCEPT_CHILD = "cccccccc-1111-4222-8333-000000000004"
PRIVATE_DOC = "9a8b7c6d-1111-4222-8333-777777777777"
VERSIONS = ["v1p0", "v1p1"]


def _defn(ident: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "identifier": ident,
        "uri": f"https://case.example.org/x/{ident}",
        "title": title,
        "lastChangeDateTime": "2024-01-01T00:00:00Z",
        **extra,
    }


def store(app: Flask, *packages: dict[str, Any]) -> None:
    """Import packages and commit, as the CLI would."""
    with app.extensions["db_sessions"]() as session:
        for package in packages:
            import_package(session, package, "file")
        session.commit()


@pytest.fixture
def stored(app: Flask) -> None:
    """The minimal framework with definitions, the rubric sample and a private framework."""
    pog = minimal()
    pog["CFDefinitions"] = {
        "CFAssociationGroupings": [_defn(GROUPING, "Crosswalk")],
        "CFLicenses": [_defn(LICENSE, "CC BY 4.0", licenseText="https://cc.org/by/4.0")],
        "CFConcepts": [
            _defn(CONCEPT, "Speaking", hierarchyCode="1"),
            _defn(CONCEPT_CHILD, "Presenting", hierarchyCode="1.1"),
        ],
    }
    pog["CFAssociations"][1]["CFAssociationGroupingURI"] = {
        "title": "Crosswalk",
        "identifier": GROUPING,
        "uri": "https://case.example.org/g",
    }
    secret = copy.deepcopy(minimal())
    secret["CFDocument"]["identifier"] = PRIVATE_DOC
    secret["CFDocument"]["adoptionStatus"] = "Private Draft"
    secret["CFDocument"]["title"] = "Secret draft"
    secret["CFItems"] = []
    secret["CFAssociations"] = []
    store(app, pog, read(COMPEITO), secret)


def assert_status_info(resp: Any, status: int, code_minor: str) -> None:
    """The response is an imsx_StatusInfo failure with this status and codeMinor."""
    assert resp.status_code == status
    body = resp.get_json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_description"]
    field = body["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldValue"] == code_minor


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_documents_lists_public_frameworks(client: FlaskClient, version: str) -> None:
    """Public frameworks with CFPackageURI, a total and links; private ones are not listed."""
    resp = client.get(f"/ims/case/{version}/CFDocuments")
    assert resp.status_code == 200
    docs = resp.get_json()["CFDocuments"]
    assert resp.headers["X-Total-Count"] == "2"
    assert PRIVATE_DOC not in {d["identifier"] for d in docs}
    assert all(
        d["CFPackageURI"]["uri"].endswith(f"/{version}/CFPackages/{d['identifier']}") for d in docs
    )
    assert 'rel="first"' in resp.headers["Link"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.usefixtures("stored")
def test_cf_documents_pagination_sort_filter_fields(client: FlaskClient) -> None:
    """limit/offset with Link next/prev; sort and orderBy; filter operators; fields."""
    base = "/ims/case/v1p1/CFDocuments"
    first = client.get(f"{base}?limit=1&sort=title")
    titles = [d["title"] for d in first.get_json()["CFDocuments"]]
    assert titles == ["Portrait of a Graduate"]
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    second = client.get(f"{base}?limit=1&offset=1&sort=title")
    assert len(second.get_json()["CFDocuments"]) == 1
    assert 'rel="prev"' in second.headers["Link"]
    desc = client.get(f"{base}?sort=title&orderBy=desc").get_json()["CFDocuments"]
    assert [d["title"] for d in desc] == sorted(
        titles + [second.get_json()["CFDocuments"][0]["title"]], key=str.lower, reverse=True
    )
    hit = client.get(f"{base}?filter=title~'portrait'").get_json()["CFDocuments"]
    assert [d["identifier"] for d in hit] == [DOC_ID]
    both = client.get(f"{base}?filter=title='portrait of a graduate' OR creator~'池之端'")
    assert both.headers["X-Total-Count"] == "2"
    none = client.get(f"{base}?filter=title='Portrait of a Graduate' AND creator!='District'")
    assert none.headers["X-Total-Count"] == "0"
    nested = client.get(f"{base}?filter=CFPackageURI.identifier='{DOC_ID}'")
    assert nested.headers["X-Total-Count"] == "1"
    slim = client.get(f"{base}?fields=identifier,title").get_json()["CFDocuments"]
    assert all(set(d) == {"identifier", "title"} for d in slim)
    unknown_sort = client.get(f"{base}?sort=nosuchfield")
    assert unknown_sort.status_code == 200


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-1",
        "limit=ten",
        "offset=-5",
        "fields=",
        "fields=,",
        "filter=nosuch='x'",
        "filter=title",
        "orderBy=sideways",
        "filter=title='a' AND creator='b' OR title='c'",
    ],
)
def test_cf_documents_bad_queries(client: FlaskClient, query: str) -> None:
    """Each malformed query parameter is a 400 invalid_selection_field."""
    resp = client.get(f"/ims/case/v1p1/CFDocuments?{query}")
    assert_status_info(resp, 400, "invalid_selection_field")


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_document(client: FlaskClient, version: str) -> None:
    """One document, found by an upper-case id too."""
    resp = client.get(f"/ims/case/{version}/CFDocuments/{DOC_ID.upper()}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["identifier"] == DOC_ID
    assert ("caseVersion" in body) == (version == "v1p1")


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_package_streams_a_valid_package(client: FlaskClient, version: str) -> None:
    """The package streams; the 1.1 package validates against the official schema."""
    doc_id = read(COMPEITO)["CFDocument"]["identifier"]
    resp = client.get(f"/ims/case/{version}/CFPackages/{doc_id}")
    assert resp.status_code == 200
    assert resp.is_streamed
    body = json.loads(resp.get_data(as_text=True))
    assert len(body["CFItems"]) == 36 and len(body["CFRubrics"]) == 2
    if version == "v1p1":
        assert schema_problems(body) == []
    else:
        assert "caseVersion" not in body["CFDocument"]


@pytest.mark.usefixtures("stored")
def test_cf_package_of_a_larger_framework_streams_in_pieces(
    app: Flask, client: FlaskClient
) -> None:
    """SBAC ELA (164 items) streams and parses whole."""
    store(app, read(SBAC_ELA))
    doc_id = read(SBAC_ELA)["CFDocument"]["identifier"]
    resp = client.get(f"/ims/case/v1p1/CFPackages/{doc_id}")
    body = json.loads(resp.get_data(as_text=True))
    assert len(body["CFItems"]) == 164 and len(body["CFAssociations"]) == 240
    assert schema_problems(body) == []


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_item(client: FlaskClient, version: str) -> None:
    """One item, with the CFDocumentURI of its framework."""
    body = client.get(f"/ims/case/{version}/CFItems/{ITEM_A}").get_json()
    assert body["fullStatement"] == "Communication"
    assert body["CFDocumentURI"]["identifier"] == DOC_ID


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_association(client: FlaskClient, version: str) -> None:
    """One association, with its grouping and framework."""
    ident = minimal()["CFAssociations"][1]["identifier"]
    body = client.get(f"/ims/case/{version}/CFAssociations/{ident}").get_json()
    assert body["associationType"] == "isChildOf"
    assert body["CFAssociationGroupingURI"]["identifier"] == GROUPING
    assert body["CFDocumentURI"]["identifier"] == DOC_ID


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_item_associations_origin_or_destination(client: FlaskClient, version: str) -> None:
    """ITEM_A is the origin of one association and the destination of another."""
    body = client.get(f"/ims/case/{version}/CFItemAssociations/{ITEM_A}").get_json()
    assert body["CFItem"]["identifier"] == ITEM_A
    ends = {
        (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
        for a in body["CFAssociations"]
    }
    assert ends == {(ITEM_A, DOC_ID), (ITEM_B, ITEM_A)}


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_rubric(client: FlaskClient, version: str) -> None:
    """A rubric with its criteria and levels."""
    rubric = read(COMPEITO)["CFRubrics"][0]
    body = client.get(f"/ims/case/{version}/CFRubrics/{rubric['identifier']}").get_json()
    assert len(body["CFRubricCriteria"]) == len(rubric["CFRubricCriteria"])
    assert body["CFRubricCriteria"][0]["CFRubricCriterionLevels"]


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_item_types_and_subjects_are_sets(client: FlaskClient, version: str) -> None:
    """CFItemTypes/{id} and CFSubjects/{id} answer {kind: [...]}."""
    defs = read(COMPEITO)["CFDefinitions"]
    item_type = defs["CFItemTypes"][0]["identifier"]
    body = client.get(f"/ims/case/{version}/CFItemTypes/{item_type}").get_json()
    assert body["CFItemTypes"][0]["identifier"] == item_type
    subject = defs["CFSubjects"][0]["identifier"]
    body = client.get(f"/ims/case/{version}/CFSubjects/{subject}").get_json()
    assert body["CFSubjects"][0]["identifier"] == subject


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_concepts_include_those_below(client: FlaskClient, version: str) -> None:
    """A concept comes with the concepts below it by hierarchyCode."""
    body = client.get(f"/ims/case/{version}/CFConcepts/{CONCEPT}").get_json()
    assert [c["identifier"] for c in body["CFConcepts"]] == [CONCEPT, CONCEPT_CHILD]


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("version", VERSIONS)
def test_cf_licenses_and_groupings_are_single_objects(client: FlaskClient, version: str) -> None:
    """CFLicenses/{id} and CFAssociationGroupings/{id} answer the object itself."""
    lic = client.get(f"/ims/case/{version}/CFLicenses/{LICENSE}").get_json()
    assert lic["licenseText"] == "https://cc.org/by/4.0"
    group = client.get(f"/ims/case/{version}/CFAssociationGroupings/{GROUPING}").get_json()
    assert group["title"] == "Crosswalk"


ENDPOINTS = [
    "CFDocuments", "CFPackages", "CFItems", "CFAssociations", "CFItemAssociations",
    "CFRubrics", "CFItemTypes", "CFSubjects", "CFConcepts", "CFLicenses",
    "CFAssociationGroupings",
]  # fmt: skip


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_identifier_is_unknownobject(
    client: FlaskClient, endpoint: str, version: str
) -> None:
    """A well-formed id nobody has: 404 unknownobject."""
    resp = client.get(f"/ims/case/{version}/{endpoint}/00000000-1111-4222-8333-000000000000")
    assert_status_info(resp, 404, "unknownobject")


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_identifier_is_invalid_uuid(client: FlaskClient, endpoint: str) -> None:
    """An id that is not a UUID: 404 invalid_uuid."""
    resp = client.get(f"/ims/case/v1p1/{endpoint}/not-a-uuid<script>")
    assert_status_info(resp, 404, "invalid_uuid")


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("endpoint", ["CFDocuments", "CFPackages"])
def test_private_framework_is_unauthorised(client: FlaskClient, endpoint: str) -> None:
    """A private framework is refused to an anonymous reader: 401 unauthorised_request."""
    resp = client.get(f"/ims/case/v1p1/{endpoint}/{PRIVATE_DOC}")
    assert_status_info(resp, 401, "unauthorised_request")


def test_discovery_openapi_at_the_mandated_path(client: FlaskClient) -> None:
    """The 1.1 binding's OpenAPI file is served at /ims/case/v1p1/discovery/..."""
    resp = client.get("/ims/case/v1p1/discovery/imscasev1p1_openapi3_v1p0.json")
    assert resp.status_code == 200
    assert "/CFPackages/{sourcedId}" in json.loads(resp.get_data())["paths"]
    resp.close()
    assert_status_info(
        client.get("/ims/case/v1p0/discovery/imscasev1p1_openapi3_v1p0.json"), 404, "unknownobject"
    )


def test_unknown_version_is_not_found(client: FlaskClient) -> None:
    """Only v1p0 and v1p1 exist."""
    assert client.get("/ims/case/v2p0/CFDocuments").status_code == 404


def test_empty_store_lists_nothing(client: FlaskClient) -> None:
    """No frameworks: an empty list and a total of 0."""
    resp = client.get("/ims/case/v1p1/CFDocuments")
    assert resp.get_json() == {"CFDocuments": []}
    assert resp.headers["X-Total-Count"] == "0"


def test_sample_path_exists() -> None:
    """The fixtures' files are where the tests expect."""
    assert Path(COMPEITO).exists() and Path(SBAC_ELA).exists()


@pytest.mark.usefixtures("stored")
def test_cf_package_serves_strict_nodes_as_stored(client: FlaskClient, app: Flask) -> None:
    """Nodes already in 1.1 form stream as stored and still make a schema-valid package."""
    from sqlalchemy import select

    from lti_tool.db.models.case import CaseAssociation, CaseItem

    with app.extensions["db_sessions"]() as session:
        flags = session.scalars(
            select(CaseItem.strict11).where(CaseItem.identifier.in_([ITEM_A, ITEM_B]))
        ).all()
        assert flags == [True, True]
        assert False in session.scalars(select(CaseItem.strict11)).all()  # COMPEITO's extras
        assert True in session.scalars(select(CaseAssociation.strict11)).all()
    body = json.loads(client.get(f"/ims/case/v1p1/CFPackages/{DOC_ID}").get_data(as_text=True))
    assert schema_problems(body) == []
    assert {i["identifier"] for i in body["CFItems"]} == {ITEM_A, ITEM_B}
    assert body["CFAssociations"][1]["CFAssociationGroupingURI"]["identifier"] == GROUPING


def _client(app: Flask) -> tuple[str, str]:
    from lti_tool.usecases.case_api_clients import add_client

    with app.extensions["db_sessions"]() as session:
        creds = add_client(session, "District data warehouse")
        session.commit()
    return creds


@pytest.mark.usefixtures("stored")
def test_private_frameworks_with_a_client_credentials_token(
    client: FlaskClient, app: Flask
) -> None:
    """A registered client gets a bearer token; with it, private frameworks are served."""
    client_id, secret = _client(app)
    resp = client.post(
        "/ims/case/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(client_id, secret)},
    )
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert (
        client.get(f"/ims/case/v1p1/CFDocuments/{PRIVATE_DOC}", headers=bearer).status_code == 200
    )
    listed = client.get("/ims/case/v1p1/CFDocuments", headers=bearer)
    assert listed.headers["X-Total-Count"] == "3"
    package = client.get(f"/ims/case/v1p1/CFPackages/{PRIVATE_DOC}", headers=bearer)
    assert json.loads(package.get_data())["CFDocument"]["identifier"] == PRIVATE_DOC
    form = client.post(
        "/ims/case/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert form.status_code == 200


@pytest.mark.usefixtures("stored")
def test_token_endpoint_refusals(client: FlaskClient, app: Flask) -> None:
    """Wrong secret or unknown client: 401 invalid_client; another grant: 400."""
    client_id, _secret = _client(app)
    wrong = client.post(
        "/ims/case/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(client_id, "guess")},
    )
    assert wrong.status_code == 401 and wrong.get_json() == {"error": "invalid_client"}
    nobody = client.post(
        "/ims/case/token",
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert nobody.status_code == 401
    grant = client.post("/ims/case/token", data={"grant_type": "password"})
    assert grant.status_code == 400 and grant.get_json() == {"error": "unsupported_grant_type"}


@pytest.mark.usefixtures("stored")
def test_a_bad_bearer_token_is_unauthorised(client: FlaskClient) -> None:
    """A token the tool did not issue: 401 unauthorised_request, even for public data."""
    for path in ("CFDocuments", f"CFDocuments/{DOC_ID}", f"CFPackages/{DOC_ID}"):
        resp = client.get(f"/ims/case/v1p1/{path}", headers={"Authorization": "Bearer not-a-token"})
        assert_status_info(resp, 401, "unauthorised_request")
    basic = client.get("/ims/case/v1p1/CFDocuments", headers={"Authorization": "Basic eDp5"})
    assert_status_info(basic, 401, "unauthorised_request")


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
