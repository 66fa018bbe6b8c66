"""In-memory stand-ins for what placing and paying an order talk to: the order store (with its
idempotency records and the payment events applied), the payment provider, and the mail sender. No
AWS and no provider anywhere."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from certtrack import verification
from certtrack.errors import Conflict, ServiceUnavailable
from certtrack.fulfillment.order_events import ApplyOutcome, PayableOrder
from certtrack.fulfillment.order_release import Release, ReleaseOutcome
from certtrack.fulfillment.order_schemas import OrderedKit, OrderOut, OrderStatus
from certtrack.fulfillment.order_store import StoredOrder, new_id
from certtrack.fulfillment.payments import (
    InvalidEvent,
    PaymentEvent,
    PaymentState,
    PaymentStatus,
    PaymentsUnavailable,
    PendingPayment,
)
from certtrack.fulfillment.pricing import PricedOrder
from certtrack.fulfillment.shipping import ShippingAddress


class InMemoryIdempotencyRecords(BasePersistenceLayer):
    """Powertools' persistence contract over a dict: a put succeeds unless a live record holds the key."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            return copy.copy(self.records[idempotency_key])
        except KeyError:
            raise IdempotencyItemNotFoundError from None

    def _put_record(self, data_record: DataRecord) -> None:
        old = self.records.get(data_record.idempotency_key)
        if old is not None and not old.is_expired:
            in_progress_live = old.in_progress_expiry_timestamp is None or old.in_progress_expiry_timestamp > int(
                time.time() * 1000
            )
            if old.status == STATUS_CONSTANTS["COMPLETED"] or in_progress_live:
                raise IdempotencyItemAlreadyExistsError  # the handler reads it back and checks the payload
        self.records[data_record.idempotency_key] = copy.copy(data_record)

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = copy.copy(data_record)

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


@dataclass
class InMemoryOrderStore:
    """``OrderStore`` over dicts, keeping the transaction's guarantees: a free kit's claim is written
    once per certification, every certification must still be held, and all of it or nothing."""

    held: dict[str, set[str]] = field(default_factory=dict)
    addresses: dict[str, ShippingAddress] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)  # candidate → chosen language
    claims: dict[tuple[str, str], str] = field(default_factory=dict)  # (candidate, cert) → order id
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    payable: dict[str, PayableOrder] = field(default_factory=dict)  # order id → what its events see
    kits: dict[str, str] = field(default_factory=dict)  # fulfillment id → status
    transactions: dict[str, list[str]] = field(default_factory=dict)  # order id → record statuses, oldest first
    audits: list[tuple[str, str, str]] = field(default_factory=list)  # (order id, operator sub, reason)
    payment_errors: dict[str, str] = field(default_factory=dict)  # order id → last decline
    events: dict[str, str] = field(default_factory=dict)  # event id → outcome
    release_failures: int = 0  # the next N releases fail as DynamoDB does when it is down
    idempotency: InMemoryIdempotencyRecords = field(default_factory=InMemoryIdempotencyRecords)

    def held_cert_ids(self, candidate_id: str, now: datetime) -> set[str]:
        return set(self.held.get(candidate_id, set()))

    def claimed_cert_ids(self, candidate_id: str) -> set[str]:
        return {cert_id for (cid, cert_id) in self.claims if cid == candidate_id}

    def shipping_address(self, candidate_id: str) -> ShippingAddress | None:
        return self.addresses.get(candidate_id)

    def language(self, candidate_id: str) -> str | None:
        return self.languages.get(candidate_id)

    def write(
        self,
        candidate_id: str,
        order_id: str,
        priced: PricedOrder,
        address: ShippingAddress,
        payment_id: str | None,
        now: datetime,
    ) -> StoredOrder:
        free = [line.certification_id for line in priced.lines if line.initial_kit]
        if any((candidate_id, cert_id) in self.claims for cert_id in free):
            raise Conflict("already claimed", code="initial_kit_already_claimed")
        if not {line.certification_id for line in priced.lines} <= self.held.get(candidate_id, set()):
            raise Conflict("not held", code="certification_not_held")
        kits = tuple(
            OrderedKit(
                sku=line.sku,
                name=line.name,
                kind=line.kind,
                certification_id=line.certification_id,
                price_cents=line.price_cents,
                initial_kit=line.initial_kit,
                fulfillment_id=new_id(now),
                verification_code=verification.generate_code(),
            )
            for line in priced.lines
        )
        for cert_id in free:
            self.claims[(candidate_id, cert_id)] = order_id
        status: OrderStatus = "awaiting_payment" if payment_id else "queued"
        stored = StoredOrder(candidate_id, order_id, kits, status)
        self.orders[order_id] = stored
        out = OrderOut(order_id=order_id, items=list(kits), **priced.totals(), status=status)
        due = f"{now.date().isoformat()}#ORDER:unpaid#{order_id}" if payment_id else None
        self.payable[order_id] = PayableOrder(candidate_id, order_id, status, payment_id, out, address, now, due)
        self.kits.update({kit.fulfillment_id: "awaiting_payment" if payment_id else "queued" for kit in kits})
        if payment_id is None:
            self.transactions[order_id] = ["no_charge"]
        return stored

    # --- the webhook's records (order_events.PaymentRecords) ---------------------------------------

    def payable_order(self, candidate_id: str, order_id: str) -> PayableOrder | None:
        order = self.payable.get(order_id)
        return order if order is not None and order.candidate_id == candidate_id else None

    def find_order(self, order_id: str) -> PayableOrder | None:
        return self.payable.get(order_id)

    def event_seen(self, event_id: str) -> bool:
        return event_id in self.events

    def _moved(self, order: PayableOrder, event: PaymentEvent, statuses: set[str]) -> ApplyOutcome | None:
        if event.id in self.events:
            return "duplicate"
        current = self.payable[order.order_id]
        if current.status not in statuses or current.payment_id != event.payment_id:
            return "stale"
        return None

    def mark_paid(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        refused = self._moved(order, event, {"awaiting_payment"})
        if refused:
            return refused
        self.events[event.id] = "paid"
        self.payable[order.order_id] = replace(self.payable[order.order_id], status="paid", due=None)
        self.kits.update({kit.fulfillment_id: "queued" for kit in order.out.items})
        self.transactions.setdefault(order.order_id, []).append("paid")
        self.payment_errors.pop(order.order_id, None)
        return "applied"

    def record_failure(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        refused = self._moved(order, event, {"awaiting_payment"})
        if refused:
            return refused
        self.events[event.id] = "payment_failed"
        self.payment_errors[order.order_id] = event.failure or "declined"
        return "applied"

    def mark_refunded(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        refused = self._moved(order, event, {order.status})
        if refused:
            return refused
        self.events[event.id] = "refunded"
        self.transactions.setdefault(order.order_id, []).append("refunded")
        return "applied"

    def kit_statuses(self, order: PayableOrder) -> dict[str, str]:
        return {kit.fulfillment_id: self.kits[kit.fulfillment_id] for kit in order.out.items}

    def release(self, order: PayableOrder, release: Release, now: datetime) -> ReleaseOutcome:
        if self.release_failures:
            self.release_failures -= 1
            raise ServiceUnavailable("DynamoDB is not answering.")
        current = self.payable[order.order_id]
        if current.status != order.status or (order.due is not None and current.due != order.due):
            return "stale"
        if any(self.kits[kit.fulfillment_id] not in ("awaiting_payment", "queued") for kit in order.out.items):
            return "shipped"
        self.payable[order.order_id] = replace(current, status=release.status, due=None)
        self.kits.update({kit.fulfillment_id: "cancelled" for kit in order.out.items})
        for kit in order.out.items:
            if kit.initial_kit:
                self.claims.pop((order.candidate_id, kit.certification_id), None)
        self.transactions.setdefault(order.order_id, []).append(release.record)
        if release.operator is not None:
            self.audits.append((order.order_id, release.operator.login_sub, release.operator.reason))
        return "applied"

    def record_event(self, event: PaymentEvent, order_id: str | None, outcome: str, now: datetime) -> ApplyOutcome:
        if event.id in self.events:
            return "duplicate"
        self.events[event.id] = outcome
        return "applied"

    def set_status(self, order_id: str, status: str) -> None:
        """What the (later) cancel and expiry paths do to an order, for the out-of-order cases."""
        self.payable[order_id] = replace(self.payable[order_id], status=status)

    def idempotency_records(self) -> InMemoryIdempotencyRecords:
        return self.idempotency


class Outbox:
    """A ``send_email`` that keeps what it was given (or fails, like SES when it is down)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, str, Mapping[str, Any]]] = []
        self.error = error

    def __call__(self, to: str, name: str, context: Mapping[str, Any]) -> str:
        if self.error is not None:
            raise self.error
        self.sent.append((to, name, context))
        return "message-id"


class FakeProvider:
    """A ``PaymentProvider`` in memory: payments it created, cancelled and refunded; events it
    "signs" by prefixing ``signed:`` (no crypto: the real verification is Stripe's, tested against
    localstripe). ``down`` makes every call fail as an unreachable provider does."""

    name = "fake"
    publishable_key = "pk_fake"

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.payments: dict[str, PendingPayment] = {}
        self.metadata: dict[str, dict[str, str]] = {}
        self.cancelled: list[str] = []
        self.refunded: list[str] = []  # one entry per payment: the provider refunds a payment once
        self.states: dict[str, PaymentStatus] = {}  # where each payment stands (pending until changed)
        self.succeeds_on_cancel: set[str] = set()  # paid by the browser just before the cancel reaches it

    def _reachable(self) -> None:
        if self.down:
            raise PaymentsUnavailable("The payment provider is not answering; nothing was charged.")

    def create_payment(
        self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
    ) -> PendingPayment:
        self._reachable()
        pending = PendingPayment(
            f"pi_{len(self.payments) + 1}", f"pi_{len(self.payments) + 1}_secret", amount_cents, currency
        )
        self.payments[pending.id] = pending
        self.metadata[pending.id] = {"order_id": order_id, "candidate_id": candidate_id, "method": method}
        return pending

    def cancel(self, payment_id: str) -> None:
        self._reachable()
        if payment_id in self.succeeds_on_cancel or self.states.get(payment_id) == "succeeded":
            self.states[payment_id] = "succeeded"
            raise PaymentsUnavailable("A succeeded payment cannot be cancelled.")  # as ``_call`` turns Stripe's 400
        self.cancelled.append(payment_id)
        self.states[payment_id] = "canceled"

    def payment_state(self, payment_id: str) -> PaymentState:
        self._reachable()
        pending, metadata = self.payments[payment_id], self.metadata[payment_id]
        return PaymentState(
            id=payment_id,
            status=self.states.get(payment_id, "pending"),
            amount_cents=pending.amount_cents,
            currency=pending.currency,
            order_id=metadata["order_id"],
            candidate_id=metadata["candidate_id"],
        )

    def refund(self, payment_id: str) -> None:
        self._reachable()
        if payment_id not in self.refunded:
            self.refunded.append(payment_id)

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        if signature != "signed":
            raise InvalidEvent("The webhook signature does not verify.")
        return PaymentEvent(**json.loads(payload))

    def event(self, of_payment: str, type_: str = "payment_succeeded", **changes: Any) -> PaymentEvent:
        """The event the provider would send about one of its payments (``changes`` forge it)."""
        pending, metadata = self.payments[of_payment], self.metadata[of_payment]
        fields: dict[str, Any] = {
            "id": f"evt_{secrets.token_hex(4)}",
            "type": type_,
            "payment_id": of_payment,
            "order_id": metadata["order_id"],
            "candidate_id": metadata["candidate_id"],
            "amount_cents": pending.amount_cents,
            "currency": pending.currency,
            "failure": "card_declined" if type_ == "payment_failed" else None,
        }
        return PaymentEvent(**(fields | changes))


def delivery(event: PaymentEvent) -> bytes:
    """The body the fake provider "signs" (``FakeProvider.parse_event`` reads it back)."""
    return json.dumps(asdict(event)).encode()
