"""The operators' audit trail: one append-only item per operator write, written in the same
transaction as the write itself (who, when, what before → after, why).

Per candidate it is part of the candidate's partition (``CAND#<id> / OPAUDIT#…``); across
candidates GSI1 ``OPAUDIT#<YYYY-MM>`` lists a month's actions, newest first when read backwards.
No route updates or deletes these items.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from certtrack import keys
from certtrack.auth import Login
from certtrack.dates import iso_instant
from certtrack.db import LookupIndex, TableItem


class OperatorAuditItem(TableItem):
    """``CAND#<id> / OPAUDIT#<timestamp>#<action>#<target>``; GSI1 ``OPAUDIT#<YYYY-MM>`` /
    ``<timestamp>#<candidate id>#<action>``."""

    sort_key = keys.OPERATOR_AUDIT_PREFIX
    lookup_index = LookupIndex()

    candidate_id = UnicodeAttribute()  # "" for a write that concerns no candidate (an import)
    action = UnicodeAttribute()  # e.g. "order_cancel", "kit_sent", "grant", "import_started"
    target = UnicodeAttribute()  # what it was done to (an order id, a certification id)
    reason = UnicodeAttribute()
    before = UnicodeAttribute(null=True)  # the state it changed, in words ("queued")
    after = UnicodeAttribute(null=True)  # what it became ("sent: UPS 1Z…")
    login_sub = UnicodeAttribute()
    login_username = UnicodeAttribute()
    at = UTCDateTimeAttribute()


def audit_entry(
    candidate_id: str | None,
    action: str,
    target: str,
    reason: str,
    login: Login,
    now: datetime,
    *,
    before: str | None = None,
    after: str | None = None,
    subject_pk: str | None = None,
) -> OperatorAuditItem:
    """The audit item of one operator write; save it in the write's transaction with
    ``condition=OperatorAuditItem.PK.does_not_exist()``.

    A write that concerns no candidate (a CSV import) passes ``candidate_id=None`` and the
    partition of what it wrote as ``subject_pk`` (``IMPORT#<id>``): the item lives there, and is on
    the month's list like every other.
    """
    at = iso_instant(now)
    if candidate_id is None and subject_pk is None:
        raise ValueError("an audit item needs a candidate or a subject partition")
    return OperatorAuditItem(
        subject_pk or keys.candidate_pk(candidate_id or ""),
        keys.operator_audit_sk(at, action, target),
        GSI1PK=keys.operator_audit_gsi(now),
        GSI1SK=keys.operator_audit_gsi_sk(at, candidate_id or "-", action),
        candidate_id=candidate_id or "",
        action=action,
        target=target,
        reason=reason,
        before=before,
        after=after,
        login_sub=login.sub,
        login_username=login.username,
        at=now,
    )
