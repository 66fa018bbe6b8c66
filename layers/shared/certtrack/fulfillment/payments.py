"""The payment seam: a ``PaymentProvider`` protocol (authorise → capture, or void) and the sandbox
provider used locally and in tests. Card data never reaches this code: a real provider is a
hosted checkout (see docs/notes/fulfillment.md, "HostedCheckoutProvider"), so what flows here is an
amount, a currency, a method name and our order id as the reference.

``PAYMENT_PROVIDER`` (settings) selects the provider: ``disabled`` (the template's default: paid
orders answer 503, nothing falls back to the sandbox) or ``sandbox``. The sandbox declines when
the method is listed in ``SANDBOX_DECLINE_METHODS`` (comma-separated, e.g. ``debit_card``) or the
amount is listed in ``SANDBOX_DECLINE_AMOUNTS`` (cents, e.g. ``2600``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, Protocol

from aws_lambda_powertools import Logger

from certtrack.errors import AppError, ServiceUnavailable
from certtrack.settings import get_settings

logger = Logger(child=True)

AuthorizationStatus = Literal["authorized", "declined", "captured", "voided"]


class PaymentRequired(AppError):
    """402: the provider declined; nothing was written."""

    status, code, title = 402, "payment_declined", "Payment declined"


@dataclass(frozen=True)
class Authorization:
    id: str
    status: AuthorizationStatus
    amount_cents: int
    currency: str
    method: str
    reference: str
    decline_reason: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "authorized"


class PaymentProvider(Protocol):
    """What an order needs from a payment provider. ``reference`` is our order id."""

    name: str

    def authorize(self, amount_cents: int, currency: str, method: str, reference: str) -> Authorization:
        """Hold the amount; a decline is a returned ``Authorization`` with status ``declined``."""
        ...

    def capture(self, authorization_id: str) -> Authorization:
        """Take the held amount (after the order is written)."""
        ...

    def void(self, authorization_id: str) -> Authorization:
        """Release the hold (the order could not be written)."""
        ...


class UnknownAuthorization(ServiceUnavailable):
    code = "payment_provider_error"


class SandboxPaymentProvider:
    """Authorises everything except the configured decline rules; keeps authorisations in memory."""

    name = "sandbox"

    def __init__(self, decline_methods: frozenset[str] = frozenset(), decline_amounts: frozenset[int] = frozenset()):
        self.decline_methods = decline_methods
        self.decline_amounts = decline_amounts
        self.authorizations: dict[str, Authorization] = {}
        self._lock = threading.Lock()

    def authorize(self, amount_cents: int, currency: str, method: str, reference: str) -> Authorization:
        reason = None
        if method in self.decline_methods:
            reason = "method_declined"
        elif amount_cents in self.decline_amounts:
            reason = "amount_declined"
        auth = Authorization(
            id=f"sbx_{secrets.token_hex(8)}",
            status="declined" if reason else "authorized",
            amount_cents=amount_cents,
            currency=currency,
            method=method,
            reference=reference,
            decline_reason=reason,
        )
        with self._lock:
            self.authorizations[auth.id] = auth
        self._log("payment authorize", auth)
        return auth

    def capture(self, authorization_id: str) -> Authorization:
        return self._move(authorization_id, "captured")

    def void(self, authorization_id: str) -> Authorization:
        return self._move(authorization_id, "voided")

    def _move(self, authorization_id: str, status: AuthorizationStatus) -> Authorization:
        with self._lock:
            current = self.authorizations.get(authorization_id)
            if current is None or current.status != "authorized":
                raise UnknownAuthorization("The payment provider did not recognise the authorisation.")
            moved = replace(current, status=status)
            self.authorizations[authorization_id] = moved
        self._log(f"payment {status}", moved)
        return moved

    @staticmethod
    def _log(message: str, auth: Authorization) -> None:
        # Amount, method and ids only: there is no card or personal data here to leak.
        logger.info(
            message,
            extra={
                "authorization_id": auth.id,
                "status": auth.status,
                "amount_cents": auth.amount_cents,
                "currency": auth.currency,
                "method": auth.method,
                "reference": auth.reference,
                "decline_reason": auth.decline_reason,
            },
        )


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_provider() -> PaymentProvider:
    """The configured provider, once per process; only asked for when an order costs money."""
    settings = get_settings()
    if settings.payment_provider == "sandbox":
        return SandboxPaymentProvider(
            decline_methods=frozenset(_csv(settings.sandbox_decline_methods)),
            decline_amounts=frozenset(int(x) for x in _csv(settings.sandbox_decline_amounts)),
        )
    raise ServiceUnavailable("Payments are not available right now.", code="payments_unavailable")


def reset_clients_for_tests() -> None:
    get_provider.cache_clear()
