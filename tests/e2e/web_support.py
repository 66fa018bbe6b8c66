"""What the browser tests share: the Chromium context of each test (failing on any uncaught page
error), a newly imported candidate, a login mapped to it through the API, the signed-in page, and
the helpers that open screens, check them with axe and photograph them.

The fixtures are registered for every e2e module by ``tests/e2e/conftest.py``; modules import the
helpers and constants from here.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.hardening_support import login, map_login_by_email

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
PASSWORD = "E2e-password-1"
TOKEN_KEY = "certtrack.id_token"
TIMEOUT_MS = 15_000
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A new browser context (nothing in sessionStorage); fails the test on an uncaught page error."""
    # bypass_csp: axe-core is injected as an inline script, which the page's CSP rightly forbids.
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.fixture
def candidate(base_url: str) -> dict[str, str]:
    """A new candidate who passed 200-301 a month ago (so holds an active CCNA), imported as CSV."""
    return import_candidate(base_url)


@pytest.fixture
def token(base_url: str, candidate: dict[str, str]) -> str:
    """The ID token of a new login mapped to ``candidate`` through the API (map by email)."""
    return mapped_login(base_url, candidate)


def import_candidate(base_url: str) -> dict[str, str]:
    """Import a new candidate holding an active CCNA (an exam passed a month ago) through the local runtime."""
    number = secrets.randbelow(10**8)
    person = {
        "candidate_id": f"CSCO{number:08d}",
        "first_name": "Edith",
        "last_name": f"Clarke{uuid.uuid4().hex[:6]}",
        "email": f"edith.{uuid.uuid4().hex[:10]}@example.com",
        "registration_number": f"REG{number:08d}",
    }
    exam_date = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    csv = (
        "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date,agreement\n"
        f"{person['candidate_id']},{person['first_name']},{person['last_name']},{person['email']},200-301,"
        f"CCNA,{person['registration_number']},Pass,{exam_date},cca-v9\n"
    )
    response = requests.post(
        f"{base_url}/_local/imports/exams", data=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=30
    )
    assert response.status_code == 200, f"exam import failed: {response.status_code} {response.text}"
    report = response.json()
    assert report["imported"] == 1 and report["rejected"] == [], report
    return person


def mapped_login(base_url: str, candidate: dict[str, str]) -> str:
    """The ID token of a new login, mapped to ``candidate`` by email through the API."""
    id_token = login(base_url, f"web-{uuid.uuid4().hex[:10]}", PASSWORD)
    assert map_login_by_email(base_url, id_token, candidate["email"]) == candidate["candidate_id"]
    return id_token


@pytest.fixture
def signed_in(page: Page, base_url: str, token: str) -> Page:
    """``page`` with the mapped login's token where the web client keeps it, showing Home."""
    page.goto(app_url(base_url, "/login"))
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    go(page, base_url, "/home")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


# ------------------------------------------------------------------ helpers


def app_url(base_url: str, route: str) -> str:
    return f"{base_url}/app/#{route}"


def go(page: Page, base_url: str, route: str) -> None:
    url = app_url(base_url, route)
    if page.url == url:
        page.reload()  # going to the same #route is no navigation at all
    else:
        page.goto(url)
    expect(page.locator("main[aria-busy='true'], main .view[aria-busy='true']")).to_have_count(0)


def heading(page: Page) -> Any:
    return page.locator("main h1")


def check_accessibility(page: Page, name: str, *, exclude: tuple[str, ...] = ()) -> None:
    """axe-core on the current screen: no serious or critical violations (``exclude``: CSS selectors
    of parts that are not ours, e.g. a payment provider's card element)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (exclude) => (await axe.run(exclude.length ? {exclude: exclude.map(s => [s])} : document,"
        " {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        list(exclude),
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: accessibility violations {serious}"


def wider_than_the_screen(page: Page) -> list[str]:
    """The elements that reach past the right edge of the viewport (each as tag.class "text…": width)."""
    return list(
        page.evaluate(
            r"""() => {
              const width = document.documentElement.clientWidth;
              // Inside a box clipped to nothing (visually hidden, for screen readers only).
              const clippedAway = (el) => {
                for (let node = el; node && node !== document.body; node = node.parentElement) {
                  if (getComputedStyle(node).clipPath.startsWith("inset(50%")) return true;
                  const box = node.getBoundingClientRect();
                  if (node !== el && box.width <= 1 && getComputedStyle(node).overflow === "hidden") return true;
                }
                return false;
              };
              const out = [];
              for (const el of document.body.querySelectorAll("*")) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
                if (getComputedStyle(el).visibility === "hidden" || clippedAway(el)) continue;
                const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
                  ? "." + el.className.trim().split(/\s+/).join(".") : "");
                out.push(`${name} "${(el.textContent || "").trim().slice(0, 40)}": ${Math.round(box.right)}px`);
              }
              return out;
            }"""
        )
    )


def snap(page: Page, name: str, *, a11y: bool = True, exclude: tuple[str, ...] = ()) -> None:
    """Screenshot at desktop and phone sizes; at 390px no element may reach past the screen's edge
    (the page does not scroll sideways, and no table or box scrolls inside it either)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    if a11y:
        check_accessibility(page, name, exclude=exclude)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: the page is {overflow}px wider than a {PHONE['width']}px screen"
        wide = wider_than_the_screen(page)
        assert wide == [], f"{name}: wider than a {PHONE['width']}px screen: {wide[:8]}"
        if a11y:
            check_accessibility(page, f"{name} (phone)", exclude=exclude)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def outbox(base_url: str) -> list[dict[str, Any]]:
    response = requests.get(f"{base_url}/_local/outbox", timeout=10)
    assert response.status_code == 200
    return list(response.json()["messages"])


def messages_to(base_url: str, address: str) -> list[dict[str, Any]]:
    return [m for m in outbox(base_url) if address.lower() in str(m["to"]).lower()]
