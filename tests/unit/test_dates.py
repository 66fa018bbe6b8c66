"""The ISO forms every payload and key writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from certtrack.dates import iso_day, iso_instant


def test_an_instant_is_utc_to_the_second_with_z() -> None:
    assert iso_instant(datetime(2026, 11, 25, 10, 0, 7, 999999, tzinfo=UTC)) == "2026-11-25T10:00:07Z"
    paris = timezone(timedelta(hours=1))
    assert iso_instant(datetime(2026, 11, 25, 0, 30, tzinfo=paris)) == "2026-11-24T23:30:00Z"
    assert iso_instant(None) is None


def test_a_day_is_yyyy_mm_dd() -> None:
    assert iso_day(date(2026, 1, 5)) == "2026-01-05"
    assert iso_day(None) is None
