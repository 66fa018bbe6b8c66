"""Per-candidate offer and server-side pricing: pure functions of the catalog and the records."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.errors import ServiceUnavailable, Unprocessable
from certtrack.fulfillment.order_schemas import OrderRequest
from certtrack.fulfillment.pricing import price_order
from certtrack.i18n import Money, format_money
from pydantic import ValidationError

from tests.unit.fulfillment.factories import known, offer, order_body


def request(*skus: str, **kwargs: object) -> OrderRequest:
    return OrderRequest.model_validate(order_body(*skus, **kwargs))  # type: ignore[arg-type]


def test_offer_lists_only_held_certifications_with_unclaimed_initial_kit_free() -> None:
    lines = {line.sku: line for line in offer({"ccie-enterprise"}).lines}
    assert set(lines) == {"ccie-enterprise-certificate", "ccie-enterprise-plaque", "ccie-enterprise-letter"}
    assert (lines["ccie-enterprise-certificate"].price_cents, lines["ccie-enterprise-certificate"].initial_kit) == (
        0,
        True,
    )
    assert (lines["ccie-enterprise-plaque"].price_cents, lines["ccie-enterprise-plaque"].initial_kit) == (14900, False)


def test_claimed_initial_kit_is_priced_like_any_other() -> None:
    line = offer({"ccna"}, claimed={"ccna"}).line("ccna-certificate")
    assert line is not None and (line.price_cents, line.initial_kit) == (1500, False)


def test_total_is_the_servers_sum_plus_tracking_fee() -> None:
    priced = price_order(
        offer({"ccna", "ccie-enterprise"}, claimed={"ccna"}),
        request("ccna-certificate", "ccie-enterprise-plaque", tracking=True, payment_method="debit_card"),
        known,
    )
    assert (priced.total_cents, priced.tracking_fee_cents, priced.payment_method) == (
        1500 + 14900 + 1000,
        1000,
        "debit_card",
    )


def test_free_claim_needs_no_payment_method_and_records_none() -> None:
    priced = price_order(offer({"ccna"}), request("ccna-certificate", payment_method="paypal"), known)
    assert (priced.total_cents, priced.payment_method) == (0, None)


@pytest.mark.parametrize(
    ("skus", "code", "field"),
    [
        ((), "empty_order", "skus"),
        (("nope-kit",), "unknown_sku", "skus.0"),
        (("ccna-certificate", "ccde-certificate"), "sku_not_held", "skus.1"),
        (("ccna-certificate", "ccna-certificate"), "duplicate_sku", "skus.1"),
    ],
)
def test_bad_skus_are_422_naming_the_field(skus: tuple[str, ...], code: str, field: str) -> None:
    with pytest.raises(Unprocessable) as info:
        price_order(offer({"ccna"}), request(*skus, payment_method="paypal"), known)
    assert info.value.code == code
    assert [e["field"] for e in info.value.extra["errors"]] == [field]


def test_unknown_payment_method_and_missing_method_for_a_price() -> None:
    with pytest.raises(Unprocessable) as info:
        price_order(offer({"ccna"}), request("ccna-certificate", tracking=True, payment_method="bitcoin"), known)
    assert info.value.code == "unknown_payment_method"
    with pytest.raises(Unprocessable) as info:
        price_order(offer({"ccna"}), request("ccna-certificate", tracking=True), known)
    assert (info.value.code, info.value.extra["errors"][0]["field"]) == ("payment_method_required", "payment_method")


@pytest.mark.parametrize(
    "tampered",
    [
        {"price_cents": 0},
        {"total_cents": 1},
        {"items": [{"sku": "ccie-enterprise-plaque", "price_cents": 0}]},
    ],
)
def test_client_prices_are_refused_by_the_model(tampered: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OrderRequest.model_validate(order_body("ccie-enterprise-plaque", payment_method="paypal", **tampered))


def test_sku_objects_with_prices_are_refused() -> None:
    with pytest.raises(ValidationError):
        OrderRequest.model_validate({"skus": [{"sku": "ccna-certificate", "price_cents": 0}]})


def test_too_many_skus_are_refused() -> None:
    with pytest.raises(ValidationError):
        OrderRequest.model_validate({"skus": [f"sku-{n}" for n in range(11)]})


def test_format_money() -> None:
    assert format_money(Money(15900, "USD"), "en") == "$159.00"
    assert format_money(Money(0, "USD"), "en") == "$0.00"
    assert format_money(Money(123456, "EUR"), "en") == "€1,234.56"
    assert format_money(Money(123456, "USD"), "ja") == "$1,234.56"
    assert format_money(Money(123456, "JPY"), "ja") == "￥1,235"


def test_nothing_is_offered_without_a_held_certification() -> None:
    empty = offer(set())
    assert empty.lines == () and empty.line("ccna-certificate") is None
    assert empty.tracking_fee_cents == 1000 and empty.payment_methods == ("debit_card", "credit_card")


def test_totals_are_what_the_order_stores_and_echoes() -> None:
    priced = price_order(
        offer({"ccie-enterprise"}),
        request("ccie-enterprise-certificate", "ccie-enterprise-letter", payment_method="credit_card"),
        known,
    )
    assert priced.totals() == {
        "tracking": False,
        "tracking_fee_cents": 0,
        "total_cents": 500,
        "currency": "USD",
        "payment_method": "credit_card",
    }


def test_the_offer_lists_only_methods_the_provider_takes_and_none_when_payments_are_off() -> None:
    assert "paypal" not in offer({"ccna"}).payment_methods  # Stripe's PayPal is not offered
    switched_off = offer({"ccna", "ccie-enterprise"}, accepted=())
    assert switched_off.payment_methods == ()
    free = price_order(switched_off, request("ccna-certificate"), known)
    assert free.total_cents == 0
    with pytest.raises(ServiceUnavailable) as info:
        price_order(switched_off, request("ccie-enterprise-plaque", payment_method="credit_card"), known)
    assert info.value.code == "payments_unavailable"
