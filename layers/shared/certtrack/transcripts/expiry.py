"""Transcripts past their last day: the daily expiry check hands each due entry to ``expire``.

The check (``certtrack.certifications.expiry``) scans the due index; transcripts sit above
certifications, so the scheduled handler passes ``expire`` to it and transcripts change their
own items.
"""

from __future__ import annotations

from certtrack.certifications import due
from certtrack.transcripts.models import TranscriptItem


def expire(pk: str, sk: str, gsi2sk: str) -> bool:
    """Status ``expired`` and off the index, if the transcript is still at the entry that was read."""
    item = TranscriptItem(pk, sk)
    return due.take_off_index(item, [TranscriptItem.status.set("expired")], gsi2sk)
