"""Emailing a transcript link: preview, send, and the per-transcript daily limit.

The limit is an atomic counter item ``TRANSCRIPT#<id> / SENDS#<day>``: one conditional UpdateItem
(``ADD count 1`` if ``count < limit``) takes a slot *before* sending, so concurrent requests can
never exceed it; a send that fails gives its slot back. The TTL removes old counters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from certtrack import email, keys
from certtrack.certifications.catalog import load_catalog
from certtrack.dates import long_date
from certtrack.errors import Conflict, ServiceUnavailable, TooManyRequests
from certtrack.identity.models import CandidateItem
from certtrack.transcripts.holder import Holder
from certtrack.transcripts.links import public_url
from certtrack.transcripts.models import TranscriptItem, TranscriptSendCounterItem
from certtrack.transcripts.schemas import EmailAccepted, EmailPreview
from certtrack.transcripts.service import is_conditional_failure, owned, transcript_status

TEMPLATE = "transcript_share"
DAILY_EMAIL_LIMIT = 20
COUNTER_RETENTION_DAYS = 2


def _context(item: TranscriptItem, holder: Holder) -> dict[str, Any]:
    return {
        "name": holder.full_name,
        "transcript_id": item.transcript_id,
        "url": public_url(item.public_id),
        "expires_on": long_date(date.fromisoformat(item.expires_on)),
        "program_name": load_catalog().program,
    }


def _load(candidate_id: str, transcript_id: str) -> tuple[TranscriptItem, Holder]:
    item = owned(candidate_id, transcript_id)
    return item, Holder(candidate=CandidateItem.get_candidate(candidate_id))


def preview(candidate_id: str, transcript_id: str) -> EmailPreview:
    item, holder = _load(candidate_id, transcript_id)
    message = email.render(TEMPLATE, _context(item, holder))
    return EmailPreview(subject=message.subject, text=message.text, html=message.html)


def _seconds_to_midnight(now: datetime) -> int:
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
    return max(1, int((midnight - now).total_seconds()))


def claim_send_slot(transcript_id: str, now: datetime, limit: int = DAILY_EMAIL_LIMIT) -> int:
    """Take one of today's slots (one UpdateItem); returns the slots left. 429 when none are."""
    day = now.date().isoformat()
    counter = TranscriptSendCounterItem(keys.transcript_pk(transcript_id), keys.sends_sk(day))
    ttl = int((now + timedelta(days=COUNTER_RETENTION_DAYS)).timestamp())
    try:
        counter.update(
            actions=[
                TranscriptSendCounterItem.sent.add(1),
                TranscriptSendCounterItem.transcript_id.set(transcript_id),
                TranscriptSendCounterItem.day.set(day),
                TranscriptSendCounterItem.expires_at.set(ttl),
            ],
            condition=TranscriptSendCounterItem.sent.does_not_exist() | (TranscriptSendCounterItem.sent < limit),
        )
    except UpdateError as error:
        if is_conditional_failure(error):
            raise TooManyRequests(
                f"This transcript was already emailed {limit} times today; try again tomorrow.",
                code="too_many_requests",
                headers={"Retry-After": str(_seconds_to_midnight(now))},
            ) from None
        raise
    return max(0, limit - int(counter.sent))


def release_send_slot(transcript_id: str, now: datetime) -> None:
    counter = TranscriptSendCounterItem(keys.transcript_pk(transcript_id), keys.sends_sk(now.date().isoformat()))
    counter.update(actions=[TranscriptSendCounterItem.sent.add(-1)], condition=TranscriptSendCounterItem.sent > 0)


def send(candidate_id: str, transcript_id: str, to: str, now: datetime) -> EmailAccepted:
    item, holder = _load(candidate_id, transcript_id)
    if transcript_status(item, now.date()) == "expired":
        raise Conflict("This transcript has expired; extend it before sharing it.", code="transcript_expired")
    if not holder.consents:
        raise Conflict(
            "Verification of certification is turned off in your settings; the link would show nothing.",
            code="verification_consent_withdrawn",
        )
    message = email.render(TEMPLATE, _context(item, holder))
    left = claim_send_slot(item.transcript_id, now)
    try:
        email.send(to, message)
    except ServiceUnavailable:
        release_send_slot(item.transcript_id, now)
        raise
    return EmailAccepted(status="email_sent", sends_left_today=left)
