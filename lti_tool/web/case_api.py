"""The CASE provider API: every GET endpoint of the REST binding, at /ims/case/v1p0 and v1p1.

Frameworks are readable anonymously; private ones are refused. Errors are imsx_StatusInfo.
Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST/JSON Binding §2, §3, Appendix B)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from lti_tool.app import cache, db_session
from lti_tool.case.schema import OPENAPI_11
from lti_tool.usecases.case_api_clients import (
    SCOPE,
    TOKEN_TTL_SECONDS,
    InvalidClient,
    issue_token,
    token_is_valid,
)
from lti_tool.usecases.case_provider import CaseProvider, ProviderError

bp = Blueprint("case_api", __name__, url_prefix="/ims/case/<any(v1p0, v1p1):api_version>")

_DEFINITION_ROUTES = (
    "CFItemTypes",
    "CFSubjects",
    "CFConcepts",
    "CFLicenses",
    "CFAssociationGroupings",
)


def status_info(status: int, code_minor: str, description: str) -> Response:
    """An imsx_StatusInfo failure payload with its HTTP status."""
    resp = jsonify(
        imsx_codeMajor="failure",
        imsx_severity="error",
        imsx_description=description,
        imsx_codeMinor={
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    )
    resp.status_code = status
    return resp


@bp.errorhandler(ProviderError)
def _provider_error(exc: ProviderError) -> Response:
    """Every refusal of the provider, as the binding's imsx_StatusInfo."""
    return status_info(exc.status, exc.code_minor, exc.description)


@bp.after_request
def _public_reads(resp: Response) -> Response:
    """Public frameworks may be read by browser-based consumers on other origins."""
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = "X-Total-Count, Link"
    return resp


def _authorised() -> bool:
    """True with a valid bearer token; a token that is sent but not valid is refused (401)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return False
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token_is_valid(cache(), token):
        raise ProviderError(401, "unauthorised_request", "The access token is not valid.")
    return True


def _provider(api_version: str) -> CaseProvider:
    """The provider for this request's version."""
    return CaseProvider(db_session(), api_version, current_app.config["BASE_URL"], _authorised())


@bp.get("/CFDocuments")
def documents(api_version: str) -> Response:
    """All public frameworks, paginated, with X-Total-Count and Link."""
    page = _provider(api_version).documents(request.args)
    resp = jsonify(CFDocuments=page.documents)
    resp.headers["X-Total-Count"] = str(page.total)
    resp.headers["Link"] = _link_header(page.total, page.limit, page.offset)
    return resp


def _link_header(total: int, limit: int, offset: int) -> str:
    """RFC 8288 next/prev/first/last links for a page of CFDocuments."""
    base = request.base_url

    def url(at: int) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
        return f"{base}?{urlencode({**args, 'limit': limit, 'offset': at})}"

    last = max(0, (total - 1) // limit * limit)
    links = [f'<{url(0)}>; rel="first"', f'<{url(last)}>; rel="last"']
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    return ", ".join(links)


@bp.get("/CFDocuments/<sourced_id>")
def document(api_version: str, sourced_id: str) -> Response:
    """One framework's CFDocument."""
    return jsonify(_provider(api_version).document(sourced_id))


@bp.get("/CFPackages/<sourced_id>")
def package(api_version: str, sourced_id: str) -> Response:
    """A whole framework, streamed as it is read.

    The body outlives the request, so it reads through a session of its own, closed when the
    body has been sent (or the client went away).
    """
    authorised = _authorised()
    session = current_app.extensions["db_sessions"]()
    try:
        chunks = CaseProvider(
            session, api_version, current_app.config["BASE_URL"], authorised
        ).package(sourced_id)
    except BaseException:
        session.close()
        raise

    def body() -> Iterator[str]:
        try:
            yield from chunks
        finally:
            session.close()

    return Response(body(), mimetype="application/json")


@bp.get("/CFItems/<sourced_id>")
def item(api_version: str, sourced_id: str) -> Response:
    """One CFItem."""
    return jsonify(_provider(api_version).item(sourced_id))


@bp.get("/CFAssociations/<sourced_id>")
def association(api_version: str, sourced_id: str) -> Response:
    """One CFAssociation."""
    return jsonify(_provider(api_version).association(sourced_id))


@bp.get("/CFItemAssociations/<sourced_id>")
def item_associations(api_version: str, sourced_id: str) -> Response:
    """An item and every association it is the origin or destination of."""
    return jsonify(_provider(api_version).item_associations(sourced_id))


@bp.get("/CFRubrics/<sourced_id>")
def rubric(api_version: str, sourced_id: str) -> Response:
    """One CFRubric with its criteria and levels."""
    return jsonify(_provider(api_version).rubric(sourced_id))


def _definition_view(kind: str) -> Any:
    """A view serving one kind of CFDefinitions member."""

    def view(api_version: str, sourced_id: str) -> Response:
        return jsonify(_provider(api_version).definition(kind, sourced_id))

    view.__name__ = kind.lower()
    view.__doc__ = f"One {kind[:-1]} (a set with those below it, for types/subjects/concepts)."
    return view


for _kind in _DEFINITION_ROUTES:
    bp.add_url_rule(f"/{_kind}/<sourced_id>", view_func=_definition_view(_kind), methods=["GET"])


token_bp = Blueprint("case_token", __name__, url_prefix="/ims/case")


@token_bp.post("/token")
def token() -> Response:
    """OAuth 2.0 client credentials: a bearer token for reading private frameworks.

    Spec: https://www.rfc-editor.org/rfc/rfc6749#section-4.4 (client authenticated by HTTP
    Basic or by client_id/client_secret in the form).
    """
    if request.form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type")
    auth = request.authorization
    client_id = (auth.username if auth else None) or request.form.get("client_id", "")
    secret = (auth.password if auth else None) or request.form.get("client_secret", "")
    session = db_session()
    try:
        access = issue_token(session, cache(), client_id or "", secret or "")
    except InvalidClient:
        resp = _oauth_error(401, "invalid_client")
        resp.headers["WWW-Authenticate"] = 'Basic realm="case"'
        return resp
    resp = jsonify(
        access_token=access,
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=TOKEN_TTL_SECONDS,
        scope=SCOPE,
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _oauth_error(status: int, error: str) -> Response:
    resp = jsonify(error=error)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/discovery/imscasev1p1_openapi3_v1p0.json")
def discovery(api_version: str) -> Response:
    """The OpenAPI 3.0 description the 1.1 binding requires at this path (§2.5)."""
    if api_version != "v1p1":
        raise ProviderError(404, "unknownobject", "Discovery is served for CASE 1.1 only.")
    return send_file(OPENAPI_11, mimetype="application/json", max_age=3600)
