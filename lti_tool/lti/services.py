"""The LTI Advantage service client the rest of the tool calls: AGS and NRPS for one course.

Usage (a use case, a background job or a CLI command)::

    client = ServiceClient.for_context(app, registration, context)
    items = client.line_items()                       # every page, Canvas or Moodle paging
    item = client.create_line_item("Fractions: check-in", 10, tag="MATH.5.NF.1",
                                   resource_id="competency:42")
    grades = client.results(item)                     # Result.score is None when ungraded
    batch = client.results_for(items)                 # many line items, bounded concurrency
    snap = client.fetch_course()                      # roster + line items + all results
    client.post_score(item, user_id, 3, 4)            # monotonic timestamp, score media type
    roster = client.members()                         # NRPS, every page

`registration` and `context` are the rows `lti_tool.db.models.Registration` and `Context`
(the latter holds the AGS and NRPS endpoints and scopes its last launch carried). Their
values are copied at construction, so the client can be used from worker threads.

Errors are `ServiceError` subclasses whose message an admin or teacher can act on:
`ServiceNotOffered` (the course's launches carried no such service), `ServiceUnauthorized`
(HTTP 401 twice: the service is switched off for the tool, as Moodle answers),
`ServiceThrottled` (still 429 after bounded backoff), `TokenRequestError` (the token
endpoint refused the tool). Tokens are cached in the app cache (Redis or the database) per
issuer + client_id + scopes until shortly before they expire, shared by every worker.

Spec: https://www.imsglobal.org/spec/lti-ags/v2p0, https://www.imsglobal.org/spec/lti-nrps/v2p0,
https://www.imsglobal.org/spec/security/v1p0/#securing_web_services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lti_tool.db.cache import Cache
from lti_tool.lti.ags import AgsClient, LineItem, Result, parse_results
from lti_tool.lti.authorized import AuthorizedCalls, Page
from lti_tool.lti.claims import MediaType, Scope
from lti_tool.lti.concurrency import bounded_map
from lti_tool.lti.keys import SigningKey, signing_key
from lti_tool.lti.links import numbered_pages
from lti_tool.lti.nrps import SCOPES as NRPS_SCOPES
from lti_tool.lti.nrps import Member, NrpsClient, parse_members
from lti_tool.lti.service_http import (
    RetryPolicy,
    ServiceError,
    ServiceHttp,
    ServiceNotOffered,
    ServiceThrottled,
    ServiceUnauthorized,
    new_session,
)
from lti_tool.lti.tokens import AccessTokens, TokenEndpoint, TokenRequestError

if TYPE_CHECKING:
    from flask import Flask

    from lti_tool.db.models import Context, Registration

__all__ = [
    "CourseServices",
    "CourseSnapshot",
    "LineItem",
    "Member",
    "Result",
    "ResultsBatch",
    "ServiceClient",
    "ServiceError",
    "ServiceNotOffered",
    "ServiceThrottled",
    "ServiceUnauthorized",
    "TokenRequestError",
]

AGS_SCOPES = (
    Scope.LINEITEM.value,
    Scope.LINEITEM_READONLY.value,
    Scope.RESULT_READONLY.value,
    Scope.SCORE.value,
)
DEFAULT_CONCURRENCY = 8
_EXTENSION = "lti_services"


@dataclass(frozen=True)
class CourseServices:
    """Where one course's services live and how the tool authenticates to them."""

    token: TokenEndpoint
    lineitems_url: str | None
    ags_scopes: tuple[str, ...]
    memberships_url: str | None
    product: str = "generic"

    @classmethod
    def of(cls, registration: Registration, context: Context) -> CourseServices:
        """Copy the endpoints out of the registration and course rows."""
        scopes = tuple(s for s in (context.ags_scopes or []) if s in AGS_SCOPES)
        return cls(
            token=TokenEndpoint(
                issuer=registration.issuer,
                client_id=registration.client_id,
                token_url=registration.auth_token_url,
                audience=registration.auth_audience,
            ),
            lineitems_url=context.lineitems_url,
            ags_scopes=scopes or AGS_SCOPES,
            memberships_url=context.memberships_url,
            product=registration.product,
        )


@dataclass
class ResultsBatch:
    """Results of many line items: what was fetched, and what failed (kept apart)."""

    fetched: dict[str, list[Result]] = field(default_factory=dict)
    failed: dict[str, ServiceError] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every line item's results were fetched."""
        return not self.failed


@dataclass(frozen=True)
class _Chain:
    """A paged read: the roster (item None) or one line item's results."""

    item: LineItem | None
    url: str
    service: str
    scopes: tuple[str, ...]
    accept: str


@dataclass
class CourseSnapshot:
    """What one sync reads: the roster (None when it failed), line items, their results."""

    line_items: list[LineItem]
    members: list[Member] | None = None
    members_error: ServiceError | None = None
    results: ResultsBatch = field(default_factory=ResultsBatch)

    @property
    def complete(self) -> bool:
        """True when the roster and every line item's results were fetched."""
        return self.members_error is None and self.results.complete


class ServiceClient:
    """AGS and NRPS for one course; see the module docstring for the calls."""

    def __init__(
        self,
        services: CourseServices,
        tokens: AccessTokens,
        http: ServiceHttp,
        cache: Cache,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        page_size: int = 100,
    ) -> None:
        """Use shared `tokens` and `http`; `concurrency` bounds `results_for`."""
        self.services = services
        self.tokens = tokens
        self.http = http
        self.cache = cache
        self.concurrency = concurrency
        self.page_size = page_size
        self._calls = AuthorizedCalls(http, tokens, services.token)

    @classmethod
    def for_context(
        cls, app: Flask, registration: Registration, context: Context, **options: Any
    ) -> ServiceClient:
        """The client for a course, sharing the app's token cache and connection pool."""
        tokens, http = _shared(app)
        options.setdefault("concurrency", app.config.get("SERVICE_CONCURRENCY", 8))
        return cls(
            CourseServices.of(registration, context),
            tokens,
            http,
            app.extensions["cache"],
            **options,
        )

    # --- AGS ---------------------------------------------------------------------------

    @property
    def ags(self) -> AgsClient:
        """The AGS client, or ServiceNotOffered when the course's launches had no AGS claim."""
        if not self.services.lineitems_url:
            raise ServiceNotOffered(
                "This course's launches did not offer the grade service (AGS), so the tool "
                "cannot see or create gradebook columns. An admin can enable it for the tool "
                "in the LMS; then open the tool again from the course."
            )
        return AgsClient(
            self._calls,
            self.cache,
            self.services.lineitems_url,
            self.services.ags_scopes,
            self.page_size,
        )

    def line_items(self, **filters: str | None) -> list[LineItem]:
        """Every line item the tool may see in the course (resource_link_id, resource_id, tag)."""
        return self.ags.line_items(**filters)

    def create_line_item(self, label: str, score_maximum: float, **fields: str | None) -> LineItem:
        """Create a gradebook column (resource_id, tag, resource_link_id, dates optional)."""
        return self.ags.create_line_item(label, score_maximum, **fields)

    def update_line_item(self, item: LineItem, **changes: Any) -> LineItem:
        """Change a column's label, score_maximum, tag or resource_id."""
        return self.ags.update_line_item(item, **changes)

    def delete_line_item(self, item: LineItem | str) -> None:
        """Delete a column the tool created."""
        self.ags.delete_line_item(item)

    def results(self, item: LineItem | str, *, user_id: str | None = None) -> list[Result]:
        """Every result of one line item (all pages)."""
        return self.ags.results(item, user_id=user_id)

    def results_for(
        self, items: list[LineItem] | list[str], *, concurrency: int | None = None
    ) -> ResultsBatch:
        """Results of many line items, `concurrency` at a time; failures kept apart."""
        ags = self.ags
        outcomes = bounded_map(
            lambda item: ags.results(item),
            items,
            concurrency or self.concurrency,
            catch=(ServiceError,),
        )
        batch = ResultsBatch()
        for outcome in outcomes:
            key = outcome.item.id if isinstance(outcome.item, LineItem) else outcome.item
            if outcome.error is not None:
                batch.failed[key] = outcome.error  # type: ignore[assignment]
            else:
                batch.fetched[key] = outcome.value or []
        return batch

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
        """Post a learner's score (None clears it) with a monotonic timestamp.

        `extra` adds platform extensions to the score, e.g. Canvas's
        `https://canvas.instructure.com/lti/submission` object.
        """
        self.ags.post_score(
            item,
            user_id,
            score_given,
            score_maximum,
            activity_progress=activity_progress,
            grading_progress=grading_progress,
            comment=comment,
            timestamp=timestamp,
            extra=extra,
        )

    def fetch_course(self, *, concurrency: int | None = None) -> CourseSnapshot:
        """The roster, the line items and every line item's results, `concurrency` at a time.

        Paged answers are chains (each page names the next), so first every chain's first
        page is read side by side; where a page's links number the rest plainly (Canvas's
        `rel="last"` with `page=N`) those pages are then read side by side too, and other
        chains are followed page by page, longest first. No more than `concurrency`
        requests are ever in flight; a failed chain loses only its own line item.
        """
        limit = concurrency or self.concurrency
        items = self.line_items()
        snapshot = CourseSnapshot(line_items=items)
        chains: list[_Chain] = []
        if self.services.memberships_url:
            nrps = NrpsClient(self._calls, self.services.memberships_url, self.page_size)
            chains.append(
                _Chain(
                    None, nrps.members_url(), "nrps", NRPS_SCOPES, MediaType.MEMBERSHIP_CONTAINER
                )
            )
        else:
            snapshot.members_error = ServiceNotOffered(
                "This course's launches did not offer the roster service (NRPS)."
            )
        if items:
            ags = self.ags
            chains += [
                _Chain(item, ags.results_url(item), "ags", ags.scopes, MediaType.RESULT_CONTAINER)
                for item in items
            ]
        pages = self._read_chains(chains, limit)
        for chain, got in zip(chains, pages, strict=True):
            try:
                if isinstance(got, ServiceError):
                    raise got
                if chain.item is None:
                    snapshot.members = [m for p in got for m in parse_members(p.body, p.url)]
                else:
                    snapshot.results.fetched[chain.item.id] = [
                        r for p in got for r in parse_results(p.body, p.url, chain.item.id)
                    ]
            except ServiceError as exc:
                if chain.item is None:
                    snapshot.members_error = exc
                else:
                    snapshot.results.failed[chain.item.id] = exc
        return snapshot

    def _read_chains(self, chains: list[_Chain], limit: int) -> list[list[Page] | ServiceError]:
        """Every page of every chain, in order; a chain that failed gives its error."""

        def first(chain: _Chain) -> Page:
            return self._calls.page(
                chain.url, service=chain.service, scopes=chain.scopes, accept=chain.accept
            )

        heads = bounded_map(first, chains, limit, (ServiceError,))
        got: list[list[Page] | ServiceError] = []
        tasks: list[tuple[int, int, str, bool]] = []  # chain, position, url, follow the chain
        for index, head in enumerate(heads):
            if head.error is not None or head.value is None:
                got.append(head.error)  # type: ignore[arg-type]
                continue
            got.append([head.value])
            following = head.value.links.get("next")
            if following is None:
                continue
            numbered = numbered_pages(following, head.value.links.get("last"))
            if numbered is not None:
                tasks += [(index, n, url, False) for n, url in enumerate(numbered, start=1)]
            else:
                tasks.append((index, 1, following, True))
        # Chains that must be followed page by page are the longest tasks: start them first.
        tasks.sort(key=lambda t: not t[3])

        def read(task: tuple[int, int, str, bool]) -> list[Page]:
            chain = chains[task[0]]
            options = {"service": chain.service, "scopes": chain.scopes, "accept": chain.accept}
            if task[3]:
                return list(self._calls.pages(task[2], **options))  # type: ignore[arg-type]
            return [self._calls.page(task[2], **options)]  # type: ignore[arg-type]

        rest: dict[int, list[tuple[int, list[Page]]]] = {}
        for outcome in bounded_map(read, tasks, limit, (ServiceError,)):
            index, position = outcome.item[0], outcome.item[1]
            if isinstance(got[index], ServiceError):
                continue
            if outcome.error is not None:
                got[index] = outcome.error  # type: ignore[assignment]
                continue
            rest.setdefault(index, []).append((position, outcome.value or []))
        for index, parts in rest.items():
            current = got[index]
            if isinstance(current, list):
                for _, pages in sorted(parts, key=lambda part: part[0]):
                    current.extend(pages)
        return got

    # --- NRPS --------------------------------------------------------------------------

    def members(self, *, role: str | None = None) -> list[Member]:
        """The whole roster (all pages), optionally only one role."""
        if not self.services.memberships_url:
            raise ServiceNotOffered(
                "This course's launches did not offer the roster service (NRPS). An admin can "
                "enable it for the tool in the LMS; then open the tool again from the course."
            )
        return NrpsClient(self._calls, self.services.memberships_url, self.page_size).members(
            role=role
        )


def _shared(app: Flask) -> tuple[AccessTokens, ServiceHttp]:
    """The app's token cache and HTTP layer, made once per app (per worker process)."""
    shared = app.extensions.get(_EXTENSION)
    if shared is None:
        cfg = app.config
        concurrency = int(cfg.get("SERVICE_CONCURRENCY", DEFAULT_CONCURRENCY))
        http = ServiceHttp(
            new_session(cfg["USER_AGENT"], pool_size=max(10, concurrency * 2)),
            timeout=float(cfg["HTTP_TIMEOUT_SECONDS"]),
            policy=RetryPolicy(max_retries=int(cfg.get("SERVICE_MAX_RETRIES", 5))),
        )
        tokens = AccessTokens(app.extensions["cache"], http, lambda: _app_signing_key(app))
        shared = app.extensions.setdefault(_EXTENSION, (tokens, http))
    return shared  # type: ignore[no-any-return]


def _app_signing_key(app: Flask) -> SigningKey:
    """The tool's newest key, read in a session of its own (works outside requests)."""
    session = app.extensions["db_sessions"]()
    try:
        key = signing_key(session, app.extensions["secretbox"])
        session.commit()
        return key
    finally:
        session.close()
