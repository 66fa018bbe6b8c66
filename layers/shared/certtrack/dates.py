"""Dates written out: the ISO forms of payloads and keys, and English wording for documents and
emails, whatever the process locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def month_day_year(value: date) -> str:
    """``December 10, 2019``."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def long_date(value: date) -> str:
    """``Tuesday, December 10, 2019``."""
    return f"{WEEKDAYS[value.weekday()]}, {month_day_year(value)}"


@overload
def iso_instant(value: datetime) -> str: ...
@overload
def iso_instant(value: datetime | None) -> str | None: ...
def iso_instant(value: datetime | None) -> str | None:
    """``2026-11-25T10:00:00Z``: a moment in UTC to the second (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_day(value: date | None) -> str | None:
    """``2026-11-25`` (None stays None)."""
    return value.isoformat() if value else None
