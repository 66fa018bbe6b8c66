"""An order's payment, the one place orders talk to the payment provider: create the payment of the
server's total before anything is written (a provider outage is 503 and nothing is written), cancel
it if the write fails, refund one that arrives for an order that no longer waits for it.

The provider is resolved only for a total above 0: a free initial kit needs none, so it works in a
stack whose payments are switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from certtrack.fulfillment.order_schemas import PaymentOut
from certtrack.fulfillment.payments import PaymentProvider, PendingPayment, get_provider
from certtrack.fulfillment.pricing import PricedOrder

logger = Logger(child=True)


@dataclass(frozen=True)
class OrderPayment:
    """A payment waiting for the browser, and the provider that holds it."""

    provider: PaymentProvider
    pending: PendingPayment

    def cancel_quietly(self) -> None:
        """The order was not written: nobody can confirm this payment any more."""
        try:
            self.provider.cancel(self.pending.id)
        except Exception:  # the original failure matters more; an unconfirmed payment charges nothing
            logger.exception("payment cancel failed", extra={"payment_id": self.pending.id})

    def out(self) -> PaymentOut:
        """What the browser needs to confirm the payment with the provider's JS."""
        return PaymentOut(
            provider=self.provider.name,
            client_secret=self.pending.client_secret,
            publishable_key=self.provider.publishable_key,
        )


def start(
    priced: PricedOrder, order_id: str, candidate_id: str, provider: PaymentProvider | None = None
) -> OrderPayment | None:
    """The payment of the total (metadata: order and candidate ids); ``None`` for a free order."""
    if priced.total_cents <= 0 or priced.payment_method is None:
        return None
    provider = provider or get_provider()
    pending = provider.create_payment(
        priced.total_cents, priced.currency, priced.payment_method, order_id, candidate_id
    )
    return OrderPayment(provider, pending)
