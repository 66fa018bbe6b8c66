"""POST /me/fulfillment/orders: claims, purchases (awaiting payment on localstripe), idempotency,
races, a provider that is down, bad input. Paying them: test_payments.py."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack import verification
from certtrack.errors import Conflict
from certtrack.fulfillment import orders, payments
from certtrack.fulfillment.catalog import claimed_cert_ids
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.settings import get_settings

from local.payment_provider import LocalStripe
from tests.conftest import FIXED_NOW, call
from tests.integration.fulfillment.conftest import Holder, make_holder
from tests.integration.fulfillment.factories import partition_sks, table_pks
from tests.unit.fulfillment.factories import order_body

BASELINE = ["CERT#ccie-enterprise", "CERT#ccna", "PROFILE", "SHIPPING"]


def provider_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing answers at the provider's address (tests/conftest.py's default)."""
    monkeypatch.setenv("PAYMENT_API_BASE", "http://127.0.0.1:9")
    get_settings.cache_clear()  # tests/conftest.py clears it again after the test


def test_free_initial_kit_claim(holder: Holder) -> None:
    status, body, _ = holder.order(order_body("ccna-certificate"))
    assert status == 201
    assert (body["status"], body["payment"]) == ("queued", None)
    assert (body["total_cents"], body["currency"], body["payment_method"]) == (0, "USD", None)
    [kit] = body["items"]
    assert (kit["sku"], kit["price_cents"], kit["initial_kit"]) == ("ccna-certificate", 0, True)
    code = verification.lookup(kit["verification_code"])
    assert code is not None and (code.kind, code.candidate_id, code.cert_id) == (
        "fulfillment",
        holder.candidate_id,
        "ccna",
    )
    assert code.target_sk == f"FULFILL#{kit['fulfillment_id']}"
    assert claimed_cert_ids(holder.candidate_id) == {"ccna"}
    sks = partition_sks(holder.candidate_id)
    assert f"ORDER#{body['order_id']}" in sks and "CLAIM#ccna" in sks
    assert table_pks("FULFILL#") == [f"FULFILL#{kit['fulfillment_id']}"]

    # Claimed now: the catalog prices the certificate like any other.
    _, catalog, _ = holder.call("GET", "/me/fulfillment/catalog")
    ccna = next(i for i in catalog["items"] if i["sku"] == "ccna-certificate")
    assert (ccna["price_cents"], ccna["initial_kit"]) == (1500, False)


def test_a_free_order_is_confirmed_at_once(holder: Holder, outbox: Any) -> None:
    status, body, _ = holder.order(order_body("ccie-enterprise-certificate", payment_method="paypal"))
    assert (status, body["status"], body["payment_method"]) == (201, "queued", None)
    [mail] = outbox()
    assert mail["to"] == "jose.mueller@example.com"
    assert body["order_id"] in mail["subject"]
    for part in (mail["text"], mail["html"]):
        assert "CCIE Enterprise Infrastructure Certificate" in part and "$0.00" in part
        assert "6-8 weeks" in part


def test_paid_order_awaits_a_payment_of_the_servers_amount(
    holder: Holder, payment_provider: LocalStripe, outbox: Any
) -> None:
    status, body, _ = holder.order(
        order_body("ccie-enterprise-plaque", "ccie-enterprise-letter", payment_method="credit_card")
    )
    assert status == 201
    assert (body["status"], body["total_cents"]) == ("awaiting_payment", 14900 + 500)
    intent = payment_provider.payment_of(body["order_id"])
    assert intent is not None
    assert (intent["amount"], intent["currency"], intent["status"]) == (15400, "usd", "requires_payment_method")
    assert intent["metadata"] == {
        "order_id": body["order_id"],
        "candidate_id": holder.candidate_id,
        "method": "credit_card",
    }
    assert body["payment"] == {
        "provider": "stripe",
        "client_secret": intent["client_secret"],
        "publishable_key": "pk_test_local",
    }
    # Written once, kits held off the operators' list, no transaction record or email before payment.
    sks = partition_sks(holder.candidate_id)
    assert [sk for sk in sks if sk.startswith("TXN#")] == [] and outbox() == []
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    assert {(i["status"], i["queued"]) for i in history["items"]} == {("awaiting_payment", None)}


def test_a_provider_that_is_down_is_503_and_writes_nothing(
    holder: Holder, monkeypatch: pytest.MonkeyPatch, outbox: Any
) -> None:
    provider_down(monkeypatch)
    status, body, headers = holder.order(order_body("ccna-certificate", tracking=True, payment_method="credit_card"))
    assert (status, body["code"], headers.get("retry-after")) == (503, "payments_unavailable", "5")
    assert partition_sks(holder.candidate_id) == BASELINE
    assert table_pks("FULFILL#") == [] and table_pks("VERIFY#") == [] and outbox() == []


def test_client_sent_prices_are_rejected_and_nothing_written(holder: Holder) -> None:
    tampered = order_body("ccie-enterprise-plaque", payment_method="paypal", total_cents=1, price_cents=0)
    status, body, _ = holder.order(tampered)
    assert status == 422
    assert {e["field"] for e in body["errors"]} == {"total_cents", "price_cents"}
    status, _, _ = holder.order({"skus": [{"sku": "ccie-enterprise-plaque", "price_cents": 0}]}, key="key-2")
    assert status == 422
    assert partition_sks(holder.candidate_id) == BASELINE


def test_idempotent_replay_returns_the_same_201_and_writes_once(
    holder: Holder, payment_provider: LocalStripe, outbox: Any
) -> None:
    body = order_body("ccna-certificate", "ccie-enterprise-letter", payment_method="credit_card")
    first = holder.order(body, key="replay-1")
    second = holder.order(body, key="replay-1")
    assert first[0] == second[0] == 201
    assert first[1] == second[1]  # the same payment's client_secret: one payment, not two
    assert len([sk for sk in partition_sks(holder.candidate_id) if sk.startswith("ORDER#")]) == 1
    intent = payment_provider.payment_of(first[1]["order_id"])
    assert intent is not None and intent["client_secret"] == first[1]["payment"]["client_secret"]
    assert outbox() == []


def test_same_key_different_body_is_422(holder: Holder) -> None:
    assert holder.order(order_body("ccna-certificate"), key="k")[0] == 201
    status, body, _ = holder.order(order_body("ccie-enterprise-certificate"), key="k")
    assert (status, body["code"]) == (422, "idempotency_key_reused")
    assert "CLAIM#ccie-enterprise" not in partition_sks(holder.candidate_id)


def test_keys_are_per_candidate(holder: Holder) -> None:
    other = make_holder("sub-other", "ccna")
    first = holder.order(order_body("ccna-certificate"), key="shared")
    second = other.order(order_body("ccna-certificate"), key="shared")
    assert first[0] == second[0] == 201
    assert first[1]["order_id"] != second[1]["order_id"]


def test_missing_idempotency_key_is_400(holder: Holder) -> None:
    status, body, _ = holder.order(order_body("ccna-certificate"), key=None)
    assert (status, body["code"]) == (400, "idempotency_key_required")
    status, body, _ = holder.order(order_body("ccna-certificate"), key="x" * 129)
    assert (status, body["code"]) == (400, "idempotency_key_invalid")
    assert partition_sks(holder.candidate_id) == BASELINE


def test_second_claim_with_another_key_is_charged_not_free(holder: Holder) -> None:
    assert holder.order(order_body("ccna-certificate"), key="a")[0] == 201
    status, body, _ = holder.order(order_body("ccna-certificate"), key="b")
    assert (status, body["code"]) == (422, "payment_method_required")
    status, body, _ = holder.order(order_body("ccna-certificate", payment_method="debit_card"), key="c")
    assert status == 201
    assert (body["total_cents"], body["items"][0]["initial_kit"]) == (1500, False)


class RacingProvider(payments.StripePaymentProvider):
    """While creating order A's payment, order B (another key) claims the same initial kit first."""

    def __init__(self, holder: Holder) -> None:
        settings = get_settings()
        super().__init__(settings.payment_secret, settings.payment_api_base)
        self.holder = holder
        self.rival: tuple[int, Any, Any] | None = None
        self.created: list[str] = []

    def create_payment(
        self, amount_cents: int, currency: str, method: str, order_id: str, candidate_id: str
    ) -> payments.PendingPayment:
        if self.rival is None:
            self.rival = self.holder.order(order_body("ccna-certificate"), key="rival")
        pending = super().create_payment(amount_cents, currency, method, order_id, candidate_id)
        self.created.append(pending.id)
        return pending


def test_concurrent_initial_kit_claims_exactly_one_wins(holder: Holder, payment_provider: LocalStripe) -> None:
    provider = RacingProvider(holder)
    request = OrderRequest.model_validate(order_body("ccna-certificate", tracking=True, payment_method="credit_card"))
    # A prices the kit at 0 (unclaimed), then B claims it while A's payment is created.
    with pytest.raises(Conflict) as info:
        orders.place_order(holder.candidate_id, "mine", request, FIXED_NOW, provider=provider)
    assert info.value.code == "initial_kit_already_claimed"
    assert provider.rival is not None and provider.rival[0] == 201
    [payment_id] = provider.created
    assert payment_provider.payment(payment_id)["status"] == "canceled"  # nobody can pay for an order not written
    assert payment_provider.pay(payment_id, "4242424242424242")[0] == 400
    sks = partition_sks(holder.candidate_id)
    assert len([sk for sk in sks if sk.startswith("ORDER#")]) == 1
    assert len([sk for sk in sks if sk.startswith("FULFILL#")]) == 1
    assert len([sk for sk in sks if sk.startswith("TXN#")]) == 1
    assert len(table_pks("FULFILL#")) == 1 and len(table_pks("VERIFY#")) == 1


def test_the_loser_may_retry_its_key_and_pays(holder: Holder) -> None:
    request = OrderRequest.model_validate(order_body("ccna-certificate", tracking=True, payment_method="credit_card"))
    with pytest.raises(Conflict):
        orders.place_order(holder.candidate_id, "retry", request, FIXED_NOW, provider=RacingProvider(holder))
    # The failed attempt left no idempotency record: the same key runs again, at the new price.
    out = orders.place_order(holder.candidate_id, "retry", request, FIXED_NOW)
    assert (out["total_cents"], out["status"]) == (1500 + 1000, "awaiting_payment")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (order_body(), "empty_order", "skus"),
        (order_body("no-such-kit"), "unknown_sku", "skus.0"),
        (order_body("ccde-certificate"), "sku_not_held", "skus.0"),
        (order_body("ccna-certificate", "ccna-certificate"), "duplicate_sku", "skus.1"),
        (order_body("ccie-enterprise-letter", payment_method="cash"), "unknown_payment_method", "payment_method"),
        (order_body("ccie-enterprise-letter", payment_method="paypal"), "unknown_payment_method", "payment_method"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(holder: Holder, body: dict[str, Any], code: str, field: str) -> None:
    status, problem, _ = holder.order(body)
    assert (status, problem["code"]) == (422, code)
    assert field in [e["field"] for e in problem["errors"]]
    assert partition_sks(holder.candidate_id) == BASELINE


def test_order_needs_a_shipping_address(aws: None) -> None:
    h = make_holder("sub-noaddr", "ccna", with_address=False)
    status, body, _ = h.order(order_body("ccna-certificate"))
    assert (status, body["code"]) == (422, "shipping_address_required")
    assert partition_sks(h.candidate_id) == ["CERT#ccna", "PROFILE"]


def test_header_name_is_case_insensitive(holder: Holder) -> None:
    status, _, _ = holder.call(
        "POST", "/me/fulfillment/orders", body=order_body("ccna-certificate"), headers={"idempotency-key": "lower"}
    )
    assert status == 201


def test_kit_verification_code_is_publicly_verifiable(holder: Holder) -> None:
    _, body, _ = holder.order(order_body("ccie-enterprise-plaque", payment_method="credit_card"))
    code = body["items"][0]["verification_code"]
    status, page, _ = call(
        "certifications",
        "GET",
        f"/public/verify/{code}",
        headers={"Accept": "application/json"},
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
    )
    assert status == 200
    assert page["certification"]["id"] == "ccie-enterprise" and page["status"] == "active"
