"""Service URLs: reading `Link` headers for paging, and building a line item's sub-resources.

Spec: RFC 8288 (Web Linking) and https://www.imsglobal.org/spec/lti-ags/v2p0#container-request-filters.
Real platforms bend both (research: lti.md §4-5): Moodle writes `rel=“next”` with typographic
quotes, sent as UTF-8 bytes that HTTP clients decode as Latin-1; Canvas sends several links
in one header; pylti1p3 lowercased the next URL and broke signed URLs. Moodle's line-item
URLs carry `?type_id=N`, so `/results` and `/scores` go before the query string, never after.
This module is pure: no HTTP, no framework.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Quote characters platforms put around parameter values: ASCII and typographic.
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


def _repair_encoding(value: str) -> str:
    """Undo Latin-1 decoding of UTF-8 bytes (how `rel=“next”` reaches a Python client)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _split_links(value: str) -> list[str]:
    """Split a Link header on the commas between links, not those inside <...> or quotes."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in value:
        if ch == "<" and not quoted:
            depth += 1
        elif ch == ">" and not quoted and depth:
            depth -= 1
        elif ch == '"' and not depth:
            quoted = not quoted
        if ch == "," and not depth and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


_TARGET = re.compile(r"^<([^>]*)>(.*)$", re.DOTALL)


def parse_link_header(value: str | None, base_url: str = "") -> dict[str, str]:
    """Map each relation in a Link header to its absolute URL; the first link of a rel wins.

    Relation names compare case-insensitively; URLs are kept exactly as sent (relative ones
    are resolved against `base_url`). Unparseable links are skipped, never fatal.
    """
    if not value:
        return {}
    links: dict[str, str] = {}
    for link in _split_links(_repair_encoding(value)):
        match = _TARGET.match(link)
        if not match:
            continue
        url = match.group(1).strip()
        for param in match.group(2).split(";"):
            name, _, raw = param.partition("=")
            if name.strip().lower() != "rel" or not raw:
                continue
            for rel in raw.strip().strip(_QUOTES).split():
                rel = rel.strip(_QUOTES).lower()
                if rel and rel not in links:
                    links[rel] = urljoin(base_url, url) if base_url else url
    return links


def next_page_url(link_header: str | None, current_url: str) -> str | None:
    """The `next` page of a paged answer, or None on the last page."""
    return parse_link_header(link_header, current_url).get("next")


def service_url(item_url: str, suffix: str = "", params: dict[str, str] | None = None) -> str:
    """A line item's sub-resource (`/results`, `/scores`) with extra query parameters.

    The suffix goes at the end of the path, before the query string, so Moodle's
    `.../lineitem?type_id=3` becomes `.../lineitem/results?type_id=3`; the existing query
    is kept and `params` are added to it (replacing any of the same name).
    """
    parts = urlsplit(item_url)
    path = parts.path.rstrip("/") + suffix if suffix else parts.path
    query = parse_qsl(parts.query, keep_blank_values=True)
    if params:
        query = [(k, v) for k, v in query if k not in params] + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), parts.fragment))


def same_origin(a: str, b: str) -> bool:
    """True when two URLs share scheme and host:port (a bearer token may go to both)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme.lower(), pa.netloc.lower()) == (pb.scheme.lower(), pb.netloc.lower())


MAX_NUMBERED_PAGES = 10_000


def numbered_pages(next_url: str | None, last_url: str | None) -> list[str] | None:
    """Every page URL from `next` to `last`, when both are plainly numbered (`page=N`).

    Canvas's Link header names the last page; when the `next` and `last` links differ only
    in an integer `page` parameter, the pages between them can be fetched side by side
    instead of one after another. Anything less plain (bookmarks, other parameters that
    differ, another host or path) gives None, and the pages are followed one by one.
    """
    if not next_url or not last_url:
        return None
    a, b = urlsplit(next_url), urlsplit(last_url)
    if (a.scheme, a.netloc, a.path) != (b.scheme, b.netloc, b.path):
        return None
    qa, qb = parse_qsl(a.query, keep_blank_values=True), parse_qsl(b.query, keep_blank_values=True)
    rest_a = [(k, v) for k, v in qa if k != "page"]
    rest_b = [(k, v) for k, v in qb if k != "page"]
    pages_a = [v for k, v in qa if k == "page"]
    pages_b = [v for k, v in qb if k == "page"]
    if rest_a != rest_b or len(pages_a) != 1 or len(pages_b) != 1:
        return None
    if not (pages_a[0].isdigit() and pages_b[0].isdigit()):
        return None
    first, last = int(pages_a[0]), int(pages_b[0])
    if last < first or last - first >= MAX_NUMBERED_PAGES:
        return None
    urls = []
    for number in range(first, last + 1):
        query = urlencode([(k, str(number) if k == "page" else v) for k, v in qa])
        urls.append(urlunsplit((a.scheme, a.netloc, a.path, query, a.fragment)))
    return urls
