"""Unpaid orders through the real daily handler (``functions/certifications/expiry.py``), the
table on moto and the payments on localstripe: an order never paid is cancelled at the provider
and released, a payment whose webhook never came is settled by asking the provider, and a success
for an expired order is refunded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.fulfillment.models import ClaimItem
from certtrack.fulfillment.order_sweep import EXPIRES_AFTER, RECONCILE_AFTER
from certtrack.fulfillment.payments import StripePaymentProvider

from tests.conftest import call
from tests.integration.expiry.conftest import daily_check
from tests.integration.fulfillment.conftest import Holder, Payer, WebhookInbox, post_webhook
from tests.integration.fulfillment.test_payments import history, order_item, priced, queued_kits, transactions


def after(delta: timedelta) -> datetime:
    """``delta`` from now: the order was placed just now."""
    return datetime.now(UTC) + delta


def claims(holder: Holder) -> list[str]:
    pk = keys.candidate_pk(holder.candidate_id)
    return [item.cert_id for item in ClaimItem.query(pk, ClaimItem.SK.startswith(keys.CLAIM_PREFIX))]


def test_an_order_never_paid_is_cancelled_at_the_provider_and_released(holder: Holder, payer: Payer) -> None:
    order = priced(holder)  # the free CCNA certificate, a plaque and tracking: the claim is held
    assert claims(holder) == ["ccna"]
    assert daily_check(after(RECONCILE_AFTER))["settled_orders"] == 0  # asked, still pending, within its time
    assert order_item(holder, order["order_id"]).status == "awaiting_payment"
    expired_at = after(EXPIRES_AFTER + timedelta(hours=1))
    summary = daily_check(expired_at)
    assert summary["settled_orders"] == 1 and summary["complete"]
    item = order_item(holder, order["order_id"])
    assert (item.status, item.cancel_reason) == ("expired", "not_paid_in_time") and item.GSI2PK is None
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None and intent["status"] == "canceled"
    assert set(history(holder).values()) == {"cancelled"} and queued_kits() == []
    assert claims(holder) == []
    _, catalog, _ = holder.call("GET", "/me/fulfillment/catalog")
    [ccna] = [line for line in catalog["items"] if line["sku"] == "ccna-certificate"]
    assert (ccna["price_cents"], ccna["initial_kit"]) == (0, True)  # free again
    [txn] = transactions(holder)
    assert (txn["order_id"], txn["status"], txn["amount_cents"]) == (order["order_id"], "expired", 15900)
    assert txn["status_text"] == "Cancelled \u2013 not paid in time"
    for kit in order["items"]:
        assert call("certifications", "GET", f"/public/verify/{kit['verification_code']}")[0] == 404
    # The next day's run (a calendar day later whatever the hour now): nothing left to do.
    assert daily_check(expired_at + timedelta(days=1))["settled_orders"] == 0


def test_a_payment_whose_webhook_never_came_is_settled_by_the_daily_check(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, outbox: Any
) -> None:
    order = priced(holder)
    payer.pay(order["order_id"])
    [delivery] = webhooks.take(1)  # delivered, but lost before it reached us
    assert daily_check(after(RECONCILE_AFTER + timedelta(minutes=1)))["settled_orders"] == 1
    item = order_item(holder, order["order_id"])
    assert item.status == "paid" and item.GSI2PK is None
    assert set(history(holder).values()) == {"queued"}
    assert [t["status"] for t in transactions(holder)] == ["paid"] and len(outbox()) == 1
    # The webhook arriving after all: the same rules say it is applied already.
    assert post_webhook(delivery)[1]["outcome"] == "duplicate"
    assert [t["status"] for t in transactions(holder)] == ["paid"] and len(outbox()) == 1


def test_a_success_for_an_expired_order_is_refunded(
    holder: Holder, payer: Payer, webhooks: WebhookInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = priced(holder)
    # Stripe cannot confirm a cancelled payment, so a success after the expiry needs the cancel not
    # to have reached the provider (a race inside it, an outage the cancel's retries hid): skip it.
    monkeypatch.setattr(StripePaymentProvider, "cancel", lambda self, payment_id: None)
    assert daily_check(after(EXPIRES_AFTER + timedelta(hours=1)))["settled_orders"] == 1
    assert order_item(holder, order["order_id"]).status == "expired"
    status, answer = payer.pay(order["order_id"])
    assert (status, answer["status"]) == (200, "succeeded")
    [delivery] = webhooks.take(1)
    assert post_webhook(delivery)[1]["outcome"] == "refunded"
    item = order_item(holder, order["order_id"])
    assert item.status == "expired" and item.refunded_at is not None
    assert set(history(holder).values()) == {"cancelled"} and queued_kits() == []
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None
    assert [(r["amount"], r["status"]) for r in payer.stripe.refunds(intent["id"])] == [(15900, "succeeded")]
    # The expiry ran "a day later" than the refund: compare the records, not their order.
    assert sorted(t["status"] for t in transactions(holder)) == ["expired", "refunded"]
