"""The operator console's imports in headless Chromium: upload a CSV, follow its import, read its report.

The operator chooses a CSV with one good and one bad row; the browser asks the API for the upload
form, posts the file straight to the imports bucket (moto's S3 on the dev server, checking the
form's signed policy as S3 does), the bucket's S3 event runs the import (the dev server delivers
it as Lambda would, ``local.eventsources.s3_sources``), and the list and the report show one line
imported and line 3 rejected with its reason; the full report downloads. A file that is not CSV is
refused before anything is sent. axe checks both screens.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.hardening_support import bearer, login
from tests.e2e.web_support import (
    TOKEN_KEY,
    app_url,
    go,
    heading,
    snap,
)

pytestmark = pytest.mark.e2e


def operator_page(page: Page, base_url: str) -> Page:
    token = login(base_url, "operator", "Operator-password-1")
    page.goto(app_url(base_url, "/login"))
    page.evaluate("([key, token]) => sessionStorage.setItem(key, token)", [TOKEN_KEY, token])
    return page


def one_good_one_bad() -> bytes:
    number = secrets.randbelow(10**8)
    day = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    header = "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date\n"
    person = f"CSCO{number:08d},Ada,Byron{uuid.uuid4().hex[:5]},ada.{uuid.uuid4().hex[:8]}@example.com"
    good = f"{person},200-301,CCNA,R{number:08d},Pass,{day}\n"
    bad = f"CSCO{number:08d},Ada,Byron,ada@example.com,200-301,CCNA,R{number:08d}b,Maybe,{day}\n"
    return (header + good + bad).encode()


def test_operator_uploads_a_csv_and_reads_its_report(page: Page, base_url: str, tmp_path: Path) -> None:
    content = one_good_one_bad()
    operator_page(page, base_url)
    go(page, base_url, "/ops/imports")
    expect(heading(page)).to_have_text("Imports")
    snap(page, "ops-imports")

    upload = page.get_by_label("CSV file")
    upload.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#alerts")).to_contain_text("must end in .csv")

    page.get_by_label("What the file holds").select_option("exams")
    filename = f"results-{uuid.uuid4().hex[:6]}.csv"
    upload.set_input_files({"name": filename, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#messages")).to_contain_text("is uploaded")
    row = page.locator("main tbody tr", has_text=filename)
    expect(row).to_contain_text("Done", timeout=30_000)
    expect(row).to_contain_text("1 imported, 1 rejected")
    expect(row).to_contain_text("operator")

    row.get_by_role("link", name=filename).click()
    expect(heading(page)).to_have_text(f"Import of {filename}")
    rejected = page.get_by_role("table", name="Rejected lines")
    expect(rejected.locator("tbody tr")).to_have_count(1)
    expect(rejected.locator("tbody tr td").first).to_have_text("3")
    expect(rejected).to_contain_text("grade")
    snap(page, "ops-import-report")

    link = page.get_by_role("link", name="Download the full report (JSON)")
    with page.expect_download() as download:
        link.click()
    report = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert report["rows"] == 2 and report["imported"] == 1
    assert [r["line"] for r in report["rejected"]] == [3]

    # The API's record agrees with the screens.
    token = login(base_url, "operator", "Operator-password-1")
    imports = requests.get(f"{base_url}/ops/imports", headers=bearer(token), timeout=30).json()["items"]
    (mine,) = [i for i in imports if i["filename"] == filename]
    assert (mine["status"], mine["imported"], mine["rejected"]) == ("done", 1, 1)
