"""In-memory stand-ins for what placing an order talks to: the order store (with its idempotency
records), the payment provider's misbehaviour, and the mail sender. No AWS anywhere."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from certtrack import verification
from certtrack.errors import Conflict
from certtrack.fulfillment.order_schemas import OrderedKit
from certtrack.fulfillment.order_store import StoredOrder, new_id
from certtrack.fulfillment.payments import Authorization, SandboxPaymentProvider
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
    claims: dict[tuple[str, str], str] = field(default_factory=dict)  # (candidate, cert) → order id
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)  # order id → record status
    idempotency: InMemoryIdempotencyRecords = field(default_factory=InMemoryIdempotencyRecords)

    def held_cert_ids(self, candidate_id: str, now: datetime) -> set[str]:
        return set(self.held.get(candidate_id, set()))

    def claimed_cert_ids(self, candidate_id: str) -> set[str]:
        return {cert_id for (cid, cert_id) in self.claims if cid == candidate_id}

    def shipping_address(self, candidate_id: str) -> ShippingAddress | None:
        return self.addresses.get(candidate_id)

    def write(
        self,
        candidate_id: str,
        order_id: str,
        priced: PricedOrder,
        address: ShippingAddress,
        authorization_id: str | None,
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
        stored = StoredOrder(candidate_id, order_id, kits, transaction_sk=f"TXN#{order_id}")
        self.orders[order_id] = stored
        self.transactions[order_id] = "authorized" if authorization_id else "no_charge"
        return stored

    def mark_captured(self, order: StoredOrder) -> None:
        self.transactions[order.order_id] = "captured"

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


class FailingCapture(SandboxPaymentProvider):
    """Authorises, then the provider is unreachable when the order is captured."""

    def capture(self, authorization_id: str) -> Authorization:
        raise ConnectionError("provider unreachable")
