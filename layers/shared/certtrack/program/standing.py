"""The standing of a certification on a day: the one rule every surface asks.

A certification is valid **through** its expiration date: on the expiration date itself it is
still active, from the next day it is expired (as a certificate's "Expires 2026-03-14" is read:
valid on the 14th). The list, the detail, the certificate download, public verification,
transcripts, the kit catalog, the rules engine and the expiry check all decide "current on day
D" here, comparing dates as dates.

Pure: no AWS, no clock (the caller passes the day).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
NOT_EARNED = "in_progress"  # the engine's and the API's word for "not yet earned"


class Record(Protocol):
    """What the rule needs: a stored ``CertificationItem`` or a rules-engine ``Result`` has it."""

    @property
    def status(self) -> str: ...
    @property
    def active_date(self) -> str | date | None: ...
    @property
    def expiration_date(self) -> str | date | None: ...


def as_date(value: str | date | None) -> date | None:
    """A ``YYYY-MM-DD`` string or a date as a date (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def lapsed(expiration_date: str | date, day: date) -> bool:
    """Whether a period that expires on ``expiration_date`` is over on ``day`` (from the day after)."""
    expiry = as_date(expiration_date)
    assert expiry is not None
    return day > expiry


def first_day_expired(expiration_date: str | date) -> date:
    """The first day a period expiring on ``expiration_date`` is no longer valid."""
    expiry = as_date(expiration_date)
    assert expiry is not None
    return expiry + timedelta(days=1)


def standing(record: Record | None, day: date) -> str:
    """``active`` | ``expired`` | ``revoked`` | ``in_progress`` (not yet earned) on ``day``.

    - revoked is final, whatever the dates say;
    - an ``active`` record is active from its active date through its expiration date, expired
      after it (the daily expiry check may not have run yet), and not yet earned before its
      active date;
    - an ``active`` record without both dates names no period and is not shown as valid;
    - any other stored status (``expired``, ``in_progress``) stands as stored.
    """
    if record is None:
        return NOT_EARNED
    if record.status == REVOKED:
        return REVOKED
    if record.status != ACTIVE:
        return EXPIRED if record.status == EXPIRED else NOT_EARNED
    active_date, expiration_date = as_date(record.active_date), as_date(record.expiration_date)
    if active_date is None or expiration_date is None:
        return EXPIRED
    if day < active_date:
        return NOT_EARNED
    if lapsed(expiration_date, day):
        return EXPIRED
    return ACTIVE


def is_current(record: Record | None, day: date) -> bool:
    """Active on ``day``: what a certificate, a kit or a "valid" answer requires."""
    return standing(record, day) == ACTIVE
