"""The Stripe provider's event parsing and choice by settings (no network), and status transitions."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from certtrack.errors import Conflict, ServiceUnavailable
from certtrack.fulfillment import payments
from certtrack.fulfillment.status import check_transition
from certtrack.settings import MissingSettings, get_settings

KEYS = {"secret_key": "sk_test_unit", "publishable_key": "pk_test_unit", "webhook_secret": "whsec_unit"}


def signed(payload: dict[str, Any], secret: str = KEYS["webhook_secret"], at: int | None = None) -> tuple[bytes, str]:
    """A delivery signed as Stripe signs one: ``t=<time>,v1=HMAC-SHA256(secret, "<time>.<body>")``."""
    body = json.dumps(payload).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"


def intent_event(type_: str, **intent: Any) -> dict[str, Any]:
    obj = {"id": "pi_1", "object": "payment_intent", "amount": 2500, "currency": "usd"} | intent
    return {"id": "evt_1", "object": "event", "type": type_, "data": {"object": obj}}


def test_a_signed_success_is_read_in_our_terms() -> None:
    provider = payments.StripePaymentProvider(KEYS)
    body, signature = signed(
        intent_event("payment_intent.succeeded", metadata={"order_id": "o-1", "candidate_id": "CSCO00000001"})
    )
    event = provider.parse_event(body, signature)
    assert event == payments.PaymentEvent(
        id="evt_1",
        type="payment_succeeded",
        payment_id="pi_1",
        order_id="o-1",
        candidate_id="CSCO00000001",
        amount_cents=2500,
        currency="USD",
        failure=None,
    )


def test_a_failure_carries_the_decline_and_other_types_are_other() -> None:
    provider = payments.StripePaymentProvider(KEYS)
    error = {"code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card was declined."}
    failed = provider.parse_event(*signed(intent_event("payment_intent.payment_failed", last_payment_error=error)))
    assert (failed.type, failed.failure, failed.order_id) == ("payment_failed", "insufficient_funds", None)
    other = provider.parse_event(*signed(intent_event("charge.refunded")))
    assert (other.type, other.payment_id) == ("other", "")


@pytest.mark.parametrize(
    "forge",
    [
        lambda body, sig: (body, sig.replace("v1=", "v1=0")),  # wrong signature
        lambda body, sig: (body + b" ", sig),  # body changed after signing
        lambda body, sig: (body, None),  # unsigned
        lambda body, sig: signed(json.loads(body), secret="whsec_other"),  # another endpoint's secret
        lambda body, sig: signed(json.loads(body), at=int(time.time()) - 3600),  # stale (replayed an hour later)
        lambda body, sig: (b"not json", sig),
    ],
)
def test_a_forged_stale_or_unsigned_delivery_is_400(forge: Any) -> None:
    provider = payments.StripePaymentProvider(KEYS)
    body, signature = signed(intent_event("payment_intent.succeeded"))
    with pytest.raises(payments.InvalidEvent) as info:
        provider.parse_event(*forge(body, signature))
    assert (info.value.status, info.value.code) == (400, "invalid_signature")


def test_unconfigured_keys_are_503_not_a_crash() -> None:
    with pytest.raises(ServiceUnavailable) as info:
        payments.StripePaymentProvider({"secret_key": "", "publishable_key": "", "webhook_secret": ""})
    assert info.value.code == "payments_unavailable"


def _provider_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> payments.PaymentProvider:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return payments.get_provider()
    finally:
        get_settings.cache_clear()


def test_payments_switched_off_take_no_method_and_have_no_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ServiceUnavailable) as info:
        _provider_with(monkeypatch, PAYMENT_PROVIDER="disabled")
    assert info.value.code == "payments_unavailable"
    assert payments.accepted_methods() == ()
    monkeypatch.delenv("PAYMENT_PROVIDER")
    with pytest.raises(ServiceUnavailable):  # unset means switched off, never a fallback
        _provider_with(monkeypatch)
    with pytest.raises(MissingSettings, match="PAYMENT_PROVIDER"):
        _provider_with(monkeypatch, PAYMENT_PROVIDER="sandbox")


def test_stripe_takes_cards_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    get_settings.cache_clear()
    assert payments.accepted_methods() == ("credit_card", "debit_card")


@pytest.mark.parametrize(("current", "target"), [("queued", "sent"), ("sent", "complete")])
def test_allowed_transitions(current: str, target: str) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("queued", "complete"),
        ("sent", "sent"),
        ("complete", "sent"),
        ("complete", "complete"),
        ("queued", "queued"),
        ("awaiting_payment", "sent"),  # a kit held for its payment is not shipped
    ],
)
def test_other_transitions_conflict(current: str, target: str) -> None:
    with pytest.raises(Conflict) as info:
        check_transition(current, target)
    assert info.value.code == "invalid_transition"
