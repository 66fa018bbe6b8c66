"""Grants and corrections in headless Chromium: an operator grants a certification to a newly
imported candidate on ``#/ops/candidates/<id>/actions`` (a blank reason is refused next to its
field first), then revokes it; the candidate's Certifications screen and the public verification
page of the certificate downloaded in between say revoked. axe checks the actions screen."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import requests
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.hardening_support import bearer
from tests.e2e.web_support import (
    TOKEN_KEY,
    go,
    heading,
    snap,
)

pytestmark = pytest.mark.e2e

GRANTED = "ccnp-enterprise"


def operator_login(page: Page, base_url: str) -> None:
    go(page, base_url, "/login")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill("Operator-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("Find a candidate")  # where an operator lands


def test_operator_grants_then_revokes_and_the_candidate_sees_it_revoked(
    page: Page,
    base_url: str,
    candidate: dict[str, str],
    token: str,
) -> None:
    operator_login(page, base_url)
    cid = candidate["candidate_id"]
    go(page, base_url, f"/ops/candidates/{cid}/actions")
    expect(heading(page)).to_have_text(f"Grants and corrections: {cid}")
    expect(page.get_by_role("link", name="Back to the candidate")).to_have_attribute("href", f"#/ops/candidates/{cid}")
    snap(page, "ops-actions")

    grant = page.locator("section#grant")
    grant.get_by_role("textbox", name="Certification").fill(GRANTED)
    grant.get_by_role("button", name="Grant").click()
    expect(grant.locator(".field-error").filter(has_text="This is required.")).to_be_visible()
    grant.get_by_label(re.compile("^Reason")).fill("Exam record lost by the testing vendor")
    grant.get_by_role("button", name="Grant").click()
    expect(page.locator("#messages")).to_contain_text(f"Granted {GRANTED}: active")

    # the candidate holds it now and downloads its certificate (a verification code is issued)
    answer = requests.post(f"{base_url}/me/certifications/{GRANTED}/certificate", headers=bearer(token), timeout=30)
    assert answer.status_code == 200, answer.text
    code = printed_code(answer.json()["url"])
    detail = requests.get(f"{base_url}/me/certifications/{GRANTED}", headers=bearer(token), timeout=30).json()
    assert detail["status"] == "active"
    assert "Manually granted certification" in [entry["event"] for entry in detail["history"]]

    revoke = page.locator("section#revoke")
    revoke.get_by_role("textbox", name="Certification").fill(GRANTED)
    revoke.get_by_label(re.compile("^Reason")).fill("Granted in error")
    revoke.get_by_role("button", name="Revoke").click()
    expect(page.locator("#messages")).to_contain_text(f"Revoked {GRANTED}.")

    # an unknown certification is refused next to its field
    grant = page.locator("section#grant")
    grant.get_by_role("textbox", name="Certification").fill("no-such-cert")
    grant.get_by_label(re.compile("^Reason")).fill("typo test")
    grant.get_by_role("button", name="Grant").click()
    expect(grant.locator("#grant-cert-error")).to_contain_text("Choose a certification of the catalog")

    audit = requests.get(
        f"{base_url}/ops/audit", params={"candidate_id": cid}, headers=bearer(operator_token(page)), timeout=30
    )
    assert audit.status_code == 200, audit.text
    assert [entry["action"] for entry in audit.json()["items"]] == ["revoke", "grant"]

    # the candidate's screens
    go(page, base_url, "/logout")
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/certifications")
    row = page.locator("main table.certifications tr", has_text="CCNP Enterprise")
    expect(row.locator(".status")).to_have_text("Revoked")
    expect(row.get_by_role("button", name=re.compile("^PDF Certificate"))).to_have_count(0)

    refused = requests.post(f"{base_url}/me/certifications/{GRANTED}/certificate", headers=bearer(token), timeout=30)
    assert refused.status_code == 409 and "revoked" in refused.json()["detail"], refused.text
    page.goto(f"{base_url}/public/verify/{code}")
    expect(page.locator("main")).to_contain_text("This certification has been revoked")
    expect(page.locator(".status")).to_have_text("Revoked")


def operator_token(page: Page) -> str:
    return str(page.evaluate("key => sessionStorage.getItem(key)", TOKEN_KEY))


def printed_code(pdf_url: str) -> str:
    """The verification code printed on a downloaded certificate (its verify URL)."""
    pdf = requests.get(pdf_url, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = "".join(sheet.extract_text() or "" for sheet in PdfReader(BytesIO(pdf.content)).pages)
    found = re.search(r"/public/verify/([A-Z0-9]{10})", text.replace("\n", ""))
    assert found, text
    return found.group(1)
