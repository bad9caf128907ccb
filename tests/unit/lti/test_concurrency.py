"""Bounded concurrency: never more than the limit in flight, every outcome kept in order."""

from __future__ import annotations

import threading
import time

import pytest

from lti_tool.lti.concurrency import bounded_map


def test_no_more_than_the_limit_run_at_once() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n * 2

    outcomes = bounded_map(work, range(20), limit=4)
    assert [o.value for o in outcomes] == [n * 2 for n in range(20)]
    assert 1 < peak[0] <= 4


def test_failures_are_kept_beside_the_successes() -> None:
    def work(n: int) -> int:
        if n == 3:
            raise ValueError("boom")
        return n

    outcomes = bounded_map(work, range(6), limit=3, catch=(ValueError,))
    assert [o.ok for o in outcomes] == [True, True, True, False, True, True]
    assert isinstance(outcomes[3].error, ValueError)


def test_uncaught_kinds_propagate() -> None:
    def work(n: int) -> int:
        raise KeyError(n)

    with pytest.raises(KeyError):
        bounded_map(work, [1, 2], limit=2, catch=(ValueError,))


def test_empty_input_and_a_limit_of_one() -> None:
    assert bounded_map(lambda n: n, [], limit=4) == []
    assert [o.value for o in bounded_map(lambda n: n + 1, [1, 2], limit=1)] == [2, 3]
