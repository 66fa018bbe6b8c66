"""Emailing a transcript link: preview, send, and the daily limits.

Two limits per UTC day, as rate-limit windows (``certtrack.identity.ratelimit``): 20 emails per
transcript and 30 per candidate across all their transcripts (making more transcripts does not
make more mail). A slot of both is taken (conditional ``ADD``) *before* sending, so concurrent
requests can never exceed either; a refusal by the transcript gives the candidate's slot back,
and a send that fails gives both back. The TTL removes old windows. Transcript shares
are non-essential mail: they pause while SES's bounce or complaint rate is bad (``mailhealth``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from certtrack import email, mailhealth
from certtrack.errors import Conflict, ServiceUnavailable
from certtrack.identity import ratelimit
from certtrack.identity.models import CandidateItem
from certtrack.identity.personal import settings_of
from certtrack.program.catalog import load_catalog
from certtrack.transcripts.holder import Holder
from certtrack.transcripts.links import public_url
from certtrack.transcripts.models import TranscriptItem
from certtrack.transcripts.schemas import EmailAccepted, EmailPreview
from certtrack.transcripts.service import owned, transcript_status

TEMPLATE = "transcript_share"
DAILY_EMAIL_LIMIT = 20  # per transcript
CANDIDATE_DAILY_EMAIL_LIMIT = 30  # per candidate, all transcripts together
TRANSCRIPT_EMAILS = ratelimit.Limit(
    "transcript_email",
    DAILY_EMAIL_LIMIT,
    ratelimit.DAY,
    "This transcript was already emailed {max_count} times today; try again tomorrow.",
)
CANDIDATE_EMAILS = ratelimit.Limit(
    "transcript_email",
    CANDIDATE_DAILY_EMAIL_LIMIT,
    ratelimit.DAY,
    "Your transcripts were already emailed {max_count} times today; try again tomorrow.",
)


def _context(item: TranscriptItem, holder: Holder) -> dict[str, Any]:
    return {
        # The recipient is whoever the holder named: the mail speaks the holder's language.
        "language": settings_of(holder.candidate)["language"] if holder.candidate else None,
        "name": holder.full_name,
        "transcript_id": item.transcript_id,
        "url": public_url(item.public_id),
        "expires_on": item.expires_on,
        "program_name": load_catalog().program,
    }


def _load(candidate_id: str, transcript_id: str) -> tuple[TranscriptItem, Holder]:
    item = owned(candidate_id, transcript_id)
    return item, Holder(candidate=CandidateItem.get_candidate(candidate_id))


def preview(candidate_id: str, transcript_id: str) -> EmailPreview:
    item, holder = _load(candidate_id, transcript_id)
    message = email.render(TEMPLATE, _context(item, holder))
    return EmailPreview(subject=message.subject, text=message.text, html=message.html)


def _windows(candidate_id: str, transcript_id: str) -> list[ratelimit.Window]:
    """The candidate's window first: a full transcript then gives the candidate's slot back."""
    return [
        ratelimit.per_value("mailbudget", candidate_id, CANDIDATE_EMAILS),
        ratelimit.per_value("transcript", transcript_id, TRANSCRIPT_EMAILS),
    ]


def claim_send_slot(candidate_id: str, transcript_id: str, now: datetime) -> int:
    """One of today's slots of the candidate and of the transcript; the emails left today (the
    fewer of the two); 429 until midnight UTC when either is used up."""
    return ratelimit.take(_windows(candidate_id, transcript_id), now)


def release_send_slot(candidate_id: str, transcript_id: str, now: datetime) -> None:
    ratelimit.give_back(_windows(candidate_id, transcript_id), now)


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
