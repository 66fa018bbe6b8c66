"""Imports are bounded: a size limit read before the body.

Emails, encodings and public text are checked row by row: tests/unit/certifications/test_import_rows.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from certtrack import documents
from certtrack.certifications import imports
from certtrack.identity.models import CandidateItem
from certtrack.settings import get_settings

from tests.conftest import LambdaContext, load_function
from tests.factories.csv_rows import EXAM_HEADER, csv_bytes, exam_row
from tests.integration.certifications.conftest import import_object

pytestmark = pytest.mark.usefixtures("aws")

# -- size: refused before the body is read -------------------------------------------------------


def _put(key: str, body: bytes) -> str:
    bucket = get_settings().imports_bucket
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return bucket


def _stored_report(bucket: str, key: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read()
    )
    return report


def _event(bucket: str, key: str, size: int | None) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": key}
    if size is not None:
        obj["size"] = size
    return {"Records": [{"s3": {"bucket": {"name": bucket}, "object": obj}}]}


def test_a_file_over_the_limit_by_its_event_size_is_reported_and_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "exams/huge.csv"
    bucket = _put(key, csv_bytes([exam_row()], EXAM_HEADER))  # the event says what S3 stored

    def no_read(*_: object, **__: object) -> bytes:
        raise AssertionError("the body of a file over the limit was read")

    monkeypatch.setattr(documents, "stream", no_read)
    monkeypatch.setattr(documents, "get_range", no_read)
    size = 2 * 1024**3  # a 2 GB file, by its event

    result = load_function("certifications", "imports").handler(_event(bucket, key, size), LambdaContext())
    reason = f"The file is {size:,} bytes; files over 1,073,741,824 bytes (1 GiB) are not imported."
    assert result == {
        "rows": 0,
        "imported": 0,
        "rejected": [{"line": 1, "reason": f"{reason} Split it into smaller files."}],
    }
    assert _stored_report(bucket, key) == result
    assert CandidateItem.get_candidate("CSCO10000000") is None


def test_without_a_size_in_the_event_the_content_length_stops_it(
    now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = csv_bytes([exam_row(), exam_row()], EXAM_HEADER)
    key = "exams/big.csv"
    bucket = _put(key, body)
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", len(body) - 1)
    read: list[int | None] = []
    real = documents.stream

    def spy(bucket: str, key: str, max_bytes: int, block: int = 1 << 20) -> Iterator[bytes]:
        read.append(max_bytes)
        return real(bucket, key, max_bytes, block)

    monkeypatch.setattr(documents, "stream", spy)
    report = import_object(bucket, key, now)
    assert read == [len(body) - 1]  # bounded
    assert report.rows == 0 and report.imported == 0
    [rejection] = report.rejected
    assert rejection.line == 1 and rejection.reason.startswith(f"The file is {len(body):,} bytes; files over ")
    assert CandidateItem.get_candidate("CSCO10000000") is None

    monkeypatch.setattr(imports, "MAX_FILE_BYTES", len(body))  # exactly the limit is fine
    assert import_object(bucket, key, now, size=len(body)).imported == 2


def test_get_bytes_never_reads_past_the_limit_whatever_the_header_says(monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = _put("exams/x.csv", b"x" * 100)
    real_s3 = documents.s3()

    class LyingHeader:
        def get_object(self, **kwargs: Any) -> dict[str, Any]:
            response: dict[str, Any] = real_s3.get_object(**kwargs)
            response["ContentLength"] = 10
            return response

    monkeypatch.setattr(documents, "s3", lambda: LyingHeader())
    with pytest.raises(documents.TooLarge) as info:
        documents.get_bytes(bucket, "exams/x.csv", max_bytes=50)
    assert info.value.size == 51  # read max_bytes + 1 and stopped
    with pytest.raises(documents.TooLarge) as streamed:
        for _block in documents.stream(bucket, "exams/x.csv", max_bytes=50, block=16):
            pass
    assert streamed.value.size == 64  # stopped at the first block past the limit
