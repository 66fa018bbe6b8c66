"""The provider's webhook, the use case: what a verified payment event does to its order.

An order waits in ``awaiting_payment`` with its kits held. Only a signed event moves it:

- ``payment_succeeded`` for the order's own payment, of the order's amount and currency, while it
  is awaiting payment → in ONE transaction the order ``paid``, its kits ``queued`` (onto the
  operators' list), the e-commerce transaction record and the event's marker; then the
  confirmation email;
- ``payment_failed`` while awaiting payment → the decline is recorded on the order (nothing is
  queued; the candidate may try another card on the same payment);
- ``payment_succeeded`` for an order that no longer waits (cancelled, expired) → the payment is
  refunded, the order is not resurrected;
- anything else (an event about an order we do not have, another payment, a wrong amount, a failure
  after the success, another event type) → refused or ignored, logged by ids only, nothing changed.

Every applied event leaves a marker (``PAYEVENT#<id>``) written with its effect, so a replayed or
duplicated delivery changes nothing. A delivery whose signature does not verify is 400
(:class:`certtrack.fulfillment.payments.InvalidEvent`); every verified event answers 200 with its
``outcome``, so the provider stops retrying what will never apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from aws_lambda_powertools import Logger

from certtrack.fields import Schema
from certtrack.fulfillment.order_email import SendEmail, send_confirmation
from certtrack.fulfillment.order_schemas import OrderOut
from certtrack.fulfillment.payments import PaymentEvent, PaymentProvider, get_provider
from certtrack.fulfillment.shipping import ShippingAddress

logger = Logger(child=True)

ApplyOutcome = Literal["applied", "duplicate", "stale"]
Outcome = Literal[
    "paid", "payment_failed", "refunded", "duplicate", "ignored", "unknown_order", "payment_mismatch", "amount_mismatch"
]


@dataclass(frozen=True)
class PayableOrder:
    """An order as its payment events need it."""

    candidate_id: str
    order_id: str
    status: str
    payment_id: str | None
    out: OrderOut
    address: ShippingAddress
    created_at: datetime | None = None
    due: str | None = None  # its GSI2SK while it awaits payment (the daily sweep's entry)


class PaymentRecords(Protocol):
    """What the webhook needs from storage (``order_store.DynamoOrderStore``; a fake in tests)."""

    def payable_order(self, candidate_id: str, order_id: str) -> PayableOrder | None: ...

    def event_seen(self, event_id: str) -> bool: ...

    def language(self, candidate_id: str) -> str | None:
        """The candidate's chosen language (their mail's), ``None`` when never chosen."""
        ...

    def mark_paid(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        """Order ``paid``, kits ``queued``, transaction record, marker: all or nothing."""
        ...

    def record_failure(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome: ...

    def mark_refunded(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        """``refunded_at`` on the order, a ``refunded`` transaction record, the marker."""
        ...

    def record_event(self, event: PaymentEvent, order_id: str | None, outcome: str, now: datetime) -> ApplyOutcome:
        """The marker alone (an event deliberately not applied)."""
        ...


class WebhookOut(Schema):
    """200 body of ``POST /payments/webhook``."""

    received: bool
    outcome: Outcome


def handle_webhook(
    payload: bytes,
    signature: str | None,
    now: datetime,
    *,
    provider: PaymentProvider | None = None,
    store: PaymentRecords | None = None,
    send_email: SendEmail | None = None,
) -> WebhookOut:
    """Verify the delivery (400 otherwise), then apply it at most once."""
    from certtrack.fulfillment.order_store import dynamo_store

    provider = provider or get_provider()
    event = provider.parse_event(payload, signature)
    outcome = apply_event(event, now, provider, store or dynamo_store(), send_email)
    logger.info(
        "payment event",
        extra={"event_id": event.id, "type": event.type, "payment_id": event.payment_id, "outcome": outcome},
    )
    return WebhookOut(received=True, outcome=outcome)


def apply_event(
    event: PaymentEvent, now: datetime, provider: PaymentProvider, store: PaymentRecords, send_email: SendEmail | None
) -> Outcome:
    if event.type == "other":
        return "ignored"
    if store.event_seen(event.id):
        return "duplicate"
    order = store.payable_order(event.candidate_id, event.order_id) if event.candidate_id and event.order_id else None
    if order is None:
        return _refuse(event, "unknown_order")
    if order.payment_id != event.payment_id:
        return _refuse(event, "payment_mismatch")  # another payment than the one this order made
    if (event.amount_cents, event.currency) != (order.out.total_cents, order.out.currency):
        return _refuse(event, "amount_mismatch")
    if event.type == "payment_failed":
        return _failed(event, order, now, store)
    return _succeeded(event, order, now, provider, store, send_email)


def _succeeded(
    event: PaymentEvent,
    order: PayableOrder,
    now: datetime,
    provider: PaymentProvider,
    store: PaymentRecords,
    send_email: SendEmail | None,
) -> Outcome:
    if order.status == "paid":
        return _marked(store.record_event(event, order.order_id, "duplicate", now), "duplicate")
    if order.status != "awaiting_payment":
        # Money for an order that was cancelled or expired meanwhile: give it back (the refund's
        # idempotency key is the payment, so a replay refunds once).
        provider.refund(event.payment_id)
        return _marked(store.mark_refunded(order, event, now), "refunded")
    applied = store.mark_paid(order, event, now)
    if applied == "stale":  # it moved on between the read and the write: decide again
        fresh = store.payable_order(order.candidate_id, order.order_id)
        return _succeeded(event, fresh, now, provider, store, send_email) if fresh else "ignored"
    if applied == "duplicate":
        return "duplicate"
    paid = order.out.model_copy(update={"status": "paid"})
    send_confirmation(order.address, paid, send_email, language=store.language(order.candidate_id))
    return "paid"


def _failed(event: PaymentEvent, order: PayableOrder, now: datetime, store: PaymentRecords) -> Outcome:
    if order.status != "awaiting_payment":
        # A failure delivered after the success (or after a cancel): nothing to change.
        return _marked(store.record_event(event, order.order_id, "ignored", now), "ignored")
    applied = store.record_failure(order, event, now)
    if applied == "stale":
        return _marked(store.record_event(event, order.order_id, "ignored", now), "ignored")
    return _marked(applied, "payment_failed")


def _marked(applied: ApplyOutcome, outcome: Outcome) -> Outcome:
    return "duplicate" if applied == "duplicate" else outcome


def _refuse(event: PaymentEvent, reason: Outcome) -> Outcome:
    # Ids and amounts only: the event is the provider's, the order may be nobody's.
    logger.warning(
        "payment event refused",
        extra={
            "event_id": event.id,
            "payment_id": event.payment_id,
            "order_id": event.order_id,
            "reason": reason,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
        },
    )
    return reason
