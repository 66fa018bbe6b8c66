"""The order's request and response bodies (``POST /me/fulfillment/orders``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from certtrack.fields import Schema

# A transaction holds at most 100 items: per kit a fulfillment, a pointer and a verification
# code, per certification a claim and a condition check, plus the order and the transaction.
MAX_SKUS = 10

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class OrderRequest(Schema):
    """``POST /me/fulfillment/orders``. Prices are never accepted from the client."""

    model_config = ConfigDict(extra="forbid")

    skus: list[Sku] = Field(max_length=MAX_SKUS)
    tracking: bool = False
    payment_method: Annotated[str, StringConstraints(max_length=32)] | None = None


class OrderedKit(Schema):
    sku: str
    name: str
    kind: str
    certification_id: str
    price_cents: int
    initial_kit: bool
    fulfillment_id: str
    verification_code: str


class PaymentOut(Schema):
    """What the browser confirms a priced order's payment with (the provider's JS)."""

    provider: str
    client_secret: str
    publishable_key: str


OrderStatus = Literal["awaiting_payment", "queued", "paid", "cancelled", "expired"]


class OrderOut(Schema):
    """201 body of ``POST /me/fulfillment/orders`` (replayed as is for the same key and body).

    ``status``: ``queued`` for a free order (its kits are queued at once), ``awaiting_payment`` for a
    priced one, with ``payment``; the provider's webhook then moves it to ``paid``.
    """

    order_id: str
    items: list[OrderedKit]
    tracking: bool
    tracking_fee_cents: int
    total_cents: int
    currency: str
    payment_method: str | None
    status: OrderStatus
    payment: PaymentOut | None = None
