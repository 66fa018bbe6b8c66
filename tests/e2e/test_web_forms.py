"""The web client checks a form by the server's rules (web/rules.js, generated from the OpenAPI
schema) before sending it: one submit of a form with several bad fields shows every problem beside
its field, in the server's words, and sends nothing; the server refuses the same input with the
same sentences when the client is bypassed. A field left empty where the rule allows it (a postal
code in Hong Kong) is accepted."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Page, Request, expect

from tests.e2e.hardening_support import bearer
from tests.e2e.web_support import go, heading

pytestmark = pytest.mark.e2e


def sent_to(page: Page, path: str) -> list[Request]:
    """Every request the page makes to the API path ``path`` from now on (any method but GET)."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.method != "GET" and r.url.split("?")[0].endswith(path) else None)
    return seen


def field_message(box: Locator) -> Locator:
    return box.locator("xpath=ancestor::*[@data-field][1]").locator(".field-error")


def server_messages(base_url: str, token: str, method: str, path: str, body: dict[str, Any]) -> dict[str, str]:
    answer = requests.request(method, f"{base_url}{path}", json=body, headers=bearer(token), timeout=30)
    assert answer.status_code == 422, answer.text
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def set_value(control: Locator, value: str) -> None:
    """What a paste past `maxlength` (or a script) leaves in the field: the attribute does not stop it."""
    control.evaluate("(el, v) => { el.value = v; }", value)


def test_the_shipping_form_shows_every_problem_at_once_and_sends_nothing(
    signed_in: Page, base_url: str, token: str
) -> None:
    page = signed_in
    go(page, base_url, "/fulfillment")
    page.get_by_label("CCNA Certificate").check()
    page.get_by_role("button", name="Purchase").click()
    expect(heading(page)).to_have_text("Shipping information")
    writes_address = sent_to(page, "/me/shipping-address")
    writes_order = sent_to(page, "/me/fulfillment/orders")

    latin = page.get_by_role("group", name=re.compile("English"))
    localized = page.get_by_role("group", name=re.compile("Localized"))
    bad: dict[str, Any] = {
        "first_name": "エディス",  # not Latin
        "last_name": "Clarke",
        "email": "edith-at-example.com",
        "phone": "call me",
        "address1": "",
        "city": "Raleigh",
        "postal_code": "",  # required in the US
        "country": "US",
        "localized": {"city": "ロ" * 61},
    }
    latin.get_by_label("First Name").fill(bad["first_name"])
    latin.get_by_label("Last Name").fill(bad["last_name"])
    latin.get_by_label("Email").fill(bad["email"])
    latin.get_by_label("Phone Number").fill(bad["phone"])
    latin.locator("input[name='address1']").fill("")
    latin.get_by_label("City").fill(bad["city"])
    latin.get_by_label("Postal Code").fill("")
    latin.get_by_label("Country").select_option("US")
    set_value(localized.get_by_label("City"), bad["localized"]["city"])
    page.get_by_role("button", name="Confirm").click()

    expected = {
        "first_name": "Must use Latin (Roman) letters, digits and common punctuation only.",
        "email": "Enter an email address like name@example.com.",
        "phone": "Must be digits with an optional leading +, spaces, dots, dashes or parentheses.",
        "address1": "This is required.",
        "postal_code": "This is required.",
        "localized.city": "Use at most 60 characters.",
    }
    for name, message in expected.items():
        control = page.locator(f"[name='{name}']")
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(field_message(control)).to_have_text(message)
    expect(page.locator("[aria-invalid='true']")).to_have_count(len(expected))
    expect(page.locator("#alerts")).to_contain_text(
        "Check First Name, Email, Phone Number, Address, Postal Code and City: each says what it needs."
    )
    assert writes_address == [] and writes_order == []

    # Bypassing the client changes nothing: the server refuses the same fields in the same words.
    assert server_messages(base_url, token, "PUT", "/me/shipping-address", bad) == expected

    # Hong Kong addresses have no postal code: left empty, it is not asked for, and the order goes.
    latin.get_by_label("First Name").fill("Edith")
    latin.get_by_label("Email").fill("edith@example.com")
    latin.get_by_label("Phone Number").fill("")
    latin.locator("input[name='address1']").fill("1 Queen's Road Central")
    latin.get_by_label("City").fill("Hong Kong")
    latin.get_by_label("Country").select_option("HK")
    localized.get_by_label("City").fill("香港")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#order-confirmation")).to_be_visible()
    assert len(writes_address) == 1 and len(writes_order) == 1
    sent: dict[str, Any] = writes_address[0].post_data_json or {}
    assert sent["country"] == "HK" and "postal_code" not in sent and "phone" not in sent
    saved = requests.get(f"{base_url}/me/shipping-address", headers=bearer(token), timeout=30).json()
    assert (saved["country"], saved.get("postal_code")) == ("HK", None)


def test_unanswered_settings_are_each_marked_and_nothing_is_sent(signed_in: Page, base_url: str, token: str) -> None:
    page = signed_in
    go(page, base_url, "/personal/settings")
    writes = sent_to(page, "/me/settings")
    page.get_by_role("button", name="Update/Confirm").click()
    groups = page.locator("fieldset.yes-no")
    expect(groups).to_have_count(5)
    for i in range(5):
        expect(groups.nth(i).locator(".field-error")).to_have_text("This is required.")
    expect(page.locator("#alerts")).to_contain_text("Check Program Employee, Partner or Reseller")
    assert writes == []
    assert set(server_messages(base_url, token, "PUT", "/me/settings", {}).values()) == {"This is required."}


def test_the_transcript_form_shows_every_problem_at_once(signed_in: Page, base_url: str, token: str) -> None:
    page = signed_in
    go(page, base_url, "/transcripts/new")
    writes = sent_to(page, "/me/transcripts")
    page.get_by_label("Display name").fill("")
    set_value(page.get_by_label("Description"), "d" * 201)
    set_value(page.get_by_label("Remarks"), "r" * 1001)
    page.get_by_role("radio", name="Selected certifications").check()
    page.get_by_role("button", name="Create transcript").click()
    expected = {
        "display_name": "This is required.",
        "description": "Use at most 200 characters.",
        "remarks": "Use at most 1000 characters.",
    }
    for name, message in expected.items():
        expect(field_message(page.locator(f"[name='{name}']"))).to_have_text(message)
    selection = page.locator("[data-field='certification_ids'] .field-error")
    expect(selection).to_have_text("Select at least one certification.")
    assert writes == []
    body = {
        "display_name": "",
        "description": "d" * 201,
        "remarks": "r" * 1001,
        "expires_on": "2999-01-01",
        "include": "selected",
    }
    refused = server_messages(base_url, token, "POST", "/me/transcripts", body)
    assert {k: refused[k] for k in expected} == expected
