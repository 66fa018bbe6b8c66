"""The web client's payment step in headless Chromium: Stripe.js Elements from the local provider.

The dev server runs localstripe; the page loads its Stripe.js from localstripe's origin, under the
page's real Content-Security-Policy (this context does not bypass it: axe-core comes in as an init
script, which a page policy does not govern). A paid kit with tracked shipping is bought with the
test card that succeeds; a declined card shows a plain message, queues nothing, and the same
order is then paid with a good card. Fixtures (dev server, imported candidate, API-mapped login)
are the e2e tests' shared ones (``tests/e2e/conftest.py``, ``web_support.py``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.e2e.hardening_support import bearer, shipping_address
from tests.e2e.web_support import (
    AXE,
    DESKTOP,
    TIMEOUT_MS,
    go,
    heading,
    snap,
)

pytestmark = pytest.mark.e2e

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A new context under the page's own CSP; fails on an uncaught page error or a CSP violation."""
    context = browser.new_context(viewport=DESKTOP, base_url=base_url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    context.close()
    assert errors == [], f"uncaught errors or CSP violations in the page: {errors}"


@pytest.fixture
def paid_kit(base_url: str, token: str) -> str:
    """The candidate's free CCNA certificate already claimed (through the API), so the next one costs."""
    headers = bearer(token)
    assert requests.put(f"{base_url}/me/shipping-address", json=shipping_address(), headers=headers, timeout=30).ok
    claimed = requests.post(
        f"{base_url}/me/fulfillment/orders",
        json={"skus": ["ccna-certificate"], "tracking": False},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert claimed.status_code == 201 and claimed.json()["status"] == "queued", claimed.text
    return "CCNA Certificate"


# The card element is the provider's (Stripe's own iframe in production, localstripe's bare inputs
# here): axe leaves it to them.
CARD_ELEMENT = ("#card-element",)


def order_kit_with_tracking(page: Page, base_url: str, kit: str) -> None:
    go(page, base_url, "/fulfillment")
    expect(page.locator("main tbody tr", has_text=kit)).to_contain_text("$15.00")
    page.get_by_label(kit).check()
    page.get_by_label(re.compile(r"^Tracking")).check()
    expect(page.locator("#order-total")).to_contain_text("$25.00")
    page.get_by_label("Payment method").select_option("credit_card")
    page.get_by_role("button", name="Purchase").click()
    expect(heading(page)).to_have_text("Shipping information")
    page.get_by_role("button", name="Confirm").click()  # the address saved by the fixture
    expect(heading(page)).to_have_text("Payment", timeout=TIMEOUT_MS)  # the order asks the provider first


def enter_card(page: Page, number: str) -> None:
    """localstripe's card element: number, month, two-digit year, CVC, postal code."""
    card = page.locator("#card-element")
    for placeholder, value in (("number", number), ("exp_month", "12"), ("exp_year", "34"), ("cvc", "123")):
        card.locator(f"input[placeholder='{placeholder}']").fill(value)
    card.locator("input[placeholder='postal_code']").fill("62701")


def history(base_url: str, token: str) -> list[dict[str, Any]]:
    response = requests.get(f"{base_url}/me/fulfillment/history", headers=bearer(token), timeout=30)
    assert response.status_code == 200
    return list(response.json()["items"])


def test_policy_allows_the_local_provider_and_nothing_else(base_url: str) -> None:
    config = requests.get(f"{base_url}/app/config.json", timeout=10).json()
    script = config["payments"]["stripeJs"]
    origin = re.match(r"^http://127\.0\.0\.1:\d+", script)
    assert origin and script.endswith("/js.stripe.com/v3/"), script
    policy = requests.get(f"{base_url}/app/", timeout=10).headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["script-src"] == ["'self'", origin[0]]
    assert directives["frame-src"] == [origin[0]]
    # connect-src: the API, Cognito (https:), the provider and, locally only, moto's S3 (the
    # operators' CSV uploads post to the bucket; in AWS its https endpoint is covered by https:).
    assert directives["connect-src"][:3] == ["'self'", "https:", origin[0]]
    [storage] = directives["connect-src"][3:]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", storage) and storage != origin[0]
    listing = requests.get(f"{storage}/", timeout=30)  # S3's ListBuckets: it is the local S3
    assert listing.status_code == 200 and "ListAllMyBucketsResult" in listing.text
    assert "stripe.com" not in policy and directives["frame-ancestors"] == ["'none'"]


def test_buy_a_paid_kit_with_tracking(signed_in: Page, base_url: str, token: str, paid_kit: str) -> None:
    page = signed_in
    order_kit_with_tracking(page, base_url, paid_kit)
    expect(page.locator("main table")).to_contain_text(paid_kit)
    expect(page.locator("main table")).to_contain_text("Tracked shipping")
    expect(page.get_by_role("button", name="Pay $25.00")).to_be_visible()
    enter_card(page, GOOD_CARD)
    snap(page, "fulfillment-payment", exclude=CARD_ELEMENT)
    page.get_by_role("button", name="Pay $25.00").click()

    confirmation = page.locator("#order-confirmation")
    expect(confirmation).to_contain_text("your payment was accepted")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(paid_kit)
    expect(rows.nth(0)).to_contain_text("$15.00")
    expect(rows.nth(1)).to_contain_text("Tracked shipping")
    expect(rows.nth(1)).to_contain_text("$10.00")
    expect(page.locator("#order-total")).to_have_text("Total: $25.00")
    # The provider's webhook pays the order and queues its kit; the screen follows it.
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=30_000)
    expect(page.locator("#order-status")).to_contain_text("Paid")
    snap(page, "fulfillment-paid", exclude=CARD_ELEMENT)

    statuses = sorted(k["status"] for k in history(base_url, token))
    assert statuses == ["queued", "queued"], statuses  # the free claim and the paid kit
    go(page, base_url, "/fulfillment/history")
    expect(page.locator("main tbody tr", has_text=paid_kit)).to_have_count(2)
    expect(page.locator("main tbody")).not_to_contain_text("Awaiting")


def test_declined_card_then_a_good_one(signed_in: Page, base_url: str, token: str, paid_kit: str) -> None:
    page = signed_in
    order_kit_with_tracking(page, base_url, paid_kit)
    enter_card(page, DECLINED_CARD)
    page.get_by_role("button", name="Pay $25.00").click()
    expect(page.locator("#card-errors")).to_have_text(
        "Your card was declined by your bank. Nothing was charged. Check the details or use another card."
    )
    expect(heading(page)).to_have_text("Payment")
    snap(page, "fulfillment-declined", exclude=CARD_ELEMENT)
    # Nothing queued: the order's kit still waits for its payment (the free claim is the only queued kit).
    page.wait_for_timeout(2500)  # the provider's payment_failed event has arrived by now
    statuses = sorted(k["status"] for k in history(base_url, token))
    assert statuses == ["awaiting_payment", "queued"], statuses

    # The same order takes another card.
    enter_card(page, GOOD_CARD)
    page.get_by_role("button", name="Pay $25.00").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=30_000)
    statuses = sorted(k["status"] for k in history(base_url, token))
    assert statuses == ["queued", "queued"], statuses
