"""The web client in headless Chromium against the dev server: the user guide's screens, end to end.

One dev server for the test process (``tests/e2e/conftest.py``); every test has its own browser
context, its own newly imported candidate and (where it needs one) its own login, mapped through
the API before the page opens, so the tests run alone, in any order or in parallel. The mapping
screens themselves are driven in the browser by their own test. Each main screen is checked with
axe-core (no serious or critical violations) and photographed at desktop and phone sizes into
``tests/e2e/screenshots/``; no test may leave an uncaught page error.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.e2e.hardening_support import bearer, queue_tracked_kit, shipping_address
from tests.e2e.web_support import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    TOKEN_KEY,
    UUID_RE,
    app_url,
    go,
    heading,
    messages_to,
    snap,
)

pytestmark = pytest.mark.e2e

# ------------------------------------------------------------------ the screens


def test_login_screen_and_wrong_route_redirects_to_login(page: Page, base_url: str) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base_url}/app/")
    page.wait_for_load_state("networkidle")
    assert failed == [], f"the page's own files must all load (favicon, manifest …): {failed}"
    icon = page.locator("link[rel='icon']").get_attribute("href")
    manifest = requests.get(f"{base_url}/app/manifest.webmanifest", timeout=10)
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    assert manifest.json()["icons"][0]["src"] == icon
    expect(heading(page)).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    snap(page, "login")
    go(page, base_url, "/certifications")
    expect(heading(page)).to_have_text("Log in")


def test_log_in_and_map_by_email(page: Page, base_url: str, candidate: dict[str, str]) -> None:
    page.goto(app_url(base_url, "/login"))
    page.get_by_label("Username").fill(f"web-{uuid.uuid4().hex[:10]}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # A new login is not mapped: the first-time screens come up instead of Home.
    expect(heading(page)).to_have_text("First time login")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    snap(page, "mapping")

    # A score report that matches nobody: the problem's detail is shown, the user stays here.
    report = page.locator("form", has=page.get_by_role("heading", name="By score report"))
    report.get_by_label("Last name").fill("Nobody")
    report.get_by_label("Registration number").fill("NOPE12345")
    report.get_by_label("New email address").fill("nobody@example.com")
    report.get_by_role("button", name="Submit").click()
    expect(page.locator("#alerts")).not_to_be_empty()
    expect(heading(page)).to_have_text("First time login")

    by_email = page.locator("form", has=page.get_by_role("heading", name="By email address"))
    by_email.get_by_label("Email address").fill(candidate["email"])
    by_email.get_by_role("button", name="Submit").click()
    expect(page.locator("#mapping-sent")).to_contain_text("An email has been sent")
    expect(page.locator("#alerts")).to_be_empty()  # the earlier refusal does not linger above the success
    snap(page, "mapping-email-sent")

    mails = messages_to(base_url, candidate["email"])
    assert mails, "no mapping email in /_local/outbox"
    link = re.search(r"/app/#/mapping/confirm\?token=([A-Za-z0-9_\-.~%]+)", mails[-1]["text"])
    assert link, f"no confirmation link in the email: {mails[-1]['text']!r}"
    page.goto(app_url(base_url, f"/mapping/confirm?token={link.group(1)}"))
    expect(page.locator("#mapping-complete")).to_contain_text("mapping is complete")
    expect(page.locator("#mapping-complete")).to_contain_text(candidate["candidate_id"])
    # The header follows at once: the candidate's id and the main menu, not the bare login name.
    expect(page.locator(".user-id")).to_have_text(f"ID: {candidate['candidate_id']}")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    snap(page, "mapping-complete")

    page.get_by_role("link", name="Continue to Home").click()
    expect(heading(page)).to_contain_text(candidate["first_name"])
    expect(page.locator(".user-id")).to_have_text(f"ID: {candidate['candidate_id']}")
    snap(page, "home")


def test_personal_info_screens(signed_in: Page, base_url: str) -> None:
    page = signed_in
    go(page, base_url, "/personal/settings")
    expect(heading(page)).to_have_text("Settings")
    form = page.locator("main form")
    # All five are required: submitting with one unanswered is refused before any request.
    for legend in ("Program Employee", "Partner or Reseller", "Email Notifications", "Academy Student"):
        form.get_by_role("group", name=legend).get_by_label("No").check()
    form.get_by_role("button", name="Update/Confirm").click()
    expect(page.locator("#alerts")).to_contain_text("Verification of Certification")
    form.get_by_role("group", name="Verification of Certification").get_by_label("Yes").check()
    form.get_by_role("button", name="Update/Confirm").click()
    expect(page.locator("#messages")).to_contain_text("settings have been updated")
    snap(page, "personal-settings")
    go(page, base_url, "/personal/settings")
    expect(page.get_by_role("group", name="Verification of Certification").get_by_label("Yes")).to_be_checked()

    go(page, base_url, "/personal/attributes")
    job_title = page.get_by_label("Job Title")
    job_title.fill("Network Engineer")
    page.get_by_role("button", name="Update/Confirm").click()
    expect(page.locator("#messages")).to_contain_text("attributes have been updated")
    expect(page.locator("main input[type='text']")).to_have_count(1)  # only Job Title is editable
    snap(page, "personal-attributes")
    go(page, base_url, "/personal/attributes")
    expect(page.get_by_label("Job Title")).to_have_value("Network Engineer")

    go(page, base_url, "/personal/identification")
    expect(page.locator("main dl")).to_be_visible()
    snap(page, "personal-identification")


def test_testing_history_screens(signed_in: Page, base_url: str, candidate: dict[str, str]) -> None:
    page = signed_in
    go(page, base_url, "/history/exams")
    table = page.locator("main table")
    expect(table).to_contain_text("200-301")
    expect(table).to_contain_text(candidate["registration_number"])
    page.get_by_role("button", name=re.compile(r"^Code")).click()
    expect(page).to_have_url(re.compile(r"sort=code&order=asc"))
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Code")
    snap(page, "history-exams")

    go(page, base_url, "/history/ce-activities")
    search = page.get_by_label("Search by name or provider")
    search.fill("no such activity")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=no%20such%20activity"))
    expect(page.locator("main table")).to_contain_text("No activities match")
    snap(page, "history-ce-activities")

    go(page, base_url, "/history/transactions")
    expect(heading(page)).to_have_text("E-commerce Transactions")
    expect(page.locator("main table")).to_be_visible()

    go(page, base_url, "/history/agreements")
    expect(page.locator("main table")).to_contain_text("Certification and Confidentiality Agreement")
    snap(page, "history-agreements")


def test_certification_agreement_stays_under_certifications_and_a_refusal_offers_no_retry(
    signed_in: Page, base_url: str
) -> None:
    page = signed_in
    go(page, base_url, "/certifications")
    page.get_by_role("navigation", name="Certifications").get_by_role("link", name="Certification Agreement").click()
    expect(page).to_have_url(re.compile(r"#/certifications/agreements$"))
    expect(heading(page)).to_have_text("Certification agreements")
    expect(page.locator("main table")).to_contain_text("Certification and Confidentiality Agreement")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.locator("a[aria-current='page']")).to_have_text("Certifications")

    go(page, base_url, "/ops/kits")  # a candidate on the operators' screen: 403 operators_only
    expect(page.locator("main [role='alert']")).to_contain_text("operators only")
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)


def test_certifications_and_progress(signed_in: Page, base_url: str) -> None:
    page = signed_in
    go(page, base_url, "/certifications")
    table = page.locator("main table.certifications")
    expect(table).to_contain_text("General Certifications - Associate")
    expect(table.get_by_role("link", name=re.compile(r"^CCNA"))).to_be_visible()
    expect(table.get_by_role("button", name="PDF Certificate for CCNA")).to_be_visible()
    snap(page, "certifications")

    table.get_by_role("link", name=re.compile(r"^CCNA")).click()
    expect(heading(page)).to_contain_text("CCNA")
    tree = page.locator("#progress-tree")
    # An active CCNA shows the recertification tree: 1 (any of) 1.1 one exam, 1.2 30 CE credits.
    expect(tree).to_contain_text("1.1")
    expect(tree).to_contain_text("1.2")
    expect(tree).to_contain_text("/ 30")
    expect(page.get_by_role("heading", name=re.compile("CE Credits"))).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    snap(page, "certification-detail")

    go(page, base_url, "/certifications/logos")
    expect(page.locator("blockquote.agreement")).not_to_be_empty()
    download = page.get_by_role("button", name="Download CCNA Certification")
    download.click()
    expect(page.locator("#alerts")).to_contain_text("accept the logo agreement")
    snap(page, "certification-logos")
    page.get_by_label("I accept the logo agreement").check()
    with page.expect_response(lambda r: "/me/logos/" in r.url and r.request.method == "POST") as answer:
        download.click()
    response = answer.value
    assert response.status == 200, response.text()
    posted = response.request.post_data_json
    assert posted is not None and posted["accept_agreement"] is True
    assert requests.get(response.json()["url"], timeout=10).status_code == 200


def test_download_pdf_certificate(signed_in: Page, base_url: str) -> None:
    page = signed_in
    go(page, base_url, "/certifications")
    with page.expect_response(lambda r: r.url.endswith("/certificate") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="PDF Certificate for CCNA").click()
    response = answer.value
    assert response.status == 200, response.text()
    url = response.json()["url"]
    pdf = requests.get(url, timeout=10)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-"), pdf.content[:40]
    assert "pdf" in pdf.headers.get("Content-Type", "")


def test_claim_initial_kit(signed_in: Page, base_url: str, candidate: dict[str, str]) -> None:
    page = signed_in
    go(page, base_url, "/fulfillment")
    kit = page.locator("main tbody tr", has_text="CCNA Certificate")
    expect(kit).to_contain_text("$0.00")  # the unclaimed initial kit is free
    page.get_by_label("CCNA Certificate").check()
    page.get_by_label(re.compile(r"^Tracking")).check()
    expect(page.locator("#order-total")).to_contain_text("$10.00")
    page.get_by_label(re.compile(r"^Tracking")).uncheck()
    expect(page.locator("#order-total")).to_contain_text("$0.00")
    snap(page, "fulfillment-claim")
    page.get_by_role("button", name="Purchase").click()

    expect(heading(page)).to_have_text("Shipping information")
    latin = page.get_by_role("group", name=re.compile("English"))
    latin.get_by_label("First Name").fill("エディス")  # not Latin: the server refuses it, per field
    latin.get_by_label("Last Name").fill(candidate["last_name"])
    latin.get_by_label("Email").fill(candidate["email"])
    latin.get_by_label("Phone Number").fill("+1 555 0100")
    latin.locator("input[name='address1']").fill("1 Main Street")
    latin.get_by_label("City").fill("Raleigh")
    latin.get_by_label("State/Province").fill("NC")
    latin.get_by_label("Postal Code").fill("27601")
    latin.get_by_label("Country").select_option("US")
    localized = page.get_by_role("group", name=re.compile("Localized"))
    localized.get_by_label("First Name").fill("エディス")
    localized.get_by_label("City").fill("ローリー")
    snap(page, "fulfillment-shipping")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#alerts")).not_to_be_empty()
    expect(latin.get_by_label("First Name")).to_have_attribute("aria-invalid", "true")

    latin.get_by_label("First Name").fill(candidate["first_name"])
    # The first attempt dies on the network; the retry must carry the same Idempotency-Key.
    attempts: list[Request] = []

    def flaky(route: Route) -> None:
        attempts.append(route.request)
        if len(attempts) == 1:
            route.abort()
        else:
            route.continue_()

    page.route("**/me/fulfillment/orders", flaky)
    try:
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("#alerts")).to_contain_text("Could not reach the service")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("#order-confirmation")).to_be_visible()
    finally:
        page.unroute("**/me/fulfillment/orders", flaky)
    keys = [request.headers["idempotency-key"] for request in attempts]
    assert len(keys) == 2 and keys[0] == keys[1] and UUID_RE.match(keys[0]), keys
    assert attempts[1].post_data_json == {"skus": ["ccna-certificate"], "tracking": False}  # free: no method

    expect(page.locator("#order-confirmation")).to_contain_text("successfully purchased and submitted")
    expect(page.locator("main table")).to_contain_text("CCNA Certificate")
    expect(page.locator("main")).to_contain_text("Please allow 6-8 weeks for processing and shipping")
    snap(page, "fulfillment-confirmation")

    go(page, base_url, "/fulfillment/history")
    expect(page.locator("main table")).to_contain_text("CCNA")
    snap(page, "fulfillment-history")

    # Claimed once: the kit is no longer free.
    go(page, base_url, "/fulfillment")
    expect(page.locator("main tbody tr", has_text="CCNA Certificate")).not_to_contain_text("$0.00")


def test_create_transcript_share_and_open_public_page(
    signed_in: Page, base_url: str, candidate: dict[str, str]
) -> None:
    page = signed_in
    go(page, base_url, "/transcripts")
    snap(page, "transcripts-empty")
    page.get_by_role("link", name="Create new transcript").click()
    expect(heading(page)).to_have_text("Create new transcript")
    description = f"For my employer {uuid.uuid4().hex[:6]}"
    page.get_by_label("Description").fill(description)
    page.get_by_label("Remarks").fill("Verified by the program")
    page.get_by_label("Show my email address").check()
    page.get_by_role("radio", name="Selected certifications").check()
    page.get_by_label("CCNA", exact=True).check()
    snap(page, "transcript-form")
    with page.expect_response(lambda r: r.url.endswith("/me/transcripts") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create transcript").click()
    assert answer.value.status == 201, answer.value.text()
    created = answer.value.json()

    expect(page.locator("#messages")).to_contain_text("Transcript created")
    row = page.locator("main tbody tr[data-transcript]", has_text=description)
    expect(row).to_be_visible()
    for name in ("LinkedIn", "Facebook", "X"):
        expect(row.get_by_role("link", name=re.compile(name))).to_have_attribute("target", "_blank")

    row.get_by_role("button", name="Email", exact=True).click()
    panel = page.locator("tr.share-panel", has_text=description)
    recipient = f"hr.{uuid.uuid4().hex[:8]}@example.com"
    expect(panel.get_by_label("To")).to_be_focused()
    panel.get_by_label("To").fill(recipient)
    panel.get_by_role("button", name="Preview Email").click()
    expect(panel.locator(".preview")).to_contain_text("Subject")
    expect(panel.locator(".preview")).to_contain_text(created["public_url"])
    assert messages_to(base_url, recipient) == []  # a preview sends nothing
    snap(page, "transcripts")
    panel.get_by_role("button", name="Send").click()
    expect(page.locator("#messages")).to_contain_text("email has been sent")
    sent = messages_to(base_url, recipient)
    assert sent and created["public_url"] in sent[-1]["text"]

    public_url = row.get_by_role("link", name="View").get_attribute("href")
    assert public_url is not None and public_url == created["public_url"]

    public = page.context.new_page()
    try:
        public.goto(public_url)
        expect(public.locator("body")).to_contain_text(f"{candidate['first_name']} {candidate['last_name']}")
        expect(public.locator("body")).to_contain_text("CCNA")
        public.screenshot(path=str(SCREENSHOTS / "public-transcript-desktop.png"), full_page=True)
    finally:
        public.close()

    go(page, base_url, "/transcripts")
    expect(page.locator("main tbody tr[data-transcript]", has_text=description).locator("td.num")).to_have_text("1")


def test_phone_menu_opens_the_main_navigation(signed_in: Page, base_url: str) -> None:
    page = signed_in
    page.set_viewport_size(PHONE)
    try:
        go(page, base_url, "/home")
        nav = page.get_by_role("navigation", name="Main")
        menu = page.get_by_role("button", name="Menu")
        expect(nav).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        nav.get_by_role("link", name="Transcripts").click()
        expect(heading(page)).to_have_text("Transcripts")
        expect(nav).to_be_hidden()  # closes again after navigating
    finally:
        page.set_viewport_size(DESKTOP)


def test_session_end_returns_to_login_and_logout(signed_in: Page, base_url: str) -> None:
    page = signed_in
    go(page, base_url, "/home")
    page.evaluate("key => sessionStorage.setItem(key, 'not-a-token')", TOKEN_KEY)
    go(page, base_url, "/certifications")
    expect(heading(page)).to_have_text("Log in")
    expect(page.locator("#alerts")).to_contain_text("log in")

    page.get_by_label("Username").fill(f"web-{uuid.uuid4().hex[:10]}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("First time login")  # a different, unmapped login
    page.get_by_role("link", name="Logout").click()
    expect(heading(page)).to_have_text("Log in")
    assert page.evaluate("key => sessionStorage.getItem(key)", TOKEN_KEY) is None


@pytest.fixture
def claimed_kit(base_url: str, token: str) -> dict[str, Any]:
    """The candidate's free CCNA kit with tracked shipping (the fee paid with a test card), claimed
    through the API with a shipping address on file, queued once the provider's webhook came."""
    headers = bearer(token)
    address = shipping_address("Edith", "Clarke") | {
        "email": f"ship.{uuid.uuid4().hex[:10]}@example.com",
        "localized": {"last_name": "クラーク", "first_name": "イーディス", "city": "スプリングフィールド"},
    }
    order = queue_tracked_kit(base_url, headers, address)
    assert order["items"][0]["price_cents"] == 0, order  # the kit is free: only tracking is paid
    return address


def test_operator_ships_the_kit_the_candidate_claimed(
    page: Page, base_url: str, candidate: dict[str, str], claimed_kit: dict[str, Any], token: str
) -> None:
    """The operators' screen: the claimed kit waits under "To ship" with its address; a tracked kit
    asks for its carrier and tracking number, "Mark as sent" moves it to "Sent" with the number
    linked to the carrier's page and mails the candidate; the candidate's history links it too; the
    operator never sees the mapping screens."""
    go(page, base_url, "/login")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill("Operator-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("Find a candidate")  # where an operator lands
    page.get_by_role("navigation", name="Operator console").get_by_role("link", name="Kits").click()

    expect(heading(page)).to_have_text("Kits: to ship")
    row = page.locator("main tbody tr", has_text=candidate["candidate_id"])
    expect(row).to_contain_text("CCNA Certificate")
    expect(row).to_contain_text(claimed_kit["address1"])
    expect(row).to_contain_text(f"{claimed_kit['city']} {claimed_kit['state']} {claimed_kit['postal_code']}")
    expect(row.locator(".localized-address")).to_have_text("イーディス クラークスプリングフィールド")
    snap(page, "ops-kits")

    row.get_by_role("button", name=re.compile("^Mark as sent")).click()
    carrier = row.get_by_label(re.compile("^Carrier for"))
    assert carrier.evaluate("el => el.validity.valueMissing")  # the browser asks before anything is sent
    carrier.select_option("UPS")
    row.get_by_label(re.compile("^Tracking number for")).fill("1Z 999 AA1 0123456784")
    row.get_by_role("button", name=re.compile("^Mark as sent")).click()
    expect(page.locator("#messages")).to_contain_text("is now sent")
    expect(page.locator("main tbody tr", has_text=candidate["candidate_id"])).to_have_count(0)
    assert any("on its way" in m["subject"] for m in messages_to(base_url, claimed_kit["email"]))

    page.get_by_role("navigation", name="Kit status").get_by_role("link", name="Sent").click()
    expect(heading(page)).to_have_text("Kits: sent")
    sent = page.locator("main tbody tr", has_text=candidate["candidate_id"])
    expect(sent.get_by_role("button", name=re.compile("^Mark as complete"))).to_be_visible()
    ups = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    expect(sent.get_by_role("link", name="1Z999AA10123456784")).to_have_attribute("href", ups)
    shipped = next(m for m in messages_to(base_url, claimed_kit["email"]) if "on its way" in m["subject"])
    assert ups in str(shipped)

    go(page, base_url, "/logout")
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/home")
    go(page, base_url, "/fulfillment/history")
    expect(page.get_by_role("link", name="1Z999AA10123456784 (UPS)")).to_have_attribute("href", ups)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Tokyo", "2026-Jan-01 09:05 GMT+9"),
        ("America/New_York", "2025-Dec-31 19:05 EST"),
        ("UTC", "2026-Jan-01 00:05 UTC"),
    ],
)
def test_instants_are_shown_in_the_readers_time_zone(browser: Browser, base_url: str, zone: str, shown: str) -> None:
    context = browser.new_context(base_url=base_url, timezone_id=zone)
    try:
        tab = context.new_page()
        tab.goto(app_url(base_url, "/login"))
        text = tab.evaluate("async () => (await import('/app/format.js')).timestamp('2026-01-01T00:05:00Z')")
        assert text == shown
    finally:
        context.close()
