"""SES events (delivered by SNS): bounces and complaints stop mail to those addresses; all are counted."""

from __future__ import annotations

import certtrack.coldstart

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack import clock
from certtrack.identity import suppression
from certtrack.telemetry import logger, metrics, tracer


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = suppression.handle_messages(suppression.sns_messages(event), clock.now())
    metrics.add_metric(name="CandidatesSuppressed", unit=MetricUnit.Count, value=report.candidates_suppressed)
    return report.as_dict()


certtrack.coldstart.ready()  # loaded: collect garbage again
