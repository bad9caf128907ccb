"""Fetch CASE packages and document listings from a CASE provider over HTTP.

Every failure a provider can cause (unreachable, TLS, slow, not 200, not JSON, too large,
not CASE) ends as one CaseFetchError whose message says what happened in plain words.
The body is streamed and cut off at a size limit, so a hostile or broken provider cannot
exhaust memory; a bearer token never travels over plain http except to this machine.
Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST/JSON binding, sections 2 and 4)
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from lti_tool.case.problems import CaseFormatError
from lti_tool.case.provider import (
    ProviderDocument,
    ProviderUrlError,
    parse_documents,
    parse_package,
    resolve_provider_url,
    status_info,
)
from lti_tool.settings import SETTINGS

DEFAULT_TIMEOUT_SECONDS = float(SETTINGS["HTTP_TIMEOUT_SECONDS"].default)
DEFAULT_USER_AGENT = str(SETTINGS["USER_AGENT"].default)
DEFAULT_MAX_BYTES = int(SETTINGS["MAX_UPLOAD_BYTES"].default)
# A slow-drip server could keep each read under the timeout forever; the whole download
# gets this many timeouts in all.
TOTAL_TIME_FACTOR = 6
MAX_REDIRECTS = 5
LISTING_PAGE_SIZE = 100
MAX_LISTING_PAGES = 100
_ERROR_BODY_BYTES = 64 * 1024
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_DIGITS = re.compile(r"[0-9]{1,18}")


class CaseFetchError(Exception):
    """A package or listing could not be fetched from a CASE provider."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _status_message(status: int, url: str, token: str | None, detail: str | None) -> str:
    if status == 401:
        text = (
            "the provider refused the token"
            if token
            else "the provider needs a token for this (give one with --token)"
        )
    elif status == 403:
        text = "the provider does not allow access to this framework"
    elif status == 404:
        text = "the provider has no such framework or endpoint"
    elif status == 429:
        text = "the provider is busy; try again in a few minutes"
    elif status >= 500:
        text = "the provider failed to answer"
    else:
        text = "the provider did not answer with the CASE data"
    message = f"{url} answered HTTP {status}: {text}"
    return f"{message} ({detail})" if detail else message


def _read_error_detail(response: requests.Response) -> str | None:
    """The imsx_StatusInfo description of an error answer, read from a bounded body."""
    body = b""
    try:
        for chunk in response.iter_content(8192):
            body += chunk
            if len(body) >= _ERROR_BODY_BYTES:
                return None
        return status_info(json.loads(body))
    except (ValueError, RecursionError, requests.RequestException):
        return None


def get_json(
    url: str,
    token: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    user_agent: str = DEFAULT_USER_AGENT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    http: requests.Session | None = None,
) -> tuple[Any, Mapping[str, str]]:
    """GET `url` and decode its JSON, streaming with a size cap; returns (json, headers)."""
    parts = urlsplit(url)
    headers = {"Accept": "application/json", "User-Agent": user_agent}
    if token:
        if parts.scheme != "https" and not _is_loopback(parts.hostname):
            raise CaseFetchError(
                f"refusing to send the token over plain http to {parts.hostname}: use https",
                url=url,
            )
        headers["Authorization"] = f"Bearer {token}"
    session = http
    if session is None:
        session = requests.Session()
        session.max_redirects = MAX_REDIRECTS
    host = parts.hostname or url
    deadline = time.monotonic() + timeout * TOTAL_TIME_FACTOR
    try:
        with session.get(
            url, headers=headers, timeout=(timeout, timeout), stream=True, allow_redirects=True
        ) as response:
            if response.status_code != 200:
                detail = _read_error_detail(response)
                raise CaseFetchError(
                    _status_message(response.status_code, url, token, detail),
                    url=url,
                    status=response.status_code,
                )
            declared = response.headers.get("Content-Length", "")
            if _DIGITS.fullmatch(declared) and int(declared) > max_bytes:
                raise CaseFetchError(_too_large(url, max_bytes), url=url)
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise CaseFetchError(_too_large(url, max_bytes), url=url)
                if time.monotonic() > deadline:
                    raise CaseFetchError(
                        f"{host} is sending too slowly (more than "
                        f"{timeout * TOTAL_TIME_FACTOR:.0f} s); try again later",
                        url=url,
                    )
            content_type = response.headers.get("Content-Type", "unknown")
            response_headers = response.headers
    except requests.exceptions.SSLError:
        raise CaseFetchError(
            f"the TLS connection to {host} failed: its certificate could not be verified "
            "(expired, self-signed or for another name)",
            url=url,
        ) from None
    except requests.exceptions.Timeout:
        raise CaseFetchError(f"{host} did not answer within {timeout:.0f} s", url=url) from None
    except requests.exceptions.TooManyRedirects:
        raise CaseFetchError(f"{url} redirects more than {MAX_REDIRECTS} times", url=url) from None
    except requests.exceptions.ConnectionError:
        raise CaseFetchError(
            f"could not connect to {host} (no such host, or nothing listening)", url=url
        ) from None
    except requests.RequestException as exc:
        raise CaseFetchError(
            f"the request to {host} failed ({type(exc).__name__})", url=url
        ) from None
    finally:
        if http is None:
            session.close()
    try:
        return json.loads(bytes(body)), response_headers
    except RecursionError:
        raise CaseFetchError(f"{url} answered JSON nested too deeply", url=url) from None
    except ValueError:
        raise CaseFetchError(
            f"{url} did not answer with JSON (Content-Type: {content_type}); is it a CASE "
            "provider's CFPackages URL?",
            url=url,
        ) from None


def _too_large(url: str, max_bytes: int) -> str:
    return (
        f"{url} sent more than {max_bytes:,} bytes, the import limit; download the package "
        "and import the file if it is really that large"
    )


def fetch_case_package(
    url: str,
    token: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    user_agent: str = DEFAULT_USER_AGENT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    http: requests.Session | None = None,
) -> dict[str, Any]:
    """Return the decoded CFPackage JSON a CASE provider serves at `url`.

    `url` is a CFPackages URL (used as is) or a CFDocuments/{id} URL (its package is
    fetched). A provider's base URL is refused with a hint to choose a document first
    (`list_provider_documents`).
    Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST binding: getCFPackage)
    """
    try:
        target = resolve_provider_url(url)
    except ProviderUrlError as exc:
        raise CaseFetchError(str(exc), url=url) from None
    if target.kind != "package":
        raise CaseFetchError(
            f"{url} is a CASE provider, not one framework: list its documents and choose "
            "one, or paste the framework's CFPackages URL",
            url=url,
        )
    package_url = target.urls[0]
    payload, _ = get_json(
        package_url,
        token,
        timeout=timeout,
        user_agent=user_agent,
        max_bytes=max_bytes,
        http=http,
    )
    try:
        return parse_package(payload, package_url)
    except CaseFormatError as exc:
        raise CaseFetchError(exc.summary(), url=package_url) from None


def list_provider_documents(
    base_url: str,
    token: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    user_agent: str = DEFAULT_USER_AGENT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    http: requests.Session | None = None,
) -> list[ProviderDocument]:
    """The frameworks a CASE provider lists, with the CFPackages URL of each.

    A base URL tries /ims/case/v1p1 then /ims/case/v1p0; pages are followed with limit and
    offset while X-Total-Count says there are more.
    Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST binding: getAllCFDocuments)
    """
    try:
        target = resolve_provider_url(base_url)
    except ProviderUrlError as exc:
        raise CaseFetchError(str(exc), url=base_url) from None
    if target.kind != "documents":
        raise CaseFetchError(
            f"{base_url} is one framework's package; import it directly", url=base_url
        )
    options = {
        "timeout": timeout,
        "user_agent": user_agent,
        "max_bytes": max_bytes,
        "http": http,
    }
    failures: list[CaseFetchError] = []
    for listing in target.urls:
        try:
            return _all_pages(listing, token, options)
        except CaseFetchError as exc:
            # Only "this version is not here" moves on to the older version.
            if exc.status not in (404, 405, 406, None) or len(target.urls) == 1:
                raise
            failures.append(exc)
    tried = ", ".join(target.urls)
    raise CaseFetchError(
        f"no CASE provider answers at {base_url} (tried {tried}): {failures[-1]}",
        url=base_url,
        status=failures[-1].status,
    )


def _all_pages(listing: str, token: str | None, options: dict[str, Any]) -> list[ProviderDocument]:
    documents: dict[str, ProviderDocument] = {}
    offset = 0
    for _ in range(MAX_LISTING_PAGES):
        query = urlencode({"limit": LISTING_PAGE_SIZE, "offset": offset})
        payload, headers = get_json(f"{listing}?{query}", token, **options)
        try:
            page = parse_documents(payload, listing)
        except CaseFormatError as exc:
            raise CaseFetchError(exc.summary(), url=listing) from None
        new = [d for d in page if d.identifier not in documents]
        documents.update((d.identifier, d) for d in new)
        total = str(headers.get("X-Total-Count", "")).strip()
        offset += len(page)
        # Stop when the provider has no more, ignores paging (nothing new) or gives no total.
        if not new or not _DIGITS.fullmatch(total) or offset >= int(total):
            break
    return list(documents.values())
