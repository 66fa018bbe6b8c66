"""Certification demo data, imported through the same CSV import as the S3 trigger.

``seed(now)`` builds an exams file and a CE-credits file with dates relative to ``now`` and runs
them through ``certtrack.certifications.imports.run_import``; exam rows create the candidates
they name, so it works on its own, and a second run changes nothing (same registration numbers
and external ids).

| candidate    | name       | what the screens show                                                |
|--------------|------------|----------------------------------------------------------------------|
| CSCO10000000 | John Doe   | CCIE Enterprise Infrastructure held 11 years (10-year logo), renewed |
|              |            | by CE credits; CCNA passed 2.5 years ago with 10 of 30 CE credits    |
|              |            | (progress 1.2); the core specialist; a failed lab attempt; the       |
|              |            | Certification and Confidentiality Agreement (V9)                     |
| CSCO10000004 | José Núñez | one passed CCNA exam ``REG10000004``: the identity demo's            |
|              |            | score-report mapping (last name "nunez")                             |
| CSCO10000005 | Bob Müller | unmapped, one passed CCNA exam ``REG-BOB-0001`` (score report path) |
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from certtrack.certifications.import_rows import CE_COLUMNS, EXAM_COLUMNS
from certtrack.certifications.imports import run_import
from certtrack.program.rules import add_years
from certtrack.settings import get_settings

JOSE_REG = "REG10000004"  # local/demo_identity.py's SCORE_REPORT_REG
BOB_REG = "REG-BOB-0001"
AGREEMENT = "Certification and Confidentiality Agreement (V9)"
EXAM_NAMES = {
    "200-301": "Implementing and Administering Networking Solutions (CCNA)",
    "350-401": "Implementing and Operating Enterprise Network Core Technologies (ENCOR)",
    "CCIE-EI-LAB": "CCIE Enterprise Infrastructure Lab Exam",
}


def candidate_id(number: int) -> str:
    return f"{get_settings().candidate_prefix}{10_000_000 + number:08d}"


def _ago(today: date, years: int = 0, days: int = 0) -> str:
    return (add_years(today, -years) - timedelta(days=days)).isoformat()


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def exam_rows(today: date) -> list[dict[str, str]]:
    def person(number: int, first_name: str, last_name: str, email: str) -> dict[str, str]:
        return {"candidate_id": candidate_id(number), "first_name": first_name, "last_name": last_name, "email": email}

    john = person(0, "John", "Doe", "john.doe@example.com")
    jose = person(4, "José", "Núñez", "jose.old@example.com")
    bob = person(5, "Bob", "Müller", "bob@example.com")

    def row(who: dict[str, str], code: str, reg: str, grade: str, day: str, agreement: str = "") -> dict[str, str]:
        return {
            **who,
            "exam_code": code,
            "exam_name": EXAM_NAMES[code],
            "registration_number": reg,
            "grade": grade,
            "exam_date": day,
            "agreement": agreement,
        }

    return [
        row(john, "350-401", "UniqueRegNum_1000815", "Pass", _ago(today, 11, 120), AGREEMENT),
        row(john, "CCIE-EI-LAB", "n7dnt508", "Fail", _ago(today, 11, 60)),
        row(john, "CCIE-EI-LAB", "219142598", "Pass", _ago(today, 11)),
        row(john, "200-301", "UniqueRegNum_1030695", "Fail", _ago(today, 2, 250)),
        row(john, "200-301", "UniqueRegNum_1036453", "Pass", _ago(today, 2, 182)),
        row(jose, "200-301", JOSE_REG, "Pass", _ago(today, 1, 30)),
        row(bob, "200-301", BOB_REG, "Pass", _ago(today, 0, 100)),
    ]


def credit_rows(today: date) -> list[dict[str, str]]:
    def row(points: int, day: str, external_id: str, name: str, provider: str) -> dict[str, str]:
        return {
            "candidate_id": candidate_id(0),
            "activity_name": name,
            "points": str(points),
            "active_date": day,
            "provider_name": provider,
            "external_id": external_id,
        }

    return [
        # each 120 renews the CCIE (and the core specialist) before it expires
        row(120, _ago(today, 9, 180), "1462001", "CCIE Continuing Education", "Cisco Live"),
        row(120, _ago(today, 6, 180), "1462002", "CCIE Continuing Education", "Cisco Live"),
        row(120, _ago(today, 2, 330), "1462003", "CCIE Continuing Education", "Cisco Live"),
        # after the CCNA was earned: 10 of the 30 it needs
        row(5, _ago(today, 1), "1462600", "Cisco CE Credits", "CDL 01 July CCNP"),
        row(5, _ago(today, 0, 200), "1462601", "Cisco CE Credits", "CDL 01 July CCNP"),
    ]


def seed(now: datetime) -> dict[str, Any]:
    """Import the demo exams and CE credits; returns the two import reports and who was seeded."""
    today = now.date()
    exams = run_import("exams", "demo-exams.csv", _csv((*EXAM_COLUMNS, "agreement"), exam_rows(today)), now)
    credits = run_import("ce-credits", "demo-ce-credits.csv", _csv(CE_COLUMNS, credit_rows(today)), now)
    return {
        "imports": {"exams": exams.model_dump(), "ce-credits": credits.model_dump()},
        "candidates": {
            "john_doe": candidate_id(0),
            "score_report": {"candidate_id": candidate_id(4), "last_name": "Núñez", "registration_number": JOSE_REG},
            "unmapped": {"candidate_id": candidate_id(5), "last_name": "Müller", "registration_number": BOB_REG},
        },
    }
