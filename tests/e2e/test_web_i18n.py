"""The web client in English and Japanese: both catalogues (web/i18n/en.js, ja.js) have every key,
none empty, with the same `{placeholders}`; every translated screen (the routes of web/app.js, as
test_web_phone lists them) drawn in a Chromium whose language is Japanese shows no visible text that
is an English catalogue entry, and `<html lang>` says the language; the login page's picker switches
before sign-in; the language saved with the candidate's settings wins over the browser's.

Screens still in English only are listed in ENGLISH_ONLY (docs/notes/web.md, "Languages"): a test
fails when a route is in neither list, so a new screen is classified the day it is added.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.e2e.hardening_support import bearer, login, queue_tracked_kit, shipping_address
from tests.e2e.test_web_ops_imports import one_good_one_bad
from tests.e2e.test_web_phone import OPERATOR, SCREENS, world  # noqa: F401 - the fixture
from tests.e2e.web_support import TIMEOUT_MS, TOKEN_KEY, app_url, go, heading, import_candidate, mapped_login
from tests.web_catalogues import web_catalogues

pytestmark = pytest.mark.e2e

TRANSLATED = {
    "/login",
    "/mapping",
    "/mapping/sent",
    "/mapping/confirm",
    "/home",
    "/personal/settings",
    "/personal/attributes",
    "/personal/identification",
    "/personal/data",
    "/history/exams",
    "/history/ce-activities",
    "/history/transactions",
    "/history/agreements",
    "/certifications",
    "/certifications/logos",
    "/certifications/agreements",
    "/certifications/ccna",
    "/transcripts",
    "/transcripts/new",
    "/transcripts/{transcript_id}/edit",
    "/fulfillment",
    "/fulfillment/shipping",
    "/fulfillment/payment",
    "/fulfillment/confirmation",
    "/fulfillment/history",
    "/badges",
    "/ops/candidates",
    "/ops/candidates/{candidate_id}",
    "/ops/audit",
    "/ops/cases",
    "/ops/cases/{case_id}",
    "/ops/kits",
    "/ops/imports",
    "/ops/imports/{import_id}",
    "/ops/candidates/{candidate_id}/actions",
}
# Not yet in the catalogues (docs/notes/web.md, "Languages"): none; a new screen goes in one list.
ENGLISH_ONLY: set[str] = set()
# A screen drawn with a query, so that it shows what it is for (the search's results).
QUERIES = {"/ops/candidates": "?q={candidate_id}"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


CATALOGUES = web_catalogues()


def test_both_catalogues_have_every_key_none_empty_with_the_same_placeholders() -> None:
    en, ja = CATALOGUES["en"], CATALOGUES["ja"]
    assert sorted(set(en) ^ set(ja)) == []
    for key in en:
        assert en[key].strip() and ja[key].strip(), key
        assert set(PLACEHOLDER.findall(en[key])) == set(PLACEHOLDER.findall(ja[key])), key


def test_every_screen_is_either_translated_or_listed_as_english_only() -> None:
    assert not TRANSLATED & ENGLISH_ONLY
    assert set(SCREENS) == TRANSLATED | ENGLISH_ONLY


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each English entry that the Japanese catalogue says differently, as a whole-text pattern."""
    en, ja = CATALOGUES["en"], CATALOGUES["ja"]
    patterns = []
    for key, text in en.items():
        if text == ja[key]:
            continue  # the same in both ("PayPal")
        parts = PLACEHOLDER.split(text)
        if len(parts) > 1 and len(re.findall(r"[A-Za-z]", "".join(parts[::2]))) < 3:
            continue  # placeholders joined by a word ("{when} by {who}") would match any English sentence with it
        source = "".join(".+" if i % 2 else re.escape(part) for i, part in enumerate(parts))
        patterns.append((key, re.compile(rf"^{source.strip()}$")))
    return patterns


VISIBLE_TEXT = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = (node.textContent || "").trim();
    if (!text || !el || el.closest("noscript, script, style")) continue;
    if (el.tagName === "OPTION" || el.checkVisibility()) out.push(text);
  }
  for (const el of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    for (const name of ["aria-label", "placeholder", "title"]) {
      const value = el.getAttribute(name);
      if (value) out.push(value.trim());
    }
  }
  return out;
}"""


def finished_import(base_url: str, operator: str) -> str:
    """An import of one good and one bad line, uploaded as the browser does (the signed form) and
    run by the bucket's trigger: its screen shows the counts, the rejected line and the report."""
    started = requests.post(
        f"{base_url}/ops/imports", json={"kind": "exams", "filename": "i18n.csv"}, headers=bearer(operator), timeout=30
    )
    assert started.status_code == 201, started.text
    upload = started.json()["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("i18n.csv", one_good_one_bad(), "text/csv")}, timeout=30
    )
    assert sent.ok, sent.text
    import_id = str(started.json()["import_id"])
    deadline = time.monotonic() + 30
    while True:
        item = requests.get(f"{base_url}/ops/imports/{import_id}", headers=bearer(operator), timeout=30).json()
        if item["status"] == "done":
            assert item["imported"] == 1 and item["rejected"] == 1 and item["report"], item
            return import_id
        assert item["status"] != "failed" and time.monotonic() < deadline, item
        time.sleep(0.3)


def queued_tracked_kit(base_url: str) -> None:
    """A new candidate's free CCNA kit with tracked shipping (the fee paid with a test card), queued
    once the provider's webhook came: the operators' "To ship" list asks for its carrier."""
    queue_tracked_kit(base_url, bearer(mapped_login(base_url, import_candidate(base_url))), shipping_address())


@pytest.fixture(scope="module")
def seeded(base_url: str, world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the fixture
    """The phone test's world, with what fills the operators' screens with their real content: a
    finished import (its report screen) and a tracked kit waiting to ship."""
    queued_tracked_kit(base_url)
    return world | {"import_id": finished_import(base_url, login(base_url, *OPERATOR))}


@pytest.fixture
def japanese(browser: Browser, base_url: str) -> Iterator[Page]:
    """A browser whose language is Japanese (navigator.languages ["ja-JP"])."""
    context = browser.new_context(base_url=base_url, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def open_screen(page: Page, base_url: str, made: dict[str, Any], route: str) -> None:
    who = SCREENS[route]
    page.goto(app_url(base_url, "/login"))
    if who != "nobody":
        page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, made["tokens"][who]])
    go(page, base_url, (route + QUERIES.get(route, "")).format(**made))
    page.locator("main h1").first.wait_for()
    expect(page.locator("main .loading")).to_have_count(0)  # the screen's content, not its spinner
    expect(page.locator("main [aria-busy='true']")).to_have_count(0)  # a list loading below its heading


@pytest.fixture(scope="module")
def audited(base_url: str, world: dict[str, Any]) -> None:  # noqa: F811 - the fixture
    """An operator action on the world's candidate, so that its view and the audit list have rows:
    the lockout of the support case's waiting login lifted (it asked for the mapping email once),
    audited on the candidate."""
    operator = bearer(world["tokens"]["operator"])
    case = requests.get(f"{base_url}/ops/support-cases/{world['case_id']}", headers=operator, timeout=30)
    assert case.status_code == 200, case.text
    lifted = requests.post(
        f"{base_url}/ops/logins/{case.json()['login_sub']}/rate-limits/lift",
        json={"candidate_id": world["candidate_id"], "reason": "Identity checked on the phone"},
        headers=operator,
        timeout=30,
    )
    assert lifted.status_code == 200 and lifted.json()["lifted"], lifted.text


@pytest.mark.parametrize("route", sorted(TRANSLATED))
def test_the_screen_has_no_english_left_in_japanese(
    japanese: Page,
    base_url: str,
    seeded: dict[str, Any],
    audited: None,
    route: str,
) -> None:
    open_screen(japanese, base_url, seeded, route)
    expect(japanese.locator("html")).to_have_attribute("lang", "ja")
    patterns = english_patterns()
    left = sorted(
        {f"{text!r} ({key})" for text in japanese.evaluate(VISIBLE_TEXT) for key, p in patterns if p.match(text)}
    )
    assert left == [], f"{route} in Japanese still shows English: {left}"


@pytest.mark.parametrize("route", sorted(TRANSLATED))
def test_the_screen_is_english_in_an_english_browser(
    page: Page,
    base_url: str,
    seeded: dict[str, Any],
    audited: None,
    route: str,
) -> None:
    open_screen(page, base_url, seeded, route)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    texts = page.evaluate(VISIBLE_TEXT)
    japanese_only = {v for k, v in CATALOGUES["ja"].items() if v != CATALOGUES["en"][k] and "{" not in v}
    assert sorted(set(texts) & japanese_only) == []


def test_the_login_page_picker_switches_before_sign_in(page: Page, base_url: str) -> None:
    go(page, base_url, "/login")
    expect(heading(page)).to_have_text("Log in")
    assert "Noto Sans JP" not in body_fonts(page)
    page.get_by_label("Language").select_option("ja")
    expect(heading(page)).to_have_text("ログイン")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    # Japanese fonts come first, so kanji are not drawn in a fallback font's Chinese forms.
    fonts = body_fonts(page)
    assert fonts.index("Hiragino Sans") < fonts.index("Noto Sans JP") < fonts.index("sans-serif"), fonts
    page.reload()  # remembered on this browser
    expect(heading(page)).to_have_text("ログイン")


def body_fonts(page: Page) -> str:
    return str(page.evaluate("() => getComputedStyle(document.body).fontFamily"))


def test_the_language_saved_with_the_settings_wins_over_the_browsers(page: Page, base_url: str, token: str) -> None:
    headers = bearer(token)
    answers = {k: True for k in ("program_employee", "partner_or_reseller", "email_notifications")}
    answers |= {"academy_student": False, "verification_consent": True}
    saved = requests.put(f"{base_url}/me/settings", json=answers | {"language": "ja"}, headers=headers, timeout=30)
    assert saved.status_code == 200, saved.text
    page.goto(app_url(base_url, "/login"))
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/personal/settings")
    expect(heading(page)).to_have_text("設定")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    # Back to English on the settings screen: saved with the settings, the page follows at once.
    page.get_by_label("言語").select_option("en")
    page.get_by_role("button", name="更新・確認").click()
    expect(heading(page)).to_have_text("Settings")
    stored = requests.get(f"{base_url}/me/settings", headers=headers, timeout=30).json()
    assert stored["language"] == "en"


# Each outcome payment.js tells apart (a Stripe.js error, as its confirmCardPayment answers), in order.
PAYMENT_ERRORS: list[dict[str, str]] = [
    {"type": "invalid_request_error", "code": "payment_intent_authentication_failure"},
    {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"},
    {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"},
    {"type": "card_error", "code": "expired_card"},
    {"type": "card_error", "code": "incorrect_cvc"},
    {"type": "card_error", "code": "incorrect_number"},
    {"type": "card_error", "code": "card_declined", "decline_code": "stolen_card"},
    {"type": "validation_error", "code": "incomplete_number"},
    {"type": "api_connection_error"},
    {"type": "api_error"},
]
PAYMENT_MESSAGES = """async (errors) => {
  const pay = await import(new URL("payment.js", document.baseURI).href);
  const out = errors.map((error) => pay.paymentErrorMessage(error));
  out.push(pay.authenticationFailed());
  try {
    await pay.providerFor({ provider: "paypal", publishable_key: "", client_secret: "" });
  } catch (error) {
    out.push(error.message);
  }
  return { messages: out, elements: pay.elementsOptions() };
}"""


def expected_payment_messages(language: str) -> list[str]:
    cat = CATALOGUES[language]

    def declined(reason: str) -> str:
        return cat["pay.declined"].replace("{reason}", cat[f"pay.decline.{reason}"])

    return [
        cat["pay.authentication"],
        declined("bank"),
        declined("insufficientFunds"),
        declined("expired"),
        declined("cvc"),
        declined("number"),
        declined("card"),
        cat["pay.invalid"],
        cat["pay.offline"],
        cat["pay.failed"],
        cat["pay.authentication"],
        cat["pay.unsupported"],
    ]


def test_the_payment_messages_come_from_the_catalogue_in_japanese(japanese: Page, base_url: str) -> None:
    """The provider's declines and authentication failures only show when a payment fails: each
    outcome of payment.js, asked in a ja-JP page, is the Japanese catalogue's, with no English left."""
    go(japanese, base_url, "/login")
    expect(japanese.locator("html")).to_have_attribute("lang", "ja")
    shown = japanese.evaluate(PAYMENT_MESSAGES, PAYMENT_ERRORS)
    assert shown["messages"] == expected_payment_messages("ja")
    patterns = english_patterns()
    assert [m for m in shown["messages"] for _key, p in patterns if p.match(m)] == []
    assert shown["elements"] == {"locale": "ja"}  # Stripe's own card field in Japanese too
    manifest = japanese.locator("link[rel='manifest']").get_attribute("href")
    assert manifest == "manifest.ja.webmanifest"
    installed = requests.get(f"{base_url}/app/{manifest}", timeout=10)
    assert installed.headers["Content-Type"].startswith("application/manifest+json")
    assert installed.json()["lang"] == "ja" and installed.json()["name"] == CATALOGUES["ja"]["app.name"]


def test_the_payment_messages_are_the_english_ones_in_english(page: Page, base_url: str) -> None:
    go(page, base_url, "/login")
    shown = page.evaluate(PAYMENT_MESSAGES, PAYMENT_ERRORS)
    assert shown["messages"] == expected_payment_messages("en")
    assert shown["messages"][1] == (  # the wording the payment tests see for a declined card
        "Your card was declined by your bank. Nothing was charged. Check the details or use another card."
    )
    assert shown["elements"] == {"locale": "en"}
    assert page.locator("link[rel='manifest']").get_attribute("href") == "manifest.webmanifest"
