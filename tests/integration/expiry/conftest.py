"""Records for the expiry check: holders of certifications expiring on a chosen day, bulk tables, helpers."""

from __future__ import annotations

import email as email_pkg
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from email import policy
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications import due, evaluation
from certtrack.certifications.models import CECreditItem, CertificationItem
from certtrack.db import TableItem
from certtrack.identity.models import CandidateItem
from certtrack.program import rules
from certtrack.transcripts.models import TranscriptItem

from tests.conftest import LambdaContext
from tests.factories import candidate, certification_item

_ext = itertools.count(1)
_bulk = itertools.count(1)


def at(day: date | str, hour: int = 3) -> datetime:
    """The schedule's event time on ``day`` (03:00 UTC)."""
    return datetime.combine(date.fromisoformat(str(day)), time(hour), tzinfo=UTC)


def holder(expires: str, *, cert_id: str = "ccna", email: str | None = None, **profile: Any) -> CandidateItem:
    """A candidate holding ``cert_id`` until ``expires`` (a manual grant three years earlier)."""
    person = candidate(email=email)
    for name, value in profile.items():
        setattr(person, name, value)
    if profile:
        person.save()
    granted = rules.add_years(date.fromisoformat(expires), -3)
    evaluation.grant(person.candidate_id, cert_id, granted, at(granted, 12))
    return person


def certification(candidate_id: str, cert_id: str = "ccna") -> CertificationItem:
    return CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id), consistent_read=True)


def credit(candidate_id: str, points: float, active_date: str) -> CECreditItem:
    """A CE credit as the import writes it (active, due on its inactive date), without re-evaluating."""
    inactive = rules.add_years(date.fromisoformat(active_date), 3)
    external_id = f"EXP-{next(_ext):06d}"
    item = CECreditItem(
        keys.candidate_pk(candidate_id),
        keys.ce_sk(external_id),
        candidate_id=candidate_id,
        external_id=external_id,
        activity_name="Cisco Live session",
        provider_name="Cisco",
        points=points,
        active_date=date.fromisoformat(active_date),
        inactive_date=inactive,
        status="active",
    )
    item.GSI2PK, item.GSI2SK = due.credit_due(item.PK, item.SK, inactive)
    item.save()
    return item


def transcript(candidate_id: str, expires_on: str) -> TranscriptItem:
    transcript_id = f"T{next(_ext):015d}"
    created = datetime(2026, 1, 1, tzinfo=UTC)
    item = TranscriptItem(
        *TranscriptItem.key(candidate_id, transcript_id),
        candidate_id=candidate_id,
        transcript_id=transcript_id,
        public_id=f"pub-{transcript_id}",
        display_name="Transcript",
        expires_on=date.fromisoformat(expires_on),
        include="active",
        created_at=created,
        updated_at=created,
    )
    item.GSI2PK, item.GSI2SK = due.transcript_due(item.PK, item.SK, item.expires_on)
    item.save()
    return item


def bulk_certifications(count: int, first_expiry: date) -> None:
    """``count`` active certifications of candidates without profiles, expiring a day apart from ``first_expiry``."""
    with TableItem.batch_write() as batch:
        for n in range(count):
            cid = f"CSCO{80_000_000 + next(_bulk):08d}"
            expires = date.fromordinal(first_expiry.toordinal() + n % 700)
            item = certification_item(cid, active_date=rules.add_years(expires, -3), expiration_date=expires)
            due.schedule_period(item)
            batch.save(item)


class FakeContext(LambdaContext):
    """A Lambda context: ``plenty`` of time for ``calls`` looks, then ``short`` (stop scanning, still send)."""

    def __init__(self, calls: int = 10**9, plenty: int = 600_000, short: int = 30_000) -> None:
        self.calls, self.plenty, self.short = calls, plenty, short

    # Powertools declares it a staticmethod; a real context's answer is the instance's time left.
    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        self.calls -= 1
        return self.plenty if self.calls >= 0 else self.short


@pytest.fixture
def fake_context() -> Callable[..., FakeContext]:
    return FakeContext


def raw_messages() -> list[Any]:
    """SES-accepted messages as parsed MIME (headers included)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    out = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is not None:
            out.append(email_pkg.message_from_string(raw, policy=policy.default))
    return out


@pytest.fixture
def reminders_sent() -> Callable[[], list[dict[str, str]]]:
    """Expiry reminders in the outbox (other mail filtered out): to, subject, text, html."""
    from tests.conftest import sent_emails

    def _sent() -> list[dict[str, str]]:
        return [m for m in sent_emails() if " expires on " in m["subject"]]

    return _sent


@pytest.fixture
def no_sleep() -> Iterator[list[float]]:
    delays: list[float] = []
    yield delays
