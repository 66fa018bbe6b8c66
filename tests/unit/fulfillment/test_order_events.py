"""The webhook's state machine against in-memory storage: a verified success pays the order once, a
failure records the decline, replays and out-of-order deliveries change nothing, money for an
order that no longer waits is refunded, and events about other orders or amounts are refused. The
DynamoDB transactions and Stripe's signatures are tested against moto and localstripe in
tests/integration/fulfillment/test_payments.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack.fulfillment.order_events import handle_webhook
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.fulfillment.orders import place_order
from certtrack.fulfillment.payments import InvalidEvent, PaymentEvent
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.i18n import Money

from tests.conftest import LambdaContext
from tests.fakes.fulfillment import FakeProvider, InMemoryOrderStore, Outbox, delivery
from tests.unit.fulfillment.factories import address_body, order_body

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
CAND = "C0001"


@pytest.fixture
def store() -> InMemoryOrderStore:
    return InMemoryOrderStore(
        held={CAND: {"ccna", "ccie-enterprise"}}, addresses={CAND: ShippingAddress.model_validate(address_body())}
    )


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


def priced_order(store: InMemoryOrderStore, provider: FakeProvider, key: str = "k") -> dict[str, Any]:
    body = order_body("ccna-certificate", "ccie-enterprise-plaque", tracking=True, payment_method="credit_card")
    return place_order(
        CAND,
        key,
        OrderRequest.model_validate(body),
        NOW,
        provider=provider,
        store=store,
        send_email=Outbox(),
        lambda_context=LambdaContext(),
    )


def deliver(
    store: InMemoryOrderStore, provider: FakeProvider, event: PaymentEvent, outbox: Outbox | None = None
) -> str:
    out = handle_webhook(delivery(event), "signed", NOW, provider=provider, store=store, send_email=outbox or Outbox())
    assert out.received
    return out.outcome


def payment_of(provider: FakeProvider, order: dict[str, Any]) -> str:
    [payment_id] = [pid for pid, meta in provider.metadata.items() if meta["order_id"] == order["order_id"]]
    return payment_id


def kit_statuses(store: InMemoryOrderStore, order: dict[str, Any]) -> set[str]:
    return {store.kits[kit["fulfillment_id"]] for kit in order["items"]}


def test_the_success_pays_queues_records_and_confirms_once(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    event, outbox = provider.event(payment_of(provider, order)), Outbox()
    assert deliver(store, provider, event, outbox) == "paid"
    assert store.payable[order["order_id"]].status == "paid"
    assert kit_statuses(store, order) == {"queued"}
    assert store.transactions[order["order_id"]] == ["paid"]
    [(to, template, context)] = outbox.sent
    assert (to, template, context["total"]) == ("jose.mueller@example.com", "order_confirmation", Money(15900, "USD"))
    again = Outbox()
    assert deliver(store, provider, event, again) == "duplicate"  # the same delivery replayed
    assert again.sent == [] and store.events == {event.id: "paid"}


def test_a_second_success_event_for_a_paid_order_changes_nothing(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    deliver(store, provider, provider.event(payment_id))
    outbox = Outbox()
    assert deliver(store, provider, provider.event(payment_id), outbox) == "duplicate"
    assert outbox.sent == [] and provider.refunded == []


def test_a_decline_is_recorded_and_nothing_is_queued(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    assert deliver(store, provider, provider.event(payment_id, "payment_failed")) == "payment_failed"
    assert store.payable[order["order_id"]].status == "awaiting_payment"
    assert store.payment_errors[order["order_id"]] == "card_declined"
    assert kit_statuses(store, order) == {"awaiting_payment"}
    assert order["order_id"] not in store.transactions
    # Another card on the same payment succeeds later: the decline no longer shows.
    assert deliver(store, provider, provider.event(payment_id)) == "paid"
    assert order["order_id"] not in store.payment_errors


def test_a_failure_delivered_after_the_success_is_ignored(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    failed_first = provider.event(payment_id, "payment_failed")  # sent first, arrives last
    deliver(store, provider, provider.event(payment_id))
    assert deliver(store, provider, failed_first) == "ignored"
    assert store.payable[order["order_id"]].status == "paid" and kit_statuses(store, order) == {"queued"}
    assert order["order_id"] not in store.payment_errors


@pytest.mark.parametrize("status", ["cancelled", "expired"])
def test_a_success_for_an_order_that_no_longer_waits_is_refunded_not_resurrected(
    store: InMemoryOrderStore, provider: FakeProvider, status: str
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    store.set_status(order["order_id"], status)
    outbox = Outbox()
    event = provider.event(payment_id)
    assert deliver(store, provider, event, outbox) == "refunded"
    assert provider.refunded == [payment_id]
    assert store.payable[order["order_id"]].status == status
    assert kit_statuses(store, order) == {"awaiting_payment"} and outbox.sent == []
    assert deliver(store, provider, event) == "duplicate" and provider.refunded == [payment_id]


@pytest.mark.parametrize(
    ("changes", "outcome"),
    [
        ({"order_id": "20260304050607-00000000"}, "unknown_order"),
        ({"candidate_id": "C0002"}, "unknown_order"),  # another candidate's order id
        ({"order_id": None, "candidate_id": None}, "unknown_order"),  # a payment made elsewhere on the account
        ({"payment_id": "pi_elsewhere"}, "payment_mismatch"),
        ({"amount_cents": 100}, "amount_mismatch"),
        ({"currency": "EUR"}, "amount_mismatch"),
    ],
)
def test_events_about_other_orders_payments_or_amounts_are_refused(
    store: InMemoryOrderStore, provider: FakeProvider, changes: dict[str, Any], outcome: str
) -> None:
    order = priced_order(store, provider)
    event = provider.event(payment_of(provider, order), **changes)
    outbox = Outbox()
    assert deliver(store, provider, event, outbox) == outcome
    assert store.payable[order["order_id"]].status == "awaiting_payment"
    assert kit_statuses(store, order) == {"awaiting_payment"}
    assert store.events == {} and outbox.sent == [] and provider.refunded == []


def test_other_event_types_are_acknowledged_and_ignored(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    event = provider.event(payment_of(provider, order), type_="other")
    assert deliver(store, provider, event) == "ignored"
    assert store.payable[order["order_id"]].status == "awaiting_payment" and store.events == {}


def test_an_unverified_delivery_is_400_and_changes_nothing(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    event = provider.event(payment_of(provider, order))
    with pytest.raises(InvalidEvent) as info:
        handle_webhook(delivery(event), "forged", NOW, provider=provider, store=store, send_email=Outbox())
    assert info.value.status == 400
    assert store.payable[order["order_id"]].status == "awaiting_payment" and store.events == {}
