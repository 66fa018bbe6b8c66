"""Which certifications a transcript shows, and the request rules (pure: no AWS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from certtrack.dates import long_date
from certtrack.program.catalog import load_catalog
from certtrack.transcripts.selection import (
    display_date,
    effective_status,
    grouped,
    shown_certifications,
    validate_request,
)

TODAY = date(2026, 11, 25)


@dataclass
class Record:
    cert_id: str
    status: str = "active"
    active_date: date | None = date(2025, 1, 10)
    expiration_date: date | None = date(2028, 1, 10)
    verification_code: str | None = None


def shown(records: list[Record], **kwargs: object) -> list[tuple[str, str]]:
    options: dict[str, object] = {
        "include": "active",
        "selected_ids": [],
        "baseline_ids": [],
        "include_new": False,
        "records": records,
        "today": TODAY,
        "catalog": load_catalog(),
        **kwargs,
    }
    return [(c.id, c.status) for c in shown_certifications(**options)]  # type: ignore[arg-type]


def test_active_past_its_date_is_expired() -> None:
    assert effective_status(Record("ccna", expiration_date=date(2026, 11, 24)), TODAY) == "expired"
    assert effective_status(Record("ccna", expiration_date=date(2026, 11, 25)), TODAY) == "active"
    assert effective_status(Record("ccna", status="revoked"), TODAY) == "revoked"


def test_active_mode_shows_baseline_certifications_still_active() -> None:
    records = [Record("ccna"), Record("ccnp-enterprise", expiration_date=date(2026, 1, 1)), Record("ccde")]
    assert shown(records, baseline_ids=["ccna", "ccnp-enterprise"]) == [("ccna", "active")]


def test_active_mode_with_new_certifications_shows_all_active() -> None:
    records = [Record("ccna"), Record("ccde"), Record("specialist-enterprise-core", status="in_progress")]
    assert shown(records, baseline_ids=["ccna"], include_new=True) == [("ccde", "active"), ("ccna", "active")]


def test_selected_mode_shows_real_status_and_never_in_progress() -> None:
    records = [
        Record("ccna", expiration_date=date(2020, 1, 1)),
        Record("ccnp-enterprise", status="revoked"),
        Record("ccde", status="in_progress"),
        Record("ccie-enterprise"),
    ]
    result = shown(records, include="selected", selected_ids=["ccna", "ccnp-enterprise", "ccde"])
    assert result == [("ccna", "expired"), ("ccnp-enterprise", "revoked")]


def test_selected_mode_with_new_adds_only_newly_active() -> None:
    records = [Record("ccna"), Record("ccnp-enterprise"), Record("ccde")]
    result = shown(
        records, include="selected", selected_ids=["ccna"], baseline_ids=["ccna", "ccnp-enterprise"], include_new=True
    )
    assert result == [("ccde", "active"), ("ccna", "active")]  # ccnp was deliberately left out


def test_records_missing_from_the_catalog_are_skipped() -> None:
    assert shown([Record("retired-cert"), Record("ccna")], baseline_ids=["retired-cert", "ccna"]) == [
        ("ccna", "active")
    ]


def test_grouped_keeps_order_by_category() -> None:
    certs = shown_certifications(
        include="active",
        selected_ids=[],
        baseline_ids=[],
        include_new=True,
        records=[Record("ccna"), Record("ccde"), Record("ccie-enterprise")],
        today=TODAY,
        catalog=load_catalog(),
    )
    assert [(category, [c.id for c in group]) for category, group in grouped(certs)] == [
        ("Expert Certifications", ["ccde", "ccie-enterprise"]),
        ("General Certifications - Associate", ["ccna"]),
    ]


def _errors(**kwargs: object) -> dict[str, str]:
    options: dict[str, object] = {
        "expires_on": date(2026, 12, 25),
        "include": "active",
        "certification_ids": [],
        "records": [Record("ccna"), Record("ccnp-enterprise", status="expired"), Record("ccde", status="in_progress")],
        "today": TODAY,
        "max_days": 365,
        "catalog": load_catalog(),
        **kwargs,
    }
    return {e.field: e.type for e in validate_request(**options)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {}),
        ({"expires_on": TODAY}, {"expires_on": "date_not_future"}),
        ({"expires_on": date(2027, 11, 25)}, {}),
        ({"expires_on": date(2027, 11, 26)}, {"expires_on": "date_too_far"}),
        ({"include": "selected"}, {"certification_ids": "unknown_certification"}),
        ({"include": "selected", "certification_ids": ["ccnp-enterprise"]}, {}),
        ({"include": "selected", "certification_ids": ["ccde"]}, {"certification_ids": "unknown_certification"}),
        ({"include": "selected", "certification_ids": ["nope"]}, {"certification_ids": "unknown_certification"}),
        ({"certification_ids": ["nope"]}, {"certification_ids": "unknown_certification"}),
        ({"certification_ids": ["ccde"]}, {}),  # ids are not a selection in "active" mode
    ],
)
def test_validate_request(kwargs: dict[str, object], expected: dict[str, str]) -> None:
    errors = _errors(**kwargs)
    if kwargs.get("include") == "selected" and not kwargs.get("certification_ids"):
        expected = {"certification_ids": "empty_selection"}
    assert errors == expected


def test_dates_for_people() -> None:
    assert display_date("2019-12-08") == "2019-Dec-08"
    assert display_date(None) == ""
    assert long_date(date(2019, 12, 10)) == "Tuesday, December 10, 2019"
