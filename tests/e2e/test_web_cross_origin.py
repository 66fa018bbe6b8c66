"""The web client on the public origin calling the API on another origin, in headless Chromium.

As in production when a client calls the API Gateway URL directly: the dev server runs with
``--web-port Q``, so ``http://127.0.0.1:Q`` plays the public origin (the CDN: the page, links, the
CORS origin) and its ``/app/config.json`` sends the web client to the API on ``http://127.0.0.1:P``.
The journey test logs in there, lists the certifications, downloads the CCNA PDF and creates a
transcript and opens its public page, and checks that every API call went to P, that every answer
allowed Q and that the browser refused nothing. The page's CSP is enforced (no ``bypass_csp``) and
nothing is routed, so the browser really checks the dev server's preflights and answers.

The last test answers for P without the ``Access-Control-Allow-*`` headers and shows that the page
then can neither log in nor list the certifications: the journey passes because of those headers.

One dev server and one browser for the module; each test has its own browser context.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    ViewportSize,
    expect,
)

from tests.e2e.devserver_fixture import free_port, running_devserver
from tests.e2e.web_support import DESKTOP, TIMEOUT_MS, go, heading

pytestmark = pytest.mark.e2e

DEMO_USERNAME = "demo"  # local/seed.py DEMO_LOGINS: mapped to John Doe, who holds an active CCNA
DEMO_PASSWORD = "Demo-password-1"
DEMO_NAME = "John Doe"
TOKEN_KEY = "certtrack.id_token"  # web/api.js
NETWORK_ERROR = "Could not reach the service"  # web/api.js: what a refused fetch shows
API_PATH = re.compile(r"^/(me|ops|public|_local)(/|$)")
VIEWPORT = ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"])


@dataclass(frozen=True)
class Origins:
    api: str  # http://127.0.0.1:P, the API Gateway URL
    web: str  # http://127.0.0.1:Q, the public origin serving /app/


@dataclass(frozen=True)
class Failure:
    method: str
    url: str
    error: str | None

    def __str__(self) -> str:
        return f"{self.method} {self.url}: {self.error}"


@dataclass
class Traffic:
    """What the pages of one test asked for, got and said on the console."""

    requests: list[Request] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("request", lambda request: self.requests.append(request))
        page.on("response", lambda response: self.responses.append(response))
        page.on("requestfailed", lambda r: self.failed.append(Failure(r.method, r.url, r.failure)))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: ConsoleMessage) -> None:
        url = str(message.location.get("url", ""))
        if message.type == "error" and not url.endswith("/favicon.ico"):  # the browser's own guess: no icon
            self.console_errors.append(f"{message.text} ({url})")

    def cors_errors(self) -> list[str]:
        return [text for text in self.console_errors if "cors" in text.lower()]

    def api_calls(self) -> list[Request]:
        """The page's own requests (fetch) for API paths, wherever they went."""
        return [r for r in self.requests if r.resource_type == "fetch" and API_PATH.match(urlsplit(r.url).path)]

    def failed_on(self, method: str, url: str) -> bool:
        return any(f.method == method and f.url.split("?", 1)[0] == url for f in self.failed)


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    web_port = free_port()
    with running_devserver(args=["--web-port", str(web_port)]) as api_url:
        yield Origins(api=api_url, web=f"http://127.0.0.1:{web_port}")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # No bypass_csp: the page's own policy must let it connect to the API origin.
    tabs = browser.new_context(viewport=VIEWPORT)
    tabs.set_default_timeout(TIMEOUT_MS)
    yield tabs
    tabs.close()


def log_in_through_the_login_screen(page: Page, origins: Origins) -> None:
    page.goto(f"{origins.web}/app/")
    expect(heading(page)).to_have_text("Log in")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_public_origin_sends_the_web_client_to_the_api_origin(origins: Origins) -> None:
    config = requests.get(f"{origins.web}/app/config.json", timeout=10)
    assert config.status_code == 200
    assert config.json()["apiBaseUrl"] == origins.api
    index = requests.get(f"{origins.web}/app/", timeout=10)
    assert f"connect-src 'self' https: {origins.api};" not in index.text  # the policy is a header
    assert re.search(
        # localstripe, the API's origin, then (locally only) moto's S3 for the console's uploads
        rf"connect-src 'self' https: http://127\.0\.0\.1:\d+ {origins.api} http://127\.0\.0\.1:\d+;",
        index.headers["Content-Security-Policy"],
    )
    # The preflight (API Gateway's mock integration) allows every header the web client sends.
    preflight = requests.options(
        f"{origins.api}/me/transcripts",
        headers={
            "Origin": origins.web,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", origins.web)
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_errors_answered_before_a_function_runs_are_readable_cross_origin(origins: Origins) -> None:
    """As API Gateway's GatewayResponses do: a 401 or a failed local login still carries CORS."""
    unauthorised = requests.get(f"{origins.api}/me", headers={"Origin": origins.web}, timeout=10)
    assert unauthorised.status_code == 401
    assert unauthorised.headers["Access-Control-Allow-Origin"] in ("*", origins.web)
    wrong = requests.post(
        f"{origins.api}/_local/login",
        json={"username": "demo", "password": "Wrong-password-1"},
        headers={"Origin": origins.web},
        timeout=10,
    )
    assert wrong.status_code == 401
    assert wrong.headers["Access-Control-Allow-Origin"] == origins.web


def test_journey_on_the_public_origin_calls_the_api_cross_origin(context: BrowserContext, origins: Origins) -> None:
    page = context.new_page()
    traffic = Traffic()
    traffic.watch(page)

    # Log in through the login screen: the demo login is mapped, so Home greets John.
    log_in_through_the_login_screen(page, origins)
    expect(heading(page)).to_have_text(f"Welcome, {DEMO_NAME}")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert page.url.startswith(f"{origins.web}/app/")

    # The certifications list.
    go(page, origins.web, "/certifications")
    table = page.locator("main table.certifications")
    expect(table).to_contain_text("General Certifications - Associate")
    expect(table.get_by_role("link", name=re.compile(r"^CCNA"))).to_be_visible()

    # The PDF certificate of CCNA: the API answers a presigned URL, the page goes there and the
    # browser saves the PDF (that navigation, turned into a download, is reported as aborted).
    with (
        page.expect_download() as saved,
        page.expect_response(lambda r: r.url.endswith("/certificate") and r.request.method == "POST") as answer,
    ):
        table.get_by_role("button", name="PDF Certificate for CCNA").click()
    assert answer.value.status == 200, answer.value.text()
    assert answer.value.url.startswith(f"{origins.api}/me/certifications/")
    download = saved.value
    assert download.url == answer.value.json()["url"]
    assert download.failure() is None
    assert download.path().read_bytes().startswith(b"%PDF-")
    expect(page.locator("#messages")).to_contain_text("Your CCNA certificate is ready")

    # A transcript of CCNA, and its public page (on the public origin).
    go(page, origins.web, "/transcripts")
    page.get_by_role("link", name="Create new transcript").click()
    expect(heading(page)).to_have_text("Create new transcript")
    description = f"Cross-origin {uuid.uuid4().hex[:8]}"
    page.get_by_label("Description").fill(description)
    page.get_by_role("radio", name="Selected certifications").check()
    page.get_by_label("CCNA", exact=True).check()
    with page.expect_response(lambda r: r.url.endswith("/me/transcripts") and r.request.method == "POST") as created:
        page.get_by_role("button", name="Create transcript").click()
    assert created.value.status == 201, created.value.text()
    public_url = created.value.json()["public_url"]
    assert public_url.startswith(f"{origins.web}/public/transcripts/"), public_url
    expect(page.locator("#messages")).to_contain_text("Transcript created")
    row = page.locator("main tbody tr[data-transcript]", has_text=description)
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name="View")).to_have_attribute("href", public_url)

    public = context.new_page()
    traffic.watch(public)
    public.goto(public_url)
    expect(public.locator("body")).to_contain_text(DEMO_NAME)
    expect(public.locator("body")).to_contain_text("CCNA")
    public.close()

    # Every API call went to the API origin, and every answer from it allowed the public origin.
    calls = traffic.api_calls()
    strays = [f"{r.method} {r.url}" for r in calls if not r.url.startswith(f"{origins.api}/")]
    assert strays == [], f"API calls not sent to {origins.api}"
    made = {f"{r.method} {r.url.split('?', 1)[0]}" for r in calls}
    for expected in (
        f"POST {origins.api}/_local/login",
        f"GET {origins.api}/me",
        f"GET {origins.api}/me/certifications",
        f"POST {origins.api}/me/certifications/ccna/certificate",
        f"POST {origins.api}/me/transcripts",
    ):
        assert expected in made, f"{expected} not among {sorted(made)}"
    answers = [r for r in traffic.responses if r.url.startswith(f"{origins.api}/")]
    assert len(answers) >= len(calls)
    for response in answers:
        allowed = response.headers.get("access-control-allow-origin")
        assert allowed == origins.web, f"{response.request.method} {response.url}: allows {allowed!r}"

    failed = [str(f) for f in traffic.failed if f.url != download.url]
    assert failed == []
    assert traffic.cors_errors() == []
    assert traffic.console_errors == []
    assert traffic.page_errors == []


def answer_without_cors_headers(route: Route) -> None:
    """Pass the request on; answer without ``Access-Control-Allow-*`` but for an empty allowed origin.

    With any route set, Playwright answers preflights itself (allowing everything), and a fulfilled
    cross-origin answer with no ``access-control-allow-origin`` gets one (the page's origin) added:
    an empty one stops that and allows no origin, as if the header were missing.
    """
    answer = route.fetch()
    headers = {k: v for k, v in answer.headers.items() if not k.lower().startswith("access-control-allow-")}
    route.fulfill(response=answer, headers={**headers, "access-control-allow-origin": ""})


def test_without_cors_headers_the_page_cannot_log_in_nor_list_certifications(
    context: BrowserContext, origins: Origins
) -> None:
    page = context.new_page()
    traffic = Traffic()
    traffic.watch(page)
    page.route(f"{origins.api}/**", answer_without_cors_headers)

    # The login's answer is refused by the browser: the login screen says so and stays.
    log_in_through_the_login_screen(page, origins)
    expect(page.locator("#alerts")).to_contain_text(NETWORK_ERROR)
    expect(heading(page)).to_have_text("Log in")
    assert page.evaluate("key => sessionStorage.getItem(key)", TOKEN_KEY) is None
    assert traffic.failed_on("POST", f"{origins.api}/_local/login"), [str(f) for f in traffic.failed]

    # Even with a valid token (got outside the browser) the certifications do not load.
    login = requests.post(
        f"{origins.api}/_local/login", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, login.json()["id_token"]])
    go(page, origins.web, "/certifications")
    expect(page.locator("main [role='alert']")).to_contain_text(NETWORK_ERROR)
    expect(page.locator("main table.certifications")).to_have_count(0)
    assert traffic.failed_on("GET", f"{origins.api}/me"), [str(f) for f in traffic.failed]
    assert traffic.cors_errors(), f"no CORS error on the console: {traffic.console_errors}"
    assert all(r.url.startswith(f"{origins.api}/") for r in traffic.api_calls())
