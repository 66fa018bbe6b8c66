"""The daily check's shard worker (SQS): one shard job per message, continued until the shard is read.

Each job (``certtrack.certifications.expiry_jobs.ShardJob``) is one invocation's part of a due
shard: certifications expired or moved on, CE credits and transcripts off the index, unpaid orders
settled, reminders sent within this worker's share of SES's rate. A job that raises is reported
failed (partial batch response): SQS gives it back after the visibility timeout and dead-letters
it after a few receives.
"""

from __future__ import annotations

import certtrack.coldstart

from datetime import date
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack.certifications import expiry_jobs
from certtrack.fulfillment import order_sweep
from certtrack.telemetry import logger, metrics, tracer
from certtrack.transcripts import expiry as transcript_expiry

processor = BatchProcessor(event_type=EventType.SQS)

_METRICS = {
    "ExpiredCertifications": "expired_certifications",
    "InactiveCredits": "inactive_credits",
    "ExpiredTranscripts": "expired_transcripts",
    "SettledOrders": "settled_orders",
    "RemindersSent": "reminders_sent",
    "RemindersFailed": "reminders_failed",
    "DueItemsRead": "items_read",
}


def _sync_badge(candidate_id: str, cert_id: str, today: date) -> None:
    from certtrack.badges import service  # the badges' code only when a certification expired

    service.sync_certification(candidate_id, cert_id, today)


def run_job(record: SQSRecord, context: LambdaContext) -> dict[str, Any]:
    job = expiry_jobs.ShardJob.model_validate_json(record.body)
    summary = expiry_jobs.work(
        job,
        message_id=record.message_id,
        receive_count=int(record.attributes.approximate_receive_count),
        remaining_ms=context.get_remaining_time_in_millis,
        expire_transcript=transcript_expiry.expire,
        settle_order=partial(order_sweep.settle_unpaid, now=job.now),
        on_expired=_sync_badge,
    )
    for name, key in _METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=summary[key])
    logger.info("expiry shard job done", extra={k: v for k, v in summary.items() if k != "failures"})
    return summary


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=partial(run_job, context=context), processor=processor, context=context
    )


certtrack.coldstart.ready()  # loaded: collect garbage again
