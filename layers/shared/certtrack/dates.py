"""English date wording for documents and emails, whatever the process locale."""

from __future__ import annotations

from datetime import date

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
