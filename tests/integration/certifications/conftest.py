"""Imports for the certification tests: run the CSV factories' rows through the import."""

from __future__ import annotations

from datetime import datetime

from certtrack.certifications.import_rows import CE_COLUMNS
from certtrack.certifications.imports import ImportReport, run_import

from tests.factories.csv_rows import EXAM_HEADER, csv_bytes


def import_exams(rows: list[dict[str, str]], now: datetime, name: str = "exams/test.csv") -> ImportReport:
    return run_import("exams", name, csv_bytes(rows, EXAM_HEADER), now)


def import_credits(rows: list[dict[str, str]], now: datetime, name: str = "ce-credits/test.csv") -> ImportReport:
    return run_import("ce-credits", name, csv_bytes(rows, CE_COLUMNS), now)
