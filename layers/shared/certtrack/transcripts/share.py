"""Emailing a transcript link: preview, send, and the daily limits.

Two limits per UTC day: 20 emails per transcript (``TRANSCRIPT#<id> / SENDS#<day>``) and 30 per
candidate across all their transcripts (``MAILBUDGET#<candidate id> / SENDS#<day>``: making more
transcripts does not make more mail). A slot of both is taken (conditional ``ADD``) *before*
sending, so concurrent requests can never exceed either; a refusal by the transcript gives the
candidate's slot back, and a send that fails gives both back. The TTL removes old counters. Transcript shares
are non-essential mail: they pause while SES's bounce or complaint rate is bad (``mailhealth``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from certtrack import email, keys, mailhealth
from certtrack.dates import long_date
from certtrack.db import condition_failed
from certtrack.errors import Conflict, ServiceUnavailable, TooManyRequests
from certtrack.identity.models import CandidateItem
from certtrack.program.catalog import load_catalog
from certtrack.transcripts.holder import Holder
from certtrack.transcripts.links import public_url
from certtrack.transcripts.models import CandidateMailBudgetItem, TranscriptItem, TranscriptSendCounterItem
from certtrack.transcripts.schemas import EmailAccepted, EmailPreview
from certtrack.transcripts.service import owned, transcript_status

TEMPLATE = "transcript_share"
DAILY_EMAIL_LIMIT = 20  # per transcript
CANDIDATE_DAILY_EMAIL_LIMIT = 30  # per candidate, all transcripts together
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


def _counters(
    candidate_id: str, transcript_id: str, day: str
) -> tuple[TranscriptSendCounterItem, CandidateMailBudgetItem]:
    return (
        TranscriptSendCounterItem(keys.transcript_pk(transcript_id), keys.sends_sk(day)),
        CandidateMailBudgetItem(keys.mail_budget_pk(candidate_id), keys.sends_sk(day)),
    )


def _too_many(detail: str, now: datetime) -> TooManyRequests:
    return TooManyRequests(detail, code="too_many_requests", headers={"Retry-After": str(_seconds_to_midnight(now))})


def claim_send_slot(
    candidate_id: str,
    transcript_id: str,
    now: datetime,
    limit: int = DAILY_EMAIL_LIMIT,
    candidate_limit: int = CANDIDATE_DAILY_EMAIL_LIMIT,
) -> int:
    """Take one of today's slots of the candidate, then of the transcript (two conditional
    UpdateItems; the candidate's slot is given back when the transcript has none left). Returns the
    emails left today, the smaller of the two; 429 when either is used up."""
    day = now.date().isoformat()
    transcript_counter, budget = _counters(candidate_id, transcript_id, day)
    ttl = int((now + timedelta(days=COUNTER_RETENTION_DAYS)).timestamp())
    try:
        budget.update(
            actions=[
                CandidateMailBudgetItem.sent.add(1),
                CandidateMailBudgetItem.candidate_id.set(candidate_id),
                CandidateMailBudgetItem.day.set(day),
                CandidateMailBudgetItem.expires_at.set(ttl),
            ],
            condition=CandidateMailBudgetItem.sent.does_not_exist() | (CandidateMailBudgetItem.sent < candidate_limit),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise _too_many(
                f"Your transcripts were already emailed {candidate_limit} times today; try again tomorrow.", now
            ) from None
        raise
    try:
        transcript_counter.update(
            actions=[
                TranscriptSendCounterItem.sent.add(1),
                TranscriptSendCounterItem.transcript_id.set(transcript_id),
                TranscriptSendCounterItem.day.set(day),
                TranscriptSendCounterItem.expires_at.set(ttl),
            ],
            condition=TranscriptSendCounterItem.sent.does_not_exist() | (TranscriptSendCounterItem.sent < limit),
        )
    except UpdateError as error:
        budget.update(actions=[CandidateMailBudgetItem.sent.add(-1)], condition=CandidateMailBudgetItem.sent > 0)
        if condition_failed(error):
            detail = f"This transcript was already emailed {limit} times today; try again tomorrow."
            raise _too_many(detail, now) from None
        raise
    return max(0, min(limit - int(transcript_counter.sent), candidate_limit - int(budget.sent)))


def release_send_slot(candidate_id: str, transcript_id: str, now: datetime) -> None:
    transcript_counter, budget = _counters(candidate_id, transcript_id, now.date().isoformat())
    transcript_counter.update(
        actions=[TranscriptSendCounterItem.sent.add(-1)], condition=TranscriptSendCounterItem.sent > 0
    )
    budget.update(actions=[CandidateMailBudgetItem.sent.add(-1)], condition=CandidateMailBudgetItem.sent > 0)


def send(candidate_id: str, transcript_id: str, to: str, now: datetime) -> EmailAccepted:
    item, holder = _load(candidate_id, transcript_id)
    if transcript_status(item, now.date()) == "expired":
        raise Conflict("This transcript has expired; extend it before sharing it.", code="transcript_expired")
    if not holder.consents:
        raise Conflict(
            "Verification of certification is turned off in your settings; the link would show nothing.",
            code="verification_consent_withdrawn",
        )
    mailhealth.ensure_may_send(TEMPLATE, now)
    message = email.render(TEMPLATE, _context(item, holder))
    left = claim_send_slot(candidate_id, item.transcript_id, now)
    try:
        email.send(to, message)
    except ServiceUnavailable:
        release_send_slot(candidate_id, item.transcript_id, now)
        raise
    return EmailAccepted(status="email_sent", sends_left_today=left)
