"""Paying an order through localstripe and its signed webhook: success, decline, replays and
duplicates, out-of-order delivery, money for an order that no longer waits, forged deliveries.

The card goes to localstripe as the browser's step would (``local.payment_provider``); localstripe
then delivers its signed event to a local inbox, and the test hands that delivery, bytes and
``Stripe-Signature`` as they came, to the fulfillment function's public webhook route."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from certtrack import keys
from certtrack.fulfillment.models import OrderItem, PaymentEventItem

from tests.conftest import call
from tests.integration.fulfillment.conftest import Delivery, Holder, Payer, WebhookInbox, post_webhook
from tests.integration.fulfillment.factories import partition_sks
from tests.unit.fulfillment.factories import order_body

if TYPE_CHECKING:
    from local.sandbox import Sandbox

DECLINED = "4000000000000341"  # attaches, then is declined when charged (as on Stripe)


def priced(holder: Holder, key: str = "k") -> dict[str, Any]:
    status, body, _ = holder.order(
        order_body("ccie-enterprise-plaque", "ccna-certificate", tracking=True, payment_method="credit_card"), key=key
    )
    assert (status, body["status"]) == (201, "awaiting_payment"), body
    return dict(body)


def order_item(holder: Holder, order_id: str) -> OrderItem:
    return OrderItem.get(keys.candidate_pk(holder.candidate_id), keys.order_sk(order_id), consistent_read=True)


def history(holder: Holder) -> dict[str, str]:
    _, body, _ = holder.call("GET", "/me/fulfillment/history")
    return {item["fulfillment_id"]: item["status"] for item in body["items"]}


def queued_kits() -> list[str]:
    _, body, _ = call("fulfillment", "GET", "/ops/fulfillment", sub="sub-op", groups=["operators"])
    return [item["fulfillment_id"] for item in body["items"]]


def transactions(holder: Holder) -> list[dict[str, Any]]:
    _, body, _ = call("certifications", "GET", "/me/transactions", sub=holder.sub)
    return list(body["items"])


def test_a_paid_order_is_paid_queued_recorded_and_confirmed_by_the_webhook(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, outbox: Any
) -> None:
    order = priced(holder)
    kit_ids = [kit["fulfillment_id"] for kit in order["items"]]
    assert set(history(holder).values()) == {"awaiting_payment"} and queued_kits() == []
    status, answer = payer.pay(order["order_id"])
    assert (status, answer["status"]) == (200, "succeeded")
    assert order_item(holder, order["order_id"]).status == "awaiting_payment"  # until the webhook says so
    [delivery] = webhooks.take(1)
    status, body, _ = post_webhook(delivery)
    assert (status, body) == (200, {"received": True, "outcome": "paid"})
    item = order_item(holder, order["order_id"])
    assert item.status == "paid" and item.paid_at is not None
    assert history(holder) == dict.fromkeys(kit_ids, "queued")
    assert sorted(queued_kits()) == sorted(kit_ids)
    [txn] = transactions(holder)
    assert txn["status_text"] == "Paid"
    assert (txn["order_id"], txn["amount_cents"], txn["status"], txn["payment_method"]) == (
        order["order_id"],
        14900 + 0 + 1000,
        "paid",
        "credit_card",
    )
    [mail] = outbox()
    assert order["order_id"] in mail["subject"] and "$159.00" in mail["text"]


def test_a_declined_card_queues_nothing_and_says_why(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, outbox: Any
) -> None:
    order = priced(holder)
    status, answer = payer.pay(order["order_id"], DECLINED)
    assert (status, answer["error"]["code"]) == (402, "card_declined")
    [delivery] = webhooks.take(1)
    assert json.loads(delivery.body)["type"] == "payment_intent.payment_failed"
    status, body, _ = post_webhook(delivery)
    assert (status, body["outcome"]) == (200, "payment_failed")
    item = order_item(holder, order["order_id"])
    assert (item.status, item.payment_error) == ("awaiting_payment", "card_declined")
    assert set(history(holder).values()) == {"awaiting_payment"} and queued_kits() == []
    assert transactions(holder) == [] and outbox() == []


def test_a_replayed_or_duplicated_delivery_changes_nothing(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, outbox: Any
) -> None:
    order = priced(holder)
    payer.pay(order["order_id"])
    [delivery] = webhooks.take(1)
    assert post_webhook(delivery)[1]["outcome"] == "paid"
    before = partition_sks(holder.candidate_id)
    for _ in range(2):
        status, body, _ = post_webhook(delivery)
        assert (status, body["outcome"]) == (200, "duplicate")
    assert partition_sks(holder.candidate_id) == before
    assert len(outbox()) == 1 and len(transactions(holder)) == 1
    event_id = json.loads(delivery.body)["id"]
    marker = PaymentEventItem.get(keys.payment_event_pk(event_id), keys.PAYMENT_EVENT)
    assert (marker.outcome, marker.order_id) == ("paid", order["order_id"])
    assert marker.expires_at is not None  # TTL removes it after the provider's retry window


def signed_by_the_provider(event: dict[str, Any], secret: str) -> Delivery:
    """A delivery signed as localstripe (and Stripe) sign them, for an event localstripe cannot
    produce: it never retries a payment whose charge failed, so a failure and a success of the
    same payment (a declined card, then another) only exist on Stripe itself."""
    body = json.dumps(event).encode()
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return Delivery(f"t={stamp},v1={mac}", body)


def test_a_failure_delivered_after_the_success_does_not_undo_it(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, _sandbox: Sandbox
) -> None:
    order = priced(holder)
    payer.pay(order["order_id"])
    [success] = webhooks.take(1)
    event = json.loads(success.body)
    error = {"code": "card_declined", "message": "Your card was declined."}
    older = event | {
        "id": "evt_earlier_decline",
        "type": "payment_intent.payment_failed",
        "created": event["created"] - 5,
    }
    older["data"] = {
        "object": event["data"]["object"] | {"status": "requires_payment_method", "last_payment_error": error}
    }
    failure = signed_by_the_provider(older, _sandbox.payment_keys["webhook_secret"])
    assert post_webhook(success)[1]["outcome"] == "paid"  # the later event arrives first
    assert post_webhook(failure)[1]["outcome"] == "ignored"
    item = order_item(holder, order["order_id"])
    assert item.status == "paid" and item.payment_error is None
    assert set(history(holder).values()) == {"queued"}


def test_money_for_an_order_that_no_longer_waits_is_refunded_not_resurrected(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, outbox: Any
) -> None:
    order = priced(holder)
    # What the (later) expiry of an unpaid order does to it, while the candidate is still paying.
    order_item(holder, order["order_id"]).update(actions=[OrderItem.status.set("expired")])
    payer.pay(order["order_id"])
    [delivery] = webhooks.take(1)
    status, body, _ = post_webhook(delivery)
    assert (status, body["outcome"]) == (200, "refunded")
    item = order_item(holder, order["order_id"])
    assert item.status == "expired" and item.refunded_at is not None
    assert set(history(holder).values()) == {"awaiting_payment"} and queued_kits() == []
    assert [t["status"] for t in transactions(holder)] == ["refunded"] and outbox() == []
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None
    refunds = payer.stripe.refunds(intent["id"])
    assert [(r["amount"], r["status"]) for r in refunds] == [(15900, "succeeded")]
    assert post_webhook(delivery)[1]["outcome"] == "duplicate"


def test_a_forged_or_unsigned_delivery_is_400_and_changes_nothing(
    holder: Holder, payer: Payer, webhooks: WebhookInbox
) -> None:
    order = priced(holder)
    payer.pay(order["order_id"])
    [delivery] = webhooks.take(1)
    before = partition_sks(holder.candidate_id)
    event = json.loads(delivery.body)
    event["data"]["object"]["amount"] = 1  # tampered after signing
    forged = [
        Delivery(delivery.signature, json.dumps(event).encode()),
        Delivery(None, delivery.body),
        Delivery("t=1,v1=" + "0" * 64, delivery.body),
        Delivery(delivery.signature, b"{not json"),
    ]
    for attempt in forged:
        status, problem, headers = post_webhook(attempt)
        assert (status, problem["code"]) == (400, "invalid_signature")
        assert headers["content-type"] == "application/problem+json"
    assert partition_sks(holder.candidate_id) == before
    assert order_item(holder, order["order_id"]).status == "awaiting_payment"
    assert post_webhook(delivery)[1]["outcome"] == "paid"  # the genuine one still applies
