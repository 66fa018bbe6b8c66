"""Certification records for document tests, built through the domain model (keys from ``keys``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.identity.models import CandidateItem

from tests.factories import candidate

# Handlers read the real clock, so records are dated relative to today.
TODAY = datetime.now(UTC).date()


def days(offset: int) -> str:
    """The ISO date ``offset`` days from today."""
    return (TODAY + timedelta(days=offset)).isoformat()


ACTIVE = days(-400)
EXPIRES = days(700)


def certification(
    candidate_id: str,
    cert_id: str = "ccna",
    *,
    status: str = "active",
    active_date: str | None = ACTIVE,
    expiration_date: str | None = EXPIRES,
    first_earned: str | None = None,
    verification_code: str | None = None,
) -> CertificationItem:
    """A saved certification record of ``candidate_id`` (an active CCNA, earned 400 days ago, unless overridden)."""
    item = CertificationItem(
        keys.candidate_pk(candidate_id),
        keys.cert_sk(cert_id),
        candidate_id=candidate_id,
        cert_id=cert_id,
        status=status,
        started=active_date,
        active_date=active_date,
        expiration_date=expiration_date,
        first_earned=first_earned or active_date,
        verification_code=verification_code,
    )
    item.save()
    return item


def holder(
    login_sub: str | None = "sub-holder",
    *,
    first_name: str = "Zoë",
    last_name: str = "Ångström",
    consent: bool | None = None,
) -> CandidateItem:
    """A mapped candidate; ``consent`` sets the ``verification_consent`` flag when not None."""
    item = candidate(first_name=first_name, last_name=last_name, login_sub=login_sub)
    if consent is not None:
        item.update(actions=[CandidateItem.settings.set({"verification_consent": consent})])
    return item
