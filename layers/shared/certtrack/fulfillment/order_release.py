"""Ending an order before it ships, as the unpaid-order sweep and the operator cancel both do it.

One transaction: the order ``expired`` or ``cancelled`` (conditional on the status that was read,
and off the due index), each kit ``cancelled`` and off the operators' list (conditional on not
being sent), each kit's verification code deleted (a kit that will never exist verifies nothing),
each free-kit claim the order took deleted (the kit is free again), the transaction record that
says what happened, and, for an operator, the audit item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from certtrack.fulfillment.order_events import PayableOrder, PaymentRecords

ReleaseOutcome = Literal["applied", "stale", "shipped"]
ReleasedStatus = Literal["expired", "cancelled"]
# The transaction record's status: nothing charged and not paid in time / cancelled, or the money back.
ReleaseRecord = Literal["expired", "cancelled", "refunded"]
NOT_PAID_IN_TIME = "not_paid_in_time"
BY_OPERATOR = "operator"


@dataclass(frozen=True)
class OperatorAction:
    """Who did it and why, for the audit item."""

    login_sub: str
    login_username: str
    reason: str


@dataclass(frozen=True)
class Release:
    """What ending one order writes."""

    status: ReleasedStatus
    record: ReleaseRecord
    cause: str  # NOT_PAID_IN_TIME | BY_OPERATOR (the order's ``cancel_reason``)
    refunded: bool = False
    operator: OperatorAction | None = None


class OrderReleases(PaymentRecords, Protocol):
    """The webhook's records plus the release (``order_store.DynamoOrderStore``; a fake in tests)."""

    def release(self, order: PayableOrder, release: Release, now: datetime) -> ReleaseOutcome:
        """All of the module docstring or nothing: ``stale`` when the order moved since it was read
        (or left the due index), ``shipped`` when a kit was sent meanwhile."""
        ...

    def kit_statuses(self, order: PayableOrder) -> dict[str, str]:
        """Fulfillment id → status of the order's kits (consistent read)."""
        ...
