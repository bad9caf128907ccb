"""Bounded concurrency for service calls: many requests at once, never more than a limit.

Fetching 40 line items' results one after another waits 40 round trips of latency; firing
them all at once gets a tool throttled (Canvas's leaky bucket). A small thread pool is the
middle: `limit` calls in flight, each outcome kept, so a failure in the middle loses nothing
that was fetched before or beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """What one call gave: its value, or the exception it raised."""

    item: T
    value: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when the call returned."""
        return self.error is None


def bounded_map(
    func: Callable[[T], R],
    items: Iterable[T],
    limit: int,
    catch: tuple[type[Exception], ...] = (Exception,),
) -> list[Outcome[T, R]]:
    """Call `func` on every item with at most `limit` calls at once; outcomes in item order.

    Exceptions of the `catch` types are kept in their outcome; others propagate.
    """
    items = list(items)
    if not items:
        return []

    def run(item: T) -> Outcome[T, R]:
        try:
            return Outcome(item, value=func(item))
        except catch as exc:
            return Outcome(item, error=exc)

    workers = max(1, min(limit, len(items)))
    if workers == 1:
        return [run(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lti-services") as pool:
        return list(pool.map(run, items))
