"""Transcript items: the transcript itself and its per-day email send counter."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from certtrack import keys
from certtrack.db import DateAttribute, LookupIndex, TableItem

PUBLIC_GSI1SK = "TRANSCRIPT"


class TranscriptItem(TableItem):
    """``CAND#<id> / TRANSCRIPT#<transcript_id>``; GSI1 ``PUBLIC#<public_id>`` finds it from its public link.

    ``public_id`` is the capability in the shared URL (192 random bits); ``transcript_id`` is the short
    reference the holder and the email show. A deleted transcript keeps its item with ``revoked_at`` set
    (its link gives the one 404) until the TTL removes it.
    """

    sort_key = keys.TRANSCRIPT_PREFIX

    candidate_id = UnicodeAttribute()
    transcript_id = UnicodeAttribute()
    public_id = UnicodeAttribute()
    display_name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    remarks = UnicodeAttribute(default="")
    show_address = BooleanAttribute(default=False)
    show_email = BooleanAttribute(default=False)
    expires_on = DateAttribute()  # last day the link works
    include = UnicodeAttribute()  # "active" | "selected"
    certification_ids = ListAttribute[str](default=list)
    include_new_certifications = BooleanAttribute(default=False)
    # Certifications active when the choice was made: anything active later and not in here is "new".
    baseline_ids = ListAttribute[str](default=list)
    views = NumberAttribute(default=0)
    last_viewed = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
    # "expired" once the daily expiry check has passed ``expires_on`` (GSI2 schedules it); reads
    # still derive the status from ``expires_on``.
    status = UnicodeAttribute(null=True)

    lookup_index = LookupIndex()

    @classmethod
    def key(cls, candidate_id: str, transcript_id: str) -> tuple[str, str]:
        return keys.candidate_pk(candidate_id), keys.transcript_sk(transcript_id)
