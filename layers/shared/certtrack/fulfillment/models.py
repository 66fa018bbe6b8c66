"""Fulfillment items: initial-kit claims, orders, kits, pointers, transactions, and the provider's
payment events already applied.

The shipping address (``ShippingAddressItem``, and the ``AddressAttribute`` an order copies) is
the candidate's own data: it lives in :mod:`certtrack.identity.models`.

All but the pointer live in the candidate's partition (``CAND#<id>``); the pointer
``FULFILL#<id> / FULFILL`` lets an operator address a kit by its id alone (one GetItem).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from certtrack import keys
from certtrack.db import LookupIndex, TableItem
from certtrack.identity.models import AddressAttribute


class ClaimItem(TableItem):
    """``CAND#<id> / CLAIM#<cert_id>``: the free initial kit of a certification was claimed.

    Written with ``attribute_not_exists`` in the order's transaction: its existence is the
    once-only guarantee.
    """

    sort_key = keys.CLAIM_PREFIX

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    fulfillment_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()


class OrderLine(MapAttribute[str, object]):
    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    certification_id = UnicodeAttribute()
    price_cents = NumberAttribute()
    initial_kit = BooleanAttribute(default=False)
    fulfillment_id = UnicodeAttribute()
    verification_code = UnicodeAttribute()


class OrderItem(TableItem):
    """``CAND#<id> / ORDER#<order_id>``: what was ordered, at which server-side prices, where to.

    While it awaits payment it is on GSI2 (``DUE#<n>`` / ``<day placed>#ORDER:unpaid#…``): the daily
    run asks the provider about it and expires it when it was never paid (``order_sweep``).
    """

    sort_key = keys.ORDER_PREFIX

    candidate_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    lines = ListAttribute(of=OrderLine)
    tracking = BooleanAttribute(default=False)
    tracking_fee_cents = NumberAttribute(default=0)
    total_cents = NumberAttribute()
    currency = UnicodeAttribute()
    payment_method = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)  # the provider's payment (a Stripe PaymentIntent id)
    payment_error = UnicodeAttribute(null=True)  # the last decline, while awaiting payment
    status = UnicodeAttribute()  # order_schemas.OrderStatus
    ship_to = AddressAttribute()
    created_at = UTCDateTimeAttribute()
    paid_at = UTCDateTimeAttribute(null=True)
    refunded_at = UTCDateTimeAttribute(null=True)
    cancelled_at = UTCDateTimeAttribute(null=True)  # expired or cancelled by an operator
    cancel_reason = UnicodeAttribute(null=True)  # "not_paid_in_time" | "operator"


class FulfillmentItem(TableItem):
    """``CAND#<id> / FULFILL#<fulfillment_id>``: one kit, held while its order awaits payment, then on
    its way (awaiting_payment → queued → sent → complete).

    GSI1 ``KITS#<status>`` / ``<since>#<fulfillment_id>``: the operators' list of kits by status,
    from ``queued`` on (a held kit is not on it).
    """

    sort_key = keys.FULFILLMENT_PREFIX

    lookup_index = LookupIndex()

    candidate_id = UnicodeAttribute()
    fulfillment_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    verification_code = UnicodeAttribute()
    status = UnicodeAttribute()  # "awaiting_payment" | "queued" | "sent" | "complete" | "cancelled"
    queued = UTCDateTimeAttribute(null=True)  # None while held
    sent = UTCDateTimeAttribute(null=True)
    complete = UTCDateTimeAttribute(null=True)
    carrier = UnicodeAttribute(null=True)  # carriers.CarrierCode, set when sent
    tracking_number = UnicodeAttribute(null=True)


class OrderPointerItem(TableItem):
    """``ORDER#<order_id> / ORDER``: whose order this is (operators cancel an order by its id),
    written in the order's own transaction. Orders placed before it existed have none."""

    candidate_id = UnicodeAttribute()
    order_id = UnicodeAttribute()


class FulfillmentPointerItem(TableItem):
    """``FULFILL#<fulfillment_id> / FULFILL``: whose kit this is (operators address kits by id)."""

    candidate_id = UnicodeAttribute()
    fulfillment_id = UnicodeAttribute()
    order_id = UnicodeAttribute()


class TransactionItem(TableItem):
    """``CAND#<id> / TXN#<timestamp>#<txn_id>``: one e-commerce transaction (newest last in the key)."""

    sort_key = keys.TRANSACTION_PREFIX

    candidate_id = UnicodeAttribute()
    txn_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    date = UTCDateTimeAttribute()
    description = UnicodeAttribute()
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    payment_method = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # history.TransactionStatus
    payment_id = UnicodeAttribute(null=True)


class PaymentEventItem(TableItem):
    """``PAYEVENT#<event id> / PAYEVENT``: a provider event that was applied (or deliberately not),
    written in the same transaction as its effect, so a replayed event changes nothing."""

    event_id = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
