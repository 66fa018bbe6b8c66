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


def stored_report(bucket: str, key: str) -> ImportReport:
    """The report the import wrote beside the file (``<key>.report.json``)."""
    import boto3

    body = boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read()
    return ImportReport.model_validate_json(body)


def import_object(bucket: str, key: str, now: datetime, size: int | None = None) -> ImportReport:
    """The S3-triggered import of an object already in the bucket, its chunk jobs delivered through
    the template's event source (``local.eventsources``), as Lambda runs them; its report."""
    from certtrack.certifications import import_chunks

    from tests.conftest import deliver_queued

    import_chunks.start(bucket, key, now, size=size)
    deliver_queued()
    return stored_report(bucket, key)
