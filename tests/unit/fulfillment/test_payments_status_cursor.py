"""Sandbox payment provider and status transitions."""

from __future__ import annotations

import pytest
from certtrack.errors import Conflict, ServiceUnavailable
from certtrack.fulfillment import payments
from certtrack.fulfillment.status import check_transition
from certtrack.settings import MissingSettings, get_settings


def test_sandbox_authorises_then_captures() -> None:
    provider = payments.SandboxPaymentProvider()
    auth = provider.authorize(2500, "USD", "paypal", "order-1")
    assert auth.approved and auth.amount_cents == 2500
    assert provider.capture(auth.id).status == "captured"
    assert provider.authorizations[auth.id].status == "captured"


def test_sandbox_declines_by_method_and_by_amount() -> None:
    provider = payments.SandboxPaymentProvider(
        decline_methods=frozenset({"debit_card"}), decline_amounts=frozenset({2600})
    )
    by_method = provider.authorize(100, "USD", "debit_card", "o1")
    by_amount = provider.authorize(2600, "USD", "paypal", "o2")
    assert (by_method.status, by_method.decline_reason) == ("declined", "method_declined")
    assert (by_amount.status, by_amount.decline_reason) == ("declined", "amount_declined")
    assert provider.authorize(2500, "USD", "paypal", "o3").approved


def test_void_releases_once_and_a_declined_hold_cannot_be_captured() -> None:
    provider = payments.SandboxPaymentProvider(decline_methods=frozenset({"credit_card"}))
    auth = provider.authorize(100, "USD", "paypal", "o1")
    assert provider.void(auth.id).status == "voided"
    with pytest.raises(ServiceUnavailable):
        provider.capture(auth.id)
    declined = provider.authorize(100, "USD", "credit_card", "o2")
    with pytest.raises(ServiceUnavailable):
        provider.capture(declined.id)


def _provider_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> payments.PaymentProvider:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    payments.get_provider.cache_clear()
    try:
        return payments.get_provider()
    finally:
        get_settings.cache_clear()
        payments.get_provider.cache_clear()


def test_provider_is_chosen_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = _provider_with(monkeypatch, PAYMENT_PROVIDER="sandbox", SANDBOX_DECLINE_METHODS="paypal, debit_card")
    assert isinstance(provider, payments.SandboxPaymentProvider)
    assert provider.decline_methods == {"paypal", "debit_card"}


def test_payments_switched_off_never_fall_back_to_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ServiceUnavailable) as info:
        _provider_with(monkeypatch, PAYMENT_PROVIDER="disabled")
    assert info.value.code == "payments_unavailable"
    monkeypatch.delenv("PAYMENT_PROVIDER")
    with pytest.raises(ServiceUnavailable):  # unset means the template's default: switched off
        _provider_with(monkeypatch)
    with pytest.raises(MissingSettings, match="PAYMENT_PROVIDER"):
        _provider_with(monkeypatch, PAYMENT_PROVIDER="hosted-checkout")


@pytest.mark.parametrize(("current", "target"), [("queued", "sent"), ("sent", "complete")])
def test_allowed_transitions(current: str, target: str) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [("queued", "complete"), ("sent", "sent"), ("complete", "sent"), ("complete", "complete"), ("queued", "queued")],
)
def test_other_transitions_conflict(current: str, target: str) -> None:
    with pytest.raises(Conflict) as info:
        check_transition(current, target)
    assert info.value.code == "invalid_transition"
