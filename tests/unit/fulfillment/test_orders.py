"""Placing an order against in-memory storage: the free kit once per certification, kits of held
certifications only, a priced order written awaiting its payment, idempotent retries. The DynamoDB store's own
transaction is tested in tests/integration/fulfillment/test_orders.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack.errors import AppError, Conflict, ServiceUnavailable, Unprocessable
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.fulfillment.orders import place_order
from certtrack.fulfillment.payments import PendingPayment
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.i18n import Money

from tests.conftest import LambdaContext
from tests.fakes.fulfillment import FakeProvider, InMemoryOrderStore, Outbox
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
    provider: FakeProvider | None = None,
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
        provider=provider or FakeProvider(),
        store=store,
        send_email=outbox or Outbox(),
        lambda_context=LambdaContext(),  # as the handler registers it
    )


def test_free_initial_kit_is_claimed_without_payment(store: InMemoryOrderStore) -> None:
    provider, outbox = FakeProvider(), Outbox()
    out = order(store, "ccna-certificate", provider=provider, outbox=outbox, payment_method="paypal")
    assert (out["status"], out["total_cents"], out["payment_method"], out["payment"]) == ("queued", 0, None, None)
    [kit] = out["items"]
    assert (kit["sku"], kit["price_cents"], kit["initial_kit"]) == ("ccna-certificate", 0, True)
    assert store.claims == {(CAND, "ccna"): out["order_id"]}
    assert store.transactions == {out["order_id"]: ["no_charge"]}
    assert provider.payments == {}
    assert set(store.kits.values()) == {"queued"}
    [(to, template, context)] = outbox.sent
    assert (to, template, context["total"]) == ("jose.mueller@example.com", "order_confirmation", Money(0, "USD"))
    assert context["items"] == [{"name": kit["name"], "price": Money(0, "USD")}]


def test_the_free_kit_is_free_once_per_certification(store: InMemoryOrderStore) -> None:
    order(store, "ccna-certificate", key="a")
    with pytest.raises(Unprocessable) as info:
        order(store, "ccna-certificate", key="b")
    assert info.value.code == "payment_method_required"
    provider, outbox = FakeProvider(), Outbox()
    out = order(
        store,
        "ccna-certificate",
        "ccie-enterprise-certificate",
        key="c",
        provider=provider,
        outbox=outbox,
        payment_method="credit_card",
    )
    prices = {k["sku"]: (k["price_cents"], k["initial_kit"]) for k in out["items"]}
    assert prices == {"ccna-certificate": (1500, False), "ccie-enterprise-certificate": (0, True)}
    assert out["total_cents"] == 1500
    [payment] = provider.payments.values()
    assert (payment.amount_cents, payment.currency) == (1500, "USD")
    assert provider.metadata[payment.id] == {"order_id": out["order_id"], "candidate_id": CAND, "method": "credit_card"}
    assert out["status"] == "awaiting_payment"
    assert out["payment"] == {"provider": "fake", "client_secret": payment.client_secret, "publishable_key": "pk_fake"}
    # Held, not queued: no transaction record and no confirmation until the payment arrives.
    assert out["order_id"] not in store.transactions and outbox.sent == []
    assert {store.kits[k["fulfillment_id"]] for k in out["items"]} == {"awaiting_payment"}
    assert set(store.claims) == {(CAND, "ccna"), (CAND, "ccie-enterprise")}


def test_tracking_on_a_free_claim_is_charged_once(store: InMemoryOrderStore) -> None:
    provider = FakeProvider()
    out = order(store, "ccna-certificate", tracking=True, payment_method="debit_card", provider=provider)
    assert (out["total_cents"], out["tracking_fee_cents"], out["tracking"]) == (1000, 1000, True)
    assert [p.amount_cents for p in provider.payments.values()] == [1000]


def test_only_kits_of_held_certifications_are_offered(store: InMemoryOrderStore) -> None:
    provider = FakeProvider()
    with pytest.raises(Unprocessable) as info:
        order(store, "ccde-certificate", payment_method="credit_card", provider=provider)
    assert (info.value.code, info.value.extra["errors"][0]["field"]) == ("sku_not_held", "skus.0")
    assert store.orders == {} and provider.payments == {}


def test_a_method_the_provider_does_not_take_is_refused(store: InMemoryOrderStore) -> None:
    provider = FakeProvider()
    with pytest.raises(Unprocessable) as info:
        order(store, "ccie-enterprise-plaque", payment_method="paypal", provider=provider)
    assert info.value.code == "unknown_payment_method"
    assert "paypal" not in info.value.extra["errors"][0]["message"]
    assert store.orders == {} and provider.payments == {}


def test_a_certification_lost_before_the_write_cancels_the_payment(store: InMemoryOrderStore) -> None:
    class Revoking(FakeProvider):
        def create_payment(
            self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
        ) -> PendingPayment:
            store.held[CAND].discard("ccie-enterprise")  # expired or revoked while the payment was made
            return super().create_payment(amount_cents, currency, method, order_id, candidate_id)

    provider = Revoking()
    with pytest.raises(Conflict) as info:
        order(store, "ccie-enterprise-plaque", payment_method="credit_card", provider=provider)
    assert info.value.code == "certification_not_held"
    assert provider.cancelled == list(provider.payments)
    assert store.orders == {}


class Rival(FakeProvider):
    """While this order's payment is created, another request claims the same free kit."""

    def __init__(self, store: InMemoryOrderStore) -> None:
        super().__init__()
        self.store = store

    def create_payment(
        self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
    ) -> PendingPayment:
        self.store.claims.setdefault((CAND, "ccna"), "rival-order")
        return super().create_payment(amount_cents, currency, method, order_id, candidate_id)


def test_the_lost_race_for_the_free_kit_cancels_and_the_same_key_retries_at_the_new_price(
    store: InMemoryOrderStore,
) -> None:
    rival = Rival(store)
    with pytest.raises(Conflict) as info:
        order(store, "ccna-certificate", tracking=True, payment_method="credit_card", key="mine", provider=rival)
    assert info.value.code == "initial_kit_already_claimed"
    assert [p.amount_cents for p in rival.payments.values()] == [1000] and rival.cancelled == list(rival.payments)
    assert store.orders == {} and store.idempotency.records == {}  # a failure is not recorded
    out = order(store, "ccna-certificate", tracking=True, payment_method="credit_card", key="mine")
    assert (out["total_cents"], out["items"][0]["initial_kit"]) == (1500 + 1000, False)


def test_a_replay_returns_the_first_answer_and_payment_without_a_second_one(store: InMemoryOrderStore) -> None:
    provider, outbox = FakeProvider(), Outbox()
    body: dict[str, Any] = {"tracking": True, "payment_method": "credit_card"}
    first = order(store, "ccie-enterprise-plaque", key="same", provider=provider, outbox=outbox, **body)
    again = order(store, "ccie-enterprise-plaque", key="same", provider=provider, outbox=outbox, **body)
    assert again == first
    assert list(store.orders) == [first["order_id"]]
    assert len(provider.payments) == 1 and outbox.sent == []
    assert again["payment"]["client_secret"] == first["payment"]["client_secret"]
    assert len(store.idempotency.records) == 1


def test_the_same_key_while_the_first_request_runs_is_409_retry_later(store: InMemoryOrderStore) -> None:
    seen: list[AppError] = []

    class Impatient(FakeProvider):
        """The client retries its key while this request is still creating its payment."""

        def create_payment(
            self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
        ) -> PendingPayment:
            with pytest.raises(Conflict) as info:
                order(store, "ccie-enterprise-plaque", key="busy", payment_method="credit_card")
            seen.append(info.value)
            return super().create_payment(amount_cents, currency, method, order_id, candidate_id)

    out = order(store, "ccie-enterprise-plaque", key="busy", payment_method="credit_card", provider=Impatient())
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


def test_a_provider_that_does_not_answer_is_503_and_writes_nothing(store: InMemoryOrderStore) -> None:
    outbox = Outbox()
    with pytest.raises(ServiceUnavailable) as info:
        order(
            store,
            "ccna-certificate",
            "ccie-enterprise-plaque",
            payment_method="credit_card",
            provider=FakeProvider(down=True),
            outbox=outbox,
        )
    assert info.value.code == "payments_unavailable"
    assert store.orders == {} and store.claims == {} and outbox.sent == [] and store.idempotency.records == {}


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
