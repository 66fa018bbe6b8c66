"""An operator cancels an order through the real fulfillment handler (operator claims), the table
on moto and the payments on localstripe: a paid order is refunded at the provider and released in
one transaction with its audit item, an unpaid one has its PaymentIntent cancelled, a sent kit is
409, a refund whose release failed finishes on retry without a second refund, and the candidate is
emailed once."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack import keys
from certtrack.errors import ServiceUnavailable
from certtrack.fulfillment.models import ClaimItem, OrderPointerItem
from certtrack.fulfillment.order_store import DynamoOrderStore
from certtrack.identity.operator_audit import OperatorAuditItem

from tests.conftest import call
from tests.integration.fulfillment.conftest import Holder, Payer
from tests.integration.fulfillment.test_payments import history, order_item, priced, queued_kits, transactions
from tests.unit.fulfillment.factories import order_body

REASON = "Candidate asked by phone to cancel"


def cancel(order_id: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "fulfillment",
        "POST",
        f"/ops/orders/{order_id}/cancel",
        body={"reason": REASON} if body is None else body,
        sub=kwargs.pop("sub", "sub-op"),
        username="operator",
        groups=kwargs.pop("groups", ["operators"]),
        **kwargs,
    )


def audits(holder: Holder) -> list[OperatorAuditItem]:
    pk = keys.candidate_pk(holder.candidate_id)
    return list(OperatorAuditItem.query(pk, OperatorAuditItem.SK.startswith(keys.OPERATOR_AUDIT_PREFIX)))


def claims(holder: Holder) -> list[str]:
    pk = keys.candidate_pk(holder.candidate_id)
    return [item.cert_id for item in ClaimItem.query(pk, ClaimItem.SK.startswith(keys.CLAIM_PREFIX))]


def cancellations(outbox: Any) -> list[dict[str, str]]:
    return [mail for mail in outbox() if "cancelled" in mail["subject"]]


def test_a_paid_order_is_refunded_released_audited_and_the_candidate_emailed_once(
    holder: Holder, payer: Payer, outbox: Any
) -> None:
    order = priced(holder)
    assert payer.settle(order) == "paid"
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None
    status, body, _ = cancel(order["order_id"])
    assert (status, body) == (200, {"order_id": order["order_id"], "status": "cancelled", "refunded": True})
    [refund] = payer.stripe.refunds(str(intent["id"]))
    assert refund["amount"] == 15900
    item = order_item(holder, order["order_id"])
    assert (item.status, item.cancel_reason) == ("cancelled", "operator")
    assert item.cancelled_at is not None and item.refunded_at is not None
    assert set(history(holder).values()) == {"cancelled"} and queued_kits() == []
    assert claims(holder) == []  # the free initial kit is claimable again
    by_status = {t["status"]: t for t in transactions(holder)}
    assert sorted(by_status) == ["paid", "refunded"] and by_status["refunded"]["status_text"] == "Refunded"
    assert by_status["refunded"]["amount_cents"] == 15900
    [audit] = audits(holder)
    assert (audit.action, audit.target, audit.reason, audit.login_sub, audit.login_username) == (
        "order_cancelled",
        order["order_id"],
        REASON,
        "sub-op",
        "operator",
    )
    for kit in order["items"]:
        assert call("certifications", "GET", f"/public/verify/{kit['verification_code']}")[0] == 404
    [mail] = cancellations(outbox)
    assert mail["to"] == item.ship_to.email
    assert "$159.00" in mail["text"] and "refunded" in mail["text"] and REASON not in mail["text"]
    assert order["order_id"] in mail["html"]
    # The same cancel again: refused, nothing more refunded, nobody mailed twice.
    status, again, _ = cancel(order["order_id"])
    assert (status, again["code"]) == (409, "order_not_cancellable")
    assert len(payer.stripe.refunds(str(intent["id"]))) == 1 and len(cancellations(outbox)) == 1


def test_an_unpaid_order_has_its_payment_cancelled_at_the_provider(holder: Holder, payer: Payer, outbox: Any) -> None:
    order = priced(holder)
    status, body, _ = cancel(order["order_id"])
    assert (status, body["refunded"]) == (200, False)
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None and intent["status"] == "canceled"  # never charged: nothing to refund
    item = order_item(holder, order["order_id"])
    assert item.status == "cancelled" and item.GSI2PK is None  # off the unpaid-order sweep
    assert [t["status"] for t in transactions(holder)] == ["cancelled"]
    [mail] = cancellations(outbox)
    assert "Nothing was charged" in mail["text"]


def test_an_order_with_a_sent_kit_is_409_and_nothing_is_refunded(holder: Holder, payer: Payer) -> None:
    order = priced(holder)
    assert payer.settle(order) == "paid"
    sent = order["items"][0]["fulfillment_id"]
    shipped = {"status": "sent", "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}  # a tracked order
    status, _, _ = call(
        "fulfillment", "PUT", f"/ops/fulfillment/{sent}", body=shipped, sub="sub-op", groups=["operators"]
    )
    assert status == 200
    status, body, _ = cancel(order["order_id"])
    assert (status, body["code"]) == (409, "order_shipped")
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None and payer.stripe.refunds(str(intent["id"])) == []
    assert order_item(holder, order["order_id"]).status == "paid"
    assert [audit.action for audit in audits(holder)] == ["kit_sent"]  # the shipping, no cancel
    assert [t["status"] for t in transactions(holder)] == ["paid"]


def test_a_refund_whose_release_failed_finishes_on_retry_without_a_second_refund(
    holder: Holder, payer: Payer, outbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = priced(holder)
    assert payer.settle(order) == "paid"
    intent = payer.stripe.payment_of(order["order_id"])
    assert intent is not None
    real_release = DynamoOrderStore.release

    def release_fails(self: DynamoOrderStore, *args: Any) -> Any:
        raise ServiceUnavailable("DynamoDB is not answering.")

    monkeypatch.setattr(DynamoOrderStore, "release", release_fails)
    status, _, _ = cancel(order["order_id"])
    assert status == 503
    assert len(payer.stripe.refunds(str(intent["id"]))) == 1  # the money went back
    assert order_item(holder, order["order_id"]).status == "paid" and cancellations(outbox) == []
    monkeypatch.setattr(DynamoOrderStore, "release", real_release)
    status, body, _ = cancel(order["order_id"])
    assert (status, body["status"], body["refunded"]) == (200, "cancelled", True)
    assert len(payer.stripe.refunds(str(intent["id"]))) == 1  # localstripe ignores idempotency keys
    assert sorted(t["status"] for t in transactions(holder)) == ["paid", "refunded"]
    assert len(cancellations(outbox)) == 1


def test_a_free_order_is_cancelled_and_its_claim_released(holder: Holder) -> None:
    status, order, _ = holder.order(order_body("ccna-certificate"), key="free")
    assert (status, order["status"]) == (201, "queued")
    status, body, _ = cancel(order["order_id"])
    assert (status, body["refunded"]) == (200, False)
    assert claims(holder) == [] and queued_kits() == []
    assert sorted(t["status"] for t in transactions(holder)) == ["cancelled", "no_charge"]


def test_unknown_orders_and_older_orders_without_a_pointer_are_404(holder: Holder) -> None:
    status, body, _ = cancel("20260304050607-deadbeef")
    assert (status, body["code"]) == (404, "order_not_found")
    status, order, _ = holder.order(order_body("ccna-certificate"), key="old")
    OrderPointerItem(keys.order_pk(order["order_id"]), keys.ORDER_POINTER).delete()  # as before the pointer
    status, body, _ = cancel(order["order_id"])
    assert (status, body["code"]) == (404, "order_not_found")
    assert order_item(holder, order["order_id"]).status == "queued"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok", "refund": False}])
def test_a_bad_body_is_422_and_changes_nothing(holder: Holder, body: dict[str, Any]) -> None:
    status, order, _ = holder.order(order_body("ccna-certificate"), key="free")
    status, answer, headers = cancel(order["order_id"], body)
    assert status == 422 and headers["content-type"].startswith("application/problem+json"), answer
    assert order_item(holder, order["order_id"]).status == "queued" and claims(holder) == ["ccna"]


def test_a_candidate_is_403_and_changes_nothing(holder: Holder) -> None:
    status, order, _ = holder.order(order_body("ccna-certificate"), key="free")
    status, body, _ = cancel(order["order_id"], sub=holder.sub, groups=[])
    assert (status, body["code"]) == (403, "operators_only")
    assert order_item(holder, order["order_id"]).status == "queued"
