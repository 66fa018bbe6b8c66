"""Factories that build records through the domain models (not hand-written dicts)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.identity.models import CandidateItem, LoginMappingItem

_seq = itertools.count(1)


def today() -> date:
    """Handlers read the real clock, so records are dated relative to today."""
    return datetime.now(UTC).date()


def days(offset: int) -> str:
    """The ISO date ``offset`` days from today."""
    return (today() + timedelta(days=offset)).isoformat()


ACTIVE = days(-400)  # a certification's default active date
EXPIRES = days(700)  # and its default expiration date (when active)
_BY_STATUS: Any = object()  # expiration default: EXPIRES when active, ten days ago otherwise


def day(value: str | date | None) -> date | None:
    """A day given as ``YYYY-MM-DD`` (as payloads carry it) or a date, as the models store it."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def candidate(
    *,
    candidate_id: str | None = None,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    email: str | None = None,
    login_sub: str | None = None,
) -> CandidateItem:
    """A saved candidate; mapped to ``login_sub`` when given."""
    n = next(_seq)
    cid = candidate_id or f"CSCO{10_000_000 + n:08d}"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    address = email or f"candidate{n}@example.com"
    item = CandidateItem(
        *CandidateItem.key(cid),
        candidate_id=cid,
        first_name=first_name,
        last_name=last_name,
        email=address,
        created_at=now,
        GSI1PK=keys.email_gsi(address),
        GSI1SK=keys.candidate_pk(cid),
    )
    if login_sub:
        item.login_sub = login_sub
        item.mapped_at = now
        LoginMappingItem(keys.login_pk(login_sub), keys.MAPPING, candidate_id=cid, mapped_at=now).save()
    item.save()
    return item


def certification_item(
    candidate_id: str,
    cert_id: str = "ccna",
    *,
    status: str = "active",
    active_date: str | date | None = ACTIVE,
    expiration_date: str | date | None = _BY_STATUS,
    first_earned: str | date | None = None,
    verification_code: str | None = None,
) -> CertificationItem:
    """A certification record of ``candidate_id``, not saved (the rules engine's item, built directly).

        An active CCNA earned 400 days ago (``started`` and ``first_earned`` too) that expires in 700
        days, unless overridden; another ``status`` expired ten days ago. ``None``: no such date. Dates
    are ``YYYY-MM-DD`` strings or dates.
    """
    if expiration_date is _BY_STATUS:
        expiration_date = EXPIRES if status == "active" else days(-10)
    return CertificationItem(
        keys.candidate_pk(candidate_id),
        keys.cert_sk(cert_id),
        candidate_id=candidate_id,
        cert_id=cert_id,
        status=status,
        started=day(active_date),
        active_date=day(active_date),
        expiration_date=day(expiration_date),
        first_earned=day(first_earned or active_date),
        verification_code=verification_code,
    )


def certification(candidate_id: str, cert_id: str = "ccna", **fields: Any) -> CertificationItem:
    """A saved :func:`certification_item` (same arguments)."""
    item = certification_item(candidate_id, cert_id, **fields)
    item.save()
    return item
