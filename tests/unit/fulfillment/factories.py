"""Pure factories for fulfillment tests: request bodies and offers (no AWS)."""

from __future__ import annotations

from typing import Any

from certtrack.fulfillment.payments import PROVIDER_METHODS
from certtrack.fulfillment.pricing import Offer, build_offer
from certtrack.program.catalog import load_catalog


def address_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``PUT /me/shipping-address`` body; pass ``field=None`` to drop a field."""
    body: dict[str, Any] = {
        "first_name": "José",
        "last_name": "Müller-Łukasz",
        "email": "jose.mueller@example.com",
        "phone": "+49 30 1234567",
        "address1": "Straße des 17. Juni 135",
        "address2": "Apt. 4 / Floor 2",
        "city": "Berlin",
        "state": None,
        "postal_code": "10623",
        "country": "DE",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def order_body(*skus: str, tracking: bool = False, payment_method: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"skus": list(skus), "tracking": tracking, **extra}
    if payment_method is not None:
        body["payment_method"] = payment_method
    return body


def offer(held: set[str], claimed: set[str] | None = None, accepted: tuple[str, ...] | None = None) -> Offer:
    """The offer under Stripe's methods unless ``accepted`` says otherwise."""
    methods = PROVIDER_METHODS["stripe"] if accepted is None else accepted
    return build_offer(load_catalog(), held, claimed or set(), methods)


def known(sku: str) -> bool:
    return load_catalog().kit(sku) is not None
