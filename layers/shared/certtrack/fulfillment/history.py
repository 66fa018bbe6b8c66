"""Reading back: the candidate's fulfillment history and e-commerce transactions, newest first,
paged with ``limit`` and an opaque ``next`` cursor (base64url of DynamoDB's LastEvaluatedKey).
"""

from __future__ import annotations

from typing import Literal

from pynamodb.pagination import ResultIterator

from certtrack import keys, paging
from certtrack.dates import iso_instant
from certtrack.db import TableItem
from certtrack.fields import Schema
from certtrack.fulfillment import carriers
from certtrack.fulfillment.models import FulfillmentItem, TransactionItem


class FulfillmentEntry(Schema):
    fulfillment_id: str
    order_id: str
    name: str
    kind: str
    certification_id: str
    verification_code: str
    queued: str | None
    sent: str | None
    complete: str | None
    status: str
    carrier: str | None = None  # carriers.CarrierCode, once sent with one
    tracking_number: str | None = None
    tracking_url: str | None = None  # the carrier's public tracking page (none for "other")


class FulfillmentPage(Schema):
    """``GET /me/fulfillment/history``."""

    items: list[FulfillmentEntry]
    next: str | None


TransactionStatus = Literal["no_charge", "paid", "refunded", "expired", "cancelled"]
# What a candidate reads for each machine status (``status_text``; ``status`` stays the code).
STATUS_TEXT: dict[str, str] = {
    "no_charge": "No charge",
    "paid": "Paid",
    "refunded": "Refunded",
    "expired": "Cancelled \u2013 not paid in time",
    "cancelled": "Cancelled",
}


class TransactionEntry(Schema):
    date: str
    description: str
    amount_cents: int
    currency: str
    payment_method: str | None
    status: str  # TransactionStatus: the machine code
    status_text: str  # the same in words ("Paid", "Refunded" …)
    order_id: str


class TransactionPage(Schema):
    """``GET /me/transactions``."""

    items: list[TransactionEntry]
    next: str | None


def fulfillment_entry(item: FulfillmentItem) -> FulfillmentEntry:
    return FulfillmentEntry(
        fulfillment_id=item.fulfillment_id,
        order_id=item.order_id,
        name=item.name,
        kind=item.kind,
        certification_id=item.cert_id,
        verification_code=item.verification_code,
        queued=iso_instant(item.queued),
        sent=iso_instant(item.sent),
        complete=iso_instant(item.complete),
        status=item.status,
        carrier=item.carrier,
        tracking_number=item.tracking_number,
        tracking_url=carriers.tracking_url(item.carrier, item.tracking_number),
    )


def _newest_first[Item: TableItem](
    model: type[Item], candidate_id: str, prefix: str, limit: int, cursor: str | None
) -> ResultIterator[Item]:
    """One Query: ``CAND#<id>``, SK begins_with ``prefix``, newest first, from the cursor on."""
    pk = keys.candidate_pk(candidate_id)
    return model.query(
        pk,
        model.SK.startswith(prefix),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=paging.decode_key(cursor, paging.in_partition(pk, prefix)),
    )


def list_fulfillments(candidate_id: str, limit: int, cursor: str | None) -> FulfillmentPage:
    """One Query: ``CAND#<id>``, SK begins_with ``FULFILL#``, newest first."""
    results = _newest_first(FulfillmentItem, candidate_id, keys.FULFILLMENT_PREFIX, limit, cursor)
    items = [fulfillment_entry(item) for item in results]
    return FulfillmentPage(items=items, next=paging.encode_key(results.last_evaluated_key))


def list_transactions(candidate_id: str, limit: int, cursor: str | None) -> TransactionPage:
    """One Query: ``CAND#<id>``, SK begins_with ``TXN#``, newest first."""
    results = _newest_first(TransactionItem, candidate_id, keys.TRANSACTION_PREFIX, limit, cursor)
    items = [
        TransactionEntry(
            date=iso_instant(item.date) or "",
            description=item.description,
            amount_cents=int(item.amount_cents),
            currency=item.currency,
            payment_method=item.payment_method,
            status=item.status,
            status_text=STATUS_TEXT.get(item.status, item.status),
            order_id=item.order_id,
        )
        for item in results
    ]
    return TransactionPage(items=items, next=paging.encode_key(results.last_evaluated_key))
