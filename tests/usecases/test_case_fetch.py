"""Fetching CASE packages and listings from a real (local) HTTP provider."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from lti_tool.usecases.case_fetch import (
    CaseFetchError,
    fetch_case_package,
    list_provider_documents,
)
from tests.servers import free_port
from tests.unit.case.formats import DATA

LISTING = json.loads((DATA / "api-responses" / "sbac_getAllCFDocuments_response.json").read_text())
DOK = json.loads((DATA / "api-responses" / "sbac_getCFPackage_webb_dok_levels.json").read_text())
DOK_ID = DOK["CFDocument"]["identifier"]
TOKEN = "s3cret-token"


def _status(code_minor: str, description: str) -> dict[str, Any]:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code_minor,
                }
            ]
        },
    }


class Provider:
    """A CASE 1.0 provider (like Smarter Balanced's) plus misbehaving endpoints."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(request)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/ims/case/v1p0/CFDocuments":
            docs = LISTING["CFDocuments"]
            limit = int(request.args.get("limit", 100))
            offset = int(request.args.get("offset", 0))
            page = {"CFDocuments": docs[offset : offset + limit]}
            return Response(
                json.dumps(page),
                content_type="application/json",
                headers={"X-Total-Count": str(len(docs))},
            )
        if path == f"/ims/case/v1p0/CFPackages/{DOK_ID}":
            return Response(json.dumps(DOK), content_type="application/json")
        if path == f"/wrapped/ims/case/v1p1/CFPackages/{DOK_ID}":
            return Response(json.dumps({"CFPackage": DOK}), content_type="application/json")
        if path.startswith("/private/ims/case/v1p1/CFPackages/"):
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                body = _status("unauthorised_request", "A bearer token is required")
                return Response(json.dumps(body), 401, content_type="application/json")
            return Response(json.dumps(DOK), content_type="application/json")
        if path == "/redirect/ims/case/v1p0/CFPackages/x":
            return Response("", 302, headers={"Location": f"/ims/case/v1p0/CFPackages/{DOK_ID}"})
        if path == "/loop/ims/case/v1p0/CFPackages/x":
            return Response("", 302, headers={"Location": "/loop/ims/case/v1p0/CFPackages/x"})
        if path == "/html/ims/case/v1p0/CFPackages/x":
            return Response("<html>Sign in</html>", content_type="text/html")
        if path == "/broken/ims/case/v1p0/CFPackages/x":
            body = _status("internal_server_error", "database down")
            return Response(json.dumps(body), 500, content_type="application/json")
        if path == "/huge/ims/case/v1p0/CFPackages/x":
            chunks = (b" " * 65536 for _ in range(64))  # 4 MiB, no Content-Length
            return Response(chunks, content_type="application/json")
        if path == "/declared/ims/case/v1p0/CFPackages/x":
            chunks = (b" " * 65536 for _ in range(32))
            return Response(chunks, headers={"Content-Length": str(32 * 65536)})
        if path == "/deep/ims/case/v1p0/CFPackages/x":
            return Response(b"[" * 200_000 + b"]" * 200_000, content_type="application/json")
        if path == "/notcase/ims/case/v1p0/CFPackages/x":
            return Response(json.dumps({"hello": "world"}), content_type="application/json")
        if path == "/slow/ims/case/v1p0/CFPackages/x":
            time.sleep(1)
            return Response("{}", content_type="application/json")
        body = _status("unknownobject", "No such object")
        return Response(json.dumps(body), 404, content_type="application/json")


@contextmanager
def serve() -> Iterator[tuple[str, Provider]]:
    """The provider on 127.0.0.1 on a free port, in a thread."""
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", provider
    finally:
        server.shutdown()
        server.server_close()


def test_fetches_a_cfpackages_url_as_is() -> None:
    with serve() as (base, provider):
        package = fetch_case_package(f"{base}/ims/case/v1p0/CFPackages/{DOK_ID}")
    assert package == DOK
    request = provider.requests[0]
    assert request.headers["User-Agent"].startswith("lti-tool/")
    assert "Authorization" not in request.headers


def test_a_cfdocuments_url_fetches_that_documents_package() -> None:
    with serve() as (base, _):
        package = fetch_case_package(f"{base}/ims/case/v1p0/CFDocuments/{DOK_ID}")
    assert package["CFDocument"]["identifier"] == DOK_ID


def test_wrapped_package_is_unwrapped() -> None:
    with serve() as (base, _):
        assert fetch_case_package(f"{base}/wrapped/ims/case/v1p1/CFPackages/{DOK_ID}") == DOK


def test_bearer_token_is_sent_and_a_missing_one_is_explained() -> None:
    with serve() as (base, provider):
        url = f"{base}/private/ims/case/v1p1/CFPackages/{DOK_ID}"
        with pytest.raises(CaseFetchError) as exc:
            fetch_case_package(url)
        assert exc.value.status == 401
        assert "needs a token" in str(exc.value)
        assert "A bearer token is required" in str(exc.value)
        with pytest.raises(CaseFetchError, match="refused the token"):
            fetch_case_package(url, "wrong")
        assert fetch_case_package(url, TOKEN) == DOK
    assert provider.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_token_is_never_sent_over_plain_http_to_another_host() -> None:
    # Refused before any connection is tried, so no request leaves the machine.
    with pytest.raises(CaseFetchError, match="plain http"):
        fetch_case_package("http://case.example.org/ims/case/v1p1/CFPackages/x", TOKEN)


def test_redirects_are_followed_a_few_times_only() -> None:
    with serve() as (base, _):
        assert fetch_case_package(f"{base}/redirect/ims/case/v1p0/CFPackages/x") == DOK
        with pytest.raises(CaseFetchError, match="redirects more than"):
            fetch_case_package(f"{base}/loop/ims/case/v1p0/CFPackages/x")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html/ims/case/v1p0/CFPackages/x", r"did not answer with JSON \(Content-Type: text/html"),
        ("/broken/ims/case/v1p0/CFPackages/x", "HTTP 500: the provider failed.*database down"),
        ("/ims/case/v1p0/CFPackages/nope", "HTTP 404: the provider has no such framework"),
        ("/huge/ims/case/v1p0/CFPackages/x", "sent more than 1,000,000 bytes"),
        ("/declared/ims/case/v1p0/CFPackages/x", "sent more than 1,000,000 bytes"),
        ("/deep/ims/case/v1p0/CFPackages/x", "nested too deeply"),
        (
            "/notcase/ims/case/v1p0/CFPackages/x",
            'not a CASE package: the answer has no "CFDocument"',
        ),
    ],
)
def test_bad_answers_get_clear_errors(path: str, message: str) -> None:
    with serve() as (base, _), pytest.raises(CaseFetchError, match=message):
        fetch_case_package(base + path, max_bytes=1_000_000)


def test_a_provider_that_does_not_answer_in_time() -> None:
    with serve() as (base, _), pytest.raises(CaseFetchError, match="did not answer within"):
        fetch_case_package(f"{base}/slow/ims/case/v1p0/CFPackages/x", timeout=0.2)


def test_nothing_listening() -> None:
    url = f"http://127.0.0.1:{free_port()}/ims/case/v1p0/CFPackages/x"
    with pytest.raises(CaseFetchError, match="could not connect to 127.0.0.1"):
        fetch_case_package(url)


def test_tls_failure_is_named() -> None:
    # An https request to a plain-http server fails the TLS handshake.
    with serve() as (base, _):
        url = base.replace("http://", "https://") + f"/ims/case/v1p0/CFPackages/{DOK_ID}"
        with pytest.raises(CaseFetchError, match="TLS connection to 127.0.0.1 failed"):
            fetch_case_package(url, timeout=5)


@pytest.mark.parametrize("url", ["ftp://x/ims/case/v1p0/CFPackages/y", "not a url", ""])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(CaseFetchError, match="not an http"):
        fetch_case_package(url)


def test_a_base_url_is_not_a_package() -> None:
    with pytest.raises(CaseFetchError, match="list its documents"):
        fetch_case_package("https://case.example.org")


def test_listing_falls_back_to_v1p0_and_follows_pages() -> None:
    with serve() as (base, provider):
        documents = list_provider_documents(base)
    # The real listing names one document twice; it is offered once.
    assert len(LISTING["CFDocuments"]) == 14
    assert len(documents) == len({d["identifier"] for d in LISTING["CFDocuments"]}) == 13
    dok = next(d for d in documents if d.identifier == DOK_ID)
    assert dok.package_url == f"{base}/ims/case/v1p0/CFPackages/{DOK_ID}"
    assert "Depth of Knowledge" in dok.title
    paths = [r.path for r in provider.requests]
    assert paths[0] == "/ims/case/v1p1/CFDocuments"
    assert paths[1:] == ["/ims/case/v1p0/CFDocuments"]


def test_listed_package_urls_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    import lti_tool.usecases.case_fetch as fetch

    monkeypatch.setattr(fetch, "LISTING_PAGE_SIZE", 5)
    with serve() as (base, provider):
        documents = list_provider_documents(f"{base}/ims/case/v1p0/CFDocuments")
        dok = next(d for d in documents if d.identifier == DOK_ID)
        assert fetch_case_package(dok.package_url) == DOK
    offsets = [r.args.get("offset") for r in provider.requests if r.path.endswith("CFDocuments")]
    assert offsets == ["0", "5", "10"]
    assert len(documents) == 13


def test_listing_of_something_that_is_not_a_provider() -> None:
    with serve() as (base, _), pytest.raises(CaseFetchError, match="no CASE provider answers"):
        list_provider_documents(f"{base}/nothing-here")
