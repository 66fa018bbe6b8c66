"""The mapping-mail worker (SQS): one email per ``/mapping/email`` request, sent after the answer."""

from __future__ import annotations

import certtrack.coldstart

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack import clock
from certtrack.identity import mapping
from certtrack.telemetry import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def deliver(record: SQSRecord) -> None:
    """One job; an exception reports this message failed (SQS retries it, then dead-letters it)."""
    job = mapping.EmailMappingJob.model_validate_json(record.body)
    mapping.deliver_email_request(job, clock.now())


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)


certtrack.coldstart.ready()  # loaded: collect garbage again
