"""Fixtures every e2e module shares: one dev server and one headless Debian Chromium (driven by
Playwright) per test process, so each pytest-xdist worker starts them once; the browser tests'
per-test fixtures come from ``tests/e2e/web_support.py``.

Modules that need a dev server of their own (other options, or a whole outbox to themselves) start
one with ``running_devserver``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.devserver_fixture import running_devserver
from tests.e2e.web_support import TIMEOUT_MS, candidate, page, signed_in, token  # noqa: F401 - fixtures

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def patient_expect() -> Iterator[None]:
    """Assertions wait as long as actions do (``TIMEOUT_MS``): a screen that needs several requests
    (a merge, then the candidate view's reads) takes longer than Playwright's 5 s default while the
    other test process and the fuzzer share the machine's two cores. A failing wait still fails."""
    expect.set_options(timeout=TIMEOUT_MS)
    yield
    expect.set_options(timeout=None)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The dev server of this test process, with the template's local defaults."""
    with running_devserver() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get update && apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
