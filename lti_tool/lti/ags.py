"""LTI Assignment and Grade Services 2.0: line items, results and scores.

Spec: https://www.imsglobal.org/spec/lti-ags/v2p0 (§3.2 line items, §3.3 results, §3.4
scores). What real platforms need beyond the spec (research: lti.md §4-5):

- every page of line items and results is read (pylti1p3 2.0 reads only the first);
- `/results` and `/scores` go before the query string (Moodle's `?type_id=N`);
- scores go with `Content-Type: application/vnd.ims.lis.v1.score+json` and a timestamp
  later than the last one posted for that learner and line item (Canvas answers 400 and
  Moodle 409 otherwise), so timestamps are kept monotonic through the shared cache;
- an empty grade is a result without `resultScore`: it is None here, never 0.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lti_tool.db.cache import Cache
from lti_tool.lti.authorized import AuthorizedCalls
from lti_tool.lti.claims import MediaType, Scope
from lti_tool.lti.links import service_url
from lti_tool.lti.service_http import ServiceError

PAGE_SIZE = 100
LAST_SCORE_PREFIX = "lti:score-ts:"
LAST_SCORE_TTL = 180 * 24 * 3600
READ_SCOPES = (Scope.LINEITEM.value, Scope.LINEITEM_READONLY.value)


@dataclass(frozen=True)
class LineItem:
    """A gradebook column the tool can see (AGS shows a tool only the columns it created)."""

    id: str
    label: str
    score_maximum: float
    resource_id: str | None = None
    tag: str | None = None
    resource_link_id: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> LineItem | None:
        """Read a line item; None when it lacks an id, a label or a maximum."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        maximum = data.get("scoreMaximum")
        if isinstance(maximum, bool) or not isinstance(maximum, int | float):
            return None

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None

        known = {"id", "label", "scoreMaximum", "resourceId", "tag", "resourceLinkId"}
        return cls(
            id=data["id"],
            label=text("label") or "",
            score_maximum=float(maximum),
            resource_id=text("resourceId"),
            tag=text("tag"),
            resource_link_id=text("resourceLinkId"),
            start_date_time=text("startDateTime"),
            end_date_time=text("endDateTime"),
            extra={k: v for k, v in data.items() if k not in known},
        )


@dataclass(frozen=True)
class Result:
    """A learner's current grade on a line item; `score` None means not graded (not zero)."""

    user_id: str
    line_item_id: str
    score: float | None
    maximum: float | None
    comment: str | None = None
    timestamp: str | None = None
    id: str | None = None

    @property
    def fraction(self) -> float | None:
        """The grade as a fraction of its maximum, or None when there is no grade."""
        if self.score is None or not self.maximum:
            return None
        return self.score / self.maximum

    @classmethod
    def from_json(cls, data: Any, line_item_id: str) -> Result | None:
        """Read a result; None when it names no user."""
        if not isinstance(data, dict) or not isinstance(data.get("userId"), str):
            return None

        def number(name: str) -> float | None:
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return float(value)

        return cls(
            user_id=data["userId"],
            line_item_id=line_item_id,
            score=number("resultScore"),
            maximum=number("resultMaximum"),
            comment=data["comment"] if isinstance(data.get("comment"), str) else None,
            timestamp=data["timestamp"] if isinstance(data.get("timestamp"), str) else None,
            id=data["id"] if isinstance(data.get("id"), str) else None,
        )


class AgsClient:
    """AGS calls for one course's line-item container."""

    def __init__(
        self,
        calls: AuthorizedCalls,
        cache: Cache,
        lineitems_url: str,
        scopes: tuple[str, ...],
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Call the container at `lineitems_url` with a token for the launch's AGS scopes."""
        self.calls = calls
        self.cache = cache
        self.lineitems_url = lineitems_url
        self.scopes = scopes
        self.page_size = page_size

    def line_items(
        self,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> list[LineItem]:
        """Every line item of the container (all pages), optionally filtered."""
        params = {"limit": str(self.page_size)}
        for name, value in (
            ("resource_link_id", resource_link_id),
            ("resource_id", resource_id),
            ("tag", tag),
        ):
            if value is not None:
                params[name] = value
        items: list[LineItem] = []
        for page in self.calls.pages(
            service_url(self.lineitems_url, params=params),
            service="ags",
            scopes=self.scopes,
            accept=MediaType.LINEITEM_CONTAINER,
        ):
            if not isinstance(page.body, list):
                raise ServiceError(
                    "The platform's line-item list is not a JSON array.", url=page.url
                )
            items.extend(i for i in map(LineItem.from_json, page.body) if i is not None)
        return items

    def line_item(self, url: str) -> LineItem:
        """One line item by its URL."""
        body = self.calls.call(
            "GET", url, service="ags", scopes=self.scopes, accept=MediaType.LINEITEM
        )
        item = LineItem.from_json(body)
        if item is None:
            raise ServiceError("The platform's line item is malformed.", url=url)
        return item

    def create_line_item(
        self,
        label: str,
        score_maximum: float,
        *,
        resource_id: str | None = None,
        tag: str | None = None,
        resource_link_id: str | None = None,
        start_date_time: str | None = None,
        end_date_time: str | None = None,
    ) -> LineItem:
        """Create a gradebook column (needs the `lineitem` scope: column management)."""
        if Scope.LINEITEM.value not in self.scopes:
            raise ServiceError(
                "The platform did not grant the tool column management (the AGS lineitem "
                "scope), so it cannot add gradebook columns. In Moodle, choose 'grade sync and "
                "column management' for the tool."
            )
        if not label.strip():
            raise ServiceError("A gradebook column needs a label.")
        if not score_maximum > 0:
            raise ServiceError("A gradebook column needs a maximum score above 0.")
        body: dict[str, Any] = {"label": label.strip(), "scoreMaximum": score_maximum}
        for name, value in (
            ("resourceId", resource_id),
            ("tag", tag),
            ("resourceLinkId", resource_link_id),
            ("startDateTime", start_date_time),
            ("endDateTime", end_date_time),
        ):
            if value is not None:
                body[name] = value
        answer = self.calls.call(
            "POST",
            self.lineitems_url,
            service="ags",
            scopes=self.scopes,
            accept=MediaType.LINEITEM,
            content_type=MediaType.LINEITEM,
            body=body,
        )
        item = LineItem.from_json(answer)
        if item is None:
            raise ServiceError(
                "The platform created the column but answered without it.", url=self.lineitems_url
            )
        return item

    def update_line_item(self, item: LineItem, **changes: Any) -> LineItem:
        """Change a line item's label, maximum, tag or resource id (a PUT of the whole item)."""
        names = {
            "label": "label",
            "score_maximum": "scoreMaximum",
            "tag": "tag",
            "resource_id": "resourceId",
        }
        body: dict[str, Any] = {
            "id": item.id,
            "label": item.label,
            "scoreMaximum": item.score_maximum,
        }
        for attr, key in names.items():
            value = changes.get(attr, getattr(item, attr))
            if value is not None:
                body[key] = value
        if item.resource_link_id:
            body["resourceLinkId"] = item.resource_link_id
        answer = self.calls.call(
            "PUT",
            item.id,
            service="ags",
            scopes=self.scopes,
            accept=MediaType.LINEITEM,
            content_type=MediaType.LINEITEM,
            body=body,
        )
        return LineItem.from_json(answer) or item

    def delete_line_item(self, item: LineItem | str) -> None:
        """Delete a gradebook column the tool created."""
        url = item.id if isinstance(item, LineItem) else item
        self.calls.call("DELETE", url, service="ags", scopes=self.scopes, accept="*/*")

    def results_url(self, item: LineItem | str, *, user_id: str | None = None) -> str:
        """The first page of a line item's results (before Moodle's `?type_id=`)."""
        item_url = item.id if isinstance(item, LineItem) else item
        params = {"limit": str(self.page_size)}
        if user_id is not None:
            params["user_id"] = user_id
        return service_url(item_url, "/results", params)

    def results(self, item: LineItem | str, *, user_id: str | None = None) -> list[Result]:
        """Every result of a line item (all pages); ungraded learners have score None."""
        item_url = item.id if isinstance(item, LineItem) else item
        results: list[Result] = []
        for page in self.calls.pages(
            self.results_url(item_url, user_id=user_id),
            service="ags",
            scopes=self.scopes,
            accept=MediaType.RESULT_CONTAINER,
        ):
            results.extend(parse_results(page.body, page.url, item_url))
        return results

    def post_score(
        self,
        item: LineItem | str,
        user_id: str,
        score_given: float | None,
        score_maximum: float | None,
        *,
        activity_progress: str = "Completed",
        grading_progress: str = "FullyGraded",
        comment: str | None = None,
        timestamp: datetime | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Post a learner's score with a timestamp later than any posted before for them."""
        item_url = item.id if isinstance(item, LineItem) else item
        if score_given is not None and not (score_maximum and score_maximum > 0):
            raise ServiceError("A score needs a maximum above 0.")
        stamp = self._monotonic(item_url, user_id, timestamp or datetime.now(UTC))
        body: dict[str, Any] = {
            "userId": user_id,
            "activityProgress": activity_progress,
            "gradingProgress": grading_progress,
            "timestamp": stamp.isoformat(timespec="microseconds"),
        }
        if score_given is not None:
            body["scoreGiven"] = score_given
            body["scoreMaximum"] = score_maximum
        if comment:
            body["comment"] = comment
        if extra:
            body.update(extra)
        self.calls.call(
            "POST",
            service_url(item_url, "/scores"),
            service="ags",
            scopes=self.scopes,
            accept="application/json",
            content_type=MediaType.SCORE,
            body=body,
        )

    def _monotonic(self, item_url: str, user_id: str, wanted: datetime) -> datetime:
        """`wanted`, or just after the last timestamp posted for this learner and line item."""
        key = LAST_SCORE_PREFIX + hashlib.sha256(f"{item_url}\n{user_id}".encode()).hexdigest()
        stamp = next_timestamp(self.cache.get(key), wanted)
        self.cache.set(key, stamp.isoformat().encode(), LAST_SCORE_TTL)
        return stamp


def parse_results(body: Any, url: str, item_url: str) -> list[Result]:
    """The results on one page of a result container."""
    if not isinstance(body, list):
        raise ServiceError("The platform's result list is not a JSON array.", url=url)
    return [r for r in (Result.from_json(d, item_url) for d in body) if r is not None]


def next_timestamp(last: bytes | str | None, wanted: datetime) -> datetime:
    """The score timestamp to send: `wanted`, unless the last one sent is not earlier."""
    if wanted.tzinfo is None:
        wanted = wanted.replace(tzinfo=UTC)
    if last:
        try:
            previous = datetime.fromisoformat(last.decode() if isinstance(last, bytes) else last)
        except ValueError:
            return wanted
        if previous.tzinfo is None:
            previous = previous.replace(tzinfo=UTC)
        if wanted <= previous:
            return previous + timedelta(milliseconds=1)
    return wanted
