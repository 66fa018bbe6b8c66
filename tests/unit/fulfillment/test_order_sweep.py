"""The daily pass over unpaid orders, against in-memory storage and provider: a payment whose
webhook never came is applied by the webhook's own rules, an order never paid in time is cancelled at
the provider and released (kits, free-kit claim), and a success arriving after that is refunded.
The DynamoDB side and localstripe are in tests/integration/fulfillment/test_unpaid_orders.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.fulfillment.order_sweep import EXPIRES_AFTER, RECONCILE_AFTER, settle_unpaid

from tests.fakes.fulfillment import FakeProvider, InMemoryOrderStore, Outbox
from tests.unit.fulfillment.test_order_events import (
    CAND,
    NOW,
    deliver,
    kit_statuses,
    payment_of,
    priced_order,
    provider,
    store,
)

__all__ = ["provider", "store"]  # the fixtures, shared with the webhook's tests


def sweep(
    store: InMemoryOrderStore, provider: FakeProvider, order: dict[str, Any], after: timedelta, **kw: Any
) -> bool:
    """The daily run's call for the order's index entry, ``after`` the order was placed."""
    due = store.payable[order["order_id"]].due or "not on the index"
    return settle_unpaid(
        keys.candidate_pk(CAND),
        keys.order_sk(order["order_id"]),
        due,
        now=NOW + after,
        provider=provider,
        store=store,
        send_email=kw.get("outbox", Outbox()),
    )


def test_an_order_never_paid_in_time_is_cancelled_and_releases_its_kits_and_free_claim(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    assert store.claimed_cert_ids(CAND) == {"ccna"}  # held by the unpaid order
    assert sweep(store, provider, order, EXPIRES_AFTER + timedelta(minutes=1))
    assert provider.cancelled == [payment_id]
    assert store.payable[order["order_id"]].status == "expired"
    assert store.payable[order["order_id"]].due is None  # off the index
    assert kit_statuses(store, order) == {"cancelled"}
    assert store.claimed_cert_ids(CAND) == set()  # the free kit can be claimed again
    assert store.transactions[order["order_id"]] == ["expired"]
    assert not sweep(store, provider, order, EXPIRES_AFTER + timedelta(hours=1))  # a second run: nothing


def test_a_success_after_the_expiry_is_refunded_not_resurrected(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    assert sweep(store, provider, order, EXPIRES_AFTER * 2)
    assert deliver(store, provider, provider.event(payment_id)) == "refunded"
    assert provider.refunded == [payment_id]
    assert store.payable[order["order_id"]].status == "expired" and kit_statuses(store, order) == {"cancelled"}
    assert store.transactions[order["order_id"]] == ["expired", "refunded"]


@pytest.mark.parametrize("after", [RECONCILE_AFTER - timedelta(seconds=1), EXPIRES_AFTER - timedelta(seconds=1)])
def test_an_order_within_its_time_stays_as_it_is(
    store: InMemoryOrderStore, provider: FakeProvider, after: timedelta
) -> None:
    order = priced_order(store, provider)
    assert not sweep(store, provider, order, after)
    assert provider.cancelled == [] and store.payable[order["order_id"]].status == "awaiting_payment"
    assert store.payable[order["order_id"]].due is not None and kit_statuses(store, order) == {"awaiting_payment"}


def test_a_payment_whose_webhook_never_came_is_settled_by_asking_the_provider(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    provider.states[payment_id] = "succeeded"
    outbox = Outbox()
    assert sweep(store, provider, order, RECONCILE_AFTER, outbox=outbox)
    assert store.payable[order["order_id"]].status == "paid" and kit_statuses(store, order) == {"queued"}
    assert store.transactions[order["order_id"]] == ["paid"] and len(outbox.sent) == 1
    assert provider.cancelled == [] and provider.refunded == []
    # The webhook arriving after all changes nothing (the same code, idempotent with it).
    assert deliver(store, provider, provider.event(payment_id)) == "duplicate"
    assert store.transactions[order["order_id"]] == ["paid"]


def test_the_webhook_first_then_the_sweep_changes_nothing(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    assert deliver(store, provider, provider.event(payment_id)) == "paid"
    provider.states[payment_id] = "succeeded"
    assert not sweep(store, provider, order, EXPIRES_AFTER * 2)  # off the index; an old entry is stale
    assert store.transactions[order["order_id"]] == ["paid"]


def test_a_payment_cancelled_at_the_provider_releases_the_order(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    provider.states[payment_of(provider, order)] = "canceled"  # e.g. an earlier run whose release failed
    assert sweep(store, provider, order, RECONCILE_AFTER)
    assert store.payable[order["order_id"]].status == "expired" and store.claimed_cert_ids(CAND) == set()


def test_a_payment_that_succeeds_just_before_the_cancel_is_paid_by_the_next_run(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    provider.succeeds_on_cancel.add(payment_of(provider, order))
    assert not sweep(store, provider, order, EXPIRES_AFTER)
    assert store.payable[order["order_id"]].status == "awaiting_payment" and store.claimed_cert_ids(CAND) == {"ccna"}
    assert sweep(store, provider, order, EXPIRES_AFTER + timedelta(days=1))
    assert store.payable[order["order_id"]].status == "paid"


def test_a_provider_down_leaves_the_order_for_the_next_run(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    provider.down = True
    assert not sweep(store, provider, order, EXPIRES_AFTER * 2)
    assert store.payable[order["order_id"]].status == "awaiting_payment" and order["order_id"] not in store.transactions


def test_an_entry_the_order_has_moved_from_is_left_alone(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    assert not settle_unpaid(
        keys.candidate_pk(CAND),
        keys.order_sk(order["order_id"]),
        "2020-01-01#ORDER:unpaid#elsewhere",
        now=NOW + EXPIRES_AFTER * 2,
        provider=provider,
        store=store,
    )
    assert provider.cancelled == [] and store.payable[order["order_id"]].status == "awaiting_payment"
