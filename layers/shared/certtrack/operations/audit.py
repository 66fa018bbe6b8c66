"""The operators' audit trail as lists: per candidate, and across candidates by month with filters.

Both are Queries (the candidate's partition; GSI1 ``OPAUDIT#<YYYY-MM>``), newest first. Nothing
here writes: audit items are written only beside the write they record.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.expressions.condition import Condition

from certtrack import keys, paging
from certtrack.fields import Schema
from certtrack.identity.operator_audit import OperatorAuditItem


class AuditEntry(Schema):
    candidate_id: str | None  # None: a write that concerns no candidate (a CSV import)
    action: str
    target: str
    reason: str
    before: str | None
    after: str | None
    operator: str  # the login's username
    at: datetime


class AuditPage(Schema):
    items: list[AuditEntry]
    next: str | None


def audit_entry_out(item: OperatorAuditItem) -> AuditEntry:
    return AuditEntry(
        candidate_id=item.candidate_id or None,
        action=item.action,
        target=item.target,
        reason=item.reason,
        before=item.before,
        after=item.after,
        operator=item.login_username,
        at=item.at,
    )


def candidate_audit(candidate_id: str, limit: int = 100) -> list[AuditEntry]:
    """The newest ``limit`` operator actions on one candidate (one Query on its partition)."""
    results = OperatorAuditItem.query(
        keys.candidate_pk(candidate_id),
        OperatorAuditItem.SK.startswith(keys.OPERATOR_AUDIT_PREFIX),
        scan_index_forward=False,
        limit=limit,
    )
    return [audit_entry_out(item) for item in results]


def list_audit(
    month: datetime,
    *,
    action: str | None,
    operator: str | None,
    candidate_id: str | None,
    limit: int,
    cursor: str | None,
) -> AuditPage:
    """One month's operator actions, newest first, optionally only one action, operator or candidate.

    One Query on GSI1 ``OPAUDIT#<YYYY-MM>``; the filters are applied by DynamoDB on that partition
    (a page may hold fewer than ``limit`` items and still have a ``next``).
    """
    gsi_pk = keys.operator_audit_gsi(month)
    start = paging.decode_key(
        cursor,
        lambda raw: set(raw) == {"PK", "SK", "GSI1PK", "GSI1SK"} and raw["GSI1PK"] == {"S": gsi_pk},
    )
    condition: Condition | None = None
    for matches in (
        OperatorAuditItem.action == action if action else None,
        OperatorAuditItem.login_username == operator if operator else None,
        OperatorAuditItem.candidate_id == candidate_id if candidate_id else None,
    ):
        if matches is not None:
            condition = matches if condition is None else condition & matches
    results = OperatorAuditItem.lookup_index.query(
        gsi_pk, filter_condition=condition, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    items = [audit_entry_out(item) for item in results if isinstance(item, OperatorAuditItem)]
    return AuditPage(items=items, next=paging.encode_key(results.last_evaluated_key))
