"""CSV rows as the program's vendors send them (pure: no AWS), for the import tests of every tier."""

from __future__ import annotations

import csv
import io
import itertools

from certtrack.certifications.import_rows import CE_COLUMNS, EXAM_COLUMNS

_reg = itertools.count(1)
_ext = itertools.count(1)

EXAM_HEADER = (*EXAM_COLUMNS, "agreement")


def exam_row(**overrides: str) -> dict[str, str]:
    """One exams-file row: John Doe passing the CCNA exam, unless overridden."""
    row = {
        "candidate_id": "CSCO10000000",
        "first_name": "John",
        "last_name": "Doe",
        "email": "john.doe@example.com",
        "exam_code": "200-301",
        "exam_name": "Implementing and Administering Networking Solutions (CCNA)",
        "registration_number": f"REG-{next(_reg):06d}",
        "grade": "Pass",
        "exam_date": "2024-05-10",
        "agreement": "",
    }
    row.update(overrides)
    return row


def ce_row(**overrides: str) -> dict[str, str]:
    """One ce-credits-file row: 5 points for John Doe, unless overridden."""
    row = {
        "candidate_id": "CSCO10000000",
        "activity_name": "Cisco CE Credits",
        "points": "5",
        "active_date": "2025-02-01",
        "provider_name": "CDL 01 July CCNP",
        "external_id": f"EXT-{next(_ext):06d}",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], header: tuple[str, ...] | None = None) -> bytes:
    columns = header or (EXAM_HEADER if rows and "exam_code" in rows[0] else CE_COLUMNS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
