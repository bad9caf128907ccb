"""One place that turns every error into a status code and one page or JSON shape.

The core raises domain exceptions; blueprints register how each maps to a status with
`register_domain_error`. Nothing reaches the user as a traceback or a bare 500 page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# exception class -> (status, short title)
_DOMAIN_ERRORS: dict[type[BaseException], tuple[int, str]] = {}


def register_domain_error(exc_type: type[BaseException], status: int, title: str) -> None:
    """Declare how a domain exception is shown: its HTTP status and a short title."""
    _DOMAIN_ERRORS[exc_type] = (status, title)


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    if request.path.startswith(("/api/", "/ims/", "/sim/api/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, title: str, message: str, **extra: Any) -> Response:
    """Render the one error page, or the one JSON error shape."""
    if wants_json():
        resp = jsonify(error={"status": status, "title": title, "message": message, **extra})
    else:
        resp = Response(
            render_template("error.html", status=status, title=title, message=message, **extra),
            mimetype="text/html",
        )
    resp.status_code = status
    return resp


def _handle_http(exc: HTTPException) -> Response:
    """Werkzeug's HTTP errors, in our shape."""
    status = exc.code or 500
    resp = error_response(status, exc.name, exc.description or exc.name)
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        resp.headers["Allow"] = ", ".join(valid_methods)
    return resp


def _handle_any(exc: Exception) -> Response:
    """Domain errors by their declared status; anything else is logged and shown as a 500 page."""
    for exc_type in type(exc).__mro__:
        if exc_type in _DOMAIN_ERRORS:
            status, title = _DOMAIN_ERRORS[exc_type]
            return error_response(status, title, str(exc))
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(
        500,
        "Something went wrong",
        "The tool hit an unexpected problem. It has been logged; please try again.",
    )


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on an app."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_any)
