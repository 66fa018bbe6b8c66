"""One rule for "current": every surface agrees on the day before, the day of and the day after an expiry.

A certification is valid through its expiration date (``certtrack.program.standing``). The
holder below earns CCNA by exam three years before day D, so it expires on D. Each surface is
asked through its use case with ``now`` on D-1, D and D+1: the list, the detail, the PDF
download, the logos, public verification, the private and public transcript JSON and the kit
catalog. Once without the daily expiry check (the stored record still says ``active``) and once
with the check run each morning first: the answers are the same either way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications import certificates, logos, records, verify
from certtrack.certifications.models import CertificationItem
from certtrack.errors import Conflict
from certtrack.fulfillment import catalog as kit_catalog
from certtrack.transcripts import public, service
from certtrack.transcripts.schemas import TranscriptRequest

from tests.factories.csv_rows import exam_row
from tests.integration.certifications.conftest import import_exams
from tests.integration.expiry.conftest import daily_check

D = date(2029, 6, 15)  # the expiration date
EARNED = date(2026, 6, 15)  # CCNA is valid three years
CANDIDATE = "CSCO10029615"


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _holder() -> tuple[str, str]:
    """The candidate (earned CCNA on EARNED) and a selected-CCNA transcript's public id."""
    report = import_exams(
        [exam_row(candidate_id=CANDIDATE, exam_date=EARNED.isoformat(), email="holder@example.com")], at(EARNED)
    )
    assert report.imported == 1, report
    stored = CertificationItem.get(keys.candidate_pk(CANDIDATE), keys.cert_sk("ccna"))
    assert (stored.status, stored.expiration_date) == ("active", D)
    created = service.create(
        CANDIDATE,
        TranscriptRequest(
            display_name="For employers",
            expires_on=D + timedelta(days=60),
            include="selected",
            certification_ids=["ccna"],
        ),
        at(D - timedelta(days=20)),
    )
    return created.transcript_id, created.public_url.rsplit("/", 1)[-1]


def _surfaces(transcript_id: str, public_id: str, code: str | None, now: datetime) -> dict[str, Any]:
    """What every surface says about CCNA on ``now``'s day; returns the code the download issued."""
    today = now.date()
    [listed] = [c for g in records.list_certifications(CANDIDATE, now, 50, None).groups for c in g.certifications]
    detail = records.certification_detail(CANDIDATE, "ccna", now)
    try:
        link = certificates.certificate_link(CANDIDATE, "ccna", now)
        download = "available" if link.url else "missing"
    except Conflict as error:
        assert error.code == "certificate_unavailable"
        download = "certificate_unavailable"
    if code is None:
        code = CertificationItem.get(keys.candidate_pk(CANDIDATE), keys.cert_sk("ccna")).verification_code
    assert code, "the first download issues the period's verification code"
    private = service.get(CANDIDATE, transcript_id, now)
    public_json = public.as_json(public.load(public_id, now))
    return {
        "code": code,
        "list": listed.status,
        "list.pdf": listed.downloads.pdf_certificate,
        "list.logo": listed.downloads.logo,
        "detail": detail.status,
        "detail.pdf": detail.downloads.pdf_certificate,
        "download": download,
        "logos": any(logo.id.startswith("ccna") for logo in logos.list_logos(CANDIDATE, now).logos),
        "verify": verify.verify(code, today).status,
        "transcript": [c.status for c in private.certifications if c.id == "ccna"],
        "public_transcript": [c["status"] for c in public_json["certifications"] if c["id"] == "ccna"],
        "kits": any(line.certification_id == "ccna" for line in kit_catalog.catalog_view(CANDIDATE, now).items),
    }


def _expected(status: str) -> dict[str, Any]:
    active = status == "active"
    return {
        "list": status,
        "list.pdf": active,
        "list.logo": active,
        "detail": status,
        "detail.pdf": active,
        "download": "available" if active else "certificate_unavailable",
        "logos": active,
        "verify": status,
        "transcript": [status],
        "public_transcript": [status],
        "kits": active,
    }


@pytest.mark.parametrize("check_runs", [False, True], ids=["check-not-run", "check-run-each-morning"])
def test_every_surface_agrees_before_on_and_after_the_expiration_date(aws: None, check_runs: bool) -> None:
    transcript_id, public_id = _holder()
    code: str | None = None
    seen: dict[date, dict[str, Any]] = {}
    for day in (D - timedelta(days=1), D, D + timedelta(days=1)):
        if check_runs:
            daily_check(at(day, 3))  # the schedule's handler, then the shard jobs (SQS)
        answers = _surfaces(transcript_id, public_id, code, at(day))
        code = answers.pop("code")
        seen[day] = answers
    assert seen == {
        D - timedelta(days=1): _expected("active"),
        D: _expected("active"),  # valid through the expiration date
        D + timedelta(days=1): _expected("expired"),
    }
    stored = CertificationItem.get(keys.candidate_pk(CANDIDATE), keys.cert_sk("ccna"), consistent_read=True)
    assert stored.status == ("expired" if check_runs else "active")
