"""Shipping address rules: Latin-script demographics, localized block in any script, ISO countries."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.fulfillment.shipping import COUNTRIES, NO_POSTAL_CODE, ShippingAddress, is_latin_text
from pydantic import ValidationError

from tests.unit.fulfillment.factories import address_body


def failing_fields(body: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as info:
        ShippingAddress.model_validate(body)
    return {".".join(str(p) for p in err["loc"]) for err in info.value.errors()}


@pytest.mark.parametrize("text", ["José Müller", "Łódź", "Straße 5", "O'Brien-Smith", "Zoë, Apt. #4 (rear)", "N°12"])
def test_latin_text_accepts_accented_latin_and_punctuation(text: str) -> None:
    assert is_latin_text(text)


@pytest.mark.parametrize("text", ["Иван", "山田", "Ελένη", "محمد", "Ana 😀", "Tab\there", "١٢٣"])
def test_latin_text_refuses_other_scripts_emoji_controls(text: str) -> None:
    assert not is_latin_text(text)


def test_valid_address_round_trips_and_upper_cases_country() -> None:
    address = ShippingAddress.model_validate(address_body(country="de"))
    assert address.country == "DE"
    assert address.first_name == "José"


def test_cyrillic_demographics_fail_naming_each_field() -> None:
    assert failing_fields(address_body(first_name="Иван", city="Москва")) == {"first_name", "city"}


def test_localized_block_takes_any_script() -> None:
    address = ShippingAddress.model_validate(
        address_body(localized={"first_name": "太郎", "last_name": "山田", "city": "東京", "postal_code": "〒100-0001"})
    )
    assert address.localized is not None and address.localized.city == "東京"


def test_localized_block_rejects_unknown_keys_and_controls() -> None:
    assert failing_fields(address_body(localized={"country": "JP"})) == {"localized.country"}
    assert failing_fields(address_body(localized={"city": "東\x00京"})) == {"localized.city"}


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "address1", "city", "postal_code", "country"])
def test_required_fields(field: str) -> None:
    body = address_body()
    del body[field]
    assert failing_fields(body) == {field}


def test_optional_fields_may_be_left_out() -> None:
    body = address_body()
    for field in ("phone", "address2", "state"):
        body.pop(field, None)
    assert ShippingAddress.model_validate(body).phone is None


@pytest.mark.parametrize("blank", ["", "   "])
def test_optional_fields_sent_empty_are_not_given(blank: str) -> None:
    """An HTML form sends a field left empty as "": Address (Cont), State, Phone and the localized
    block's fields are then simply not given; a required field sent empty is still refused."""
    body = address_body(address2=blank, state=blank, phone=blank)
    body["localized"] = {"first_name": "山田", "address2": blank, "state": blank, "postal_code": blank}
    address = ShippingAddress.model_validate(body)
    assert (address.address2, address.state, address.phone) == (None, None, None)
    assert address.localized is not None and address.localized.first_name == "山田"
    assert (address.localized.address2, address.localized.postal_code) == (None, None)
    assert failing_fields(address_body(city=blank)) == {"city"}


@pytest.mark.parametrize("country", ["XX", "USA", "U1", "uk"])
def test_country_must_be_iso_alpha2(country: str) -> None:
    assert failing_fields(address_body(country=country)) == {"country"}


def test_country_list_is_complete_enough() -> None:
    assert len(COUNTRIES) == 249
    assert {"US", "DE", "JP", "GB", "BR", "IN"} <= COUNTRIES


@pytest.mark.parametrize("phone", ["call me", "++1 555", "12", "+1 555 <script>"])
def test_phone_pattern(phone: str) -> None:
    assert failing_fields(address_body(phone=phone)) == {"phone"}


def test_email_must_be_a_latin_address() -> None:
    assert failing_fields(address_body(email="not-an-email")) == {"email"}
    assert failing_fields(address_body(email="jösé@exämple.com")) == {"email"}


def test_unknown_fields_and_overlong_values_are_refused() -> None:
    assert failing_fields(address_body(company="ACME")) == {"company"}
    assert failing_fields(address_body(city="x" * 61)) == {"city"}


@pytest.mark.parametrize("bad", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\x85", "\n"])
def test_every_text_field_is_public_text(bad: str) -> None:
    fields = ("first_name", "last_name", "address1", "address2", "city", "state", "postal_code")
    body = address_body(**{f: f"A{bad}b" for f in fields}, localized={"city": f"東{bad}京"})
    assert failing_fields(body) == {*fields, "localized.city"}


def test_lengths_count_characters_after_nfc() -> None:
    address = ShippingAddress.model_validate(address_body(city="e\u0301" * 60))  # 120 code points
    assert address.city == "\u00e9" * 60
    assert failing_fields(address_body(city="e\u0301" * 61)) == {"city"}


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_postal_code_may_be_left_empty_only_where_addresses_have_none(blank: str | None) -> None:
    hong_kong = ShippingAddress.model_validate(address_body(country="hk", postal_code=blank))
    assert (hong_kong.country, hong_kong.postal_code) == ("HK", None)
    assert failing_fields(address_body(country="DE", postal_code=blank)) == {"postal_code"}


def test_a_missing_postal_code_reads_as_required() -> None:
    with pytest.raises(ValidationError) as info:
        ShippingAddress.model_validate(address_body(postal_code=None))
    [error] = info.value.errors()
    assert (error["loc"], error["type"], error["msg"]) == (("postal_code",), "missing", "This is required.")


def test_countries_without_postal_codes_are_countries() -> None:
    assert NO_POSTAL_CODE < COUNTRIES
    assert {"HK", "AE", "QA"} <= NO_POSTAL_CODE and not {"US", "DE", "JP"} & NO_POSTAL_CODE
