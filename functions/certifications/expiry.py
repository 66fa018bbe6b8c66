"""The daily expiry check: the EventBridge schedule's handler; the event's ``time`` is "now".

Expires certifications, CE credits and transcripts past their date and sends the 90/30/7-day
reminders (``certtrack.certifications.expiry``); transcripts are expired by
``certtrack.transcripts.expiry``, unpaid orders settled or expired by
``certtrack.fulfillment.order_sweep`` and the badges' status bits synced by
``certtrack.badges.service``, all handed to the check here. Returns the run's summary.
"""

from __future__ import annotations

import certtrack.coldstart

from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack.certifications import expiry
from certtrack.fulfillment import order_sweep
from certtrack.telemetry import logger, metrics, tracer
from certtrack.transcripts import expiry as transcript_expiry

_METRICS = {
    "ExpiredCertifications": "expired_certifications",
    "InactiveCredits": "inactive_credits",
    "ExpiredTranscripts": "expired_transcripts",
    "SettledOrders": "settled_orders",
    "RemindersSent": "reminders_sent",
    "RemindersFailed": "reminders_failed",
    "DueItemsRead": "items_read",
}


def event_time(event: dict[str, Any]) -> datetime:
    when = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _sync_badge(candidate_id: str, cert_id: str, today: date) -> None:
    from certtrack.badges import service  # the badges' code only when a certification expired

    service.sync_certification(candidate_id, cert_id, today)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = event_time(event)
    summary = expiry.run(
        now,
        remaining_ms=context.get_remaining_time_in_millis,
        expire_transcript=transcript_expiry.expire,
        settle_order=partial(order_sweep.settle_unpaid, now=now),
        on_expired=_sync_badge,
    ).as_dict()
    for name, key in _METRICS.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=summary[key])
    logger.info("expiry check done", extra={k: v for k, v in summary.items() if k != "failures"})
    return summary


certtrack.coldstart.ready()  # loaded: collect garbage again
