"""Placing an order against in-memory storage: the free kit once per certification, kits of held
certifications only, payment around the write, idempotent retries. The DynamoDB store's own
transaction is tested in tests/integration/fulfillment/test_orders.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack.errors import AppError, Conflict, ServiceUnavailable, Unprocessable
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.fulfillment.orders import place_order
from certtrack.fulfillment.payments import Authorization, PaymentRequired, SandboxPaymentProvider
from certtrack.fulfillment.shipping import ShippingAddress

from tests.conftest import LambdaContext
from tests.fakes.fulfillment import FailingCapture, InMemoryOrderStore, Outbox
from tests.unit.fulfillment.factories import address_body, order_body

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CAND = "C0001"


@pytest.fixture
def store() -> InMemoryOrderStore:
    """C0001 holds CCNA and CCIE Enterprise and has saved a shipping address."""
    return InMemoryOrderStore(
        held={CAND: {"ccna", "ccie-enterprise"}},
        addresses={CAND: ShippingAddress.model_validate(address_body())},
    )


def order(
    store: InMemoryOrderStore,
    *skus: str,
    key: str = "key-1",
    provider: SandboxPaymentProvider | None = None,
    outbox: Outbox | None = None,
    candidate_id: str = CAND,
    **body: Any,
) -> dict[str, Any]:
    request = OrderRequest.model_validate(order_body(*skus, **body))
    return place_order(
        candidate_id,
        key,
        request,
        NOW,
        provider=provider or SandboxPaymentProvider(),
        store=store,
        send_email=outbox or Outbox(),
        lambda_context=LambdaContext(),  # as the handler registers it
    )


def test_free_initial_kit_is_claimed_without_payment(store: InMemoryOrderStore) -> None:
    provider, outbox = SandboxPaymentProvider(), Outbox()
    out = order(store, "ccna-certificate", provider=provider, outbox=outbox)
    assert (out["status"], out["total_cents"], out["payment_method"]) == ("submitted", 0, None)
    [kit] = out["items"]
    assert (kit["sku"], kit["price_cents"], kit["initial_kit"]) == ("ccna-certificate", 0, True)
    assert store.claims == {(CAND, "ccna"): out["order_id"]}
    assert store.transactions == {out["order_id"]: "no_charge"}
    assert provider.authorizations == {}
    [(to, template, context)] = outbox.sent
    assert (to, template, context["total"]) == ("jose.mueller@example.com", "order_confirmation", "$0.00")
    assert context["items"] == [{"name": kit["name"], "price": "$0.00"}]


def test_the_free_kit_is_free_once_per_certification(store: InMemoryOrderStore) -> None:
    order(store, "ccna-certificate", key="a")
    with pytest.raises(Unprocessable) as info:
        order(store, "ccna-certificate", key="b")
    assert info.value.code == "payment_method_required"
    provider = SandboxPaymentProvider()
    out = order(
        store, "ccna-certificate", "ccie-enterprise-certificate", key="c", provider=provider, payment_method="paypal"
    )
    prices = {k["sku"]: (k["price_cents"], k["initial_kit"]) for k in out["items"]}
    assert prices == {"ccna-certificate": (1500, False), "ccie-enterprise-certificate": (0, True)}
    assert out["total_cents"] == 1500
    [auth] = provider.authorizations.values()
    assert (auth.amount_cents, auth.reference, auth.status) == (1500, out["order_id"], "captured")
    assert store.transactions[out["order_id"]] == "captured"
    assert set(store.claims) == {(CAND, "ccna"), (CAND, "ccie-enterprise")}


def test_tracking_on_a_free_claim_is_charged_once(store: InMemoryOrderStore) -> None:
    provider = SandboxPaymentProvider()
    out = order(store, "ccna-certificate", tracking=True, payment_method="paypal", provider=provider)
    assert (out["total_cents"], out["tracking_fee_cents"], out["tracking"]) == (1000, 1000, True)
    assert [a.amount_cents for a in provider.authorizations.values()] == [1000]


def test_only_kits_of_held_certifications_are_offered(store: InMemoryOrderStore) -> None:
    provider = SandboxPaymentProvider()
    with pytest.raises(Unprocessable) as info:
        order(store, "ccde-certificate", payment_method="paypal", provider=provider)
    assert (info.value.code, info.value.extra["errors"][0]["field"]) == ("sku_not_held", "skus.0")
    assert store.orders == {} and provider.authorizations == {}


def test_a_certification_lost_before_the_write_voids_the_payment(store: InMemoryOrderStore) -> None:
    class Revoking(SandboxPaymentProvider):
        def authorize(self, amount_cents: int, currency: str, method: str, reference: str) -> Authorization:
            store.held[CAND].discard("ccie-enterprise")  # expired or revoked while the card was held
            return super().authorize(amount_cents, currency, method, reference)

    provider = Revoking()
    with pytest.raises(Conflict) as info:
        order(store, "ccie-enterprise-plaque", payment_method="paypal", provider=provider)
    assert info.value.code == "certification_not_held"
    assert [a.status for a in provider.authorizations.values()] == ["voided"]
    assert store.orders == {}


class Rival(SandboxPaymentProvider):
    """While this order's payment is authorised, another request claims the same free kit."""

    def __init__(self, store: InMemoryOrderStore) -> None:
        super().__init__()
        self.store = store

    def authorize(self, amount_cents: int, currency: str, method: str, reference: str) -> Authorization:
        self.store.claims.setdefault((CAND, "ccna"), "rival-order")
        return super().authorize(amount_cents, currency, method, reference)


def test_the_lost_race_for_the_free_kit_voids_and_the_same_key_retries_at_the_new_price(
    store: InMemoryOrderStore,
) -> None:
    rival = Rival(store)
    with pytest.raises(Conflict) as info:
        order(store, "ccna-certificate", tracking=True, payment_method="paypal", key="mine", provider=rival)
    assert info.value.code == "initial_kit_already_claimed"
    assert [(a.amount_cents, a.status) for a in rival.authorizations.values()] == [(1000, "voided")]
    assert store.orders == {} and store.idempotency.records == {}  # a failure is not recorded
    out = order(store, "ccna-certificate", tracking=True, payment_method="paypal", key="mine")
    assert (out["total_cents"], out["items"][0]["initial_kit"]) == (1500 + 1000, False)


def test_a_replay_returns_the_first_answer_without_charging_or_mailing_again(store: InMemoryOrderStore) -> None:
    provider, outbox = SandboxPaymentProvider(), Outbox()
    body: dict[str, Any] = {"tracking": True, "payment_method": "credit_card"}
    first = order(store, "ccie-enterprise-plaque", key="same", provider=provider, outbox=outbox, **body)
    again = order(store, "ccie-enterprise-plaque", key="same", provider=provider, outbox=outbox, **body)
    assert again == first
    assert list(store.orders) == [first["order_id"]]
    assert len(provider.authorizations) == 1 and len(outbox.sent) == 1
    assert len(store.idempotency.records) == 1


def test_the_same_key_while_the_first_request_runs_is_409_retry_later(store: InMemoryOrderStore) -> None:
    seen: list[AppError] = []

    class Impatient(SandboxPaymentProvider):
        """The client retries its key while this request is still authorising its payment."""

        def authorize(self, amount_cents: int, currency: str, method: str, reference: str) -> Authorization:
            with pytest.raises(Conflict) as info:
                order(store, "ccie-enterprise-plaque", key="busy", payment_method="paypal")
            seen.append(info.value)
            return super().authorize(amount_cents, currency, method, reference)

    out = order(store, "ccie-enterprise-plaque", key="busy", payment_method="paypal", provider=Impatient())
    [busy] = seen
    assert (busy.code, busy.headers) == ("idempotency_key_in_progress", {"Retry-After": "2"})
    assert list(store.orders) == [out["order_id"]]


def test_the_same_key_with_another_body_is_refused(store: InMemoryOrderStore) -> None:
    order(store, "ccna-certificate", key="k")
    with pytest.raises(Unprocessable) as info:
        order(store, "ccie-enterprise-certificate", key="k")
    assert info.value.code == "idempotency_key_reused"
    assert (CAND, "ccie-enterprise") not in store.claims


def test_keys_are_per_candidate(store: InMemoryOrderStore) -> None:
    store.held["C0002"] = {"ccna"}
    store.addresses["C0002"] = store.addresses[CAND]
    first = order(store, "ccna-certificate", key="shared")
    second = order(store, "ccna-certificate", key="shared", candidate_id="C0002")
    assert first["order_id"] != second["order_id"]
    assert set(store.claims) == {(CAND, "ccna"), ("C0002", "ccna")}


@pytest.mark.parametrize(("key", "code"), [(None, "idempotency_key_required"), ("x" * 129, "idempotency_key_invalid")])
def test_a_missing_or_bad_key_is_400_before_anything_runs(
    store: InMemoryOrderStore, key: str | None, code: str
) -> None:
    request = OrderRequest.model_validate(order_body("ccna-certificate"))
    with pytest.raises(AppError) as info:
        place_order(CAND, key, request, NOW, store=store, send_email=Outbox(), lambda_context=LambdaContext())
    assert (info.value.status, info.value.code) == (400, code)
    assert store.orders == {} and store.idempotency.records == {}


def test_a_declined_payment_writes_nothing(store: InMemoryOrderStore) -> None:
    provider, outbox = SandboxPaymentProvider(decline_methods=frozenset({"debit_card"})), Outbox()
    with pytest.raises(PaymentRequired):
        order(store, "ccie-enterprise-plaque", payment_method="debit_card", provider=provider, outbox=outbox)
    assert store.orders == {} and store.claims == {} and outbox.sent == []
    assert [a.status for a in provider.authorizations.values()] == ["declined"]


def test_a_failed_capture_keeps_the_order_authorized(store: InMemoryOrderStore) -> None:
    out = order(store, "ccie-enterprise-plaque", payment_method="paypal", provider=FailingCapture())
    assert out["status"] == "submitted"
    assert store.transactions == {out["order_id"]: "authorized"}


def test_an_email_failure_never_fails_the_order(store: InMemoryOrderStore) -> None:
    outbox = Outbox(error=ServiceUnavailable("SES down", code="email_unavailable"))
    out = order(store, "ccna-certificate", outbox=outbox)
    assert list(store.orders) == [out["order_id"]] and outbox.sent == []


def test_an_order_needs_a_shipping_address(store: InMemoryOrderStore) -> None:
    del store.addresses[CAND]
    with pytest.raises(Unprocessable) as info:
        order(store, "ccna-certificate")
    assert (info.value.code, info.value.extra["errors"][0]["field"]) == (
        "shipping_address_required",
        "shipping_address",
    )
    assert store.orders == {}
