"""Where an order is kept: the reads placing an order needs and the order's one transaction, in
DynamoDB (:class:`DynamoOrderStore`, the implementation of ``certtrack.fulfillment.orders.OrderStore``).

The transaction holds the order, one fulfillment item + pointer + verification code per kit, the
claim item of each free initial kit (``attribute_not_exists``: the once-only guarantee, also under
concurrent requests), a condition check that each certification is still held, and the
e-commerce transaction record. A failed claim is 409 ``initial_kit_already_claimed``, a failed
check 409 ``certification_not_held``; a colliding verification code or fulfillment id, or a
concurrent transaction, is retried with new ids (three attempts, then 503).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys, verification
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
    TransactionItem,
)
from certtrack.fulfillment.order_schemas import OrderedKit
from certtrack.fulfillment.pricing import OfferLine, PricedOrder
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

ATTEMPTS = 3


def new_id(now: datetime) -> str:
    """Time-ordered, unguessable ids (sort keys list newest last)."""
    return f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def transaction_description(priced: PricedOrder) -> str:
    names = ", ".join(line.name for line in priced.lines)
    return f"Certification kits: {names}" + (" + tracked shipping" if priced.tracking_fee_cents else "")


@dataclass(frozen=True)
class StoredOrder:
    """What the transaction wrote, as the use case needs it: the 201 body's kits, the payment record."""

    candidate_id: str
    order_id: str
    kits: tuple[OrderedKit, ...]
    transaction_sk: str


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

    def shipping_address(self, candidate_id: str) -> ShippingAddress | None:
        return shipping.get_address(candidate_id)

    def write(
        self,
        candidate_id: str,
        order_id: str,
        priced: PricedOrder,
        address: ShippingAddress,
        authorization_id: str | None,
        now: datetime,
    ) -> StoredOrder:
        for _ in range(ATTEMPTS):
            try:
                return _write_once(candidate_id, order_id, priced, address, authorization_id, now)
            except _Retry:
                continue
        raise ServiceUnavailable("The order could not be saved; please retry.", headers={"Retry-After": "1"})

    def mark_captured(self, order: StoredOrder) -> None:
        TransactionItem(keys.candidate_pk(order.candidate_id), order.transaction_sk).update(
            actions=[TransactionItem.status.set("captured")], condition=TransactionItem.PK.exists()
        )

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


def _write_once(
    candidate_id: str,
    order_id: str,
    priced: PricedOrder,
    address: ShippingAddress,
    authorization_id: str | None,
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
    order = OrderItem(
        pk,
        keys.order_sk(order_id),
        candidate_id=candidate_id,
        order_id=order_id,
        lines=[OrderLine(**k.ordered().model_dump()) for k in kits],
        **priced.totals(),
        authorization_id=authorization_id,
        status="submitted",
        ship_to=address.to_attribute(),
        created_at=now,
    )
    txn_id = secrets.token_hex(8)
    txn = TransactionItem(
        pk,
        keys.transaction_sk(iso_instant(now), txn_id),
        candidate_id=candidate_id,
        txn_id=txn_id,
        order_id=order_id,
        date=now,
        description=transaction_description(priced),
        amount_cents=priced.total_cents,
        currency=priced.currency,
        payment_method=priced.payment_method,
        status="authorized" if authorization_id else "no_charge",
        authorization_id=authorization_id,
    )
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
            for k in kits:
                tx.save(_fulfillment(candidate_id, order_id, k, now), condition=FulfillmentItem.PK.does_not_exist())
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
            tx.save(txn, condition=TransactionItem.PK.does_not_exist())
            labels.append(("transaction", txn_id))
    except TransactWriteError as error:
        _raise_for_cancellation(error, labels)
    return StoredOrder(candidate_id, order_id, tuple(k.ordered() for k in kits), txn.SK)


def _fulfillment(candidate_id: str, order_id: str, kit: _Kit, now: datetime) -> FulfillmentItem:
    return FulfillmentItem(
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
        status="queued",
        queued=now,
        GSI1PK=keys.kits_gsi("queued"),
        GSI1SK=keys.kits_gsi_sk(now.isoformat(), kit.fulfillment_id),
    )


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
