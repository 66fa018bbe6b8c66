"""Pricing, pure: which kits a candidate may order and at what price, and an order's total.

The free-kit rule lives here: each held certification's catalog kit with ``initial_kit`` is priced 0
until its claim exists; a claimed one costs the catalog price like any other kit. Prices and totals
are the server's; the SKUs and the payment method of a request are checked against the offer, whose
methods are the catalog's that the configured provider takes (none when payments are switched off:
then only a free order can be placed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certtrack.errors import ServiceUnavailable, Unprocessable
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.program.catalog import Catalog


@dataclass(frozen=True)
class OfferLine:
    sku: str
    name: str
    kind: str
    certification_id: str
    price_cents: int
    currency: str
    initial_kit: bool  # True only while this line is the unclaimed (free) initial kit


@dataclass(frozen=True)
class Offer:
    lines: tuple[OfferLine, ...]
    tracking_fee_cents: int
    payment_methods: tuple[str, ...]
    currency: str

    def line(self, sku: str) -> OfferLine | None:
        return next((line for line in self.lines if line.sku == sku), None)


def build_offer(catalog: Catalog, held: set[str], claimed: set[str], accepted: tuple[str, ...]) -> Offer:
    """The catalog's kits for held certifications, the unclaimed initial kit at 0; the catalog's
    payment methods that the provider takes (``accepted``)."""
    lines = []
    for cert in catalog.certifications:
        if cert.id not in held:
            continue
        for kit in cert.kits:
            free = kit.initial_kit and cert.id not in claimed
            lines.append(
                OfferLine(
                    sku=kit.sku,
                    name=kit.name,
                    kind=kit.kind,
                    certification_id=cert.id,
                    price_cents=0 if free else kit.price_cents,
                    currency=catalog.currency,
                    initial_kit=free,
                )
            )
    return Offer(
        lines=tuple(lines),
        tracking_fee_cents=catalog.tracking_fee_cents,
        payment_methods=tuple(method for method in catalog.payment_methods if method in accepted),
        currency=catalog.currency,
    )


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[OfferLine, ...]
    tracking_fee_cents: int
    total_cents: int
    currency: str
    payment_method: str | None

    def totals(self) -> dict[str, Any]:
        """The order's price summary, stored on the order item and echoed in the 201 body."""
        return {
            "tracking": self.tracking_fee_cents > 0,
            "tracking_fee_cents": self.tracking_fee_cents,
            "total_cents": self.total_cents,
            "currency": self.currency,
            "payment_method": self.payment_method,
        }


def order_input_error(code: str, detail: str, errors: list[tuple[str, str]]) -> Unprocessable:
    """422 naming the fields of the order request that cannot be accepted."""
    return Unprocessable(
        detail,
        code=code,
        extra={"errors": [{"field": field, "message": message, "type": code} for field, message in errors]},
    )


def _sku_errors(offer: Offer, skus: list[str], known: Callable[[str], bool]) -> list[tuple[str, str, str]]:
    errors: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for index, sku in enumerate(skus):
        field = f"skus.{index}"
        if sku in seen:
            errors.append(("duplicate_sku", field, f"{sku} is listed more than once"))
        elif not known(sku):
            errors.append(("unknown_sku", field, f"{sku} is not a kit of the program"))
        elif offer.line(sku) is None:
            errors.append(("sku_not_held", field, f"{sku} belongs to a certification you do not hold"))
        seen.add(sku)
    return errors


def price_order(offer: Offer, request: OrderRequest, known: Callable[[str], bool]) -> PricedOrder:
    """Validate the SKUs and payment method against the candidate's offer and total it.

    ``known`` tells whether a SKU exists in the program at all (unknown vs not held).
    """
    if not request.skus:
        raise order_input_error("empty_order", "Choose at least one kit.", [("skus", "must list at least one kit")])
    errors = _sku_errors(offer, request.skus, known)
    if errors:
        code = errors[0][0]
        raise order_input_error(
            code, "Some kits cannot be ordered.", [(field, message) for _, field, message in errors]
        )
    lines = tuple(line for sku in request.skus if (line := offer.line(sku)) is not None)
    fee = offer.tracking_fee_cents if request.tracking else 0
    total = sum(line.price_cents for line in lines) + fee
    # A free order takes no payment method: one sent is ignored (the web client may still send it).
    method = request.payment_method if total > 0 else None
    if total > 0 and not offer.payment_methods:
        raise ServiceUnavailable("Payments are not available right now.", code="payments_unavailable")
    if method is not None and method not in offer.payment_methods:
        raise order_input_error(
            "unknown_payment_method",
            "That payment method is not accepted.",
            [("payment_method", f"must be one of {', '.join(offer.payment_methods)}")],
        )
    if total > 0 and method is None:
        raise order_input_error(
            "payment_method_required",
            "This order has a price: choose a payment method.",
            [("payment_method", "required when the total is above 0")],
        )
    return PricedOrder(
        lines=lines,
        tracking_fee_cents=fee,
        total_cents=total,
        currency=offer.currency,
        payment_method=method,
    )
