"""CSV import throughput and DynamoDB write calls per row, 10,000-row exams and CE files (moto in-process).

``python -m bench.bench_imports`` prints the figures; ``run()`` returns them for ``make bench``:
``import.<exams|ce-credits>.rows_per_s``, ``import.<exams|ce-credits>.write_calls_per_row`` and
``import.<exams|ce-credits>.ddb_calls_per_row`` (every DynamoDB API call, counted with botocore
``before-call.dynamodb.*`` events by ``local.dynamo_calls.DynamoCallCounter``),
``import.<exams|ce-credits>.items_per_row`` (items those writes write: batching efficiency = write
calls ÷ ceil(items / 25)), plus ``ddb_calls.GET <route>`` for the records routes (one request
each, for the imported candidate with the most records).

moto's in-process Query walks (and sorts) the whole table for every call and its TransactWriteItems
copies the whole table, so a benchmark that queries 2,500 partitions of a 50,000-item table would
measure moto; ``bench.moto_patches.partitioned_moto`` makes moto look up the one partition (table
or index) and copy only the transaction's items instead, as DynamoDB's cost goes. Results are the
same (``tests/unit/test_bench_moto_patches.py``).

The files: 2,500 candidates with 4 exams each (CCNA passes, so every candidate earns CCNA and gets
the congratulations email), then 4 CE credits each. ``BENCH_IMPORT_ROWS`` changes the size.

The pipeline (``import.rows_<n>.*``, ``BENCH_IMPORT_PIPELINE_ROWS``, default 5,000 rows; the names
``import.rows_200k.*`` are printed only for 200,000, never extrapolated): the exams file is put in
the imports bucket, the real S3 handler cuts it into chunk jobs, and the template's SQS event source
(``local.eventsources``) delivers them to the real worker one invocation at a time, as Lambda does.
The splitter and every ``TRACE_EVERY``-th invocation are traced with ``tracemalloc`` (the peak of
what the invocation allocated, moto's own storage included: it errs high); ``peak_rss_mb`` = the
RSS of a fresh interpreter that loaded both handlers + the largest traced peak. The other
invocations are timed (``max_invocation_s``, the longest; tracemalloc slowed a chunk 2-5 times here).
Chunks are alike (``CHUNK_ROWS`` rows each), so a sample of them bounds their memory.
``BENCH_IMPORT_PIPELINE_ROWS=0`` skips it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.moto_patches import partitioned_moto
from bench.support import environment
from local.dynamo_calls import DynamoCallCounter
from local.sandbox import aws_sandbox

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
# 5,000 rows in ``make bench`` (a few minutes here); 200,000 for ``import.rows_200k.*`` (hours here:
# moto in-process costs milliseconds a call, where DynamoDB's own time is not the import's bound).
PIPELINE_ROWS = int(os.environ.get("BENCH_IMPORT_PIPELINE_ROWS", "5000"))
TRACE_EVERY = 5  # invocations traced for memory (untraced ones are timed: tracemalloc slows Python 2-5 times)
PER_CANDIDATE = 4
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ROUTES = {
    "/me/certifications": {},
    "/me/certifications/{cert_id}": {"cert_id": "ccna"},
    "/me/ce-activities": {},
    "/me/exams": {},
    "/me/agreements": {},
}


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _candidate(n: int) -> str:
    return f"CSCO{20_000_000 + n:08d}"


def exams_file(rows: int) -> bytes:
    codes = ("200-301", "350-401", "300-410", "350-701")
    out = []
    for i in range(rows):
        n = i // PER_CANDIDATE
        out.append(
            {
                "candidate_id": _candidate(n),
                "first_name": f"First{n}",
                "last_name": f"Last{n}",
                "email": f"candidate{n}@example.com",
                "exam_code": codes[i % PER_CANDIDATE],
                "exam_name": "Exam",
                "registration_number": f"BENCH-{i:07d}",
                "grade": "Pass" if i % 7 else "Fail",
                "exam_date": (date(2025, 1, 1) + timedelta(days=i % 300)).isoformat(),
                "agreement": "cca-v9" if i % PER_CANDIDATE == 0 else "",
            }
        )
    return _csv(out)


def credits_file(rows: int) -> bytes:
    return _csv(
        [
            {
                "candidate_id": _candidate(i // PER_CANDIDATE),
                "activity_name": "Cisco CE Credits",
                "points": "5",
                "active_date": (date(2025, 11, 1) + timedelta(days=i % 300)).isoformat(),
                "provider_name": "Bench Provider",
                "external_id": f"BENCH-CE-{i:07d}",
            }
            for i in range(rows)
        ]
    )


class _ItemsWritten(DynamoCallCounter):
    """Also the items the write calls write (``items_written``): one per PutItem, UpdateItem and
    DeleteItem, each put or delete of a BatchWriteItem, each Put, Update and Delete of a
    TransactWriteItems (not its ConditionChecks), read from the request botocore serialized."""

    def __init__(self) -> None:
        super().__init__()
        self.items_written = 0

    def __enter__(self) -> _ItemsWritten:
        super().__enter__()
        return self

    def _before(self, model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        super()._before(model, params, **kwargs)
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.items_written += 1
        elif model.name in ("BatchWriteItem", "TransactWriteItems"):
            request = json.loads(params.get("body") or b"{}")
            if model.name == "BatchWriteItem":
                self.items_written += sum(len(writes) for writes in request.get("RequestItems", {}).values())
            else:
                self.items_written += sum(1 for a in request.get("TransactItems", []) if "ConditionCheck" not in a)


def _import(kind: str, body: bytes) -> dict[str, float]:
    from certtrack.certifications.imports import run_import

    with _ItemsWritten() as ddb:
        started = time.perf_counter()
        report = run_import(kind, f"{kind}/bench.csv", body, NOW)
        elapsed = time.perf_counter() - started
    assert not report.rejected, report.rejected[:3]
    rows = report.rows
    return {
        f"import.{kind}.rows_per_s": round(rows / elapsed, 1),
        f"import.{kind}.write_calls_per_row": round(ddb.writes / rows, 4),
        f"import.{kind}.ddb_calls_per_row": round(ddb.total / rows, 4),
        f"import.{kind}.items_per_row": round(ddb.items_written / rows, 4),
    }


def _route_calls() -> dict[str, float]:
    """One request per records route for the first bench candidate, mapped to a login."""
    import importlib

    from certtrack import keys
    from certtrack.identity.models import LoginMappingItem

    LoginMappingItem(keys.login_pk("bench-sub"), keys.MAPPING, candidate_id=_candidate(0), mapped_at=NOW).save()
    app = importlib.import_module("app")
    figures = {}
    for resource, params in ROUTES.items():
        path = resource.replace("{cert_id}", params.get("cert_id", ""))
        event = {
            "resource": resource,
            "path": path,
            "httpMethod": "GET",
            "headers": {},
            "multiValueHeaders": {},
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": params or None,
            "body": None,
            "isBase64Encoded": False,
            "requestContext": {
                "httpMethod": "GET",
                "resourcePath": resource,
                "stage": "bench",
                "requestId": "bench",
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": {"claims": {"sub": "bench-sub", "cognito:username": "bench"}},
            },
        }
        with DynamoCallCounter() as ddb:
            response = app.app.resolve(event, None)
        assert response["statusCode"] == 200, response
        figures[f"ddb_calls.GET {resource}"] = float(ddb.total)
    return figures


def _fresh_handlers_rss_mb() -> float:
    """RSS of a new interpreter once both import handlers are loaded (a Lambda's init, roughly)."""
    import subprocess

    from bench.support import ROOT

    probe = (
        "import sys, os; sys.path[:0] = [{layer!r}, {code!r}];"
        "import imports, import_chunks;"
        "print(int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE'))"
    ).format(layer=str(ROOT / "layers" / "shared"), code=str(ROOT / "functions" / "certifications"))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ)
    return int(out.stdout.strip()) / 2**20


def _pipeline(rows: int) -> dict[str, float]:
    """The exams file through the S3 trigger and the chunk workers (see the module docstring)."""
    import importlib
    import tracemalloc

    import boto3
    from certtrack.settings import get_settings

    from bench.support import lambda_context
    from local import eventsources
    from local.lambdas import s3_put_event
    from local.sandbox import template

    body = exams_file(rows)
    bucket, key = get_settings().imports_bucket, "exams/bench-pipeline.csv"
    put = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    size = len(body)
    del body
    splitter, worker = importlib.import_module("imports"), importlib.import_module("import_chunks")
    invocations: list[tuple[float, int | None]] = []

    def timed(handler: Any, event: dict[str, Any]) -> Any:
        traced = len(invocations) % TRACE_EVERY == 0  # the splitter, then every TRACE_EVERY-th chunk
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            return handler(event, lambda_context())
        finally:
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if traced else None
            tracemalloc.stop()
            invocations.append((elapsed, peak))

    sqs = boto3.client("sqs")
    urls = {
        logical_id: sqs.get_queue_url(QueueName=eventsources.queue_name(logical_id))["QueueUrl"]
        for logical_id in template().properties_of_type("AWS::SQS::Queue")
    }
    sources = eventsources.EventSources(
        [s for s in eventsources.sqs_sources(template(), urls) if s.function.logical_id == "ImportChunksFunction"],
        lambda _function, event: timed(worker.handler, event),
        sqs,
    )
    started = time.perf_counter()
    with _ItemsWritten() as ddb:
        queued = timed(splitter.handler, s3_put_event(bucket, key, size, put["ETag"], NOW))
        delivered = sources.drain(limit=10**6)
    elapsed = time.perf_counter() - started
    report = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())
    assert report["rows"] == rows and report["imported"] == rows and not report["rejected"], report["rejected"][:3]
    assert delivered >= queued["chunks"], (delivered, queued)
    name = "rows_200k" if rows == 200_000 else f"rows_{rows}"
    timed_only = [t for t, m in invocations[1:] if m is None]
    tenths = [timed_only[len(timed_only) * k // 10 : len(timed_only) * (k + 1) // 10] for k in range(10)]
    print(  # whether a chunk costs more as the table grows: it should not
        f"# {rows} rows: {len(invocations) - 1} chunk invocations in {elapsed:.0f} s; untraced ones' mean s by "
        f"tenth of the run: {[round(sum(t) / len(t), 1) for t in tenths if t]}",
        file=sys.stderr,
    )
    return {
        f"import.{name}.peak_rss_mb": round(_fresh_handlers_rss_mb() + max(m or 0 for _, m in invocations) / 2**20, 1),
        f"import.{name}.max_invocation_s": round(
            max(t for t, m in invocations if m is None or len(invocations) == 1), 2
        ),
        f"import.{name}.split_s": round(invocations[0][0], 2),
        f"import.{name}.invocations": float(len(invocations)),
        f"import.{name}.rows_per_s": round(rows / elapsed, 1),
        f"import.{name}.ddb_calls_per_row": round(ddb.total / rows, 4),
        f"import.{name}.write_calls_per_row": round(ddb.writes / rows, 4),
        f"import.{name}.items_per_row": round(ddb.items_written / rows, 4),
    }


def run() -> dict[str, float]:
    environment("functions/certifications")
    import warnings

    warnings.filterwarnings("ignore")
    with aws_sandbox(), partitioned_moto():
        figures = _import("exams", exams_file(ROWS))
        figures.update(_import("ce-credits", credits_file(ROWS)))
        figures.update(_route_calls())
    if PIPELINE_ROWS:
        with aws_sandbox(), partitioned_moto():
            figures.update(_pipeline(PIPELINE_ROWS))
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}  {value}")
