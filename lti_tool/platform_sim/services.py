"""The platform's LTI Advantage services: token endpoint, AGS and NRPS, with each LMS's quirks.

Spec: https://www.imsglobal.org/spec/lti-ags/v2p0 (line items, results, scores) and
https://www.imsglobal.org/spec/lti-nrps/v2p0 (memberships). Quirks, as the real platforms
behave (research: lti.md §4-5, moodle.md):

- Canvas pages with `limit` (default 10, at most 50) and `page`, and sends several links
  (`rel="current"`, `"next"`, `"first"`, `"last"`); a score older than the last is a 400; a
  score for a non-student is a 422; deleting a line item coupled to a resource link is a 401.
- Moodle's URLs carry `?type_id=N` (services live before the query string), it pages with
  `limit` and `from` and writes `rel=“next”` with typographic quotes (as UTF-8 bytes, which
  HTTP clients read as Latin-1), lists results only for users with a grade, answers 409 to an
  older score, and a service switched off for the tool answers 401.
- Every service checks the bearer token and its scope, honours the throttling and latency
  knobs of the store, and logs what it was sent.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, request

from lti_tool.platform_sim.store import SimCourse, SimStore
from lti_tool.platform_sim.tokens import (
    JwksUnreachable,
    TokenError,
    check_bearer,
    grant,
)
from lti_tool.platform_sim.web import endpoints, store

bp = Blueprint("sim_services", __name__)

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS + "lineitem"
SCOPE_LINEITEM_READ = AGS + "lineitem.readonly"
SCOPE_RESULT = AGS + "result.readonly"
SCOPE_SCORE = AGS + "score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
REQUEST_LOG_SIZE = 500


# --- URLs, per product ---------------------------------------------------------------------


def _type_id(sim: SimStore, client_id: str) -> str:
    """Moodle's tool type id of a tool (its deployment id)."""
    return sim.tools[client_id].deployment_ids[0]


def lineitems_url(sim: SimStore, course_id: str, client_id: str) -> str:
    """The line-item container URL a launch hands to the tool."""
    if sim.product == "moodle":
        return sim.url(
            f"/mod/lti/services.php/{course_id}/lineitems?type_id={_type_id(sim, client_id)}"
        )
    return sim.url(f"/api/lti/courses/{course_id}/line_items")


def lineitem_url(sim: SimStore, item: dict[str, Any], suffix: str = "") -> str:
    """A line item's URL (its id), or one of its services (`/results`, `/scores`)."""
    course, ident = item["course_id"], item["id"]
    if sim.product == "moodle":
        type_id = _type_id(sim, item["client_id"])
        return sim.url(
            f"/mod/lti/services.php/{course}/lineitems/{ident}/lineitem{suffix}?type_id={type_id}"
        )
    return sim.url(f"/api/lti/courses/{course}/line_items/{ident}{suffix}")


def memberships_url(sim: SimStore, course_id: str, client_id: str) -> str:
    """The NRPS context memberships URL."""
    if sim.product == "moodle":
        return sim.url(
            f"/mod/lti/services.php/CourseSection/{course_id}/bindings/"
            f"{_type_id(sim, client_id)}/memberships"
        )
    return sim.url(f"/api/lti/courses/{course_id}/names_and_roles")


# --- the token endpoint --------------------------------------------------------------------


@bp.post("/token")
@bp.post("/login/oauth2/token")
@bp.post("/mod/lti/token.php")
def token() -> Any:
    """Issue an access token for a tool's signed client assertion (RFC 6749 §4.4, §5)."""
    sim = store()
    form = {k: v for k, v in request.form.items()}
    try:
        issued = grant(sim, form, endpoints(sim)["token"])
    except JwksUnreachable:
        if sim.product == "moodle":
            # What Moodle does when its outgoing HTTP security blocks the tool's JWKS URL.
            return Response("<html><body><h1>Not found</h1></body></html>", 404)
        resp = jsonify(error="invalid_client", error_description="the tool's JWKS is unreachable")
        resp.status_code = 401
        return _no_store(resp)
    except TokenError as exc:
        resp = jsonify(error=exc.error, error_description=exc.description)
        resp.status_code = exc.status
        return _no_store(resp)
    return _no_store(
        jsonify(
            access_token=issued.access_token,
            token_type="Bearer",  # noqa: S106 - the OAuth2 token type, not a secret
            expires_in=issued.expires_in,
            scope=" ".join(issued.scopes),
        )
    )


def _no_store(resp: Response) -> Response:
    """Token answers are never cached (RFC 6749 §5.1)."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    return resp


# --- service plumbing ----------------------------------------------------------------------


def _log_request(sim: SimStore) -> None:
    """Remember what a service request carried, for tests to inspect."""
    entry = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode(),
        "accept": request.headers.get("Accept", ""),
        "content_type": request.headers.get("Content-Type", ""),
        "user_agent": request.headers.get("User-Agent", ""),
        "authorization": bool(request.headers.get("Authorization")),
        "time": time.time(),
    }
    with sim.lock:
        sim.service_requests += 1
        sim.request_log.append(entry)
        if len(sim.request_log) > REQUEST_LOG_SIZE:
            del sim.request_log[: len(sim.request_log) - REQUEST_LOG_SIZE]


def _guard(sim: SimStore, service: str, scopes: tuple[str, ...]) -> dict[str, Any]:
    """Throttling, switched-off services, the bearer token and its scope; the token record."""
    _log_request(sim)
    with sim.lock:
        throttled = sim.throttle_next > 0
        if throttled:
            sim.throttle_next -= 1
    if throttled:
        resp = jsonify(errors=[{"message": "Rate Limit Exceeded"}])
        resp.status_code = 429
        resp.headers["Retry-After"] = str(sim.retry_after)
        abort(resp)
    if service in sim.disabled_services:
        abort(Response("This service is not enabled for this tool.", 401))
    record = check_bearer(sim, request.headers.get("Authorization", ""))
    if record is None:
        resp = jsonify(error="invalid_token", error_description="missing, unknown or expired")
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        abort(resp)
    if not set(scopes) & set(record["scopes"]):
        resp = jsonify(error="insufficient_scope", error_description=" or ".join(scopes))
        resp.status_code = 403 if sim.product != "canvas" else 401
        resp.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
        abort(resp)
    return record


def _course_for(sim: SimStore, course_id: str, client_id: str) -> SimCourse:
    """The course, and (Moodle) the type_id in the URL must be the tool's."""
    course = sim.courses.get(course_id)
    if course is None:
        abort(_error(404, "no such course"))
    if sim.product == "moodle" and request.args.get("type_id") != _type_id(sim, client_id):
        abort(_error(400, "type_id is missing or is not this tool's"))
    return course


def _error(status: int, message: str) -> Response:
    """A JSON error answer."""
    resp = jsonify(error={"code": status, "message": message})
    resp.status_code = status
    return resp


def _json(data: Any, media_type: str, status: int = 200) -> Response:
    """A JSON answer with an LTI media type."""
    return Response(json.dumps(data), status=status, mimetype=media_type)


def _page_size(sim: SimStore) -> tuple[int | None, int]:
    """The asked page size, capped as the product caps it; None means everything."""
    cap = sim.page_size or (50 if sim.product != "moodle" else 1000)
    raw = request.args.get("limit") or request.args.get("per_page")
    if raw is None:
        if sim.product == "moodle" and not sim.page_size:
            return None, cap
        return min(10, cap), cap
    try:
        limit = int(raw)
    except ValueError:
        abort(_error(400, "limit must be a number"))
    return max(1, min(limit, cap)), cap


def _paginate(sim: SimStore, items: list[Any], base_url: str) -> tuple[list[Any], str | None]:
    """One page of `items` and the Link header for it, in the product's style."""
    limit, _ = _page_size(sim)
    if limit is None:
        return items, None
    paging = ("limit", "per_page", "page", "from")
    extra = {k: v for k, v in request.args.items() if k not in paging}
    sep = "&" if "?" in base_url else "?"
    if sim.product == "moodle":
        start = _int_arg("from", 0)
        page = items[start : start + limit]
        if start + limit < len(items):
            query = urlencode({**_without_type_id(extra), "limit": limit, "from": start + limit})
            # Moodle writes typographic quotes; PHP sends them as UTF-8 bytes.
            value = f"<{base_url}{sep}{query}>; rel=\u201cnext\u201d"
            return page, value.encode("utf-8").decode("latin-1")
        return page, None
    number = max(1, _int_arg("page", 1))
    last = max(1, -(-len(items) // limit))
    page = items[(number - 1) * limit : number * limit]

    def link(n: int, rel: str) -> str:
        return f'<{base_url}{sep}{urlencode({**extra, "page": n, "per_page": limit})}>; rel="{rel}"'

    links = [link(number, "current")]
    if number < last:
        links.append(link(number + 1, "next"))
    if number > 1:
        links.append(link(number - 1, "prev"))
    links += [link(1, "first"), link(last, "last")]
    return page, ",".join(links)


def _without_type_id(args: dict[str, str]) -> dict[str, str]:
    """Query arguments other than type_id (already part of Moodle's base URL)."""
    return {k: v for k, v in args.items() if k != "type_id"}


def _int_arg(name: str, default: int) -> int:
    """An integer query argument, or 400."""
    try:
        return int(request.args.get(name, default))
    except ValueError:
        abort(_error(400, f"{name} must be a number"))


def _with_link(resp: Response, link: str | None) -> Response:
    """Attach a Link header when there is one."""
    if link:
        resp.headers["Link"] = link
    return resp


# --- line items ----------------------------------------------------------------------------


def _public_item(sim: SimStore, item: dict[str, Any]) -> dict[str, Any]:
    """A line item as AGS shows it."""
    out: dict[str, Any] = {
        "id": lineitem_url(sim, item),
        "label": item["label"],
        "scoreMaximum": item["scoreMaximum"],
    }
    for name in ("resourceId", "tag", "resourceLinkId", "startDateTime", "endDateTime"):
        if item.get(name):
            out[name] = item[name]
    return out


def _item_or_404(sim: SimStore, course_id: str, item_id: str, client_id: str) -> dict[str, Any]:
    """A line item of this course that this tool owns (AGS shows a tool only its own)."""
    item = sim.lineitems.get(item_id)
    if item is None or item["course_id"] != course_id or item["client_id"] != client_id:
        abort(_error(404, "no such line item"))
    return item


def _item_fields(body: Any, partial: bool = False) -> dict[str, Any]:
    """The writable fields of a line item from a request body, checked."""
    if not isinstance(body, dict):
        abort(_error(400, "the body must be a JSON object"))
    fields: dict[str, Any] = {}
    if "label" in body or not partial:
        label = body.get("label")
        if not isinstance(label, str) or not label.strip():
            abort(_error(400, "label is required"))
        fields["label"] = label.strip()
    if "scoreMaximum" in body or not partial:
        maximum = body.get("scoreMaximum")
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            abort(_error(400, "scoreMaximum must be a number greater than 0"))
        fields["scoreMaximum"] = maximum
    for name in ("resourceId", "tag", "resourceLinkId", "startDateTime", "endDateTime"):
        if name in body:
            if body[name] is not None and not isinstance(body[name], str):
                abort(_error(400, f"{name} must be a string"))
            fields[name] = body[name]
    return fields


def create_lineitem(
    sim: SimStore, course_id: str, client_id: str, fields: dict[str, Any], coupled: bool = False
) -> dict[str, Any]:
    """Add a line item to a course's gradebook for a tool (an AGS POST or a deep link)."""
    item = {
        "id": sim.new_id(),
        "course_id": course_id,
        "client_id": client_id,
        "coupled": coupled,
        "created": time.time(),
        **fields,
    }
    with sim.lock:
        sim.lineitems[item["id"]] = item
        sim.scores.setdefault(item["id"], [])
        sim.save()
    return item


@bp.route("/api/lti/courses/<course_id>/line_items", methods=["GET", "POST"])
@bp.route("/mod/lti/services.php/<course_id>/lineitems", methods=["GET", "POST"])
def lineitems(course_id: str) -> Any:
    """List (paginated, filtered) or create the tool's line items in a course."""
    sim = store()
    if request.method == "POST":
        record = _guard(sim, "ags", (SCOPE_LINEITEM,))
        client_id = record["client_id"]
        _course_for(sim, course_id, client_id)
        _require_type(LINEITEM_TYPE, "application/json")
        fields = _item_fields(request.get_json(silent=True, force=True))
        link_id = fields.get("resourceLinkId")
        if link_id and sim.resource_links.get(link_id, {}).get("course_id") != course_id:
            return _error(400, "resourceLinkId is not a resource link of this course")
        item = create_lineitem(sim, course_id, client_id, fields)
        status = 200 if sim.product == "canvas" else 201
        return _json(_public_item(sim, item), LINEITEM_TYPE, status)
    record = _guard(sim, "ags", (SCOPE_LINEITEM, SCOPE_LINEITEM_READ))
    client_id = record["client_id"]
    _course_for(sim, course_id, client_id)
    filters = {
        "resourceLinkId": request.args.get("resource_link_id"),
        "resourceId": request.args.get("resource_id"),
        "tag": request.args.get("tag"),
    }
    items = [
        _public_item(sim, item)
        for item in sorted(sim.lineitems.values(), key=lambda i: int(i["id"]))
        if item["course_id"] == course_id
        and item["client_id"] == client_id
        and all(item.get(k) == v for k, v in filters.items() if v is not None)
    ]
    page, link = _paginate(sim, items, lineitems_url(sim, course_id, client_id))
    return _with_link(_json(page, CONTAINER_TYPE), link)


@bp.route("/api/lti/courses/<course_id>/line_items/<item_id>", methods=["GET", "PUT", "DELETE"])
@bp.route(
    "/mod/lti/services.php/<course_id>/lineitems/<item_id>/lineitem",
    methods=["GET", "PUT", "DELETE"],
)
def lineitem(course_id: str, item_id: str) -> Any:
    """Read, update or delete one line item."""
    sim = store()
    scopes = (SCOPE_LINEITEM,) if request.method != "GET" else (SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
    client_id = _guard(sim, "ags", scopes)["client_id"]
    _course_for(sim, course_id, client_id)
    item = _item_or_404(sim, course_id, item_id, client_id)
    if request.method == "PUT":
        _require_type(LINEITEM_TYPE, "application/json")
        fields = _item_fields(request.get_json(silent=True, force=True), partial=True)
        with sim.lock:
            item.update(fields)
            sim.save()
    elif request.method == "DELETE":
        if sim.product == "canvas" and item.get("coupled"):
            return _error(401, "a line item coupled to an assignment cannot be deleted")
        with sim.lock:
            del sim.lineitems[item_id]
            sim.scores.pop(item_id, None)
            sim.save()
        return Response(status=204)
    return _json(_public_item(sim, item), LINEITEM_TYPE)


def _require_type(*accepted: str) -> None:
    """415 (Moodle: 400) unless the body's Content-Type is one of `accepted`."""
    sent = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if sent not in accepted:
        status = 400 if store().product == "moodle" else 415
        abort(_error(status, f"Content-Type must be {accepted[0]}"))


# --- results and scores --------------------------------------------------------------------


def latest_scores(sim: SimStore, item_id: str) -> dict[str, dict[str, Any]]:
    """Each user's latest score record on a line item."""
    latest: dict[str, dict[str, Any]] = {}
    for record in sim.scores.get(item_id, []):
        latest[record["userId"]] = record
    return latest


def _result(
    sim: SimStore,
    item: dict[str, Any],
    user_id: str,
    record: dict[str, Any] | None,
    urls: tuple[str, str, str],
) -> dict[str, Any]:
    """A result as AGS shows it; an empty grade has no resultScore.

    `urls` are the line item's URL, its results URL and (Canvas) the results path prefix,
    computed once per page rather than once per row.
    """
    item_url, results_url, prefix = urls
    if sim.product == "moodle":
        ident = results_url + "&" + urlencode({"user_id": user_id})
    else:
        ident = f"{prefix}/{user_id}"
    out: dict[str, Any] = {"id": ident, "scoreOf": item_url, "userId": user_id}
    if record is not None and record.get("scoreGiven") is not None:
        given, maximum = record["scoreGiven"], record.get("scoreMaximum") or item["scoreMaximum"]
        out["resultScore"] = round(given * item["scoreMaximum"] / maximum, 6)
        out["resultMaximum"] = item["scoreMaximum"]
    if record is not None and record.get("comment"):
        out["comment"] = record["comment"]
    if record is not None:
        out["timestamp"] = record["timestamp"]
    return out


def learners(course: SimCourse) -> list[str]:
    """The course's learners, in enrolment order."""
    return [uid for uid, roles in course.members.items() if LEARNER in roles]


@bp.get("/api/lti/courses/<course_id>/line_items/<item_id>/results")
@bp.get("/mod/lti/services.php/<course_id>/lineitems/<item_id>/lineitem/results")
def results(course_id: str, item_id: str) -> Any:
    """A line item's results: Canvas lists every learner, Moodle only those with a grade."""
    sim = store()
    client_id = _guard(sim, "ags", (SCOPE_RESULT,))["client_id"]
    course = _course_for(sim, course_id, client_id)
    item = _item_or_404(sim, course_id, item_id, client_id)
    latest = latest_scores(sim, item_id)
    if sim.product == "moodle":
        users = [u for u, r in latest.items() if r.get("scoreGiven") is not None]
    else:
        users = learners(course) + [u for u in latest if u not in course.members]
    wanted = request.args.get("user_id")
    if wanted is not None:
        users = [u for u in users if u == wanted]
    # Page the users first: only one page of results is ever built.
    results_url = lineitem_url(sim, item, "/results")
    page_users, link = _paginate(sim, users, results_url)
    urls = (lineitem_url(sim, item), results_url, results_url.split("?")[0])
    rows = [_result(sim, item, u, latest.get(u), urls) for u in page_users]
    return _with_link(_json(rows, RESULTS_TYPE), link)


class ScoreRefused(Exception):
    """A score the platform will not take, with the status it answers."""

    def __init__(self, status: int, message: str) -> None:
        """Keep status and message."""
        super().__init__(message)
        self.status = status
        self.message = message


def _parse_time(value: Any) -> datetime:
    """An ISO 8601 timestamp with a zone."""
    if not isinstance(value, str):
        raise ScoreRefused(400, "timestamp is required")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ScoreRefused(400, "timestamp must be ISO 8601") from None
    if parsed.tzinfo is None:
        raise ScoreRefused(400, "timestamp must carry a time zone")
    return parsed


def record_score(
    sim: SimStore, course: SimCourse, item: dict[str, Any], body: Any, source: str = "tool"
) -> dict[str, Any]:
    """Check a score and append it to the line item's history (ScoreRefused otherwise)."""
    canvas = sim.product == "canvas"
    if not isinstance(body, dict):
        raise ScoreRefused(400, "the body must be a JSON object")
    user_id = body.get("userId")
    if not isinstance(user_id, str) or user_id not in course.members:
        raise ScoreRefused(422 if canvas else 400, "userId is not a member of this course")
    if LEARNER not in course.members[user_id]:
        raise ScoreRefused(422 if canvas else 400, "userId is not a learner in this course")
    if body.get("activityProgress") not in ACTIVITY:
        raise ScoreRefused(400, "activityProgress is missing or unknown")
    if body.get("gradingProgress") not in GRADING:
        raise ScoreRefused(400, "gradingProgress is missing or unknown")
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            raise ScoreRefused(400, "scoreGiven must be a number of at least 0")
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            raise ScoreRefused(422 if canvas else 400, "scoreGiven needs a scoreMaximum above 0")
    stamp = _parse_time(body.get("timestamp"))
    with sim.lock:
        history = sim.scores.setdefault(item["id"], [])
        previous = [r for r in history if r["userId"] == user_id]
        if previous and stamp <= datetime.fromisoformat(previous[-1]["timestamp"]):
            if canvas:
                raise ScoreRefused(400, "Score timestamp not greater than previous")
            raise ScoreRefused(409, "Refusing score with an earlier timestamp")
        record = {
            "userId": user_id,
            "scoreGiven": given,
            "scoreMaximum": maximum,
            "activityProgress": body["activityProgress"],
            "gradingProgress": body["gradingProgress"],
            "comment": body.get("comment") if isinstance(body.get("comment"), str) else None,
            "timestamp": stamp.isoformat(),
            "source": source,
        }
        history.append(record)
        sim.save()
    return record


@bp.post("/api/lti/courses/<course_id>/line_items/<item_id>/scores")
@bp.post("/mod/lti/services.php/<course_id>/lineitems/<item_id>/lineitem/scores")
def scores(course_id: str, item_id: str) -> Any:
    """Take a score: the score media type, a learner, a timestamp later than the last."""
    sim = store()
    client_id = _guard(sim, "ags", (SCOPE_SCORE,))["client_id"]
    course = _course_for(sim, course_id, client_id)
    item = _item_or_404(sim, course_id, item_id, client_id)
    _require_type(SCORE_TYPE)
    try:
        record = record_score(sim, course, item, request.get_json(silent=True, force=True))
    except ScoreRefused as exc:
        return _error(exc.status, exc.message)
    if sim.product == "canvas":
        url = lineitem_url(sim, item, f"/results/{record['userId']}")
        return jsonify(resultUrl=url)
    return Response(status=204)


def set_grade(
    sim: SimStore, item_id: str, user_id: str, score: float | None, comment: str | None = None
) -> dict[str, Any]:
    """A teacher enters (or clears, with None) a grade in the LMS gradebook."""
    item = sim.lineitems[item_id]
    course = sim.courses[item["course_id"]]
    with sim.lock:
        previous = [r for r in sim.scores.get(item_id, []) if r["userId"] == user_id]
        stamp = datetime.now(UTC)
        if previous:
            last = datetime.fromisoformat(previous[-1]["timestamp"])
            stamp = max(stamp, last + timedelta(milliseconds=1))
        body = {
            "userId": user_id,
            "scoreGiven": score,
            "scoreMaximum": item["scoreMaximum"],
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded" if score is not None else "NotReady",
            "comment": comment,
            "timestamp": stamp.isoformat(),
        }
        return record_score(sim, course, item, body, source="teacher")


# --- NRPS ----------------------------------------------------------------------------------


def _short_role(role: str) -> str:
    """Moodle's NRPS gives short role names."""
    return role.removeprefix(MEMBERSHIP)


@bp.get("/api/lti/courses/<course_id>/names_and_roles")
@bp.get("/mod/lti/services.php/CourseSection/<course_id>/bindings/<type_id>/memberships")
def memberships(course_id: str, type_id: str | None = None) -> Any:
    """The course's members with roles and status, paginated."""
    sim = store()
    client_id = _guard(sim, "nrps", (SCOPE_NRPS,))["client_id"]
    course = sim.courses.get(course_id)
    if course is None:
        return _error(404, "no such course")
    if type_id is not None and type_id != _type_id(sim, client_id):
        return _error(400, "this binding is not this tool's")
    role_filter = request.args.get("role")
    members = []
    for uid, roles in course.members.items():
        if role_filter and role_filter not in roles and MEMBERSHIP + role_filter not in roles:
            continue
        user = sim.users[uid]
        member: dict[str, Any] = {
            "status": "Inactive" if uid in course.inactive else "Active",
            "user_id": uid,
            "roles": [_short_role(r) for r in roles] if sim.product == "moodle" else list(roles),
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
        }
        members.append(member)
    url = memberships_url(sim, course_id, client_id)
    page, link = _paginate(sim, members, url)
    body = {
        "id": url,
        "context": {"id": course.id, "label": course.label, "title": course.title},
        "members": page,
    }
    return _with_link(_json(body, MEMBERSHIPS_TYPE), link)
