"""The operator console's lookup and audit screens in headless Chromium, against the dev server.

A candidate is newly imported (the web tests' ``candidate`` fixture: CCNA passed a month ago); an
operator lands on "Find a candidate" after logging in, finds the candidate by name and by email,
opens the candidate view and reads the certification and the exam there, then sees on the audit
screen the kit move an operator made through the API. Every screen is checked with axe.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.hardening_support import bearer, login, shipping_address
from tests.e2e.web_support import (
    TOKEN_KEY,
    check_accessibility,
    go,
    heading,
    snap,
)

pytestmark = pytest.mark.e2e

OPERATOR_PASSWORD = "Operator-password-1"


def operator_token(base_url: str) -> str:
    return login(base_url, "operator", OPERATOR_PASSWORD)


def sent_kit(base_url: str, token: str, operator: str) -> str:
    """The candidate's free CCNA kit (no tracking: queued at once), moved to sent by the operator
    through the API: an audited operator write. Returns the kit's id."""
    headers = bearer(token)
    address = shipping_address("Edith", "Clarke")
    assert requests.put(f"{base_url}/me/shipping-address", json=address, headers=headers, timeout=20).status_code == 200
    order = requests.post(
        f"{base_url}/me/fulfillment/orders",
        json={"skus": ["ccna-certificate"], "tracking": False},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=20,
    )
    assert order.status_code == 201 and order.json()["status"] == "queued", order.text
    kit = str(order.json()["items"][0]["fulfillment_id"])
    moved = requests.put(
        f"{base_url}/ops/fulfillment/{kit}", json={"status": "sent"}, headers=bearer(operator), timeout=20
    )
    assert moved.status_code == 200, moved.text
    return kit


def search(tab: Page, text: str) -> None:
    box = tab.get_by_label("Candidate ID, email, registration number or name")
    box.fill(text)
    box.press("Enter")  # the keyboard way
    expect(tab.locator("main [aria-busy='true']")).to_have_count(0)


def test_operator_finds_a_new_candidate_and_reads_the_audit(
    page: Page,
    base_url: str,
    candidate: dict[str, str],
    token: str,
) -> None:
    operator = operator_token(base_url)
    kit = sent_kit(base_url, token, operator)

    go(page, base_url, "/login")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("Find a candidate")
    expect(page.get_by_role("link", name="Operator console")).to_have_attribute("href", "#/ops/candidates")
    console = page.get_by_role("navigation", name="Operator console")
    expect(console.get_by_role("link", name="Candidates")).to_have_attribute("aria-current", "page")
    check_accessibility(page, "ops-candidates-empty")

    full_name = f"{candidate['first_name']} {candidate['last_name']}"
    # By a prefix of the (unique) last name, then by "First Last", then by email.
    for text in (candidate["last_name"][:-2], full_name, candidate["email"].upper()):
        search(page, text)
        row = page.locator("main tbody tr", has_text=candidate["candidate_id"])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(candidate["email"])
        expect(row).to_contain_text("Mapped")
    expect(page.locator("main tbody tr", has_text=candidate["candidate_id"])).to_contain_text("Email")
    snap(page, "ops-candidates-results")

    search(page, "zz-nobody-here@example.com")
    expect(page.locator("main tbody")).to_contain_text("No candidate matches")

    search(page, candidate["last_name"])
    page.get_by_role("link", name=full_name).click()
    expect(heading(page)).to_have_text(full_name)
    certs = page.get_by_role("region", name="Certifications and their standing today")
    expect(certs.locator("tr[data-cert='ccna']")).to_contain_text("Active")
    exams = page.get_by_role("region", name="Exams, newest first")
    expect(exams).to_contain_text(candidate["registration_number"])
    expect(exams).to_contain_text("Pass")
    kits = page.get_by_role("region", name="Kits ordered, newest first")
    expect(kits).to_contain_text("Sent")
    actions = page.get_by_role("region", name="Operator actions on this candidate, newest first")
    expect(actions).to_contain_text(kit)
    expect(page.get_by_role("link", name="Grants and corrections")).to_have_attribute(
        "href", f"#/ops/candidates/{candidate['candidate_id']}/actions"
    )
    snap(page, "ops-candidate-view")

    console.get_by_role("link", name="Audit").click()
    expect(heading(page)).to_have_text("Audit: operator actions")
    row = page.locator("main tbody tr", has_text=kit)
    expect(row).to_contain_text("kit_sent")
    expect(row).to_contain_text("operator")
    expect(row).to_contain_text("queued → sent")
    snap(page, "ops-audit")

    # Filter by this candidate: only their actions; another candidate's id: none.
    page.get_by_label("Candidate ID").fill(candidate["candidate_id"])
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main tbody tr", has_text=kit)).to_have_count(1)
    expect(page.locator("main tbody tr").filter(has_not_text=candidate["candidate_id"])).to_have_count(0)
    page.get_by_label("Candidate ID").fill("CSCO00000000")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main tbody")).to_contain_text("No operator actions")
    check_accessibility(page, "ops-audit-filtered")


def test_a_candidate_cannot_open_the_lookup(page: Page, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/app/#/login")
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/ops/candidates?q=Clarke")
    expect(page.locator("main [role='alert']")).to_contain_text("operators only")
