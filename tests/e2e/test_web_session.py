"""Sessions in the browser: the web client renews the ID token with the refresh token before it
ends, so a candidate who comes back after the token's hour is still signed in; logging out
revokes the refresh token.

The page's clock is Playwright's (``page.clock``): it jumps past the ID token's lifetime while the
dev server's real clock does not move, and the client counts a token's lifetime from when it
arrived (web/api.js), so the jump alone expires it in the page.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import Page, Request, expect

from tests.e2e.hardening_support import login, map_login_by_email
from tests.e2e.web_support import PASSWORD, TOKEN_KEY, app_url, go, heading

pytestmark = pytest.mark.e2e

REFRESH_KEY = "certtrack.refresh_token"  # web/auth.js


def sign_in(page: Page, base_url: str, candidate: dict[str, str]) -> str:
    """A new login mapped to ``candidate`` through the API, then logged in on the login screen."""
    username = f"session-{uuid.uuid4().hex[:10]}"
    assert map_login_by_email(base_url, login(base_url, username, PASSWORD), candidate["email"])
    go(page, base_url, "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_contain_text(candidate["first_name"])
    return username


def test_a_candidate_stays_signed_in_past_the_id_tokens_hour(
    page: Page, base_url: str, candidate: dict[str, str]
) -> None:
    page.clock.install()
    sign_in(page, base_url, candidate)
    first = page.evaluate(f"() => sessionStorage.getItem('{TOKEN_KEY}')")
    assert page.evaluate(f"() => sessionStorage.getItem('{REFRESH_KEY}')")

    renewals: list[Request] = []
    page.on("request", lambda r: renewals.append(r) if r.url.endswith("/_local/oauth2/token") else None)
    page.clock.fast_forward("01:01:00")  # 61 minutes: the ID token's 60 are over in the page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certifications").click()
    expect(heading(page)).to_have_text("Certifications")
    expect(page.locator("main table")).to_contain_text("CCNA")
    assert len(renewals) == 1 and "grant_type=refresh_token" in (renewals[0].post_data or "")
    renewed = page.evaluate(f"() => sessionStorage.getItem('{TOKEN_KEY}')")
    assert renewed and renewed != first

    # Another hour later it renews again, from the same refresh token.
    page.clock.fast_forward("01:01:00")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(heading(page)).to_contain_text(candidate["first_name"])
    assert len(renewals) == 2


def test_logging_out_revokes_the_refresh_token(page: Page, base_url: str, candidate: dict[str, str]) -> None:
    sign_in(page, base_url, candidate)
    refresh_token = page.evaluate(f"() => sessionStorage.getItem('{REFRESH_KEY}')")
    form = {"grant_type": "refresh_token", "client_id": "local", "refresh_token": refresh_token}
    assert requests.post(f"{base_url}/_local/oauth2/token", data=form, timeout=20).status_code == 200

    with page.expect_response(lambda r: r.url.endswith("/_local/oauth2/revoke")) as revoked:
        page.get_by_role("link", name="Logout").click()
    assert revoked.value.status == 200
    expect(heading(page)).to_have_text("Log in")
    assert page.evaluate(f"() => sessionStorage.getItem('{REFRESH_KEY}')") is None
    refused = requests.post(f"{base_url}/_local/oauth2/token", data=form, timeout=20)
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_grant"})


def test_a_refused_refresh_token_ends_the_session_at_the_login_screen(
    page: Page, base_url: str, candidate: dict[str, str]
) -> None:
    page.clock.install()
    sign_in(page, base_url, candidate)
    page.evaluate(f"() => sessionStorage.setItem('{REFRESH_KEY}', 'not-a-refresh-token')")
    page.clock.fast_forward("01:01:00")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certifications").click()
    expect(heading(page)).to_have_text("Log in")
    assert page.url.startswith(app_url(base_url, "/login"))
