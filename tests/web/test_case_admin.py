"""Standards screens through real launches: import with a report, browse, export, author."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.case.schema import schema_problems
from lti_tool.db.models.case import CaseDocument, CaseItem
from lti_tool.platform_sim.oidc import INSTITUTION, MEMBERSHIP
from lti_tool.platform_sim.store import SimStore, SimUser
from tests.unit.case.samples import DOC_ID, FRAMEWORK_FILES, ITEM_A, minimal
from tests.web.lti_flow import launch

SBAC_DOK = next(p for p in FRAMEWORK_FILES if "dok" in p.name)
DOK_ID = json.loads(SBAC_DOK.read_text())["CFDocument"]["identifier"]


@pytest.fixture
def product() -> str:
    """These screens behave the same in every LMS; one is enough."""
    return "canvas"


@pytest.fixture
def admin(client: FlaskClient, sim: SimStore) -> str:
    """The launch id of a district administrator."""
    sim.users["a1"] = SimUser("a1", "Ada Admin", "Ada", "Admin", "ada@district.example")
    sim.courses["c1"].members["a1"] = [INSTITUTION + "Administrator", MEMBERSHIP + "Instructor"]
    return launch(client, sim, "a1").ltik


@pytest.fixture
def teacher(client: FlaskClient, sim: SimStore) -> str:
    """The launch id of a teacher."""
    return launch(client, sim, "t1").ltik


def csrf(page: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def upload(client: FlaskClient, ltik: str, data: bytes, name: str = "f.json", **form: str):  # type: ignore[no-untyped-def]
    """Post a file to the import form."""
    page = client.get(f"/standards/?ltik={ltik}").get_data(as_text=True)
    return client.post(
        "/standards/import",
        data={"ltik": ltik, "csrf_token": csrf(page), "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def test_admin_imports_a_file_and_sees_the_report(client: FlaskClient, admin: str) -> None:
    """Upload: the report shows what was created; the framework is listed and browsable."""
    resp = upload(client, admin, SBAC_DOK.read_bytes())
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Imported: " in page and "<th>CFItems</th><td>15</td>" in page
    listing = client.get(f"/standards/?ltik={admin}").get_data(as_text=True)
    assert "Webb" in listing or "Depth" in listing
    tree = client.get(f"/standards/{DOK_ID}?ltik={admin}")
    assert tree.status_code == 200 and 'class="tree"' in tree.get_data(as_text=True)


def test_refused_upload_shows_json_paths_and_stores_nothing(
    client: FlaskClient, admin: str, app: Flask
) -> None:
    """A broken package: 400, the JSON path of each problem, no rows."""
    data = minimal()
    del data["CFItems"][0]["fullStatement"]
    resp = upload(client, admin, json.dumps(data).encode())
    assert resp.status_code == 400
    assert "$.CFItems[0].fullStatement" in resp.get_data(as_text=True)
    with app.extensions["db_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(CaseDocument)) == 0
    assert upload(client, admin, b"{nope").status_code == 400


def test_conflict_is_409_until_replace(client: FlaskClient, admin: str, app: Flask) -> None:
    """A framework authored here, then a file with its identifier: conflict, then replace."""
    page = client.get(f"/standards/?ltik={admin}").get_data(as_text=True)
    client.post(
        "/standards/new",
        data={"ltik": admin, "csrf_token": csrf(page), "title": "PoG", "creator": "District"},
    )
    with app.extensions["db_sessions"]() as session:
        ident = session.scalar(select(CaseDocument.identifier))
    data = minimal()
    data["CFDocument"]["identifier"] = ident
    assert upload(client, admin, json.dumps(data).encode()).status_code == 409
    assert upload(client, admin, json.dumps(data).encode(), replace="1").status_code == 200


def test_url_import_from_a_provider(client: FlaskClient, admin: str) -> None:
    """An admin imports by URL; an unreachable provider gets a plain refusal."""
    from tests.usecases.test_case_fetch import DOK_ID, serve

    page = client.get(f"/standards/?ltik={admin}").get_data(as_text=True)
    with serve() as (base, _):
        resp = client.post(
            "/standards/import",
            data={
                "ltik": admin,
                "csrf_token": csrf(page),
                "url": f"{base}/ims/case/v1p0/CFPackages/{DOK_ID}",
            },
        )
    assert resp.status_code in (200, 302), resp.get_data(as_text=True)
    resp = client.post(
        "/standards/import",
        data={"ltik": admin, "csrf_token": csrf(page), "url": "http://127.0.0.1:9/x"},
    )
    assert resp.status_code == 400 and "Traceback" not in resp.get_data(as_text=True)


def test_teacher_browses_but_cannot_import(client: FlaskClient, admin: str, teacher: str) -> None:
    """Teachers see the list and trees, not the forms; posting is forbidden."""
    upload(client, admin, SBAC_DOK.read_bytes())
    page = client.get(f"/standards/?ltik={teacher}").get_data(as_text=True)
    assert "Import a framework" not in page
    assert client.get(f"/standards/{DOK_ID}?ltik={teacher}").status_code == 200
    resp = client.post("/standards/import", data={"ltik": teacher, "csrf_token": "x"})
    assert resp.status_code == 403


def test_learners_and_strangers_are_kept_out(client: FlaskClient, sim: SimStore) -> None:
    """A learner gets 403; no launch gets 401."""
    learner = launch(client, sim, "l1").ltik
    assert client.get(f"/standards/?ltik={learner}").status_code == 403
    assert client.get("/standards/").status_code == 401


def test_statements_are_escaped_and_search_finds_items(client: FlaskClient, admin: str) -> None:
    """Imported HTML/script is shown as text, never run; search matches code and text."""
    data = minimal()
    data["CFItems"][1]["fullStatement"] = "<script>alert(1)</script> **Speaks** clearly"
    upload(client, admin, json.dumps(data).encode())
    page = client.get(f"/standards/{DOC_ID}?ltik={admin}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>Speaks</strong> clearly" in page  # Markdown renders
    found = client.get(f"/standards/{DOC_ID}?ltik={admin}&q=speaks").get_data(as_text=True)
    assert "1 matching items" in found
    none = client.get(f"/standards/{DOC_ID}?ltik={admin}&q=zzz").get_data(as_text=True)
    assert "0 matching items" in none


def test_item_page_lists_its_associations(client: FlaskClient, admin: str) -> None:
    """An item shows associations where it is origin or destination."""
    upload(client, admin, json.dumps(minimal()).encode())
    page = client.get(f"/standards/items/{ITEM_A}?ltik={admin}").get_data(as_text=True)
    assert page.count("isChildOf") == 2
    assert client.get(f"/standards/items/{DOC_ID}?ltik={admin}").status_code == 404


def test_export_buttons_download_valid_packages(client: FlaskClient, admin: str) -> None:
    """Download as 1.1 (schema-valid) and 1.0; an unknown version or framework is refused."""
    upload(client, admin, SBAC_DOK.read_bytes())
    resp = client.get(f"/standards/{DOK_ID}/export?ltik={admin}&version=1.1")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert schema_problems(json.loads(resp.get_data())) == []
    one = client.get(f"/standards/{DOK_ID}/export?ltik={admin}&version=1.0")
    assert "caseVersion" not in json.loads(one.get_data())["CFDocument"]
    assert client.get(f"/standards/{DOK_ID}/export?ltik={admin}&version=9").status_code == 400
    assert client.get(f"/standards/{DOC_ID}/export?ltik={admin}").status_code == 404


def test_author_a_portrait_of_a_graduate_with_a_crosswalk(
    client: FlaskClient, admin: str, app: Flask
) -> None:
    """Create a framework, add a skill and a level under it, link it to an imported item.

    The framework gets UUIDs and URIs under the base URL that the provider API serves, and it
    exports as valid CASE 1.1.
    """
    upload(client, admin, SBAC_DOK.read_bytes())
    page = client.get(f"/standards/?ltik={admin}").get_data(as_text=True)
    token = csrf(page)
    resp = client.post(
        "/standards/new",
        data={"ltik": admin, "csrf_token": token, "title": "Portrait of a Graduate",
              "creator": "Springfield District"},
    )  # fmt: skip
    assert resp.status_code == 303
    doc_id = resp.headers["Location"].split("/standards/")[1].split("?")[0]
    post = {"ltik": admin, "csrf_token": token}
    client.post(
        f"/standards/{doc_id}/items", data={**post, "statement": "Communication", "code": "COM"}
    )
    with app.extensions["db_sessions"]() as session:
        com = session.scalar(
            select(CaseItem.identifier).where(CaseItem.human_coding_scheme == "COM")
        )
        dok = session.scalar(
            select(CaseItem.identifier).where(CaseItem.human_coding_scheme != "COM").limit(1)
        )
    client.post(
        f"/standards/{doc_id}/items",
        data={**post, "statement": "Explains ideas to an audience", "code": "COM.1",
              "parent": com, "item_type": "Level"},
    )  # fmt: skip
    resp = client.post(
        f"/standards/{doc_id}/associations",
        data={**post, "origin": com, "kind": "isRelatedTo", "destination": dok},
    )
    assert resp.status_code == 303
    tree = client.get(f"/standards/{doc_id}?ltik={admin}").get_data(as_text=True)
    assert tree.index("COM</strong>") < tree.index("COM.1</strong>")
    package = json.loads(client.get(f"/standards/{doc_id}/export?ltik={admin}").get_data())
    assert schema_problems(package) == []
    assert (
        package["CFDocument"]["uri"]
        == f"https://tool.example.edu/ims/case/v1p1/CFDocuments/{doc_id}"
    )
    kinds = sorted(a["associationType"] for a in package["CFAssociations"])
    assert kinds == ["isChildOf", "isChildOf", "isRelatedTo"]
    item_uri = next(i["uri"] for i in package["CFItems"] if i["humanCodingScheme"] == "COM")
    served = client.get(item_uri.removeprefix("https://tool.example.edu"))
    assert served.status_code == 200 and served.get_json()["humanCodingScheme"] == "COM"
    bad = client.post(
        f"/standards/{doc_id}/associations",
        data={**post, "origin": com, "kind": "isChildOf", "destination": dok},
    )
    assert bad.status_code == 400
    imported = client.post(f"/standards/{DOK_ID}/items", data={**post, "statement": "x"})
    assert imported.status_code == 400 and "change it at its source" in imported.get_data(
        as_text=True
    )


def test_forms_need_the_csrf_token(client: FlaskClient, admin: str) -> None:
    """A post without the launch's CSRF token is refused."""
    resp = client.post("/standards/new", data={"ltik": admin, "title": "x", "creator": "y"})
    assert resp.status_code == 400


def test_oversize_and_deeply_nested_uploads_are_refused(
    client: FlaskClient, admin: str, app: Flask
) -> None:
    """Over the upload limit: 413 with a sentence; JSON nested too deep: 400; nothing stored."""
    page = client.get(f"/standards/?ltik={admin}").get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    resp = client.post(
        "/standards/import",
        data={"ltik": admin, "csrf_token": csrf(page), "file": (io.BytesIO(b" " * 8192), "x.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]
    deep = upload(client, admin, b"[" * 50_000 + b"]" * 50_000)
    assert deep.status_code == 400 and "nests" in deep.get_data(as_text=True)
    with app.extensions["db_sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(CaseDocument)) == 0


def test_admin_makes_a_framework_private_and_public(client: FlaskClient, admin: str) -> None:
    """The visibility button hides a framework from anonymous API readers and back."""
    upload(client, admin, SBAC_DOK.read_bytes())
    page = client.get(f"/standards/{DOK_ID}?ltik={admin}").get_data(as_text=True)
    post = {"ltik": admin, "csrf_token": csrf(page)}
    assert (
        client.post(f"/standards/{DOK_ID}/visibility", data={**post, "private": "1"}).status_code
        == 303
    )
    assert client.get(f"/ims/case/v1p1/CFDocuments/{DOK_ID}").status_code == 401
    client.post(f"/standards/{DOK_ID}/visibility", data={**post, "private": "0"})
    assert client.get(f"/ims/case/v1p1/CFDocuments/{DOK_ID}").status_code == 200
    missing = client.post(f"/standards/{DOC_ID}/visibility", data={**post, "private": "1"})
    assert missing.status_code == 404


def test_a_spreadsheet_round_trip_through_the_admin_screen(client: FlaskClient, admin: str) -> None:
    """Download a framework as a workbook; uploading that workbook changes no item."""
    upload(client, admin, SBAC_DOK.read_bytes())
    sheet = client.get(f"/standards/{DOK_ID}/export?ltik={admin}&version=xlsx")
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"
    assert "spreadsheetml" in sheet.headers["Content-Type"]
    again = upload(client, admin, sheet.data, name="framework.xlsx", replace="1")
    text = again.get_data(as_text=True)
    assert again.status_code == 200, text[:500]
    assert "Traceback" not in text
