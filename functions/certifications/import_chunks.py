"""The import-chunks worker (SQS): imports one chunk of a CSV file, or re-evaluates candidates.

The S3-triggered import (``imports.py``) queues the jobs; the last chunk to be counted assembles
the report (``certtrack.certifications.import_chunks``).
"""

from __future__ import annotations

import certtrack.coldstart

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack import clock
from certtrack.certifications import import_chunks
from certtrack.telemetry import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def deliver(record: SQSRecord) -> None:
    """One job; an exception reports this message failed (SQS retries it, then dead-letters it)."""
    job = import_chunks.parse_job(record.body)
    report = import_chunks.process(job, clock.now())
    metrics.add_metric(name="ImportJobs", unit=MetricUnit.Count, value=1)
    if report is not None:  # a chunk imported now (not one counted by an earlier delivery)
        metrics.add_metric(name="ImportedRows", unit=MetricUnit.Count, value=report.imported)
        metrics.add_metric(name="RejectedRows", unit=MetricUnit.Count, value=len(report.rejected))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)


certtrack.coldstart.ready()  # loaded: collect garbage again
