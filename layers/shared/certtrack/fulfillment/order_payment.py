"""An order's payment, the one place an order talks to the payment provider: authorise the server's
total before anything is written, capture after the write, void if the write fails.

The provider is resolved only for a total above 0: a free initial kit needs none, so it works in a
stack whose payments are switched off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from certtrack.fulfillment.payments import Authorization, PaymentProvider, PaymentRequired, get_provider
from certtrack.fulfillment.pricing import PricedOrder

logger = Logger(child=True)


@dataclass(frozen=True)
class OrderPayment:
    """An approved authorisation and the provider that holds it."""

    provider: PaymentProvider
    authorization: Authorization

    def void_quietly(self) -> None:
        try:
            self.provider.void(self.authorization.id)
        except Exception:  # the original failure matters more; the provider expires stale holds
            logger.exception("payment void failed", extra={"authorization_id": self.authorization.id})

    def capture(self, record_captured: Callable[[], None]) -> None:
        """Capture after the write; a failed capture leaves the order and an ``authorized`` record."""
        try:
            self.provider.capture(self.authorization.id)
            record_captured()
        except Exception:
            logger.exception("payment capture failed", extra={"authorization_id": self.authorization.id})


def authorize(priced: PricedOrder, order_id: str, provider: PaymentProvider | None = None) -> OrderPayment | None:
    """Hold the total (reference = order id); ``None`` for a free order. A decline is 402."""
    if priced.total_cents <= 0 or priced.payment_method is None:
        return None
    provider = provider or get_provider()
    auth = provider.authorize(priced.total_cents, priced.currency, priced.payment_method, order_id)
    if not auth.approved:
        raise PaymentRequired("The payment was declined; nothing was ordered.")
    return OrderPayment(provider, auth)
