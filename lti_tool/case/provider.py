"""A CASE provider's REST API as a consumer sees it: its URLs and its answers (pure).

The HTTP calls live in `lti_tool.usecases.case_fetch`; this module only builds URLs and
reads decoded JSON, so every rule here is tested without a server.
Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST/JSON binding, section 2: the
endpoints under /ims/case/v1p1 and /ims/case/v1p0; section 3.4: imsx_StatusInfo)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from lti_tool.case.conversion import canonical_uuid
from lti_tool.case.problems import CaseFormatError

CASE_VERSIONS = ("v1p1", "v1p0")  # newest first: what a consumer asks for first
_CASE_ROOT = re.compile(r"^(?P<prefix>.*?)/ims/case/(?P<version>v1p[01])(?P<rest>/.*)?$")


class ProviderUrlError(ValueError):
    """A URL that cannot name a CASE provider or package."""


@dataclass(frozen=True)
class ProviderTarget:
    """Where to go for a URL an admin pasted.

    `kind` is "package" (a CFPackages URL, fetched as is) or "documents" (a listing to choose
    from); `urls` holds one URL, or for a bare base URL the listing of each CASE version to
    try in turn.
    """

    kind: Literal["package", "documents"]
    urls: tuple[str, ...]


@dataclass(frozen=True)
class ProviderDocument:
    """One framework a provider lists at /CFDocuments, with where its package is."""

    identifier: str
    title: str
    package_url: str
    creator: str | None = None
    publisher: str | None = None
    adoption_status: str | None = None
    last_change: str | None = None
    version: str | None = None
    uri: str | None = None


def _split_http(url: str) -> tuple[str, str, str, str]:
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderUrlError(f"{url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise ProviderUrlError("put credentials in the token, not in the URL")
    return parts.scheme, parts.netloc, parts.path.rstrip("/"), parts.query


def resolve_provider_url(url: str) -> ProviderTarget:
    """What a pasted URL points at: a package, one version's listing, or a provider's base.

    A CFPackages URL is used as is; a CFDocuments/{id} URL becomes that document's package;
    /ims/case/v1pN or /CFDocuments is that version's listing; anything else is a base URL
    under which both versions' listings are tried, v1p1 first.
    """
    scheme, netloc, path, query = _split_http(url)
    match = _CASE_ROOT.match(path)
    if match is None:
        return ProviderTarget(
            "documents",
            tuple(
                urlunsplit((scheme, netloc, f"{path}/ims/case/{v}/CFDocuments", "", ""))
                for v in CASE_VERSIONS
            ),
        )
    root = f"{match['prefix']}/ims/case/{match['version']}"
    rest = (match["rest"] or "").strip("/").split("/") if match["rest"] else []
    if rest and rest[0] == "CFPackages" and len(rest) == 2:
        return ProviderTarget("package", (urlunsplit((scheme, netloc, path, query, "")),))
    if rest and rest[0] == "CFDocuments" and len(rest) == 2:
        return ProviderTarget(
            "package", (urlunsplit((scheme, netloc, f"{root}/CFPackages/{rest[1]}", "", "")),)
        )
    if not rest or rest == ["CFDocuments"]:
        return ProviderTarget(
            "documents", (urlunsplit((scheme, netloc, f"{root}/CFDocuments", query, "")),)
        )
    raise ProviderUrlError(
        f"{url} is a CASE URL but neither a provider, a CFDocuments listing nor a CFPackages "
        "URL; paste the provider's address or a framework's CFPackages URL"
    )


def package_url_for(listing_url: str, identifier: str) -> str:
    """The CFPackages URL of a document listed at `listing_url` (same host and version)."""
    scheme, netloc, path, _ = _split_http(listing_url)
    root = path[: -len("/CFDocuments")] if path.endswith("/CFDocuments") else path
    return urlunsplit((scheme, netloc, f"{root}/CFPackages/{identifier}", "", ""))


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def status_info(payload: object) -> str | None:
    """The description of an imsx_StatusInfo error body, if the payload is one."""
    if not isinstance(payload, dict):
        return None
    info = payload.get("imsx_StatusInfo", payload)
    if not isinstance(info, dict) or "imsx_codeMajor" not in info:
        return None
    parts = [_text(info.get("imsx_description"))]
    minor = info.get("imsx_codeMinor")
    if isinstance(minor, dict):
        fields = minor.get("imsx_codeMinorField")
        if isinstance(fields, list):
            parts += [
                _text(f.get("imsx_codeMinorFieldValue")) for f in fields if isinstance(f, dict)
            ]
    return "; ".join(p for p in parts if p) or str(info.get("imsx_codeMajor"))


def parse_documents(payload: object, listing_url: str) -> list[ProviderDocument]:
    """The documents of a GET /CFDocuments answer, each with its package URL.

    The package URL is built on the listing's own host rather than taken from the
    provider's CFPackageURI, which may name another host (a mirror, or somewhere the tool
    should not be sent); a CFPackageURI on the same host and version is used as given.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("CFDocuments"), list):
        message = status_info(payload) or 'the answer has no "CFDocuments" list'
        raise CaseFormatError(f"not a CASE CFDocuments listing: {message}", listing_url)
    listing_host = urlsplit(listing_url).netloc
    documents: list[ProviderDocument] = []
    for n, entry in enumerate(payload["CFDocuments"]):
        if not isinstance(entry, dict):
            continue
        raw_id = _text(entry.get("identifier"))
        if raw_id is None:
            continue
        identifier = canonical_uuid(raw_id) or raw_id
        package = package_url_for(listing_url, raw_id)
        given = entry.get("CFPackageURI")
        given_uri = _text(given.get("uri")) if isinstance(given, dict) else _text(given)
        if given_uri and urlsplit(given_uri).netloc == listing_host:
            try:
                target = resolve_provider_url(given_uri)
            except ProviderUrlError:
                target = None
            if target is not None and target.kind == "package":
                package = target.urls[0]
        documents.append(
            ProviderDocument(
                identifier=identifier,
                title=_text(entry.get("title")) or f"(untitled document {n + 1})",
                package_url=package,
                creator=_text(entry.get("creator")),
                publisher=_text(entry.get("publisher")),
                adoption_status=_text(entry.get("adoptionStatus")),
                last_change=_text(entry.get("lastChangeDateTime")),
                version=_text(entry.get("version")),
                uri=_text(entry.get("uri")),
            )
        )
    return documents


def parse_package(payload: object, url: str = "response") -> dict[str, Any]:
    """The CFPackage in a GET /CFPackages answer (also when wrapped as {"CFPackage": ...}).

    Only the shape is checked here; the importer validates the content.
    """
    if isinstance(payload, dict) and isinstance(payload.get("CFPackage"), dict):
        payload = payload["CFPackage"]
    if not isinstance(payload, dict) or not isinstance(payload.get("CFDocument"), dict):
        message = status_info(payload) or 'the answer has no "CFDocument" object'
        raise CaseFormatError(f"not a CASE package: {message}", url)
    return payload
