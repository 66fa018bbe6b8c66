"""Identity items: candidate profiles and login mappings."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from certtrack import keys
from certtrack.db import LookupIndex, TableItem


class CandidateItem(TableItem):
    """``CAND#<id> / PROFILE``; GSI1 ``EMAIL#<email>`` finds candidates by email."""

    candidate_id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    login_sub = UnicodeAttribute(null=True)
    login_username = UnicodeAttribute(null=True)
    mapped_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The five settings booleans and their per-field change times (audit items hold the history).
    settings = MapAttribute[str, object](null=True)
    # Program-defined attributes: job_title (editable), expert numbers, academy id.
    attributes = MapAttribute[str, object](null=True)
    vendor_testing_id = UnicodeAttribute(null=True)
    reminders_unsubscribed = BooleanAttribute(default=False)
    email_suppressed = BooleanAttribute(default=False)

    lookup_index = LookupIndex()

    @classmethod
    def key(cls, candidate_id: str) -> tuple[str, str]:
        return keys.candidate_pk(candidate_id), keys.PROFILE

    @classmethod
    def get_candidate(cls, candidate_id: str) -> "CandidateItem | None":
        try:
            return cls.get(*cls.key(candidate_id))
        except cls.DoesNotExist:
            return None


class LoginMappingItem(TableItem):
    """``LOGIN#<sub> / MAPPING``: which candidate a login is mapped to."""

    candidate_id = UnicodeAttribute()
    username = UnicodeAttribute(null=True)
    mapped_at = UTCDateTimeAttribute()
    method = UnicodeAttribute(null=True)  # "email" or "score_report"
