"""The operator console's support-case screens in headless Chromium, against the dev server.

End to end, as a candidate and an operator live it: two candidate records share one email (one CSV
import); a new login asks to be mapped by that address in the browser and gets the duplicate notice
(a support case); the operator opens the case from the queue, compares the records side by side,
picks the survivor and merges after a confirmation; the candidate's login then opens Home mapped to
the survivor and the candidate got the email saying so. Also: the help actions (the mapping email
again, the login's lockout lifted) and closing a case with a note, which moves it to the resolved
list. Both screens are checked with axe, at desktop and phone sizes.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.e2e.hardening_support import bearer, login
from tests.e2e.web_support import (
    DESKTOP,
    PASSWORD,
    TIMEOUT_MS,
    TOKEN_KEY,
    app_url,
    check_accessibility,
    go,
    heading,
    messages_to,
    snap,
)

pytestmark = pytest.mark.e2e

OPERATOR_PASSWORD = "Operator-password-1"
CASE_ID = re.compile(r"support case (SC-[0-9A-F]+)")


def import_duplicates(base_url: str) -> tuple[str, list[str]]:
    """Two candidate records with one email address (each passed 200-301 under its own registration
    number), imported as CSV; returns the address and the two ids."""
    first, second = secrets.randbelow(10**8), secrets.randbelow(10**8)
    ids = [f"CSCO{first:08d}", f"CSCO{second:08d}"]
    last_name = f"Hopper{uuid.uuid4().hex[:6]}"
    email = f"grace.{uuid.uuid4().hex[:10]}@example.com"
    day = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    csv = "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date,agreement\n"
    for candidate_id in ids:
        csv += f"{candidate_id},Grace,{last_name},{email},200-301,CCNA,REG{candidate_id[4:]},Pass,{day},cca-v9\n"
    response = requests.post(
        f"{base_url}/_local/imports/exams", data=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2, response.json()
    return email, sorted(ids)


def duplicate_case(base_url: str, email: str) -> str:
    """The support case the duplicate notice sent to ``email`` names."""
    notices = [m for m in messages_to(base_url, email) if CASE_ID.search(str(m["subject"]))]
    assert notices, f"no duplicate notice was sent to {email}"
    found = CASE_ID.search(str(notices[-1]["subject"]))
    assert found
    return found.group(1)


@pytest.fixture
def operator(browser: Browser, base_url: str) -> Iterator[Page]:
    """A second browser context, signed in as the dev server's operator (its token where the web
    client keeps it); fails the test on an uncaught page error."""
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(app_url(base_url, "/login"))
    token = login(base_url, "operator", OPERATOR_PASSWORD)
    tab.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    yield tab
    context.close()
    assert errors == [], f"uncaught errors in the operator's page: {errors}"


def open_case_from_queue(tab: Page, base_url: str, case_id: str) -> None:
    go(tab, base_url, "/ops/cases")
    expect(heading(tab)).to_have_text("Support cases: open")
    console = tab.get_by_role("navigation", name="Operator console")
    expect(console.get_by_role("link", name="Support cases")).to_have_attribute("aria-current", "page")
    row = tab.locator(f"main tbody tr[data-case='{case_id}']")
    more = tab.get_by_role("button", name="Show more")
    while row.count() == 0 and more.count() > 0:  # oldest first: other tests' cases may come before
        more.click()
        expect(tab.locator("main [aria-busy='true']")).to_have_count(0)
    expect(row).to_contain_text("Duplicate email")
    snap(tab, "ops-cases-open")
    row.get_by_role("link", name=case_id).click()
    expect(heading(tab)).to_have_text(f"Support case {case_id}")


def record_count(tab: Page, candidate_id: str, what: str) -> str:
    card = tab.locator(f"article[data-candidate='{candidate_id}']")
    return str(card.locator(f"dt:text-is('{what}') + dd").inner_text())


def test_candidate_asks_operator_merges_candidate_logs_in_mapped(page: Page, operator: Page, base_url: str) -> None:
    email, (source, survivor) = import_duplicates(base_url)

    # The candidate: a new login maps by the shared address and gets the duplicate notice.
    page.goto(app_url(base_url, "/login"))
    username = f"dup-{uuid.uuid4().hex[:10]}"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_have_text("First time login")
    by_email = page.locator("form", has=page.get_by_role("heading", name="By email address"))
    by_email.get_by_label("Email address").fill(email)
    by_email.get_by_role("button", name="Submit").click()
    expect(page.locator("#mapping-sent")).to_contain_text("An email has been sent")
    expect(page.locator("main")).to_contain_text("merged through a support case")
    case_id = duplicate_case(base_url, email)
    notice = next(m for m in messages_to(base_url, email) if case_id in str(m["subject"]))
    assert "2 candidate records share this address" in str(notice["text"]), notice["text"]

    # The operator: the queue → the case, its records side by side.
    open_case_from_queue(operator, base_url, case_id)
    expect(operator.locator("main")).to_contain_text("Open")
    cards = operator.locator("article.case-record")
    expect(cards).to_have_count(2)
    for candidate_id in (source, survivor):
        card = operator.locator(f"article[data-candidate='{candidate_id}']")
        expect(card.get_by_role("link", name=f"Open the candidate view of {candidate_id}")).to_have_attribute(
            "href", f"#/ops/candidates/{candidate_id}"
        )
        expect(card).to_contain_text(email)
        expect(card).to_contain_text("ccna: Active")
        assert record_count(operator, candidate_id, "Exams") == "1"
    snap(operator, "ops-case-open")

    # "Merge…" with nothing chosen: the error is next to the choice, nothing is sent.
    merge = operator.get_by_role("button", name="Merge…")
    merge.click()
    expect(operator.locator("#survivor-error")).to_have_text("Choose the record that stays.")  # beside its label
    reason = operator.get_by_label("Why merge (kept in the audit)")
    operator.get_by_label(f"Keep {survivor} (the survivor)").check()
    merge.click()
    merge_form = operator.locator("form", has=merge)
    reason_error = merge_form.locator("[data-field='reason'] .field-error")
    expect(reason_error).to_contain_text("Write why these records are merged")
    expect(reason).to_have_attribute("aria-invalid", "true")
    reason.fill("Same person: one address, the same name, two registrations.")
    merge.press("Enter")  # the keyboard way
    confirm = operator.get_by_role("group", name="Confirm the merge")
    expect(confirm).to_contain_text(f"Merge {source} into {survivor}?")
    expect(confirm).to_contain_text("cannot be undone")
    check_accessibility(operator, "ops-case-confirm")
    # Cancel goes back to the form; the merge itself needs the confirmation.
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    merge.click()
    confirm.get_by_role("button", name="Yes, merge the records").click()

    expect(operator.locator("#messages")).to_contain_text(f"Merged {source} into {survivor}")
    expect(operator.locator("#messages")).to_contain_text("the waiting login is mapped to it")
    expect(heading(operator)).to_have_text(f"Support case {case_id}")
    facts = operator.locator("main section[aria-labelledby='case-facts']")
    expect(facts).to_contain_text("Resolved")
    expect(facts).to_contain_text(f"Merged into {survivor}")
    expect(operator.locator(f"article[data-candidate='{source}']")).to_contain_text(f"Merged into {survivor}")
    assert record_count(operator, survivor, "Exams") == "2"
    expect(operator.get_by_role("button", name="Merge…")).to_have_count(0)
    expect(operator.get_by_role("button", name="Close without merging")).to_have_count(0)
    expect(operator.locator("main")).to_contain_text(f"is mapped to {survivor}: there is no mapping email to send")
    snap(operator, "ops-case-merged")
    # The reason is in the survivor's audit trail (the candidate view the card links to).
    operator.locator(f"article[data-candidate='{survivor}']").get_by_role("link").click()
    trail = operator.get_by_role("region", name="Operator actions on this candidate, newest first")
    expect(trail.locator("tr", has_text="Same person")).to_contain_text(case_id)

    # The candidate logs in again: Home, mapped to the survivor; and the candidate got the email.
    go(page, base_url, "/logout")
    expect(heading(page)).to_have_text("Log in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page)).to_contain_text("Grace")
    expect(page.locator(".user-id")).to_have_text(f"ID: {survivor}")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    merged = [m for m in messages_to(base_url, email) if "records are merged" in str(m["subject"])]
    assert len(merged) == 1, [m["subject"] for m in messages_to(base_url, email)]
    assert case_id in str(merged[0]["subject"]) and survivor in str(merged[0]["text"])
    assert "Your login is connected to this record" in str(merged[0]["text"])


def test_help_actions_and_closing_a_case_with_a_note(operator: Page, base_url: str) -> None:
    email, ids = import_duplicates(base_url)
    waiting = login(base_url, f"dup-close-{uuid.uuid4().hex[:8]}")
    asked = requests.post(f"{base_url}/mapping/email", json={"email": email}, headers=bearer(waiting), timeout=20)
    assert asked.status_code == 202, asked.text
    case_id = duplicate_case(base_url, email)

    go(operator, base_url, f"/ops/cases/{case_id}")
    expect(heading(operator)).to_have_text(f"Support case {case_id}")

    # Lift the login's lockout (its mapping-email window): a reason first, then the answer in words.
    lift = operator.locator("form", has=operator.get_by_role("heading", name="Lift the login's rate-limit lockout"))
    lift.get_by_label("Record being helped (the audit names it)").select_option(ids[0])
    lift.get_by_role("button", name="Lift the lockout").click()
    expect(lift.locator("[data-field='reason'] .field-error")).to_contain_text("Write why the lockout is lifted")
    lift.get_by_label("Why lift the lockout").fill("Identity checked on the phone.")
    lift.get_by_role("button", name="Lift the lockout").click()
    expect(lift.get_by_role("status")).to_contain_text("Lifted 1 rate limit")

    # The mapping email again, to a record's address on file, for the waiting login.
    before = len(messages_to(base_url, email))
    resend = operator.locator("form", has=operator.get_by_role("heading", name="Send the mapping email again"))
    resend.get_by_label("Why send the mapping email again").fill("The first email never arrived.")
    resend.get_by_role("button", name="Send the mapping email").click()
    expect(resend.get_by_role("status")).to_contain_text(f"on its way to the address on file of {ids[0]}")
    assert len(messages_to(base_url, email)) == before + 1

    # Close without merging: a note is required (said next to it), then the case is resolved.
    close = operator.locator("form", has=operator.get_by_role("button", name="Close without merging"))
    close.get_by_role("button", name="Close without merging").click()
    note = close.get_by_label("Note (what was done instead of a merge)")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(close.locator(".field-error")).to_have_text("This is required.")
    note.fill("Two different people sharing a family address.")
    note.press("Tab")
    operator.keyboard.press("Enter")  # the button, reached from the note with the keyboard
    expect(operator.locator("#messages")).to_contain_text(f"Support case {case_id} is closed without merging")
    facts = operator.locator("main section[aria-labelledby='case-facts']")
    expect(facts).to_contain_text("Closed without merging")
    expect(facts).to_contain_text("Two different people sharing a family address.")
    expect(operator.locator("input[name='survivor']")).to_have_count(0)
    snap(operator, "ops-case-closed")

    go(operator, base_url, "/ops/cases?status=resolved")
    expect(heading(operator)).to_have_text("Support cases: resolved")
    expect(operator.locator(f"main tbody tr[data-case='{case_id}']")).to_have_count(1)  # newest first
    snap(operator, "ops-cases-resolved")
    operator.get_by_role("navigation", name="Case status").get_by_role("link", name="Open").click()
    expect(heading(operator)).to_have_text("Support cases: open")
    while operator.get_by_role("button", name="Show more").count():
        operator.get_by_role("button", name="Show more").click()
    expect(operator.locator(f"main tbody tr[data-case='{case_id}']")).to_have_count(0)


def test_a_candidate_cannot_open_the_cases(page: Page, base_url: str, token: str) -> None:
    page.goto(app_url(base_url, "/login"))
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/ops/cases")
    expect(page.locator("main [role='alert']")).to_contain_text("operators only")
