"""Refused fields read as plain sentences: pydantic's own errors of the kinds the API's schemas
produce become one sentence each, with no field path, no library wording and no value echoed; the
problem's detail names the fields by their labels."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pytest
from certtrack import field_messages
from certtrack.api import _validation_errors
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

LIBRARY_WORDS = ("should", "Input", "Value error", "pydantic", "type=", "[", "_")


def _no_digits(value: str) -> str:
    if any(ch.isdigit() for ch in value):
        raise ValueError("a name has no digits")
    return value


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Annotated[str, StringConstraints(min_length=1, max_length=50), AfterValidator(_no_digits)]
    postal_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9 -]{2,10}$")]
    job_title: Annotated[str, StringConstraints(max_length=100)] = ""
    points: Annotated[int, Field(ge=1, le=99)] = 1
    active_date: date | None = None
    include: Literal["active", "selected"] = "active"
    tags: Annotated[list[str], Field(max_length=3)] = []


OK = {"first_name": "Ada", "postal_code": "AB 1"}


def refused(**body: object) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(body)
    return _validation_errors(caught.value.errors())


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"postal_code": "AB 1"}, "first_name", "This is required."),
        ({"first_name": "", "postal_code": "AB 1"}, "first_name", "This is required."),
        ({"first_name": "A" * 51, "postal_code": "AB 1"}, "first_name", "Use at most 50 characters."),
        ({"first_name": "Ada4", "postal_code": "AB 1"}, "first_name", "A name has no digits."),
        (
            {"first_name": "Ada", "postal_code": "ab#1"},
            "postal_code",
            "Use only the characters this field takes (letters, digits and the usual punctuation).",
        ),
        ({**OK, "job_title": "x" * 101}, "job_title", "Use at most 100 characters."),
        ({**OK, "points": 0}, "points", "Enter 1 or more."),
        ({**OK, "points": "many"}, "points", "Enter a whole number."),
        (
            {**OK, "active_date": "01/02/2026"},
            "active_date",
            "Enter a date as YYYY-MM-DD, for example 2026-12-01.",
        ),
        ({**OK, "include": "all"}, "include", "Choose one of: active or selected."),
        ({**OK, "tags": ["a"] * 4}, "tags", "Give at most 3."),
        ({**OK, "nickname": "x"}, "nickname", "This field is not taken here: leave it out."),
    ],
)
def test_each_refusal_is_one_plain_sentence(body: dict[str, object], field: str, message: str) -> None:
    [error] = refused(**body)
    assert (error["field"], error["message"]) == (field, message)
    assert not any(word in error["message"] for word in LIBRARY_WORDS), error["message"]


def test_the_value_sent_is_never_in_the_message() -> None:
    errors = refused(first_name="secret-value-123", postal_code="secret#value")
    assert errors and all("secret" not in e["message"] for e in errors)


def test_the_detail_names_the_fields_by_label() -> None:
    assert field_messages.summary(["first_name", "postal_code"]) == (
        "Check First name and Postal code: each says what it needs."
    )
    assert field_messages.summary(["attributes.0.value"]) == "Check Value: each says what it needs."
    assert field_messages.summary(["a", "b", "c_d"]) == "Check A, B and C d: each says what it needs."
    assert field_messages.summary([]) == "Some fields need attention."


@pytest.mark.parametrize("address", ["no-at-sign", "two@@example.com", "a@-bad-.example"])
def test_a_refused_email_address_reads_the_same_whatever_the_reason(address: str) -> None:
    from certtrack.fields import EmailAddress
    from pydantic import TypeAdapter

    with pytest.raises(ValidationError) as caught:
        TypeAdapter(EmailAddress).validate_python(address)
    [error] = caught.value.errors()
    assert field_messages.plain(error["type"], error.get("ctx"), error["msg"]) == field_messages.EMAIL
