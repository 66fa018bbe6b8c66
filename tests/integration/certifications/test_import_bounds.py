"""Imports are bounded: the API's email validation, a size limit read before the body, per-line encodings."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

import boto3
import pytest
from certtrack import documents
from certtrack.certifications import imports
from certtrack.certifications.imports import import_object, run_import
from certtrack.certifications.records import read_partition
from certtrack.fields import EmailAddress
from certtrack.identity.models import CandidateItem
from certtrack.settings import get_settings
from pydantic import TypeAdapter, ValidationError

from tests.conftest import LambdaContext, load_function
from tests.factories import candidate
from tests.integration.certifications.conftest import EXAM_HEADER, ce_row, csv_bytes, exam_row, import_exams

pytestmark = pytest.mark.usefixtures("aws")

_API_EMAIL = TypeAdapter(EmailAddress)


def _api_accepts(address: str) -> bool:
    try:
        _API_EMAIL.validate_python(address)
    except ValidationError:
        return False
    return True


# -- email: the same validation as the API -------------------------------------------------------

ADDRESSES = [
    "john.doe@example.com",
    "John.Doe@Example.COM",
    "o'brien+certs@sub.example.co.uk",
    "jose@exämple.com",  # an internationalised domain
    "john@example..com",  # the old regex let these through
    "john..doe@example.com",
    ".john@example.com",
    "john@-example.com",
    "john@example.com.",
    "john@example.test",  # a special-use domain
    "john@localhost.localdomain",
    "jo hn@example.com",
    "john@example",
    "@example.com",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_import_accepts_exactly_the_addresses_the_api_accepts(now: datetime, address: str) -> None:
    report = import_exams([exam_row(email=address)], now)
    profile = CandidateItem.get_candidate("CSCO10000000")
    if _api_accepts(address):
        assert report.model_dump() == {"rows": 1, "imported": 1, "rejected": []}
        stored = _API_EMAIL.validate_python(address).lower()  # what the API stores (normalize_email)
        assert profile is not None and profile.email == stored
    else:
        [rejection] = report.rejected
        assert rejection.line == 2 and rejection.reason.startswith(f"email {address!r} is not a valid email address (")
        assert profile is None


def test_the_old_regex_would_have_taken_addresses_the_api_refuses() -> None:
    loose = [a for a in ADDRESSES if "@" in a and "." in a.split("@", 1)[1] and " " not in a and not a.startswith("@")]
    assert [a for a in loose if not _api_accepts(a)], "the list must keep cases that tell the two apart"


# -- size: refused before the body is read -------------------------------------------------------


def _put(key: str, body: bytes) -> str:
    bucket = get_settings().imports_bucket
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return bucket


def _stored_report(bucket: str, key: str) -> dict[str, Any]:
    return json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())


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

    monkeypatch.setattr(documents, "get_bytes", no_read)
    size = imports.MAX_FILE_BYTES + 1
    result = load_function("certifications", "imports").handler(_event(bucket, key, size), LambdaContext())
    reason = f"The file is {size:,} bytes; files over 33,554,432 bytes (32 MiB) are not imported."
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
    real = documents.get_bytes

    def spy(bucket: str, key: str, max_bytes: int | None = None) -> bytes:
        read.append(max_bytes)
        return real(bucket, key, max_bytes=max_bytes)

    monkeypatch.setattr(documents, "get_bytes", spy)
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


# -- encodings: per line -------------------------------------------------------------------------


def test_rows_that_are_not_utf8_are_rejected_on_their_own_line(now: datetime) -> None:
    header = ",".join(EXAM_HEADER).encode()
    good = csv_bytes([exam_row(registration_number="OK-1")], EXAM_HEADER).split(b"\n")[1]
    good2 = csv_bytes([exam_row(registration_number="OK-2")], EXAM_HEADER).split(b"\n")[1]
    latin1 = csv_bytes([exam_row(last_name="Müller", candidate_id="CSCO10000001")], EXAM_HEADER)
    latin1_row = latin1.decode().split("\n")[1].encode("latin-1")  # "M\xfcller"
    multi = b'CSCO10000002,Ann,Lee,ann@example.com,200-301,"two\nlines \xe9",R-9,Pass,2024-05-10,'
    body = b"\n".join([header, good, latin1_row, multi, good2, b""])
    report = run_import("exams", "exams/mixed.csv", body, now)
    assert report.rows == 4 and report.imported == 2
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "The row is not UTF-8 text (byte 0xFC in last_name); save the file as CSV UTF-8."),
        (4, "The row is not UTF-8 text (byte 0xE9 in exam_name); save the file as CSV UTF-8."),
    ]
    assert {e.registration_number for e in read_partition("CSCO10000000").exams} == {"OK-1", "OK-2"}
    assert CandidateItem.get_candidate("CSCO10000001") is None
    assert CandidateItem.get_candidate("CSCO10000002") is None


def test_a_line_after_a_multi_line_row_keeps_its_number(now: datetime) -> None:
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe")
    body = (
        b"candidate_id,activity_name,points,active_date,provider_name,external_id\n"
        b'CSCO10000000,"Good, quoted",3,2025-01-01,P,E-1\n'
        b'CSCO10000000,"Bad \xff",3,2025-01-01,"P\nQ",E-2\n'
        b"CSCO10000000,Caf\xe9,3,2025-01-01,P,E-3\n"
        b"CSCO10000000,Fine,3,2025-01-01,P,E-4\n"
    )
    report = run_import("ce-credits", "ce-credits/x.csv", body, now)
    assert report.rows == 4 and report.imported == 2
    assert [r.line for r in report.rejected] == [3, 5]
    assert {c.external_id for c in read_partition("CSCO10000000").credits} == {"E-1", "E-4"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"candidate_id,activity_nam\xe9\nCSCO10000000,x\n", "its header line is not UTF-8 text"),
        ("candidate_id,activity_name\n".encode("utf-16"), "it is UTF-16 text"),
    ],
)
def test_a_header_that_is_not_utf8_rejects_the_file(now: datetime, body: bytes, reason: str) -> None:
    report = run_import("ce-credits", "ce-credits/x.csv", body, now)
    assert report.rows == 0
    [rejection] = report.rejected
    assert rejection.line == 1 and reason in rejection.reason


def test_a_utf8_bom_is_fine(now: datetime) -> None:
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe")
    report = run_import("ce-credits", "ce-credits/x.csv", b"\xef\xbb\xbf" + csv_bytes([ce_row()]), now)
    assert report.model_dump() == {"rows": 1, "imported": 1, "rejected": []}


# -- names: public text --------------------------------------------------------------------------


def test_imported_names_are_public_text(now: datetime) -> None:
    rows = [
        exam_row(first_name=unicodedata.normalize("NFD", "José"), last_name="Núñez"),
        exam_row(candidate_id="CSCO10000001", first_name="Eve", last_name="Ro\u202eeb"),
        exam_row(candidate_id="CSCO10000002", first_name="Zed\u200b", last_name="Roe"),
        exam_row(candidate_id="CSCO10000003", first_name="Ann", last_name="Lee", exam_name="CCNA\u2066 exam"),
    ]
    report = import_exams(rows, now)
    assert report.imported == 1
    assert [(r.line, r.reason.split(" (U+")[0]) for r in report.rejected] == [
        (3, "last_name must not contain bidirectional text controls"),
        (4, "first_name must not contain zero-width characters"),
        (5, "exam_name must not contain bidirectional text controls"),
    ]
    profile = CandidateItem.get_candidate("CSCO10000000")
    assert profile is not None and profile.first_name == "José" and unicodedata.is_normalized("NFC", profile.first_name)
