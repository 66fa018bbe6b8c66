"""Badge items: one per certification period in the candidate's partition, the issued credential
under its public id, and the status lists' set bits."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from certtrack import keys
from certtrack.db import TableItem


class BadgeItem(TableItem):
    """``CAND#<id> / BADGE#<cert_id>#<valid from>``: the credential issued for one period."""

    sort_key = keys.BADGE_PREFIX

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    valid_from = UnicodeAttribute()  # YYYY-MM-DD
    valid_until = UnicodeAttribute()  # YYYY-MM-DD, the period's expiration date
    credential_id = UnicodeAttribute()
    status_index = NumberAttribute()  # global index; list and position from certtrack.badges.credential
    issued_at = UTCDateTimeAttribute()
    # The bits this credential has set in its status lists (changed with the chunk, in one transaction).
    revoked = BooleanAttribute(default=False)
    suspended = BooleanAttribute(default=False)


class CredentialItem(TableItem):
    """``CRED#<credential_id> / CREDENTIAL``: the signed credential, exactly as it was signed."""

    sort_key = keys.CREDENTIAL

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    status_index = NumberAttribute()
    document = UnicodeAttribute()  # the JSON text served by /public/credentials/{id}
    issued_at = UTCDateTimeAttribute()

    @classmethod
    def key(cls, credential_id: str) -> tuple[str, str]:
        return keys.credential_pk(credential_id), keys.CREDENTIAL


class StatusChunkItem(TableItem):
    """``STATUSLIST#<list_id> / CHUNK#<nn>``: the set positions of 8,192 entries of one list.

    A bit is set or cleared with one UpdateItem ``ADD``/``DELETE`` on the number set: atomic and
    idempotent; a list is one Query of at most 16 items.
    """

    sort_key = keys.STATUS_CHUNK_PREFIX

    positions = NumberSetAttribute(null=True)
