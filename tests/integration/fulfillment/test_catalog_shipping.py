"""GET /me/fulfillment/catalog and GET|PUT /me/shipping-address through the real handler."""

from __future__ import annotations

import pytest
from certtrack import field_messages
from certtrack.fulfillment.shipping import get_address

from tests.conftest import call
from tests.factories import candidate, certification
from tests.integration.fulfillment.conftest import Holder, make_holder
from tests.unit.fulfillment.factories import address_body


def test_catalog_payload_is_the_contract(holder: Holder) -> None:
    certification(holder.candidate_id, "ccde", status="expired", expiration_date="2025-01-01")
    certification(holder.candidate_id, "ccnp-enterprise", status="in_progress", active_date=None, expiration_date=None)
    status, body, _ = holder.call("GET", "/me/fulfillment/catalog")
    assert status == 200
    assert body == {
        "items": [
            {
                "sku": "ccna-certificate",
                "name": "CCNA Certificate",
                "kind": "certificate",
                "certification_id": "ccna",
                "price_cents": 0,
                "currency": "USD",
                "initial_kit": True,
            },
            {
                "sku": "ccie-enterprise-certificate",
                "name": "CCIE Enterprise Infrastructure Certificate",
                "kind": "certificate",
                "certification_id": "ccie-enterprise",
                "price_cents": 0,
                "currency": "USD",
                "initial_kit": True,
            },
            {
                "sku": "ccie-enterprise-plaque",
                "name": "CCIE Enterprise Infrastructure Plaque",
                "kind": "plaque",
                "certification_id": "ccie-enterprise",
                "price_cents": 14900,
                "currency": "USD",
                "initial_kit": False,
            },
            {
                "sku": "ccie-enterprise-letter",
                "name": "CCIE Recognition Letter",
                "kind": "letter",
                "certification_id": "ccie-enterprise",
                "price_cents": 500,
                "currency": "USD",
                "initial_kit": False,
            },
        ],
        "tracking_fee_cents": 1000,
        "payment_methods": ["debit_card", "credit_card"],  # what Stripe takes of the program's methods
    }


def test_with_payments_switched_off_the_catalog_lists_only_free_kits(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certtrack.settings import get_settings

    holder = make_holder("sub-free", "ccna", "ccie-enterprise")
    monkeypatch.setenv("PAYMENT_PROVIDER", "disabled")
    get_settings.cache_clear()
    status, body, _ = holder.call("GET", "/me/fulfillment/catalog")
    assert status == 200 and body["payment_methods"] == []
    assert {(i["sku"], i["price_cents"]) for i in body["items"]} == {
        ("ccna-certificate", 0),
        ("ccie-enterprise-certificate", 0),
    }
    status, problem, _ = holder.order({"skus": ["ccie-enterprise-plaque"], "payment_method": "credit_card"})
    assert (status, problem["code"]) == (503, "payments_unavailable")
    assert holder.order({"skus": ["ccna-certificate"]}, key="free")[0] == 201


def test_active_record_past_its_expiry_date_is_not_offered(aws: None) -> None:
    cand = candidate(login_sub="sub-late")
    certification(cand.candidate_id, "ccna", expiration_date="2020-01-01")  # expiry check has not run yet
    status, body, _ = call("fulfillment", "GET", "/me/fulfillment/catalog", sub="sub-late")
    assert (status, body["items"]) == (200, [])


def test_catalog_needs_a_mapped_login(aws: None) -> None:
    status, body, _ = call("fulfillment", "GET", "/me/fulfillment/catalog", sub="sub-nobody")
    assert (status, body["code"]) == (403, "account_not_mapped")


def test_shipping_address_round_trip_with_localized_block(aws: None) -> None:
    h = make_holder("sub-ship", with_address=False)
    status, body, _ = h.call("GET", "/me/shipping-address")
    assert (status, body["code"]) == (404, "shipping_address_not_found")
    sent = address_body(localized={"first_name": "太郎", "last_name": "山田", "city": "東京"})
    status, body, _ = h.call("PUT", "/me/shipping-address", body=sent)
    assert status == 200
    status, got, _ = h.call("GET", "/me/shipping-address")
    assert status == 200
    assert got["first_name"] == "José" and got["country"] == "DE" and got["localized"]["city"] == "東京"
    assert got == body


def test_a_form_with_address_cont_left_empty_is_saved_as_no_second_line(aws: None) -> None:
    """What an HTML form sends: every field, the empty ones as ""."""
    h = make_holder("sub-blank", with_address=False)
    sent = address_body(address2="", state="", phone="", localized={"first_name": "", "address2": ""})
    status, body, _ = h.call("PUT", "/me/shipping-address", body=sent)
    assert status == 200, body
    assert (body["address2"], body["state"], body["phone"]) == (None, None, None)
    saved = get_address(h.candidate_id)
    assert saved is not None and saved.address2 is None and saved.address1 == sent["address1"]


def test_non_latin_demographics_are_422_naming_the_field_and_not_saved(aws: None) -> None:
    h = make_holder("sub-cyr", with_address=False)
    status, body, headers = h.call("PUT", "/me/shipping-address", body=address_body(last_name="Иванов"))
    assert status == 422
    assert headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in body["errors"]] == ["last_name"]
    assert "Иванов" not in str(body)  # never echoes personal data back
    assert get_address(h.candidate_id) is None


def test_missing_required_and_bad_country(aws: None) -> None:
    h = make_holder("sub-req", with_address=False)
    body = address_body(country="ZZ")
    del body["postal_code"]
    status, problem, _ = h.call("PUT", "/me/shipping-address", body=body)
    assert status == 422
    assert {e["field"] for e in problem["errors"]} == {"postal_code", "country"}


def test_hidden_characters_in_any_address_field_are_422_and_change_nothing(aws: None) -> None:
    from tests.integration.partition import partition_items

    h = make_holder("sub-bidi")  # has a saved address
    before = partition_items(h.candidate_id)
    cases = [
        address_body(address1="Main St\u202e 5"),
        address_body(city="Ber\u200blin"),
        address_body(localized={"city": "東\u2067京"}),
        address_body(localized={"address1": "一丁目\n2"}),
    ]
    for sent, field in zip(cases, ["address1", "city", "localized.city", "localized.address1"], strict=True):
        status, body, _ = h.call("PUT", "/me/shipping-address", body=sent)
        assert status == 422, body
        assert [(e["field"], e["type"]) for e in body["errors"]] == [(field, "invalid_characters")]
        assert field_messages.label(field) in body["detail"] and field not in body["detail"]
    assert partition_items(h.candidate_id) == before


def test_address_is_stored_nfc_and_still_latin_only(aws: None) -> None:
    import unicodedata

    h = make_holder("sub-nfc", with_address=False)
    status, body, _ = h.call(
        "PUT", "/me/shipping-address", body=address_body(first_name=unicodedata.normalize("NFD", "Zoë Núñez"))
    )
    assert status == 200 and body["first_name"] == "Zoë Núñez"
    stored = get_address(h.candidate_id)
    assert stored is not None and stored.first_name == "Zoë Núñez"
    status, body, _ = h.call("PUT", "/me/shipping-address", body=address_body(city="Αθήνα"))
    assert (status, [e["field"] for e in body["errors"]]) == (422, ["city"])
