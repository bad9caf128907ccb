"""Score timestamps only move forward, whatever the clock does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool.lti.ags import next_timestamp

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_the_first_score_uses_the_time_asked() -> None:
    assert next_timestamp(None, NOW) == NOW


def test_a_later_time_is_kept() -> None:
    assert next_timestamp(NOW.isoformat().encode(), NOW + timedelta(seconds=1)) == NOW + timedelta(
        seconds=1
    )


def test_the_same_or_an_earlier_time_moves_just_past_the_last() -> None:
    last = NOW.isoformat().encode()
    assert next_timestamp(last, NOW) == NOW + timedelta(milliseconds=1)
    assert next_timestamp(last, NOW - timedelta(hours=1)) == NOW + timedelta(milliseconds=1)


def test_naive_times_count_as_utc_and_garbage_is_ignored() -> None:
    assert next_timestamp(None, NOW.replace(tzinfo=None)) == NOW
    assert next_timestamp(b"not a time", NOW) == NOW
