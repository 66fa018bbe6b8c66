"""The payment seam: a ``PaymentProvider`` protocol and the one provider that ships, Stripe's API
through the official ``stripe`` package. Card data never reaches this code: the browser hands the
card to the provider's JS with the payment's ``client_secret``; what flows here is an amount, a
currency, a method name, our order id, and the provider's signed events.

``PAYMENT_PROVIDER`` (settings) selects the provider: ``stripe`` (the template's default) or
``disabled`` (no payment is taken: the catalog lists free kits only and a priced order is 503
``payments_unavailable``). The keys are one JSON secret in Secrets Manager (``PAYMENT_SECRET_ARN``:
``secret_key``, ``publishable_key``, ``webhook_secret``), read through Powertools parameters (cached
five minutes, so a rotated key is picked up without a deployment). ``PAYMENT_API_BASE`` moves the
API origin (the local runtime points it at localstripe): that is the only difference between the
local and the deployed code path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from aws_lambda_powertools import Logger

from certtrack.errors import BadRequest, ServiceUnavailable
from certtrack.settings import get_settings

if TYPE_CHECKING:
    import stripe

logger = Logger(child=True)

# What each provider can take, by the catalog's method names. Stripe's PayPal method exists only
# for accounts in some European countries (and localstripe has none), so it is not offered.
PROVIDER_METHODS: dict[str, tuple[str, ...]] = {"stripe": ("credit_card", "debit_card"), "disabled": ()}
# An API call that has not answered by then is a provider outage (API Gateway gives up at 29 s).
STRIPE_TIMEOUT_S = 8
STRIPE_RETRIES = 2  # safe: every creating call carries an idempotency key

EventType = Literal["payment_succeeded", "payment_failed", "other"]
# A payment as the provider has it now: taken, no longer takeable, or still waiting for the browser
# (Stripe's requires_payment_method / requires_confirmation / requires_action / processing).
PaymentStatus = Literal["succeeded", "canceled", "pending"]


class PaymentsUnavailable(ServiceUnavailable):
    code = "payments_unavailable"


class InvalidEvent(BadRequest):
    """400: a webhook delivery that is not a signed, current event of the provider."""

    code = "invalid_signature"


@dataclass(frozen=True)
class PendingPayment:
    """A payment created for an order, waiting for the browser to confirm it with the provider."""

    id: str
    client_secret: str
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class PaymentEvent:
    """A verified provider event about one payment, in our terms."""

    id: str
    type: EventType
    payment_id: str
    order_id: str | None
    candidate_id: str | None
    amount_cents: int
    currency: str
    failure: str | None = None  # the provider's decline code or message, for the candidate


@dataclass(frozen=True)
class PaymentState:
    """What the provider says about one payment when asked (the reconciliation's question)."""

    id: str
    status: PaymentStatus
    amount_cents: int
    currency: str
    order_id: str | None
    candidate_id: str | None


class PaymentProvider(Protocol):
    """What orders need from a payment provider."""

    name: str

    @property
    def publishable_key(self) -> str:
        """The key the browser's JS uses (public by design)."""
        ...

    def create_payment(
        self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
    ) -> PendingPayment:
        """A payment of the server's amount for the order; the same order never makes two."""
        ...

    def cancel(self, payment_id: str) -> None:
        """The order could not be written: the payment can no longer be confirmed."""
        ...

    def refund(self, payment_id: str) -> None:
        """Give the whole amount back, once per payment (an operator's cancel, a payment that arrived
        for an order that no longer waits); a payment already refunded is left as it is."""
        ...

    def payment_state(self, payment_id: str) -> PaymentState:
        """Ask the provider where a payment stands (an order whose event never came)."""
        ...

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify a webhook delivery's signature and read it; :class:`InvalidEvent` otherwise."""
        ...


class StripePaymentProvider:
    """PaymentIntents on Stripe's API (or any server that speaks it, such as localstripe)."""

    name = "stripe"

    def __init__(self, keys: dict[str, str], api_base: str | None = None) -> None:
        if not all(keys.get(k) for k in ("secret_key", "publishable_key", "webhook_secret")):
            # The template creates the secret empty; the operator puts the account's keys in it.
            logger.error("payment provider keys are not configured")
            raise PaymentsUnavailable("Payments are not available right now.")
        self._keys = keys
        self._client = _client(keys["secret_key"], api_base)

    @property
    def publishable_key(self) -> str:
        return self._keys["publishable_key"]

    def create_payment(
        self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
    ) -> PendingPayment:
        # No method types: the account's payment method settings decide what the browser offers
        # (stripe 16 names the field ``allowed_payment_method_types``, which localstripe refuses).
        intent: stripe.PaymentIntent = self._call(
            "create",
            lambda: self._client.v1.payment_intents.create(
                params={
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "metadata": {"order_id": order_id, "candidate_id": candidate_id, "method": method},
                },
                options={"idempotency_key": f"order-{order_id}"},
            ),
        )
        logger.info("payment created", extra={"payment_id": intent.id, "order_id": order_id, "amount": amount_cents})
        return PendingPayment(intent.id, str(intent.client_secret), int(intent.amount), intent.currency.upper())

    def cancel(self, payment_id: str) -> None:
        self._call("cancel", lambda: self._client.v1.payment_intents.cancel(payment_id))

    def refund(self, payment_id: str) -> None:
        # Stripe keeps an idempotency key for 24 hours (localstripe not at all): a payment that
        # already has a refund (an operator's retry days later, the webhook after a cancel) is done.
        existing = self._call(
            "refunds", lambda: self._client.v1.refunds.list(params={"payment_intent": payment_id, "limit": 1})
        )
        if any(refund.status in ("succeeded", "pending") for refund in existing.data):
            logger.info("payment already refunded", extra={"payment_id": payment_id})
            return
        self._call(
            "refund",
            lambda: self._client.v1.refunds.create(
                params={"payment_intent": payment_id}, options={"idempotency_key": f"refund-{payment_id}"}
            ),
        )
        logger.info("payment refunded", extra={"payment_id": payment_id})

    def payment_state(self, payment_id: str) -> PaymentState:
        intent: stripe.PaymentIntent = self._call(
            "retrieve", lambda: self._client.v1.payment_intents.retrieve(payment_id)
        )
        status: PaymentStatus = "pending"
        if intent.status in ("succeeded", "canceled"):
            status = "succeeded" if intent.status == "succeeded" else "canceled"
        metadata: dict[str, str] = intent.metadata.to_dict() if intent.metadata else {}
        return PaymentState(
            id=intent.id,
            status=status,
            amount_cents=int(intent.amount),
            currency=intent.currency.upper(),
            order_id=metadata.get("order_id"),
            candidate_id=metadata.get("candidate_id"),
        )

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        import stripe

        try:
            event = stripe.Webhook.construct_event(payload, signature or "", self._keys["webhook_secret"])
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidEvent("The webhook signature does not verify.") from error
        return _event(event)

    @staticmethod
    def _call[T](operation: str, call: Callable[[], T]) -> T:
        import stripe

        try:
            result: T = call()
        except stripe.StripeError as error:
            # The error's class and Stripe's code only: its message may quote request data.
            logger.warning(
                "payment provider call failed",
                extra={"operation": operation, "error_type": type(error).__name__, "code": error.code},
            )
            raise PaymentsUnavailable(
                "The payment provider is not answering; nothing was charged. Retry shortly.",
                headers={"Retry-After": "5"},
            ) from error
        return result


def _event(event: stripe.Event) -> PaymentEvent:
    kinds: dict[str, EventType] = {
        "payment_intent.succeeded": "payment_succeeded",
        "payment_intent.payment_failed": "payment_failed",
    }
    kind = kinds.get(event.type, "other")
    data: dict[str, Any] = event.data.object.to_dict() if kind != "other" else {}
    metadata = data.get("metadata") or {}
    error = data.get("last_payment_error") or {}
    return PaymentEvent(
        id=event.id,
        type=kind,
        payment_id=str(data.get("id", "")),
        order_id=metadata.get("order_id"),
        candidate_id=metadata.get("candidate_id"),
        amount_cents=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(),
        failure=(error.get("decline_code") or error.get("code") or error.get("message")) if error else None,
    )


@lru_cache(maxsize=2)
def _client(secret_key: str, api_base: str | None) -> stripe.StripeClient:
    """One client (and connection pool) per key: a rotated key gets a new one."""
    import stripe

    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else {},
        max_network_retries=STRIPE_RETRIES,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_S),
    )


def accepted_methods() -> tuple[str, ...]:
    """The payment methods the configured provider takes (without reading its keys)."""
    return PROVIDER_METHODS[get_settings().payment_provider]


def get_provider() -> PaymentProvider:
    """The configured provider; only asked for when an order costs money or an event arrives."""
    settings = get_settings()
    if settings.payment_provider == "stripe":
        return StripePaymentProvider(settings.payment_secret, settings.payment_api_base)
    raise PaymentsUnavailable("Payments are not available right now.")


def reset_clients_for_tests() -> None:
    _client.cache_clear()
