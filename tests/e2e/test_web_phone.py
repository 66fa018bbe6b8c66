"""Every screen of the web client, and the public transcript page, on a 390 px wide phone: nothing
reaches past the screen's right edge (no sideways scrolling of the page, and no table or box that
scrolls inside it).

The screens are the routes of ``web/app.js``: the test reads them from there and fails when a route
has no address below, so a new screen is checked from the day it is added. Each is opened by the
caller it is for (no login, a login not yet mapped, the candidate, an operator) with the data that
fills it (a transcript, a kit in the operators' list, an import).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests.e2e.hardening_support import bearer, duplicate_case, login, transcript_request
from tests.e2e.web_support import (
    PHONE,
    TIMEOUT_MS,
    TOKEN_KEY,
    app_url,
    go,
    import_candidate,
    mapped_login,
    wider_than_the_screen,
)

pytestmark = pytest.mark.e2e

APP_JS = Path(__file__).resolve().parents[2] / "web" / "app.js"
OPERATOR = ("operator", "Operator-password-1")  # local/seed.py: in the operators group

# route → who opens it; "{…}" parts are filled from the `world` fixture.
SCREENS: dict[str, str] = {
    "/login": "nobody",
    "/mapping": "unmapped",
    "/mapping/sent": "unmapped",
    "/mapping/confirm": "unmapped",
    "/home": "candidate",
    "/personal/settings": "candidate",
    "/personal/attributes": "candidate",
    "/personal/identification": "candidate",
    "/personal/data": "candidate",
    "/history/exams": "candidate",
    "/history/ce-activities": "candidate",
    "/history/transactions": "candidate",
    "/history/agreements": "candidate",
    "/certifications": "candidate",
    "/certifications/logos": "candidate",
    "/certifications/agreements": "candidate",
    "/certifications/ccna": "candidate",
    "/fulfillment": "candidate",
    "/fulfillment/shipping": "candidate",
    "/fulfillment/payment": "candidate",
    "/fulfillment/confirmation": "candidate",
    "/fulfillment/history": "candidate",
    "/transcripts": "candidate",
    "/transcripts/new": "candidate",
    "/transcripts/{transcript_id}/edit": "candidate",
    "/badges": "candidate",
    "/ops/kits": "operator",
    "/ops/imports": "operator",
    "/ops/imports/{import_id}": "operator",
    "/ops/candidates": "operator",
    "/ops/candidates/{candidate_id}": "operator",
    "/ops/candidates/{candidate_id}/actions": "operator",
    "/ops/audit": "operator",
    "/ops/cases": "operator",
    "/ops/cases/{case_id}": "operator",
}


def app_routes() -> list[re.Pattern[str]]:
    """The route patterns of web/app.js's ROUTES table (JavaScript regex literals, as Python ones)."""
    table = APP_JS.read_text(encoding="utf-8").split("const ROUTES = [", 1)[1].split("];", 1)[0]
    return [re.compile(source.replace("\\/", "/")) for source in re.findall(r"\[/(\^.*?\$)/,", table)]


def test_every_route_of_the_web_client_has_a_screen_here() -> None:
    routes = app_routes()
    assert len(routes) > 20
    for pattern in routes:
        assert any(pattern.fullmatch(re.sub(r"\{\w+\}", "x1", path)) for path in SCREENS), (
            f"web/app.js route {pattern.pattern} has no screen in SCREENS: add it"
        )


@pytest.fixture(scope="module")
def world(base_url: str) -> Iterator[dict[str, Any]]:
    """A candidate with a transcript, a console import, and the candidate's, the operator's and an
    unmapped login's tokens: made once, every screen of the module reads them."""
    candidate = import_candidate(base_url)
    token = mapped_login(base_url, candidate)
    created = requests.post(
        f"{base_url}/me/transcripts", json=transcript_request("Phone check"), headers=bearer(token), timeout=30
    )
    assert created.status_code == 201, created.text
    operator = login(base_url, *OPERATOR)
    upload = requests.post(
        f"{base_url}/ops/imports", json={"kind": "exams", "filename": "phone.csv"}, headers=bearer(operator), timeout=30
    )
    assert upload.status_code == 201, upload.text
    case = duplicate_case(base_url)
    yield {
        "case_id": case["case_id"],
        "candidate_id": candidate["candidate_id"],
        "transcript_id": created.json()["transcript_id"],
        "public_url": created.json()["public_url"],
        "import_id": upload.json()["import_id"],
        "tokens": {
            "candidate": token,
            "operator": operator,
            "unmapped": login(base_url, f"phone-{uuid.uuid4().hex[:10]}"),
        },
    }


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def fits(page: Page, what: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{what}: the page scrolls {overflow}px sideways on a {PHONE['width']}px screen"
    wide = wider_than_the_screen(page)
    assert wide == [], f"{what}: wider than a {PHONE['width']}px screen: {wide[:8]}"


@pytest.mark.parametrize("route", sorted(SCREENS))
def test_the_screen_fits_a_phone(phone: Page, base_url: str, world: dict[str, Any], route: str) -> None:
    who = SCREENS[route]
    path = route.format(**world)
    phone.goto(app_url(base_url, "/login"))
    if who != "nobody":
        phone.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, world["tokens"][who]])
    go(phone, base_url, path)
    phone.locator("main h1").first.wait_for()
    fits(phone, path)


def test_the_public_transcript_fits_a_phone(phone: Page, world: dict[str, Any]) -> None:
    phone.goto(world["public_url"])
    phone.locator("h1").first.wait_for()
    fits(phone, "public transcript")
