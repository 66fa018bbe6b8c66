"""The order emails, sent to the address on the order: the confirmation (the kits, their prices, the
total and the processing notice; amounts as ``Money``, which the template writes in the reader's
locale) and the cancellation (what was cancelled, whether money was given
back). A failed send never fails the order or the cancel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from certtrack import email
from certtrack.errors import ServiceUnavailable
from certtrack.fulfillment.order_schemas import OrderOut
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.i18n import Money
from certtrack.settings import get_settings

logger = Logger(child=True)

# ``certtrack.email.send_template``'s shape: (to, template name, context).
SendEmail = Callable[[str, str, Mapping[str, Any]], object]


def _history_url() -> str:
    return f"{get_settings().public_base_url}/app/#/fulfillment/history"


def confirmation_context(address: ShippingAddress, out: OrderOut, language: str | None = None) -> dict[str, Any]:
    return {
        "language": language,
        "first_name": address.first_name,
        "order_id": out.order_id,
        "items": [{"name": k.name, "price": Money(k.price_cents, out.currency)} for k in out.items],
        "tracking": out.tracking,
        "tracking_fee": Money(out.tracking_fee_cents, out.currency),
        "total": Money(out.total_cents, out.currency),
        "history_url": _history_url(),
    }


def send_confirmation(
    address: ShippingAddress, out: OrderOut, send: SendEmail | None = None, *, language: str | None = None
) -> None:
    """In the candidate's ``language`` (English when none was chosen)."""
    try:
        (send or email.send_template)(address.email, "order_confirmation", confirmation_context(address, out, language))
    except ServiceUnavailable:
        # The order stands; the history page shows it. Never fail a paid order on email.
        logger.warning("order confirmation email not sent", extra={"order_id": out.order_id})


def cancellation_context(
    address: ShippingAddress, out: OrderOut, *, refunded: bool, language: str | None = None
) -> dict[str, Any]:
    """No operator's reason: it is written for the audit, not for the candidate."""
    return {
        "language": language,
        "first_name": address.first_name,
        "order_id": out.order_id,
        "items": [{"name": k.name} for k in out.items],
        "refunded": refunded,
        "total": Money(out.total_cents, out.currency),
        "free_kit": any(k.initial_kit for k in out.items),
        "history_url": _history_url(),
    }


def send_cancellation(
    address: ShippingAddress,
    out: OrderOut,
    *,
    refunded: bool,
    send: SendEmail | None = None,
    language: str | None = None,
) -> None:
    try:
        (send or email.send_template)(
            address.email, "order_cancelled", cancellation_context(address, out, refunded=refunded, language=language)
        )
    except ServiceUnavailable:
        logger.warning("order cancellation email not sent", extra={"order_id": out.order_id})
