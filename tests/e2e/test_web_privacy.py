"""The "Your data" screen in headless Chromium: download the export, erase the login, log in again.

The candidate is imported by the web tests' ``candidate`` fixture and mapped through the API
(``token``); fixtures: tests/e2e/conftest.py and web_support.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jwt
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.hardening_support import bearer
from tests.e2e.web_support import PASSWORD, TOKEN_KEY, app_url, check_accessibility, go, heading, snap

pytestmark = pytest.mark.e2e


def me(base_url: str, token: str) -> dict[str, object]:
    response = requests.get(f"{base_url}/me", headers=bearer(token), timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_download_then_erase_then_log_in_again_unmapped(
    signed_in: Page, base_url: str, token: str, candidate: dict[str, str], tmp_path: Path
) -> None:
    page = signed_in
    username = str(jwt.decode(token, options={"verify_signature": False})["cognito:username"])
    go(page, base_url, "/personal/data")
    expect(heading(page)).to_have_text("Your data")
    expect(
        page.get_by_role("navigation", name="Personal Info").get_by_role("link", name="Your data")
    ).to_have_attribute("aria-current", "page")
    snap(page, "personal-your-data")

    # Download, by keyboard.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").focus()
        page.keyboard.press("Enter")
    download = info.value
    assert re.fullmatch(
        rf"certtrack-data-{candidate['candidate_id']}-\d{{4}}-\d{{2}}-\d{{2}}\.json", download.suggested_filename
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    [profile] = data["sections"]["profile"]
    assert (profile["first_name"], profile["last_name"]) == (candidate["first_name"], candidate["last_name"])
    assert [e["registration_number"] for e in data["sections"]["exams"]] == [candidate["registration_number"]]
    expect(page.get_by_role("status")).to_contain_text("Your data has been downloaded.")

    # The confirmation is checked before anything is sent: a wrong word changes nothing.
    confirm = page.get_by_label("Type ERASE to confirm")
    confirm.fill("erase")
    confirm.press("Enter")
    expect(page.locator("[data-field='confirm'] .field-error")).to_contain_text("Type ERASE in capital letters")
    expect(confirm).to_be_focused()
    check_accessibility(page, "personal-your-data (error)")
    assert me(base_url, token)["mapped"] is True

    confirm.fill("ERASE")
    confirm.press("Enter")
    expect(heading(page)).to_have_text("Log in")
    expect(page.get_by_role("status")).to_contain_text("Your login has been erased")
    assert page.evaluate("(key) => sessionStorage.getItem(key)", TOKEN_KEY) is None
    assert me(base_url, token)["mapped"] is False, "the old token (still unexpired) reaches nothing"

    # Logging in again with the same name and password is a new login: not mapped to anyone.
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("First time login")
    new_token = str(page.evaluate("(key) => sessionStorage.getItem(key)", TOKEN_KEY))
    assert (
        jwt.decode(new_token, options={"verify_signature": False})["sub"]
        != jwt.decode(token, options={"verify_signature": False})["sub"]
    )
    assert me(base_url, new_token)["mapped"] is False
    page.goto(app_url(base_url, "/personal/data"))
    expect(heading(page)).to_have_text("First time login")
