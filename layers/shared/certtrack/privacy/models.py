"""The privacy requests' own items: their audit trail and the tombstone of an erased login."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from certtrack import keys
from certtrack.auth import Login
from certtrack.db import TableItem

EXPORT = "data_export"
ERASE = "login_erasure"


class PrivacyAuditItem(TableItem):
    """``CAND#<id> / PRIVACY#<timestamp>#<action>``: a data export or login erasure the candidate
    asked for: who (the login's opaque id), when, what (counts, never the data itself)."""

    sort_key = keys.PRIVACY_AUDIT_PREFIX

    candidate_id = UnicodeAttribute()
    action = UnicodeAttribute()  # EXPORT | ERASE
    login_sub = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    summary = UnicodeAttribute()  # "profile 1, exams 2, …": how many items of each section


class ErasedLoginItem(TableItem):
    """``LOGIN#<sub> / ERASED``: this login was unmapped by its candidate's erasure request.

    Written in the erasure's final transaction, so a request that failed after it (deleting the
    identity provider's user) can be repeated with the same login and finishes.
    """

    candidate_id = UnicodeAttribute()
    erased_at = UTCDateTimeAttribute()


def audit_item(
    candidate_id: str, action: str, login: Login, now: datetime, counts: Mapping[str, int]
) -> PrivacyAuditItem:
    """The audit item of one request; save it with ``condition=PrivacyAuditItem.PK.does_not_exist()``."""
    timestamp = now.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return PrivacyAuditItem(
        keys.candidate_pk(candidate_id),
        keys.privacy_audit_sk(timestamp, action, secrets.token_hex(4)),
        candidate_id=candidate_id,
        action=action,
        login_sub=login.sub,
        at=now,
        summary=", ".join(f"{name} {count}" for name, count in counts.items() if count) or "nothing",
    )
