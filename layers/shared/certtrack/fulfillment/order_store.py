"""Where an order is kept: the reads placing an order needs and the order's one transaction, in
DynamoDB (:class:`DynamoOrderStore`, the implementation of ``certtrack.fulfillment.orders.OrderStore``).

The transaction holds the order and its pointer (``ORDER#<id>``: operators address an order by id),
one fulfillment item + pointer + verification code per kit, the claim item of each free initial
kit (``attribute_not_exists``: the once-only guarantee, also under concurrent requests), a condition
check that each certification is still held, and, for a free order, the e-commerce transaction
record. A priced order is written ``awaiting_payment`` with its
kits held (``awaiting_payment``, off the operators' list) and its claims taken; the provider's
webhook then applies the payment in a second transaction (:meth:`DynamoOrderStore.mark_paid`:
order ``paid``, kits ``queued``, the transaction record, the event's marker). A failed claim is 409
``initial_kit_already_claimed``, a failed check 409 ``certification_not_held``; a colliding
verification code or fulfillment id, or a concurrent transaction, is retried with new ids (three
attempts, then 503).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from certtrack import db, keys, verification
from certtrack.auth import Login
from certtrack.certifications import due
from certtrack.certifications.models import CertificationItem
from certtrack.dates import iso_instant
from certtrack.db import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes
from certtrack.errors import Conflict, ServiceUnavailable
from certtrack.fulfillment import catalog, shipping
from certtrack.fulfillment.models import (
    ClaimItem,
    FulfillmentItem,
    FulfillmentPointerItem,
    OrderItem,
    OrderLine,
    OrderPointerItem,
    PaymentEventItem,
    TransactionItem,
)
from certtrack.fulfillment.order_events import ApplyOutcome, PayableOrder
from certtrack.fulfillment.order_release import Release, ReleaseOutcome
from certtrack.fulfillment.order_schemas import OrderedKit, OrderOut, OrderStatus
from certtrack.fulfillment.payments import PaymentEvent
from certtrack.fulfillment.pricing import OfferLine, PricedOrder
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.identity import personal
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry
from certtrack.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

ATTEMPTS = 3
# Stripe retries a webhook for three days; its marker is kept a little longer, then TTL removes it.
EVENT_MARKER_SECONDS = 35 * 24 * 60 * 60


def new_id(now: datetime) -> str:
    """Time-ordered, unguessable ids (sort keys list newest last)."""
    return f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def transaction_description(names: list[str], tracking: bool) -> str:
    return f"Certification kits: {', '.join(names)}" + (" + tracked shipping" if tracking else "")


@dataclass(frozen=True)
class StoredOrder:
    """What the transaction wrote, as the use case needs it: the 201 body's kits, the payment record."""

    candidate_id: str
    order_id: str
    kits: tuple[OrderedKit, ...]
    status: OrderStatus


class _Retry(Exception):
    """A verification code collided (astronomically rare) or DynamoDB saw a concurrent transaction."""


@dataclass
class _Kit:
    line: OfferLine
    fulfillment_id: str
    code: verification.VerificationItem

    def ordered(self) -> OrderedKit:
        """One kit as the order item stores it and the 201 body echoes it."""
        return OrderedKit(
            sku=self.line.sku,
            name=self.line.name,
            kind=self.line.kind,
            certification_id=self.line.certification_id,
            price_cents=self.line.price_cents,
            initial_kit=self.line.initial_kit,
            fulfillment_id=self.fulfillment_id,
            verification_code=self.code.code,
        )


class DynamoOrderStore:
    """The order's reads and its transaction on the single table; idempotency records there too."""

    def held_cert_ids(self, candidate_id: str, now: datetime) -> set[str]:
        return catalog.held_cert_ids(candidate_id, now)

    def claimed_cert_ids(self, candidate_id: str) -> set[str]:
        return catalog.claimed_cert_ids(candidate_id)

    def language(self, candidate_id: str) -> str | None:
        return personal.language_of(candidate_id)

    def shipping_address(self, candidate_id: str) -> ShippingAddress | None:
        return shipping.get_address(candidate_id)

    def write(
        self,
        candidate_id: str,
        order_id: str,
        priced: PricedOrder,
        address: ShippingAddress,
        payment_id: str | None,
        now: datetime,
    ) -> StoredOrder:
        for _ in range(ATTEMPTS):
            try:
                return _write_once(candidate_id, order_id, priced, address, payment_id, now)
            except _Retry:
                continue
        raise ServiceUnavailable("The order could not be saved; please retry.", headers={"Retry-After": "1"})

    def payable_order(self, candidate_id: str, order_id: str) -> PayableOrder | None:
        try:
            item = OrderItem.get(keys.candidate_pk(candidate_id), keys.order_sk(order_id), consistent_read=True)
        except OrderItem.DoesNotExist:
            return None
        return _payable(item)

    def find_order(self, order_id: str) -> PayableOrder | None:
        """An order by its id alone, through its ``ORDER#<id>`` pointer (none for older orders)."""
        try:
            pointer = OrderPointerItem.get(keys.order_pk(order_id), keys.ORDER_POINTER)
        except OrderPointerItem.DoesNotExist:
            return None
        return self.payable_order(pointer.candidate_id, order_id)

    def event_seen(self, event_id: str) -> bool:
        try:
            PaymentEventItem.get(keys.payment_event_pk(event_id), keys.PAYMENT_EVENT, consistent_read=True)
        except PaymentEventItem.DoesNotExist:
            return False
        return True

    def mark_paid(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        pk = keys.candidate_pk(order.candidate_id)
        txn_id = secrets.token_hex(8)
        with_payment = OrderItem.status == "awaiting_payment"
        with_payment &= OrderItem.payment_id == event.payment_id
        labels: list[str] = []  # what each item of the transaction is, for its cancellation reasons
        try:
            with TransactWrite(connection=db.transactions_connection()) as tx:
                tx.save(_marker(event, order.order_id, "paid", now), condition=PaymentEventItem.PK.does_not_exist())
                labels.append("marker")
                tx.update(
                    OrderItem(pk, keys.order_sk(order.order_id)),
                    actions=[
                        OrderItem.status.set("paid"),
                        OrderItem.paid_at.set(now),
                        OrderItem.payment_error.remove(),
                        OrderItem.GSI2PK.remove(),  # off the unpaid-order sweep
                        OrderItem.GSI2SK.remove(),
                    ],
                    condition=with_payment,
                )
                labels.append("order")
                for kit in order.out.items:
                    tx.update(
                        FulfillmentItem(pk, keys.fulfillment_sk(kit.fulfillment_id)),
                        actions=[
                            FulfillmentItem.status.set("queued"),
                            FulfillmentItem.queued.set(now),
                            FulfillmentItem.GSI1PK.set(keys.kits_gsi("queued")),
                            FulfillmentItem.GSI1SK.set(keys.kits_gsi_sk(now.isoformat(), kit.fulfillment_id)),
                        ],
                        condition=FulfillmentItem.status == "awaiting_payment",
                    )
                    labels.append("kit")
                tx.save(
                    _transaction(order.candidate_id, order.order_id, order.out, txn_id, now, event.payment_id),
                    condition=TransactionItem.PK.does_not_exist(),
                )
        except TransactWriteError as error:
            return _refused(error, labels)
        return "applied"

    def record_failure(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        pk = keys.candidate_pk(order.candidate_id)
        labels: list[str] = []
        try:
            with TransactWrite(connection=db.transactions_connection()) as tx:
                tx.save(
                    _marker(event, order.order_id, "payment_failed", now),
                    condition=PaymentEventItem.PK.does_not_exist(),
                )
                labels.append("marker")
                tx.update(
                    OrderItem(pk, keys.order_sk(order.order_id)),
                    actions=[OrderItem.payment_error.set(event.failure or "declined")],
                    condition=(OrderItem.status == "awaiting_payment") & (OrderItem.payment_id == event.payment_id),
                )
                labels.append("order")
        except TransactWriteError as error:
            return _refused(error, labels)
        return "applied"

    def record_event(self, event: PaymentEvent, order_id: str | None, outcome: str, now: datetime) -> ApplyOutcome:
        try:
            _marker(event, order_id, outcome, now).save(condition=PaymentEventItem.PK.does_not_exist())
        except PutError as error:
            if db.condition_failed(error):
                return "duplicate"
            raise
        return "applied"

    def mark_refunded(self, order: PayableOrder, event: PaymentEvent, now: datetime) -> ApplyOutcome:
        pk = keys.candidate_pk(order.candidate_id)
        labels: list[str] = []
        try:
            with TransactWrite(connection=db.transactions_connection()) as tx:
                tx.save(_marker(event, order.order_id, "refunded", now), condition=PaymentEventItem.PK.does_not_exist())
                labels.append("marker")
                tx.update(
                    OrderItem(pk, keys.order_sk(order.order_id)),
                    actions=[OrderItem.refunded_at.set(now)],
                    condition=OrderItem.status == order.status,
                )
                labels.append("order")
                txn_id = secrets.token_hex(8)
                refund = _transaction(
                    order.candidate_id, order.order_id, order.out, txn_id, now, event.payment_id, "refunded"
                )
                tx.save(refund, condition=TransactionItem.PK.does_not_exist())
        except TransactWriteError as error:
            return _refused(error, labels)
        return "applied"

    def kit_statuses(self, order: PayableOrder) -> dict[str, str]:
        pk = keys.candidate_pk(order.candidate_id)
        wanted = [(pk, keys.fulfillment_sk(kit.fulfillment_id)) for kit in order.out.items]
        return {kit.fulfillment_id: kit.status for kit in FulfillmentItem.batch_get(wanted, consistent_read=True)}

    def release(self, order: PayableOrder, release: Release, now: datetime) -> ReleaseOutcome:
        pk = keys.candidate_pk(order.candidate_id)
        condition = OrderItem.status == order.status
        if order.due is not None:  # the sweep's entry: only the run that read it acts on it
            condition &= OrderItem.GSI2SK == order.due  # noqa: SIM300 - a PynamoDB condition
        actions: list[Action] = [
            OrderItem.status.set(release.status),
            OrderItem.cancelled_at.set(now),
            OrderItem.cancel_reason.set(release.cause),
            OrderItem.GSI2PK.remove(),
            OrderItem.GSI2SK.remove(),
        ]
        if release.refunded:
            actions.append(OrderItem.refunded_at.set(now))
        labels: list[str] = []
        try:
            with TransactWrite(connection=db.transactions_connection()) as tx:
                tx.update(OrderItem(pk, keys.order_sk(order.order_id)), actions=actions, condition=condition)
                labels.append("order")
                for kit in order.out.items:
                    tx.update(
                        FulfillmentItem(pk, keys.fulfillment_sk(kit.fulfillment_id)),
                        actions=[
                            FulfillmentItem.status.set("cancelled"),
                            FulfillmentItem.GSI1PK.remove(),  # off the operators' list
                            FulfillmentItem.GSI1SK.remove(),
                        ],
                        condition=FulfillmentItem.status.is_in("awaiting_payment", "queued"),
                    )
                    labels.append("kit")
                    tx.delete(verification.VerificationItem(keys.verify_pk(kit.verification_code), keys.VERIFY))
                    labels.append("verify")
                    if kit.initial_kit:
                        tx.delete(
                            ClaimItem(pk, keys.claim_sk(kit.certification_id)),
                            condition=ClaimItem.order_id == order.order_id,
                        )
                        labels.append("claim")
                record = _transaction(
                    order.candidate_id,
                    order.order_id,
                    order.out,
                    secrets.token_hex(8),
                    now,
                    order.payment_id if release.refunded else None,
                    release.record,
                )
                tx.save(record, condition=TransactionItem.PK.does_not_exist())
                labels.append("transaction")
                if release.operator is not None:
                    tx.save(_audit(order, release, now), condition=OperatorAuditItem.PK.does_not_exist())
                    labels.append("audit")
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            failed = {labels[i] for i, code in enumerate(codes) if code == CONDITION_FAILED and i < len(labels)}
            if "kit" in failed:
                return "shipped"
            if failed or TRANSACTION_CONFLICT in codes:
                return "stale"
            raise
        return "applied"

    def idempotency_records(self) -> BasePersistenceLayer:
        return _persistence()


@lru_cache(maxsize=1)
def dynamo_store() -> DynamoOrderStore:
    return DynamoOrderStore()


# Powertools' idempotency package imports boto3 (its DynamoDB persistence layer): it is imported on
# the first order of a process, not when the function starts (``bench.bench_cold_import``).
@lru_cache(maxsize=1)
def _persistence() -> BasePersistenceLayer:
    """One persistence layer (and boto3 client) per process, records in our single table."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=keys.idempotency_pk("orders"),
        expiry_attr="expires_at",  # the table's TTL attribute: DynamoDB removes stale records
    )


def reset_clients_for_tests() -> None:
    _persistence.cache_clear()


def _marker(event: PaymentEvent, order_id: str | None, outcome: str, now: datetime) -> PaymentEventItem:
    return PaymentEventItem(
        keys.payment_event_pk(event.id),
        keys.PAYMENT_EVENT,
        event_id=event.id,
        order_id=order_id,
        outcome=outcome,
        received_at=now,
        expires_at=int(now.timestamp()) + EVENT_MARKER_SECONDS,
    )


def _refused(error: TransactWriteError, labels: list[str]) -> ApplyOutcome:
    """``duplicate`` when the event's marker exists, ``stale`` when the order moved on meanwhile."""
    codes = cancellation_codes(error)
    failed = {labels[i] for i, code in enumerate(codes) if code == CONDITION_FAILED and i < len(labels)}
    if "marker" in failed:
        return "duplicate"
    if failed:
        return "stale"
    raise error


def _audit(order: PayableOrder, release: Release, now: datetime) -> OperatorAuditItem:
    assert release.operator is not None
    action = f"order_{release.status}"
    return audit_entry(
        order.candidate_id,
        action,
        order.order_id,
        release.operator.reason,
        Login(sub=release.operator.login_sub, username=release.operator.login_username, groups=frozenset()),
        now,
    )


def _payable(item: OrderItem) -> PayableOrder:
    out = OrderOut(
        order_id=item.order_id,
        items=[OrderedKit.model_validate(line.as_dict()) for line in item.lines],
        tracking=item.tracking,
        tracking_fee_cents=int(item.tracking_fee_cents),
        total_cents=int(item.total_cents),
        currency=item.currency,
        payment_method=item.payment_method,
        status=item.status,  # type: ignore[arg-type]  # stored by this module: an OrderStatus
    )
    return PayableOrder(
        candidate_id=item.candidate_id,
        order_id=item.order_id,
        status=item.status,
        payment_id=item.payment_id,
        out=out,
        address=shipping.ShippingAddress.from_attribute(item.ship_to),
        created_at=item.created_at,
        due=item.GSI2SK,
    )


def _transaction(
    candidate_id: str,
    order_id: str,
    out: OrderOut,
    txn_id: str,
    now: datetime,
    payment_id: str | None,
    status: str | None = None,
) -> TransactionItem:
    return TransactionItem(
        keys.candidate_pk(candidate_id),
        keys.transaction_sk(iso_instant(now), txn_id),
        candidate_id=candidate_id,
        txn_id=txn_id,
        order_id=order_id,
        date=now,
        description=transaction_description([kit.name for kit in out.items], out.tracking),
        amount_cents=out.total_cents,
        currency=out.currency,
        payment_method=out.payment_method,
        status=status or ("paid" if payment_id else "no_charge"),
        payment_id=payment_id,
    )


def _write_once(
    candidate_id: str,
    order_id: str,
    priced: PricedOrder,
    address: ShippingAddress,
    payment_id: str | None,
    now: datetime,
) -> StoredOrder:
    pk = keys.candidate_pk(candidate_id)
    kits = []
    for line in priced.lines:
        fid = new_id(now)
        kits.append(
            _Kit(
                line,
                fid,
                verification.new_item("fulfillment", candidate_id, keys.fulfillment_sk(fid), line.certification_id),
            )
        )
    status: OrderStatus = "awaiting_payment" if payment_id else "queued"
    order = OrderItem(
        pk,
        keys.order_sk(order_id),
        candidate_id=candidate_id,
        order_id=order_id,
        lines=[OrderLine(**k.ordered().model_dump()) for k in kits],
        **priced.totals(),
        payment_id=payment_id,
        status=status,
        ship_to=address.to_attribute(),
        created_at=now,
    )
    if payment_id is not None:  # on the due index until paid or expired (``order_sweep``)
        order.GSI2PK, order.GSI2SK = due.order_due(pk, keys.order_sk(order_id), now.date())
    # A priced order's transaction record is written when the payment arrives (``mark_paid``).
    txn = None
    if payment_id is None:
        out = OrderOut(order_id=order_id, items=[k.ordered() for k in kits], **priced.totals(), status=status)
        txn = _transaction(candidate_id, order_id, out, secrets.token_hex(8), now, None)
    checks = sorted({k.line.certification_id for k in kits})
    labels: list[tuple[str, str]] = [("check", cert_id) for cert_id in checks]
    try:
        with TransactWrite(connection=db.transactions_connection()) as tx:
            for cert_id in checks:
                tx.condition_check(
                    CertificationItem, pk, keys.cert_sk(cert_id), condition=CertificationItem.status == "active"
                )
            tx.save(order, condition=OrderItem.PK.does_not_exist())
            labels.append(("order", order_id))
            tx.save(
                OrderPointerItem(
                    keys.order_pk(order_id), keys.ORDER_POINTER, candidate_id=candidate_id, order_id=order_id
                ),
                condition=OrderPointerItem.PK.does_not_exist(),
            )
            labels.append(("order_pointer", order_id))
            for k in kits:
                tx.save(
                    _fulfillment(candidate_id, order_id, k, now, held=payment_id is not None),
                    condition=FulfillmentItem.PK.does_not_exist(),
                )
                tx.save(
                    FulfillmentPointerItem(
                        keys.fulfillment_pk(k.fulfillment_id),
                        keys.FULFILLMENT_POINTER,
                        candidate_id=candidate_id,
                        fulfillment_id=k.fulfillment_id,
                        order_id=order_id,
                    ),
                    condition=FulfillmentPointerItem.PK.does_not_exist(),
                )
                tx.save(k.code, condition=verification.VerificationItem.PK.does_not_exist())
                labels += [("fulfillment", k.fulfillment_id), ("pointer", k.fulfillment_id), ("verify", k.code.code)]
                if k.line.initial_kit:
                    claim = ClaimItem(
                        pk,
                        keys.claim_sk(k.line.certification_id),
                        candidate_id=candidate_id,
                        cert_id=k.line.certification_id,
                        order_id=order_id,
                        fulfillment_id=k.fulfillment_id,
                        claimed_at=now,
                    )
                    tx.save(claim, condition=ClaimItem.SK.does_not_exist())
                    labels.append(("claim", k.line.certification_id))
            if txn is not None:
                tx.save(txn, condition=TransactionItem.PK.does_not_exist())
                labels.append(("transaction", txn.txn_id))
    except TransactWriteError as error:
        _raise_for_cancellation(error, labels)
    return StoredOrder(candidate_id, order_id, tuple(k.ordered() for k in kits), status)


def _fulfillment(candidate_id: str, order_id: str, kit: _Kit, now: datetime, *, held: bool) -> FulfillmentItem:
    """A queued kit (on the operators' list), or one held until its order is paid (not on it)."""
    item = FulfillmentItem(
        keys.candidate_pk(candidate_id),
        keys.fulfillment_sk(kit.fulfillment_id),
        candidate_id=candidate_id,
        fulfillment_id=kit.fulfillment_id,
        order_id=order_id,
        sku=kit.line.sku,
        name=kit.line.name,
        kind=kit.line.kind,
        cert_id=kit.line.certification_id,
        verification_code=kit.code.code,
        status="awaiting_payment" if held else "queued",
    )
    if not held:
        item.queued = now
        item.GSI1PK = keys.kits_gsi("queued")
        item.GSI1SK = keys.kits_gsi_sk(now.isoformat(), kit.fulfillment_id)
    return item


def _raise_for_cancellation(error: TransactWriteError, labels: list[tuple[str, str]]) -> None:
    codes = cancellation_codes(error)
    failed = {labels[i][0] for i, code in enumerate(codes) if code == CONDITION_FAILED}
    conflicted = TRANSACTION_CONFLICT in codes
    if "claim" in failed:
        raise Conflict(
            "The free initial kit of this certification has already been claimed.", code="initial_kit_already_claimed"
        ) from error
    if "check" in failed:
        raise Conflict("A certification in this order is no longer held.", code="certification_not_held") from error
    if failed <= {"verify", "fulfillment", "pointer"} and (failed or conflicted):
        raise _Retry() from error
    raise error
