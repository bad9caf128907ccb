"""The platform side of Deep Linking: the request's settings and the return endpoint.

Spec: https://www.imsglobal.org/spec/lti-dl/v2p0 (§4.4 the response message, §3.4 the line
item of an ltiResourceLink). The return endpoint checks the tool's signed
LtiDeepLinkingResponse as the certification suite does (kid in the tool's key set, iss is
the client_id, aud is the platform, nonce, deployment_id, message type, version, `data`
echoed) and places each resource link, with its line item, in the course.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from flask import Blueprint, abort, render_template, request

from lti_tool.platform_sim.services import create_lineitem
from lti_tool.platform_sim.store import SimCourse, SimStore, SimTool
from lti_tool.platform_sim.tokens import JwksUnreachable, TokenError, verify_tool_jwt
from lti_tool.platform_sim.web import store

bp = Blueprint("sim_deep_linking", __name__, template_folder="templates")

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
REQUEST_TTL = 3600


class DeepLinkRefused(Exception):
    """A deep-linking response the platform will not take."""


def return_url(sim: SimStore, course: SimCourse, tool: SimTool) -> str:
    """Where the tool posts its response: each product's own path."""
    if sim.product == "canvas":
        return sim.url(f"/courses/{course.id}/deep_linking_response")
    if sim.product == "moodle":
        return sim.url(
            f"/mod/lti/contentitem_return.php?course={course.id}&id={tool.deployment_ids[0]}"
        )
    return sim.url(f"/deep_link_return/{course.id}")


def settings_claim(
    sim: SimStore, tool: SimTool, course: SimCourse | None, message: dict[str, Any]
) -> dict[str, Any]:
    """The deep_linking_settings claim of a request; remembers its `data` for the return."""
    data = "dl-" + secrets.token_urlsafe(12)
    with sim.lock:
        now = time.time()
        for key in [k for k, v in sim.deep_link_requests.items() if v["created"] < now - 3600]:
            del sim.deep_link_requests[key]
        sim.deep_link_requests[data] = {
            "client_id": tool.client_id,
            "course_id": course.id if course else None,
            "deployment_id": message["deployment_id"],
            "user_id": message["user_id"],
            "created": now,
        }
    return {
        "deep_link_return_url": return_url(sim, course, tool) if course else sim.url("/"),
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        # Canvas's assignment_selection takes exactly one link.
        "accept_multiple": sim.product != "canvas",
        "accept_lineitem": True,
        "auto_create": True,
        "title": "Add a competency-aligned assignment",
        "data": data,
    }


def accept_response(sim: SimStore, course: SimCourse, token: str) -> list[dict[str, Any]]:
    """Verify a deep-linking response and create its links and line items; what was created."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise DeepLinkRefused("the JWT parameter is not a JWT") from None
    tool = sim.tools.get(str(unverified.get("iss")))
    if tool is None:
        raise DeepLinkRefused("iss is not the client_id of a tool registered here")
    try:
        claims = verify_tool_jwt(tool, token, sim.issuer)
    except (TokenError, JwksUnreachable) as exc:
        raise DeepLinkRefused(f"the response's signature cannot be trusted: {exc}") from None
    if claims.get(LTI + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkRefused("message_type must be LtiDeepLinkingResponse")
    if claims.get(LTI + "version") != "1.3.0":
        raise DeepLinkRefused("version must be 1.3.0")
    if not claims.get("nonce"):
        raise DeepLinkRefused("nonce is required")
    with sim.lock:
        pending = sim.deep_link_requests.pop(str(claims.get(DL + "data")), None)
    if pending is None or pending["client_id"] != tool.client_id:
        raise DeepLinkRefused("data does not echo a deep-linking request of this tool")
    if pending["course_id"] != course.id:
        raise DeepLinkRefused("the response is for another course")
    if claims.get(LTI + "deployment_id") != pending["deployment_id"]:
        raise DeepLinkRefused("deployment_id does not match the request's")
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list):
        raise DeepLinkRefused("content_items must be a list")
    if sim.product == "canvas" and len(items) > 1:
        raise DeepLinkRefused("this placement takes a single link")
    checked = [_check_item(item) for item in items]
    created = []
    for item in checked:
        link_id = "rl-" + sim.new_id()
        link = {
            "id": link_id,
            "course_id": course.id,
            "client_id": tool.client_id,
            "title": item.get("title") or "Untitled",
            "url": item.get("url") or tool.launch_url,
            "custom": item.get("custom") or {},
            "lineitem_id": None,
        }
        line = item.get("lineItem")
        if line is not None:
            fields = {
                "label": line.get("label") or link["title"],
                "scoreMaximum": line["scoreMaximum"],
                "resourceLinkId": link_id,
            }
            for name in ("resourceId", "tag"):
                if isinstance(line.get(name), str):
                    fields[name] = line[name]
            link["lineitem_id"] = create_lineitem(
                sim, course.id, tool.client_id, fields, coupled=True
            )["id"]
        with sim.lock:
            sim.resource_links[link_id] = link
            sim.save()
        created.append(link)
    return created


def _check_item(item: Any) -> dict[str, Any]:
    """One content item: an ltiResourceLink with an optional, valid lineItem."""
    if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
        raise DeepLinkRefused("only ltiResourceLink items are accepted")
    line = item.get("lineItem")
    if line is not None:
        maximum = line.get("scoreMaximum") if isinstance(line, dict) else None
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            raise DeepLinkRefused("lineItem.scoreMaximum must be a number above 0")
    custom = item.get("custom")
    if custom is not None and not isinstance(custom, dict):
        raise DeepLinkRefused("custom must be an object")
    return item


@bp.post("/courses/<course_id>/deep_linking_response")
@bp.post("/mod/lti/contentitem_return.php")
@bp.post("/deep_link_return/<course_id>")
def deep_link_return(course_id: str | None = None) -> Any:
    """The tool's browser posts its signed response here; the course gains the links."""
    sim = store()
    course = sim.courses.get(course_id or request.args.get("course", "")) or abort(404)
    try:
        created = accept_response(sim, course, request.form.get("JWT", ""))
    except DeepLinkRefused as exc:
        page = render_template("sim_deep_link_done.html", sim=sim, course=course, error=str(exc))
        return page, 400
    return render_template("sim_deep_link_done.html", sim=sim, course=course, created=created)
