"""The Digital Badges screen in headless Chromium: each badge, its downloads, LinkedIn and the link.

The candidate holds CCNA (imported by the web tests' ``candidate`` fixture); the screen must list
its badge, the JSON download must be the credential served at its ``credential_url``, the badge
image must carry that credential as the Open Badges 3.0 baking section says (and the baked
credential must still verify), the LinkedIn link must open LinkedIn's add-certification form
with the credential URL, and the copy button must put the link on the clipboard and say so.
Fixtures (dev server, imported candidate, API-mapped login, page): tests/e2e/conftest.py and web_support.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.hardening_support import bearer
from tests.e2e.web_support import (
    AXE,
    DESKTOP,
    TIMEOUT_MS,
    TOKEN_KEY,
    app_url,
    go,
    heading,
    snap,
)

pytestmark = pytest.mark.e2e

OB3 = "https://purl.imsglobal.org/ob/v3p0"
SVG = "http://www.w3.org/2000/svg"


def my_badges(base_url: str, token: str) -> list[dict[str, Any]]:
    response = requests.get(f"{base_url}/me/badges", headers=bearer(token), timeout=30)
    assert response.status_code == 200, response.text
    return list(response.json()["badges"])


def ccna_badge(base_url: str, token: str) -> dict[str, Any]:
    badges = {b["certification_id"]: b for b in my_badges(base_url, token)}
    assert "ccna" in badges, badges
    return badges["ccna"]


def served(url: str) -> str:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/ld+json")
    return response.text


def baked_credential(svg_text: str) -> tuple[ET.Element, str]:
    """The root and the credential text of a baked SVG, checked against the baking section's shape."""
    assert svg_text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert f'xmlns:openbadges="{OB3}"' in svg_text
    root = ET.fromstring(svg_text)  # noqa: S314 - the screen's own download, not input from outside
    assert root.tag == f"{{{SVG}}}svg"
    assert len(root.findall(f".//{{{OB3}}}credential")) == 1
    first = root[0]
    assert first.tag == f"{{{OB3}}}credential", "the credential must come directly after <svg>"
    assert "verify" not in first.attrib, "an embedded proof has no verify attribute"
    assert "<openbadges:credential><![CDATA[" in svg_text
    return root, first.text or ""


def press(tab: Page, name: str) -> None:
    """Operate a control the keyboard way: focus it, press Enter."""
    control = tab.get_by_role("button", name=name, exact=True)
    control.focus()
    tab.keyboard.press("Enter")


def test_digital_badges_screen(signed_in: Page, base_url: str, token: str) -> None:
    tab = signed_in
    badge = ccna_badge(base_url, token)
    assert badge["status"] == "active"

    nav = tab.get_by_role("navigation", name="Main").get_by_role("link", name="Digital Badges")
    nav.focus()
    tab.keyboard.press("Enter")
    expect(heading(tab)).to_have_text("Digital Badges")
    expect(nav).to_have_attribute("aria-current", "page")
    card = tab.locator("li[data-badge='ccna']")
    expect(card.get_by_role("heading", name=badge["name"])).to_be_visible()
    expect(card).to_contain_text("Standing: Active")
    image = card.get_by_role("img", name=f"{badge['name']} badge")
    expect(image).to_have_attribute("src", badge["image_url"])
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the badge image did not load"

    # The JSON download is the credential exactly as served at credential_url.
    credential_text = served(badge["credential_url"])
    with tab.expect_download() as json_download:
        press(tab, f"Download credential (JSON): {badge['name']}")
    assert json_download.value.suggested_filename == "ccna-credential.json"
    downloaded = Path(json_download.value.path()).read_text(encoding="utf-8")
    assert downloaded == credential_text
    assert json.loads(downloaded)["id"].endswith(badge["credential_url"].rsplit("/", 1)[1])
    expect(tab.locator("#messages")).to_contain_text("credential is downloading")

    # The baked image: the logo with that credential in <openbadges:credential>, and it still verifies.
    with tab.expect_download() as svg_download:
        press(tab, f"Download badge image: {badge['name']}")
    assert svg_download.value.suggested_filename == "ccna-badge.svg"
    root, baked = baked_credential(Path(svg_download.value.path()).read_text(encoding="utf-8"))
    assert json.loads(baked) == json.loads(credential_text)
    assert root.find(f"{{{SVG}}}circle") is not None, "the rest of the image must be kept"
    checked = requests.post(f"{base_url}/public/credentials/verify", data=baked.encode(), timeout=30)
    assert checked.status_code == 200 and checked.json()["verified"] is True, checked.text

    # Add to LinkedIn: LinkedIn's add-certification form in a new tab, with the credential URL.
    linkedin = card.get_by_role("link", name=f"Add to LinkedIn: {badge['name']} (opens a new tab)")
    expect(linkedin).to_have_attribute("href", badge["linkedin_url"])
    expect(linkedin).to_have_attribute("target", "_blank")
    query = parse_qs(urlsplit(badge["linkedin_url"]).query)
    assert query["certUrl"] == [badge["credential_url"]] and query["name"] == [badge["name"]]
    opened: list[str] = []

    def linkedin_page(route: Route) -> None:  # there is no internet here: LinkedIn answers locally
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>LinkedIn</title>")

    tab.context.route("https://www.linkedin.com/**", linkedin_page)
    with tab.context.expect_page() as popup:
        linkedin.focus()
        tab.keyboard.press("Enter")
    popup.value.wait_for_load_state()
    assert opened == [badge["linkedin_url"]]
    popup.value.close()

    # The verification link: shown in a read-only field, copied by the button, which says so.
    link = card.get_by_role("textbox", name="Verification link")
    expect(link).to_have_value(badge["credential_url"])
    expect(link).to_have_attribute("readonly", "")
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    press(tab, f"Copy link: {badge['name']} verification link")
    expect(card.get_by_role("button", name=f"Copied: {badge['name']} verification link")).to_have_text("Copied")
    expect(card.get_by_role("status")).to_have_text("The verification link is copied to the clipboard.")
    assert tab.evaluate("() => navigator.clipboard.readText()") == badge["credential_url"]

    # 390 px (a current phone): nothing scrolls sideways; snap checks 375 px, axe at both sizes.
    tab.set_viewport_size({"width": 390, "height": 844})
    assert tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    tab.set_viewport_size(DESKTOP)
    snap(tab, "badges")


@pytest.fixture
def strict_page(browser: Browser, base_url: str, token: str) -> Iterator[Page]:
    """Signed in, under the page's own Content-Security-Policy; fails on an error or a CSP violation."""
    context = browser.new_context(viewport=DESKTOP, base_url=base_url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    tab.goto(app_url(base_url, "/login"))
    tab.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    yield tab
    context.close()
    assert errors == [], f"uncaught errors or CSP violations in the page: {errors}"


def test_badge_downloads_under_the_real_policy(strict_page: Page, base_url: str, token: str) -> None:
    """The policy the stack sends allows what the screen does: the data: image, the credential's
    fetch, both downloads."""
    badge = ccna_badge(base_url, token)
    go(strict_page, base_url, "/badges")
    card = strict_page.locator("li[data-badge='ccna']")
    assert card.get_by_role("img").evaluate("img => img.naturalWidth > 0")
    with strict_page.expect_download() as svg_download:
        card.get_by_role("button", name="Download badge image").click()
    _, baked = baked_credential(Path(svg_download.value.path()).read_text(encoding="utf-8"))
    assert json.loads(baked) == json.loads(served(badge["credential_url"]))
    with strict_page.expect_download() as json_download:
        card.get_by_role("button", name="Download credential (JSON)").click()
    assert json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))["id"] == json.loads(baked)["id"]
