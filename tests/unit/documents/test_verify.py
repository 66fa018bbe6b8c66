"""Public verification: status shown, page escaping and headers (no AWS)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date

import pytest
from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.certifications.verify import Verification, public_status, render_page
from certtrack.pages import page_headers

from tests.factories import day

TODAY = date(2026, 11, 25)


def item(status: str, expires: str | None = "2027-01-01") -> CertificationItem:
    return CertificationItem(
        keys.candidate_pk("CSCO1"), keys.cert_sk("ccna"), candidate_id="CSCO1", cert_id="ccna",
        status=status, active_date=date(2024, 1, 1), expiration_date=day(expires),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "expires", "shown"),
    [
        ("active", "2027-01-01", "active"),
        ("active", "2026-11-25", "active"),  # valid through the expiration date
        ("active", "2026-11-24", "expired"),
        ("expired", "2027-01-01", "expired"),
        ("in_progress", None, "expired"),
        ("revoked", "2027-01-01", "revoked"),
    ],
)
def test_public_status_never_shows_an_expired_certification_as_valid(status: str, expires: str, shown: str) -> None:
    assert public_status(item(status, expires), TODAY) == shown


def verification(**overrides: str) -> Verification:
    values = {
        "code": "K7MX3QPZ9A",
        "kind": "certificate",
        "first_name": "<script>alert(1)</script>",
        "last_name": "דוד",
        "cert_id": "ccna",
        "certification": "CCNA",
        "category": "General Certifications - Associate",
        "status": "expired",
        "active_date": "2022-01-01",
        "expiration_date": "2025-01-01",
        "checked_on": "2026-11-25",
        "program": "Certification Program",
        **overrides,
    }
    return Verification(**values)


def test_page_escapes_the_holder_and_says_expired_is_not_valid() -> None:
    html = render_page(verification())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "not valid" in html
    assert "<bdi>" in html
    assert 'lang="en"' in html


def test_not_found_page_is_neutral_and_gives_no_detail() -> None:
    html = render_page(None)
    assert "This code cannot be verified online. Ask the holder for a transcript or contact the program." in html
    for forged in ("No certification matches", "invalid", "not valid", "forged", "fake", "does not exist"):
        assert forged not in html
    assert "<dl>" not in html


def test_csp_allows_only_the_pages_own_style() -> None:
    html = render_page(verification(status="active"))
    headers = page_headers(html)
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert f"style-src 'sha256-{digest}'" in policy
    assert "script-src" not in policy and "unsafe-inline" not in policy
    assert headers["X-Robots-Tag"].startswith("noindex")
    assert headers["Referrer-Policy"] == "no-referrer"
