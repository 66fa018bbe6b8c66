"""The daily expiry check's schedule handler: fans the day out, one SQS job per due shard.

The event's ``time`` is "now". ``certtrack.certifications.expiry_jobs.fan_out`` puts the day's
item (the shards still to finish) and queues one job per shard; ``expiry_worker.handler`` runs
them (certifications, CE credits, transcripts, unpaid orders, reminders) and continues each shard
until it is read to the end. Returns what was queued.
"""

from __future__ import annotations

import certtrack.coldstart

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack.certifications import expiry_jobs
from certtrack.telemetry import logger, metrics, tracer


def event_time(event: dict[str, Any]) -> datetime:
    when = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = expiry_jobs.fan_out(event_time(event))
    metrics.add_metric(name="ShardJobsQueued", unit=MetricUnit.Count, value=summary["shards_enqueued"])
    logger.info("expiry check fanned out", extra=summary)
    return summary


certtrack.coldstart.ready()  # loaded: collect garbage again
