"""Imports of any size: the file is streamed, cut into chunks at row boundaries, one SQS job a chunk.

The S3-triggered import (:func:`start`) reads the object once as a stream (never whole in memory),
with the same CSV reader the rows are imported with, so that every whole-file refusal (not CSV
text, binary, UTF-16, a wrong header, malformed CSV anywhere, over ``MAX_FILE_BYTES``) is known
before anything is written. It records the run (``IMPORT#<id> / IMPORTRUN#<run>``: how many chunks)
and queues one :class:`ChunkJob` a chunk: the byte range, the header and the line in the file of
the chunk's first line, so each row keeps its line number. The worker (:func:`process`, SQS with
partial batch responses) reads its range (one ranged GET), imports the rows as a file of their own
(``imports.import_rows``: lookups, writes, one re-evaluation per candidate of the chunk), then in
one transaction writes the chunk's done marker (``IMPORTCHUNK#<run>#<n>``, holding its rejections
and candidates) and adds its counts to the run (``ADD``): a chunk delivered twice is counted once,
and its rows, keyed as ever, are written again unchanged. The delivery that sees every chunk counted
claims the run's end (one condition on the run item) and assembles the report from the markers
(one Query of the import's partition, in chunk order), writes it beside the file, moves the import
record to ``done``, and queues one more re-evaluation of the candidates that appear in more than
one chunk (chunks run at once, so a chunk's evaluation may not have seen another chunk's rows).

Congratulations SES refuses for now (its rate, an outage) leave their earned events unwritten
(``evaluation.congratulate``). The job then queues a re-evaluation of those candidates, delayed
(:func:`retry_delay_s`: one minute, doubling, at most SQS's 15), which earns and sends them again;
after ``CONGRATULATION_RETRIES`` (about two and a half hours) it gives up, logged and counted
(``CongratulationsAbandoned``), and the candidate's next evaluation is the last chance.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, TypeAdapter
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, documents, keys
from certtrack.certifications import import_records, imports
from certtrack.certifications.import_rows import (
    Rejection,
    RowError,
    check_header,
    columns_of,
    invalid_csv,
)
from certtrack.db import CONDITION_FAILED, TableItem, cancellation_codes, condition_failed
from certtrack.fields import Schema
from certtrack.settings import get_settings

# A chunk: at most this many rows or bytes (whichever comes first). 250 exam rows took ≈ 15-20 s
# against moto on this shared 2-core machine and ≈ 1-3 s on DynamoDB; a 1 GiB file makes ≈ 32,000 jobs.
CHUNK_ROWS = 250
CHUNK_BYTES = 1 << 20
# A valid header names at most 10 columns; anything longer is not one (it travels in every job).
MAX_HEADER_BYTES = 4096
# A line longer than this is not a row (the splitter holds at most one line in memory).
MAX_LINE_BYTES = 1 << 20
READ_BLOCK = 1 << 20
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape leaves them
REEVALUATE_BATCH = 200  # candidates per re-evaluation job (≈ 0.1 s each against DynamoDB)
RUN_RETENTION = timedelta(days=30)  # run and chunk items outlive every redelivery (SQS keeps 4 days)
CONGRATULATION_RETRIES = 12  # delayed re-evaluations for congratulations SES refused (≈ 2.5 h in all)
MAX_DELAY_S = 900  # SQS's longest DelaySeconds

logger = Logger(child=True)
metrics = Metrics()


class ImportRunItem(TableItem):
    """``IMPORT#<id> / IMPORTRUN#<run>``: one upload of the file, its chunk count and counters."""

    sort_key = "IMPORTRUN#"

    run_id = UnicodeAttribute()
    bucket = UnicodeAttribute()
    object_key = UnicodeAttribute()
    kind = UnicodeAttribute()
    record_id = UnicodeAttribute(null=True)  # the import record to move to done (if there is one)
    total = NumberAttribute()
    chunks_done = NumberAttribute(default=0)
    rows = NumberAttribute(default=0)
    imported = NumberAttribute(default=0)
    rejected_count = NumberAttribute(default=0)
    finisher = NumberAttribute(null=True)  # the chunk whose delivery assembles the report
    finished_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class ImportChunkItem(TableItem):
    """``IMPORT#<id> / IMPORTCHUNK#<run>#<n>``: chunk ``n`` is counted; its rejections and candidates."""

    sort_key = "IMPORTCHUNK#"

    index = NumberAttribute()
    rows = NumberAttribute()
    imported = NumberAttribute()
    rejected = BinaryAttribute(legacy_encoding=False)  # zlib(JSON [[line, reason], …])
    candidates = BinaryAttribute(legacy_encoding=False)  # zlib(JSON [candidate id, …])
    done_at = UTCDateTimeAttribute()


class ChunkJob(Schema):
    type: Literal["chunk"] = "chunk"
    import_id: str  # the partition of the run (the import record's id)
    run_id: str
    bucket: str
    key: str
    kind: str
    index: int
    start: int  # byte range of the chunk's rows in the object, end exclusive
    end: int
    first_line: int  # the line in the file of the range's first line
    header: str  # the file's header line(s), as read
    header_lines: int
    requested_at: datetime  # the import's "now": every chunk checks dates against the same day


class ReevaluateJob(Schema):
    type: Literal["reevaluate"] = "reevaluate"
    candidate_ids: list[str] = Field(min_length=1, max_length=REEVALUATE_BATCH)
    requested_at: datetime
    retry: int = Field(default=0, ge=0)  # 0: the import's own; n: the n-th for refused congratulations


Job = Annotated[ChunkJob | ReevaluateJob, Field(discriminator="type")]
_JOB: TypeAdapter[ChunkJob | ReevaluateJob] = TypeAdapter(Job)


def parse_job(body: str) -> ChunkJob | ReevaluateJob:
    return _JOB.validate_json(body)


# ---------------------------------------------------------------- cutting the file


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int
    first_line: int


@dataclass
class Plan:
    header: str = ""
    header_lines: int = 0
    rows: int = 0
    chunks: list[Chunk] = field(default_factory=list)


def _lines(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Physical lines with their terminators (``\\n``, ``\\r\\n`` or ``\\r``: the CSV reader's)."""
    pending = b""
    for block in blocks:
        if block[:1] == b"\n" and pending.endswith(b"\r"):  # a \r\n cut between two blocks
            yield pending + b"\n"
            pending, block = b"", block[1:]
        data = pending + block if pending else block
        lines = data.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        if len(pending) > MAX_LINE_BYTES:
            raise RowError(f"The file has a line longer than {MAX_LINE_BYTES:,} bytes; it is not a CSV file of rows.")
        yield from lines
    if pending:
        yield pending


def _checked(blocks: Iterable[bytes]) -> Iterator[bytes]:
    first = True
    for block in blocks:
        if first and block.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise RowError("The file is not a CSV text file in UTF-8 (it is UTF-16 text); save it as CSV UTF-8.")
        if b"\x00" in block:
            raise RowError("The file is not a CSV text file (it contains binary data).")
        first = False
        yield block


def plan(kind: str, blocks: Iterable[bytes]) -> Plan:
    """Where to cut the file (a stream of blocks) into chunks of whole rows; RowError when the file
    as a whole cannot be imported (the same reasons, with the same lines, as a whole-file read)."""
    required, optional = columns_of(kind)
    result = Plan()
    consumed = 0
    header: list[str] = []  # the header's lines, while it is read
    reading_header = True

    def texts() -> Iterator[str]:
        nonlocal consumed
        for raw in _lines(_checked(blocks)):
            text = raw.decode("utf-8", "surrogateescape")
            if consumed == 0:
                text = text.removeprefix("\ufeff")
            consumed += len(raw)
            if reading_header:
                header.append(text)
            yield text

    reader = csv.reader(texts(), strict=True)
    try:
        first = next(reader, None)
        reading_header = False
        check_header(first, required, optional, undecoded=bool(_UNDECODED.search("".join(header))))
        if consumed > MAX_HEADER_BYTES:
            raise RowError(f"Wrong header (longer than {MAX_HEADER_BYTES:,} bytes).")
        result.header, result.header_lines = "".join(header), reader.line_num
        start, first_line, in_chunk = consumed, reader.line_num + 1, 0
        for cells in reader:
            if any(cell.strip() for cell in cells):
                in_chunk += 1
                result.rows += 1
            if in_chunk >= CHUNK_ROWS or consumed - start >= CHUNK_BYTES:
                if in_chunk:
                    result.chunks.append(Chunk(start, consumed, first_line))
                start, first_line, in_chunk = consumed, reader.line_num + 1, 0
        if in_chunk:
            result.chunks.append(Chunk(start, consumed, first_line))
    except csv.Error as error:
        raise invalid_csv(error, reader.line_num) from error
    return result


# ---------------------------------------------------------------- the S3 trigger


def run_id_of(key: str, event_object: dict[str, Any], event_time: str | None) -> str:
    """The same for Lambda's retries of one S3 event, new for each upload of the key."""
    marks = (event_object.get("eTag"), event_object.get("sequencer"), event_time)
    if not any(marks):
        return uuid.uuid4().hex[:24]
    return hashlib.sha256(json.dumps([key, *marks]).encode()).hexdigest()[:24]


def start(bucket: str, key: str, now: datetime, size: int | None = None, run_id: str | None = None) -> dict[str, Any]:
    """Cut the object into chunk jobs and queue them; a whole-file refusal is reported at once.

    Returns the report when the file was refused or had no row (nothing queued), else a summary
    ``{"import_id","run_id","chunks","rows"}``. The import record says ``processing`` until the last
    chunk is counted; an error on the way marks it ``failed`` and is raised again (Lambda retries).
    """
    kind = imports.kind_of(key)
    record = import_records.mark_processing(key, kind, now) if kind is not None else None
    try:
        refused, found = _plan(bucket, key, kind, size)
        if refused is not None:
            report = imports.whole_file(refused)
            documents.put(bucket, imports.report_key(key), report.model_dump_json().encode(), "application/json")
            if record is not None:
                import_records.mark_failed(record, refused, now, imports.report_key(key))
            return report.model_dump()
        assert kind is not None and found is not None
        run = _start_run(
            import_records.partition_of(key),
            record,
            run_id or uuid.uuid4().hex[:24],
            bucket,
            key,
            kind,
            len(found.chunks),
            now,
        )
        jobs = [
            ChunkJob(
                import_id=run.PK.removeprefix("IMPORT#"),
                run_id=run.run_id,
                bucket=bucket,
                key=key,
                kind=kind,
                index=index,
                start=chunk.start,
                end=chunk.end,
                first_line=chunk.first_line,
                header=found.header,
                header_lines=found.header_lines,
                requested_at=run.created_at,
            )
            for index, chunk in enumerate(found.chunks)
        ]
        _enqueue(jobs)
        if not jobs and run.finished_at is None and _claim_finish(run, -1):
            return _finish(run, -1, now).model_dump()
    except Exception:
        if record is not None:
            import_records.mark_failed(record, "The import stopped with an error; it is tried again.", now)
        raise
    return {"import_id": run.PK.removeprefix("IMPORT#"), "run_id": run.run_id, "chunks": len(jobs), "rows": found.rows}


def _plan(bucket: str, key: str, kind: str | None, size: int | None) -> tuple[str | None, Plan | None]:
    if kind is None:
        return "Files go under exams/ or ce-credits/; this one was not imported.", None
    if size is not None and size > imports.MAX_FILE_BYTES:
        return imports.too_large(size), None
    try:
        return None, plan(kind, documents.stream(bucket, key, imports.MAX_FILE_BYTES, READ_BLOCK))
    except documents.TooLarge as error:
        return imports.too_large(error.size), None
    except RowError as error:
        return str(error), None


def _start_run(
    import_id: str, record: str | None, run_id: str, bucket: str, key: str, kind: str, total: int, now: datetime
) -> ImportRunItem:
    """The run's item, once: a retried S3 event finds the one it made (and its counts) again."""
    run = ImportRunItem(
        keys.import_pk(import_id),
        keys.import_run_sk(run_id),
        run_id=run_id,
        bucket=bucket,
        object_key=key,
        kind=kind,
        record_id=record,
        total=total,
        created_at=now,
        expires_at=int((now + RUN_RETENTION).timestamp()),
    )
    try:
        run.save(condition=ImportRunItem.SK.does_not_exist())
    except PynamoDBException as error:
        if not condition_failed(error):
            raise
        return ImportRunItem.get(run.PK, run.SK, consistent_read=True)
    return run


def _enqueue(jobs: list[ChunkJob] | list[ReevaluateJob], delay_s: int = 0) -> None:
    """SendMessageBatch, 10 a call; a message SQS did not take raises (the invocation is retried)."""
    from certtrack.jobs import sqs

    queue = get_settings().import_chunks_queue
    for first in range(0, len(jobs), 10):
        entries = [
            {"Id": str(n), "MessageBody": job.model_dump_json(), "DelaySeconds": delay_s}
            for n, job in enumerate(jobs[first : first + 10])
        ]
        answer = sqs().send_message_batch(QueueUrl=queue, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} import jobs")


# ---------------------------------------------------------------- the worker


def process(job: ChunkJob | ReevaluateJob, now: datetime) -> imports.ImportReport | None:
    """One job; the chunk's report when this delivery imported it (None for a chunk counted before
    or a re-evaluation). An exception leaves it on the queue (SQS retries it, then dead-letters it)."""
    if isinstance(job, ReevaluateJob):
        _retry_congratulations(imports.reevaluate(sorted(set(job.candidate_ids)), job.requested_at), job)
        return None
    pk = keys.import_pk(job.import_id)
    report = None
    if not _counted(pk, job):
        body = job.header.encode() + documents.get_range(job.bucket, job.key, job.start, job.end)
        offset = job.first_line - job.header_lines - 1
        report, touched, refused = imports.import_rows(job.kind, job.key, body, job.requested_at, line_offset=offset)
        # Queued before the chunk is counted: if this delivery stops in between, the next imports
        # the rows again and still knows whose congratulations wait.
        _retry_congratulations(refused, job)
        _count(pk, job, report, touched, now)
    run = ImportRunItem.get(pk, keys.import_run_sk(job.run_id), consistent_read=True)
    if run.finished_at is None and run.chunks_done >= run.total and _claim_finish(run, job.index):
        _finish(run, job.index, now)
    return report


def retry_delay_s(retry: int) -> int:
    """How long the ``retry``-th re-evaluation for refused congratulations waits: 60 s, doubling."""
    return min(MAX_DELAY_S, 60 << (retry - 1))


def _retry_congratulations(refused: list[str], job: ChunkJob | ReevaluateJob) -> None:
    """A delayed re-evaluation of the candidates whose congratulations SES refused for now."""
    if not refused:
        return
    retry = (job.retry if isinstance(job, ReevaluateJob) else 0) + 1
    if retry > CONGRATULATION_RETRIES:
        logger.error("congratulations abandoned after every retry", extra={"candidates": len(refused)})
        metrics.add_metric(name="CongratulationsAbandoned", unit=MetricUnit.Count, value=len(refused))
        return
    _enqueue(_reevaluations(refused, job.requested_at, retry), delay_s=retry_delay_s(retry))


def _reevaluations(candidate_ids: list[str], requested_at: datetime, retry: int = 0) -> list[ReevaluateJob]:
    """Re-evaluation jobs for ``candidate_ids``, ``REEVALUATE_BATCH`` a job."""
    return [
        ReevaluateJob(
            candidate_ids=candidate_ids[first : first + REEVALUATE_BATCH], requested_at=requested_at, retry=retry
        )
        for first in range(0, len(candidate_ids), REEVALUATE_BATCH)
    ]


def _counted(pk: str, job: ChunkJob) -> bool:
    try:
        ImportChunkItem.get(pk, keys.import_chunk_sk(job.run_id, job.index), consistent_read=True)
    except ImportChunkItem.DoesNotExist:
        return False
    return True


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode())


def _unpack(value: bytes) -> Any:
    return json.loads(zlib.decompress(value))


def _count(pk: str, job: ChunkJob, report: imports.ImportReport, touched: set[str], now: datetime) -> None:
    """The chunk's marker and its counts added to the run, in one transaction; once per chunk."""
    marker = ImportChunkItem(
        pk,
        keys.import_chunk_sk(job.run_id, job.index),
        index=job.index,
        rows=report.rows,
        imported=report.imported,
        rejected=_pack([[r.line, r.reason] for r in report.rejected]),
        candidates=_pack(sorted(touched)),
        done_at=now,
        expires_at=int((now + RUN_RETENTION).timestamp()),
    )
    run = ImportRunItem(pk, keys.import_run_sk(job.run_id))
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.save(marker, condition=ImportChunkItem.SK.does_not_exist())
            transaction.update(
                run,
                actions=[
                    ImportRunItem.chunks_done.add(1),
                    ImportRunItem.rows.add(report.rows),
                    ImportRunItem.imported.add(report.imported),
                    ImportRunItem.rejected_count.add(len(report.rejected)),
                ],
                condition=ImportRunItem.SK.exists(),
            )
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if codes and codes[0] == CONDITION_FAILED:
            return  # another delivery of this chunk counted it
        raise


def _claim_finish(run: ImportRunItem, index: int) -> bool:
    """The end of the run is this chunk's to do (or again, on its redelivery); one condition."""
    try:
        run.update(
            actions=[ImportRunItem.finisher.set(index)],
            condition=ImportRunItem.finisher.does_not_exist() | (ImportRunItem.finisher == index),
        )
    except PynamoDBException as error:
        if condition_failed(error):
            return False
        raise
    return True


def _finish(run: ImportRunItem, index: int, now: datetime) -> imports.ImportReport:
    """The report from the chunks' markers (one Query, chunk order), beside the file; the record
    ``done``; one more re-evaluation for the candidates of more than one chunk. Idempotent."""
    rejected: list[Rejection] = []
    seen: Counter[str] = Counter()
    for item in db.query_partition(run.PK, prefix=keys.import_chunk_prefix(run.run_id), consistent=True):
        if isinstance(item, ImportChunkItem):
            rejected.extend(Rejection(line=line, reason=reason) for line, reason in _unpack(item.rejected))
            seen.update(_unpack(item.candidates))
    report = imports.ImportReport(rows=int(run.rows), imported=int(run.imported), rejected=rejected)
    key = imports.report_key(run.object_key)
    documents.put(run.bucket, key, report.model_dump_json().encode(), "application/json")
    if run.record_id is not None:
        import_records.mark_done(run.record_id, report.rows, report.imported, report.rejected, key, now)
    spanning = sorted(candidate for candidate, chunks in seen.items() if chunks > 1)
    _enqueue(_reevaluations(spanning, run.created_at))
    run.update(actions=[ImportRunItem.finished_at.set(now)], condition=ImportRunItem.finisher == index)
    return report
