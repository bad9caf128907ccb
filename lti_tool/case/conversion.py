"""Values shared by the converters from other formats (spreadsheets, ASN) into CASE.

Every converter emits a package that is valid CASE 1.1 as published (lower-case UUIDs,
RFC 3339 timestamps with a zone, dates as YYYY-MM-DD, no nulls), whatever the source held.
Spec: https://www.imsglobal.org/spec/case/v1p1/ (Information Model, section 7)
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time
from urllib.parse import quote

# Identifiers minted from other identifiers (ASN URIs, spreadsheet keys) are UUIDv5 in this
# namespace, so the same source always yields the same identifiers and re-imports match.
CONVERSION_NAMESPACE = uuid.UUID("6f1c3c1e-4c5e-5b8f-9a57-0c2f3d7e8a11")

# When a source has no timestamp at all, a fixed one keeps repeated conversions identical.
FALLBACK_TIMESTAMP = "1970-01-01T00:00:00+00:00"

ASSOCIATION_TYPES = (
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
    "isTranslationOf",
)
_TYPE_BY_KEY = {t.lower(): t for t in ASSOCIATION_TYPES}
_EXT_TYPE = re.compile(r"ext:[A-Za-z0-9.\-_]+")

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def canonical_uuid(value: object) -> str | None:
    """The lower-case 8-4-4-4-12 form of a UUID in any case, with or without dashes/urn."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for prefix in ("urn:uuid:", "urn:guid:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = text.strip("{}")
    compact = text.replace("-", "")
    if not _HEX32.fullmatch(compact):
        return None
    if "-" in text and [len(p) for p in text.split("-")] != [8, 4, 4, 4, 12]:
        return None
    return str(uuid.UUID(compact))


def derived_uuid(*parts: str) -> str:
    """A UUIDv5 that depends only on `parts`: the same key always gives the same id."""
    return str(uuid.uuid5(CONVERSION_NAMESPACE, "\x1f".join(parts)))


def uri_for(uri_base: str | None, kind: str, identifier: str) -> str:
    """The `uri` of a minted object: under the tool's CASE base when known, else a urn."""
    if uri_base:
        return f"{uri_base.rstrip('/')}/{kind}/{identifier}"
    return f"urn:uuid:{identifier}"


def unresolved_uri(value: str) -> str:
    """A URI for a reference that names something outside the file by code or key only.

    OpenSALT writes such references the same way, so they survive a trip through it.
    """
    return "data:text/x-ref-unresolved," + quote(value, safe="")


def looks_like_uri(value: str) -> bool:
    """True for absolute URIs (http:, https:, urn:, local:, data:) rather than codes."""
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:\S", value)) and " " not in value


def association_type(value: str) -> str | None:
    """The CASE association type for a label such as 'Is Child Of' or 'isChildOf'."""
    text = value.strip()
    if _EXT_TYPE.fullmatch(text):
        return text
    key = re.sub(r"[\s_\-]", "", text).lower()
    return _TYPE_BY_KEY.get(key)


def _aware_utc(moment: datetime) -> str:
    """RFC 3339 in UTC; a naive time is taken as UTC (what exports without a zone mean)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def timestamp(value: object) -> str | None:
    """An RFC 3339 timestamp in UTC from a datetime, a date or an ISO-like string.

    Returns None for anything that is not a time; callers report that with its place.
    """
    if isinstance(value, datetime):
        return _aware_utc(value)
    if isinstance(value, date):
        return _aware_utc(datetime.combine(value, time()))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return _aware_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-01-01T00:00:00+00:00"
    return None


def day(value: object) -> str | None:
    """A YYYY-MM-DD date from a date, a datetime or an ISO-like string; None if not a date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    moment = timestamp(text)
    return moment[:10] if moment else None


def link(title: str, identifier: str, uri: str) -> dict[str, str]:
    """A CASE LinkURI / LinkGenURI object."""
    return {"title": title, "identifier": identifier, "uri": uri}


def prune(obj: dict[str, object]) -> dict[str, object]:
    """Drop keys whose value is None, '' or an empty list/dict (CASE omits, never nulls)."""
    return {k: v for k, v in obj.items() if v is not None and v != "" and v != [] and v != {}}
