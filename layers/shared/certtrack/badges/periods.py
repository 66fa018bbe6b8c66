"""The one place badges read a certification record's period dates.

Stored records give ``YYYY-MM-DD`` strings today and ``datetime.date`` values once the record
attributes become dates; ``program.standing.as_date`` takes either, so only this function knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from certtrack.program.standing import Record, as_date


@dataclass(frozen=True)
class Period:
    valid_from: date
    valid_until: date  # the expiration date: valid through that whole day


def period_of(record: Record) -> Period | None:
    """The record's current certification period; None when it names none (never earned)."""
    start, end = as_date(record.active_date), as_date(record.expiration_date)
    if start is None or end is None:
        return None
    return Period(start, end)
