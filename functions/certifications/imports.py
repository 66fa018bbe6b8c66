"""CSV imports: the S3 ``ObjectCreated`` trigger for ``exams/*.csv`` and ``ce-credits/*.csv``.

Each file is imported and its report ``{"rows","imported","rejected":[{"line","reason"}]}`` is
written beside it as ``<key>.report.json``; the handler returns the (last) report.
"""

from __future__ import annotations

import certtrack.coldstart

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack import clock
from certtrack.certifications.imports import import_object
from certtrack.telemetry import logger, metrics, tracer


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = clock.now()
    report: dict[str, Any] = {"rows": 0, "imported": 0, "rejected": []}
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        report = import_object(bucket, key, now, size=record["s3"]["object"].get("size")).model_dump()
        metrics.add_metric(name="ImportFiles", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ImportedRows", unit=MetricUnit.Count, value=report["imported"])
        metrics.add_metric(name="RejectedRows", unit=MetricUnit.Count, value=len(report["rejected"]))
        logger.info(
            "import done",
            extra={
                "key": key,
                "rows": report["rows"],
                "imported": report["imported"],
                "rejected": len(report["rejected"]),
            },
        )
    return report


certtrack.coldstart.ready()  # loaded: collect garbage again
