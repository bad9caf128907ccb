"""Standards screens: admins import, author and export frameworks; admins and teachers browse.

Every page is reached from a launch (the `ltik` travels in the URL or form). Statements are
shown as text: imported HTML or script is escaped, never run.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from markupsafe import Markup

from lti_tool.app import db_session
from lti_tool.case.markdown import render_markdown
from lti_tool.case.vocabulary import ASSOCIATION_TYPES_11
from lti_tool.lti.claims import Role
from lti_tool.usecases.case_authoring import (
    CROSSWALK_TYPES,
    AuthoringError,
    add_crosswalk,
    add_item,
    create_framework,
)
from lti_tool.usecases.case_fetch import CaseFetchError, fetch_case_package
from lti_tool.usecases.case_frameworks import (
    FrameworkNotFound,
    browse,
    export_framework,
    item_detail,
    set_private,
    summaries,
)
from lti_tool.usecases.case_import import ImportRefused, import_package
from lti_tool.usecases.case_sources import load_upload
from lti_tool.web.auth import csrf_token, current_launch, launch_url, requires

bp = Blueprint("case_admin", __name__, url_prefix="/standards")

STAFF = (Role.ADMINISTRATOR, Role.INSTRUCTOR)


@bp.app_template_filter("case_markdown")
def case_markdown(text: str) -> Markup:
    """A statement's Markdown as safe HTML (everything imported is escaped first)."""
    return Markup(render_markdown(str(text)))  # noqa: S704 - render_markdown escapes its input


def _render(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    launch = current_launch()
    return (
        render_template(
            template,
            launch=launch,
            csrf_token=csrf_token(launch),
            is_admin=launch.role == Role.ADMINISTRATOR,
            launch_url=launch_url,
            **context,
        ),
        status,
    )


@bp.get("/")
@requires(*STAFF)
def index() -> tuple[str, int]:
    """Stored frameworks; for admins, the import and new-framework forms."""
    return _render("case_index.html", frameworks=summaries(db_session()))


@bp.post("/import")
@requires(Role.ADMINISTRATOR)
def import_() -> tuple[str, int]:
    """Import an uploaded CASE JSON file or a provider URL, all or nothing, and report."""
    session = db_session()
    upload = request.files.get("file")
    url = (request.form.get("url") or "").strip()
    resolution = "replace" if request.form.get("replace") else None
    try:
        if upload and upload.filename:
            limit = current_app.config["MAX_UPLOAD_BYTES"]
            raw = load_upload(
                upload.filename,
                upload.read(limit + 1),
                max_bytes=limit,
                base_url=current_app.config["BASE_URL"],
            )
            source = "file"
        elif url:
            raw = fetch_case_package(url, request.form.get("token") or None)
            source = url
        else:
            return _render("case_report.html", 400, error="Choose a file or give a URL.")
        report = import_package(session, raw, source, resolution=resolution)
        session.commit()
    except ImportRefused as exc:
        session.rollback()
        status = 409 if exc.conflict else 400
        return _render("case_report.html", status, problems=exc.problems, conflict=exc.conflict)
    except CaseFetchError as exc:
        return _render("case_report.html", 400, error=str(exc))
    return _render("case_report.html", report=report)


@bp.post("/new")
@requires(Role.ADMINISTRATOR)
def new() -> Response | tuple[str, int]:
    """Create a framework authored here (e.g. a Portrait of a Graduate)."""
    session = db_session()
    try:
        ident = create_framework(
            session,
            current_app.config["BASE_URL"],
            request.form.get("title", ""),
            request.form.get("creator", ""),
            request.form.get("description", ""),
        )
    except (AuthoringError, ImportRefused) as exc:
        return _render("case_report.html", 400, error=str(exc))
    session.commit()
    return redirect(launch_url("case_admin.framework", doc_id=ident), 303)


@bp.get("/<doc_id>")
@requires(*STAFF)
def framework(doc_id: str) -> tuple[str, int]:
    """A framework as a tree, with search, export and (authored, admin) editing."""
    try:
        view = browse(db_session(), doc_id, request.args.get("q", ""))
    except FrameworkNotFound as exc:
        abort(404, description=str(exc))
    return _render(
        "case_framework.html", view=view, q=request.args.get("q", ""), crosswalks=CROSSWALK_TYPES
    )


@bp.get("/<doc_id>/export")
@requires(*STAFF)
def export(doc_id: str) -> Response:
    """Download the framework as a CASE 1.1 or 1.0 JSON package, or an OpenSALT workbook."""
    version = request.args.get("version", "1.1")
    if version not in ("1.0", "1.1", "xlsx"):
        abort(400, description="Choose CASE version 1.0 or 1.1, or a spreadsheet.")
    try:
        package = export_framework(db_session(), doc_id, "1.1" if version == "xlsx" else version)
    except FrameworkNotFound as exc:
        abort(404, description=str(exc))
    if version == "xlsx":
        from lti_tool.case.opensalt import package_to_xlsx

        name = f"framework-{package['CFDocument']['identifier']}.xlsx"
        return Response(
            package_to_xlsx(package),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    name = f"case-{version}-{package['CFDocument']['identifier']}.json"
    return Response(
        json.dumps(package, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/<doc_id>/visibility")
@requires(Role.ADMINISTRATOR)
def visibility(doc_id: str) -> Response:
    """Make a framework private (token holders only) or public on the provider API."""
    try:
        set_private(db_session(), doc_id, request.form.get("private") == "1")
    except FrameworkNotFound as exc:
        abort(404, description=str(exc))
    db_session().commit()
    return redirect(launch_url("case_admin.framework", doc_id=doc_id), 303)


@bp.post("/<doc_id>/items")
@requires(Role.ADMINISTRATOR)
def new_item(doc_id: str) -> Response | tuple[str, int]:
    """Add an item to a framework authored here."""
    session = db_session()
    form = request.form
    try:
        add_item(
            session,
            current_app.config["BASE_URL"],
            doc_id,
            form.get("statement", ""),
            form.get("code", ""),
            form.get("parent", ""),
            form.get("item_type", ""),
        )
    except (AuthoringError, ImportRefused) as exc:
        return _render("case_report.html", 400, error=str(exc))
    session.commit()
    return redirect(launch_url("case_admin.framework", doc_id=doc_id), 303)


@bp.post("/<doc_id>/associations")
@requires(Role.ADMINISTRATOR)
def new_association(doc_id: str) -> Response | tuple[str, int]:
    """Add a crosswalk from an item of a framework authored here to any stored item."""
    session = db_session()
    form = request.form
    try:
        add_crosswalk(
            session,
            current_app.config["BASE_URL"],
            doc_id,
            form.get("origin", ""),
            form.get("kind", ""),
            form.get("destination", ""),
        )
    except (AuthoringError, ImportRefused) as exc:
        return _render("case_report.html", 400, error=str(exc))
    session.commit()
    return redirect(launch_url("case_admin.framework", doc_id=doc_id), 303)


@bp.get("/items/<item_id>")
@requires(*STAFF)
def item(item_id: str) -> tuple[str, int]:
    """An item with every association it is an end of."""
    try:
        view = item_detail(db_session(), item_id)
    except FrameworkNotFound as exc:
        abort(404, description=str(exc))
    return _render("case_item.html", view=view, known_types=ASSOCIATION_TYPES_11)
