"""An operator's cancel against in-memory storage and provider: a paid order is refunded then
released, an unpaid one has its payment cancelled, a free one is released; nothing sent, nothing
cancelled twice, a refund whose release failed finishes on retry without a second refund, and the
candidate is emailed once. DynamoDB and localstripe: tests/integration/fulfillment/test_order_cancel.py."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.auth import Login
from certtrack.errors import AppError, ServiceUnavailable
from certtrack.fulfillment.order_cancel import CancelOut, CancelRequest, cancel_order
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.fulfillment.orders import place_order
from certtrack.i18n import Money
from pydantic import ValidationError

from tests.conftest import LambdaContext
from tests.fakes.fulfillment import FakeProvider, InMemoryOrderStore, Outbox
from tests.unit.fulfillment.factories import order_body
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

__all__ = ["provider", "store"]

OPERATOR = Login(sub="op-sub-1", username="operator", groups=frozenset({"operators"}))


def cancel(store: InMemoryOrderStore, provider: FakeProvider, order_id: str, outbox: Outbox | None = None) -> CancelOut:
    return cancel_order(
        order_id,
        CancelRequest(reason="Candidate asked by phone"),
        OPERATOR,
        NOW,
        provider=provider,
        store=store,
        send_email=outbox if outbox is not None else Outbox(),
    )


def refused(store: InMemoryOrderStore, provider: FakeProvider, order_id: str, outbox: Outbox | None = None) -> AppError:
    with pytest.raises(AppError) as raised:
        cancel(store, provider, order_id, outbox)
    return raised.value


def paid_order(store: InMemoryOrderStore, provider: FakeProvider) -> tuple[dict[str, Any], str]:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    assert deliver(store, provider, provider.event(payment_id)) == "paid"
    return order, payment_id


def test_a_paid_order_is_refunded_released_audited_and_mailed_once(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order, payment_id = paid_order(store, provider)
    outbox = Outbox()
    out = cancel(store, provider, order["order_id"], outbox)
    assert out == CancelOut(order_id=order["order_id"], status="cancelled", refunded=True)
    assert provider.refunded == [payment_id] and provider.cancelled == []
    assert store.payable[order["order_id"]].status == "cancelled"
    assert kit_statuses(store, order) == {"cancelled"}
    assert store.claimed_cert_ids(CAND) == set()  # the free initial kit is free again
    assert store.transactions[order["order_id"]] == ["paid", "refunded"]
    assert store.audits == [(order["order_id"], "op-sub-1", "Candidate asked by phone")]
    [(to, template, context)] = outbox.sent
    assert (to, template, context["refunded"], context["total"]) == (
        "jose.mueller@example.com",
        "order_cancelled",
        True,
        Money(15900, "USD"),
    )
    assert "reason" not in context  # the operator's reason is for the audit only
    again = Outbox()
    assert refused(store, provider, order["order_id"], again).code == "order_not_cancellable"  # repeated
    assert again.sent == [] and provider.refunded == [payment_id]


def test_an_unpaid_order_has_its_payment_cancelled_and_nothing_refunded(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    out = cancel(store, provider, order["order_id"])
    assert (out.status, out.refunded) == ("cancelled", False)
    assert provider.cancelled == [payment_id] and provider.refunded == []
    assert store.payable[order["order_id"]].due is None  # off the unpaid-order sweep
    assert store.transactions[order["order_id"]] == ["cancelled"]
    # The browser's success arriving afterwards is refunded, the order stays cancelled.
    assert deliver(store, provider, provider.event(payment_id)) == "refunded"
    assert store.payable[order["order_id"]].status == "cancelled"


def test_a_free_order_is_released_without_the_provider(store: InMemoryOrderStore) -> None:
    down = FakeProvider(down=True)  # a free order never asks it
    order = place_order(
        CAND,
        "free",
        OrderRequest.model_validate(order_body("ccna-certificate")),
        NOW,
        provider=down,
        store=store,
        send_email=Outbox(),
        lambda_context=LambdaContext(),
    )
    assert order["status"] == "queued"
    outbox = Outbox()
    assert cancel(store, down, order["order_id"], outbox).refunded is False
    assert store.transactions[order["order_id"]] == ["no_charge", "cancelled"]
    assert store.claimed_cert_ids(CAND) == set()
    [(_, _, context)] = outbox.sent
    assert context["refunded"] is False and context["free_kit"] is True


def test_an_order_with_a_kit_sent_is_409_and_nothing_is_refunded(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order, _ = paid_order(store, provider)
    store.kits[order["items"][1]["fulfillment_id"]] = "sent"
    assert refused(store, provider, order["order_id"]).code == "order_shipped"
    assert provider.refunded == [] and store.payable[order["order_id"]].status == "paid"
    assert store.audits == [] and store.transactions[order["order_id"]] == ["paid"]


def test_a_refund_whose_release_failed_finishes_on_retry_without_a_second_refund(
    store: InMemoryOrderStore, provider: FakeProvider
) -> None:
    order, payment_id = paid_order(store, provider)
    store.release_failures = 1
    outbox = Outbox()
    with pytest.raises(ServiceUnavailable):
        cancel(store, provider, order["order_id"], outbox)
    assert provider.refunded == [payment_id] and store.payable[order["order_id"]].status == "paid"
    assert outbox.sent == []
    assert cancel(store, provider, order["order_id"], outbox).refunded
    assert provider.refunded == [payment_id]
    assert store.transactions[order["order_id"]] == ["paid", "refunded"] and len(outbox.sent) == 1


def test_a_payment_that_just_succeeded_waits_for_its_webhook(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    payment_id = payment_of(provider, order)
    provider.states[payment_id] = "succeeded"  # paid in the browser, the webhook not yet here
    error = refused(store, provider, order["order_id"])
    assert (error.code, error.status) == ("payment_settling", 409)
    assert provider.cancelled == [] and store.payable[order["order_id"]].status == "awaiting_payment"
    assert deliver(store, provider, provider.event(payment_id)) == "paid"
    assert cancel(store, provider, order["order_id"]).refunded
    assert provider.refunded == [payment_id]


def test_a_provider_that_is_down_changes_nothing(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order, _ = paid_order(store, provider)
    provider.down = True
    assert refused(store, provider, order["order_id"]).status == 503
    assert store.payable[order["order_id"]].status == "paid" and kit_statuses(store, order) == {"queued"}
    assert store.audits == []


def test_an_unknown_order_is_404(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    error = refused(store, provider, "20260304050607-deadbeef")
    assert (error.status, error.code) == (404, "order_not_found")


def test_an_expired_order_is_not_cancellable(store: InMemoryOrderStore, provider: FakeProvider) -> None:
    order = priced_order(store, provider)
    store.set_status(order["order_id"], "expired")
    assert refused(store, provider, order["order_id"]).code == "order_not_cancellable"
    assert provider.cancelled == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "bad\u202eoverride"])
def test_a_reason_is_required_bounded_and_plain_text(reason: str) -> None:
    with pytest.raises(ValidationError):
        CancelRequest.model_validate({"reason": reason})


def test_a_reason_of_500_characters_is_accepted() -> None:
    assert len(CancelRequest.model_validate({"reason": "é" * 500}).reason) == 500
