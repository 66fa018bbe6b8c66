"""Imports fan out: the S3 trigger queues one job per chunk of rows, the worker imports each through
the template's SQS event source (``local.eventsources``), the last chunk writes the report. Faults:
a worker crash mid-chunk, a throttled table, a chunk delivered twice; bad input in every chunk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from certtrack import clock, keys
from certtrack.certifications import evaluation, import_chunks, import_records
from certtrack.certifications.import_chunks import ImportChunkItem, ImportRunItem
from certtrack.certifications.imports import run_import
from certtrack.certifications.models import CertificationItem, ExamItem, HistoryItem
from certtrack.db import query_partition
from certtrack.settings import get_settings

from local.lambdas import s3_put_event
from tests.conftest import (
    LambdaContext,
    deliver_queued,
    end_visibility_timeouts,
    load_function,
    queue_url,
    sent_emails,
)
from tests.factories.csv_rows import EXAM_HEADER, csv_bytes, exam_row
from tests.integration.certifications.conftest import stored_report
from tests.integration.test_faults import THROTTLE, Fault, inject

pytestmark = pytest.mark.usefixtures("aws")

ROWS_PER_CHUNK = 4


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_chunks, "CHUNK_ROWS", ROWS_PER_CHUNK)


def _candidate(n: int) -> dict[str, str]:
    return {
        "candidate_id": f"CSCO3000{n:04d}",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"chunk{n}@example.com",
    }


def _file() -> bytes:
    """14 rows, 4 chunks; every chunk has a broken row; candidate 1 spans chunks 1 and 2, and only
    their rows together earn CCNA (the pass is in chunk 2, after a fail in chunk 1)."""
    rows = []
    for n in range(14):
        who = _candidate(1 if n in (2, 3, 4) else 10 + n)
        grade = "Pass" if n != 2 and n != 3 else "Fail"
        rows.append(exam_row(**who, registration_number=f"CHUNK-{n:03d}", grade=grade, exam_date="2026-05-10"))
    for broken in (1, 5, 9, 13):  # one in every chunk
        rows[broken]["exam_date"] = "10/05/2026"
    # a quoted field over two lines (a control character in a name: refused); later rows move down
    rows[6]["exam_name"] = "two\nlines"
    # a row that is not UTF-8 half-way through (chunk 2)
    return csv_bytes(rows, EXAM_HEADER).replace(b"First17,", b"F\xfcrst17,")


def _trigger(key: str, body: bytes, now: datetime) -> dict[str, Any]:
    bucket = get_settings().imports_bucket
    put = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    event = s3_put_event(bucket, key, len(body), put["ETag"], now)
    with clock.frozen(now):
        result: dict[str, Any] = load_function("certifications", "imports").handler(event, LambdaContext())
    return result


def _deliver(now: datetime) -> int:
    with clock.frozen(now):
        return deliver_queued()


def _report(key: str) -> dict[str, Any]:
    return stored_report(get_settings().imports_bucket, key).model_dump()


def _run(key: str) -> ImportRunItem:
    pk = keys.import_pk(import_records.partition_of(key))
    [run] = [item for item in query_partition(pk, prefix="IMPORTRUN#") if isinstance(item, ImportRunItem)]
    return run


def _table() -> dict[tuple[str, str], dict[str, Any]]:
    """Every candidate item the import wrote (the imports' own items aside)."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for n in range(30):
        for item in query_partition(keys.candidate_pk(_candidate(n)["candidate_id"]), consistent=True):
            items[(item.PK, item.SK)] = item.attribute_values
    return items


@pytest.fixture
def expected(now: datetime) -> Iterator[dict[str, Any]]:
    """The report of the same file imported whole in one process (then the table emptied again)."""
    yield run_import("exams", "exams/whole.csv", _file(), now).model_dump()


def test_a_file_in_chunks_gives_the_whole_files_report_with_its_lines(now: datetime, expected: dict[str, Any]) -> None:
    whole = _table()
    key = "exams/chunked.csv"
    for item in whole:  # a fresh table for the chunked import
        boto3.client("dynamodb").delete_item(
            TableName=get_settings().table_name, Key={"PK": {"S": item[0]}, "SK": {"S": item[1]}}
        )
    queued = _trigger(key, _file(), now)
    assert (queued["chunks"], queued["rows"]) == (4, 14)
    assert _deliver(now) == 4 + 1  # four chunks, then one re-evaluation of the candidate spanning two
    report = _report(key)
    assert report == expected
    assert [r["line"] for r in report["rejected"]] == [3, 7, 8, 10, 12, 16]  # line = line in the file
    assert "not UTF-8" in report["rejected"][3]["reason"]
    assert (report["rows"], report["imported"]) == (14, 8)
    run = _run(key)
    assert (run.total, run.chunks_done, run.rows, run.imported, run.rejected_count) == (4, 4, 14, 8, 6)
    assert run.finished_at is not None
    record = import_records.ImportRecordItem.get(*import_records.ImportRecordItem.key(run.record_id or ""))
    assert (record.status, record.rows, record.imported, record.rejected_count) == ("done", 14, 8, 6)
    assert record.report_key == f"{key}.report.json"
    ccna = CertificationItem.get(keys.candidate_pk(_candidate(1)["candidate_id"]), keys.cert_sk("ccna"))
    assert ccna.status == "active"
    # the same rows, the same items as the whole-file import (only the import's file name differs)
    chunked = _table()
    assert chunked.keys() == whole.keys()
    for item_key, values in whole.items():
        source = {k: v for k, v in chunked[item_key].items() if k != "import_source"}
        assert source == {k: v for k, v in values.items() if k != "import_source"}, item_key

    # the same file again (a new upload): nothing changes, the report is the same
    _trigger(key, _file(), now)
    _deliver(now)
    assert _report(key) == expected
    assert _table() == chunked


def test_a_worker_crash_mid_chunk_is_redelivered_and_counted_once(
    now: datetime, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "exams/crash.csv"
    flushes = {"n": 0}
    real = evaluation.Writer.flush

    def crash_once(self: evaluation.Writer) -> None:
        flushes["n"] += 1
        if flushes["n"] == 5:  # the second chunk's rows are written, its evaluation is not
            raise RuntimeError("the worker died")
        real(self)

    monkeypatch.setattr(evaluation.Writer, "flush", crash_once)
    _trigger(key, _file(), now)
    _deliver(now)
    run = _run(key)
    assert run.chunks_done == 3 and run.finished_at is None  # one chunk waits for its redelivery
    end_visibility_timeouts()
    _deliver(now)
    assert _report(key) == expected
    run = _run(key)
    assert (run.chunks_done, run.rows, run.imported) == (4, 14, 8)  # nothing counted twice


def test_a_throttled_table_delays_chunks_and_doubles_nothing(now: datetime, expected: dict[str, Any]) -> None:
    key = "exams/throttled.csv"
    _trigger(key, _file(), now)
    fault = Fault("dynamodb", ("BatchWriteItem", "TransactWriteItems"), THROTTLE, times=3)
    with inject(fault):
        _deliver(now)
    assert fault.hits == 3
    assert _run(key).finished_at is None
    for _attempt in range(5):  # SQS delivers the throttled chunks again after their visibility timeout
        end_visibility_timeouts()
        _deliver(now)
    assert _report(key) == expected
    run = _run(key)
    assert (run.chunks_done, run.rows, run.imported) == (4, 14, 8)
    exams = [e for e in query_partition(keys.candidate_pk(_candidate(1)["candidate_id"])) if isinstance(e, ExamItem)]
    assert sorted(e.registration_number for e in exams) == ["CHUNK-002", "CHUNK-003", "CHUNK-004"]


def test_a_chunk_delivered_twice_is_imported_and_counted_once(now: datetime, expected: dict[str, Any]) -> None:
    key = "exams/twice.csv"
    sqs = boto3.client("sqs")
    _trigger(key, _file(), now)
    [message] = sqs.receive_message(QueueUrl=queue_url("ImportChunksQueue"), MaxNumberOfMessages=1)["Messages"]
    sqs.send_message(QueueUrl=queue_url("ImportChunksQueue"), MessageBody=message["Body"])  # at least once
    end_visibility_timeouts()
    _deliver(now)
    assert _report(key) == expected
    run = _run(key)
    assert (run.chunks_done, run.rows, run.imported) == (4, 14, 8)
    markers = [i for i in query_partition(run.PK, prefix="IMPORTCHUNK#") if isinstance(i, ImportChunkItem)]
    assert [m.index for m in markers] == [0, 1, 2, 3]


def test_a_chunk_that_keeps_failing_is_dead_lettered_and_finishes_when_redriven(
    now: datetime, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from certtrack import documents

    key = "exams/dead.csv"
    _trigger(key, _file(), now)
    real, failures = documents.get_range, []

    def s3_down_for_the_first_chunk(bucket: str, key: str, start: int, end: int) -> bytes:
        if start == len(b",".join(c.encode() for c in EXAM_HEADER)) + 1:
            failures.append(start)
            raise ConnectionError("S3 is unreachable")
        return real(bucket, key, start, end)

    monkeypatch.setattr(documents, "get_range", s3_down_for_the_first_chunk)
    for _receive in range(6):  # five receives, then SQS moves it to the dead-letter queue
        _deliver(now)
        end_visibility_timeouts()
    assert len(failures) == 5
    sqs = boto3.client("sqs")
    dead = sqs.receive_message(QueueUrl=queue_url("ImportChunksFailureQueue"), MaxNumberOfMessages=10)["Messages"]
    assert len(dead) == 1 and import_chunks.parse_job(dead[0]["Body"]).type == "chunk"
    record = import_records.ImportRecordItem.get(*import_records.ImportRecordItem.key(_run(key).record_id or ""))
    assert record.status == "processing"  # waiting for the chunk on the dead-letter queue (alarmed)
    monkeypatch.setattr(documents, "get_range", real)  # the fault clears; an operator redrives
    sqs.send_message(QueueUrl=queue_url("ImportChunksQueue"), MessageBody=dead[0]["Body"])
    _deliver(now)
    assert _report(key) == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The file is empty: expected a header line with "),
        (b"candidate_id,first_name\n" + b"x\n" * 10, "Wrong header (missing columns: "),
        (csv_bytes([exam_row()] * 9, EXAM_HEADER) + b"\x00", "The file is not a CSV text file (it contains binary"),
    ],
)
def test_a_file_refused_as_a_whole_queues_nothing(now: datetime, body: bytes, reason: str) -> None:
    key = "exams/refused.csv"
    result = _trigger(key, body, now)
    assert result["rows"] == 0 and result["imported"] == 0
    [rejection] = result["rejected"]
    assert rejection["line"] == 1 and rejection["reason"].startswith(reason)
    assert _report(key) == result
    assert _deliver(now) == 0
    record = import_records.ImportRecordItem.get(*import_records.ImportRecordItem.key(import_records.partition_of(key)))
    assert record.status == "failed" and record.reason is not None and record.reason.startswith(reason)


def test_a_header_without_rows_is_done_at_once(now: datetime) -> None:
    key = "exams/header-only.csv"
    result = _trigger(key, csv_bytes([], EXAM_HEADER), now)
    assert result == {"rows": 0, "imported": 0, "rejected": []} == _report(key)
    assert _deliver(now) == 0
    record = import_records.ImportRecordItem.get(*import_records.ImportRecordItem.key(import_records.partition_of(key)))
    assert (record.status, record.rows) == ("done", 0)


def _earned_events(candidate_id: str) -> list[str]:
    return [
        str(item.cert_id)
        for item in query_partition(keys.candidate_pk(candidate_id), consistent=True)
        if isinstance(item, HistoryItem) and item.kind == "earned"
    ]


def _congratulations(address: str) -> list[str]:
    return [m["subject"] for m in sent_emails() if m["to"] == address]


def test_a_congratulation_ses_refuses_is_sent_by_a_delayed_re_evaluation(now: datetime) -> None:
    person = _candidate(99)
    body = csv_bytes([exam_row(**person, registration_number="CONGRATS-1", exam_date="2026-05-10")], EXAM_HEADER)
    _trigger("exams/congrats.csv", body, now)
    with inject(Fault("sesv2", ("SendEmail",), "ServiceUnavailable", times=1)) as fault:
        _deliver(now)
    assert fault.hits == 1
    # Imported and reported; the certification is held, its event and mail wait for the retry.
    assert _report("exams/congrats.csv")["imported"] == 1
    held = CertificationItem.get(keys.candidate_pk(person["candidate_id"]), keys.cert_sk("ccna"), consistent_read=True)
    assert held.status == "active"
    assert _earned_events(person["candidate_id"]) == [] and _congratulations(person["email"]) == []
    assert _deliver(now) == 0  # delayed: nothing to receive yet

    end_visibility_timeouts()  # its minute is over
    assert _deliver(now) == 1

    assert _earned_events(person["candidate_id"]) == ["ccna"]
    assert len(_congratulations(person["email"])) == 1
    end_visibility_timeouts()
    assert _deliver(now) == 0 and len(_congratulations(person["email"])) == 1  # sent once, nothing left


def test_congratulations_refused_at_every_retry_are_given_up_and_counted(
    now: datetime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(import_chunks, "CONGRATULATION_RETRIES", 2)
    people = [_candidate(97), _candidate(98)]
    rows = [exam_row(**p, registration_number=f"GIVEUP-{n}", exam_date="2026-05-10") for n, p in enumerate(people)]
    _trigger("exams/giveup.csv", csv_bytes(rows, EXAM_HEADER), now)
    delays: list[int] = []
    real_delay = import_chunks.retry_delay_s

    def recorded_delay(retry: int) -> int:
        delays.append(retry)
        return real_delay(retry)

    monkeypatch.setattr(import_chunks, "retry_delay_s", recorded_delay)
    with inject(Fault("sesv2", ("SendEmail",), "ServiceUnavailable", times=1_000)) as fault:
        _deliver(now)
        for _ in range(5):
            end_visibility_timeouts()
            _deliver(now)
    assert delays == [1, 2]  # two delayed re-evaluations, then no more
    assert fault.hits == 2 * 3  # each candidate's mail tried by the chunk and by both retries
    assert [r.message for r in caplog.records if "abandoned" in r.message] == [
        "congratulations abandoned after every retry"
    ]
    assert all(_earned_events(p["candidate_id"]) == [] for p in people)  # the next evaluation may still send


def test_the_retry_waits_a_minute_doubling_up_to_sqs_longest_delay() -> None:
    assert [import_chunks.retry_delay_s(n) for n in range(1, 7)] == [60, 120, 240, 480, 900, 900]
    assert sum(import_chunks.retry_delay_s(n) for n in range(1, import_chunks.CONGRATULATION_RETRIES + 1)) >= 2 * 3600
