"""CSV imports: the S3 ``ObjectCreated`` trigger for ``exams/*.csv`` and ``ce-credits/*.csv``.

Each file is streamed and cut into chunks of rows, one job each on the import-chunks queue
(``certtrack.certifications.import_chunks``); the worker ``import_chunks.py`` imports them and the
last one writes the report ``{"rows","imported","rejected":[{"line","reason"}]}`` beside the file
as ``<key>.report.json``. A file refused as a whole is reported at once. The handler returns the
(last) report, or the summary of what it queued.
"""

from __future__ import annotations

import certtrack.coldstart

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from certtrack import clock
from certtrack.certifications import import_chunks
from certtrack.telemetry import logger, metrics, tracer


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = clock.now()
    result: dict[str, Any] = {"rows": 0, "imported": 0, "rejected": []}
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        run_id = import_chunks.run_id_of(key, record["s3"]["object"], record.get("eventTime"))
        result = import_chunks.start(bucket, key, now, size=record["s3"]["object"].get("size"), run_id=run_id)
        metrics.add_metric(name="ImportFiles", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ImportChunksQueued", unit=MetricUnit.Count, value=result.get("chunks", 0))
        logger.info("import queued", extra={"key": key, "chunks": result.get("chunks", 0), "rows": result["rows"]})
    return result


certtrack.coldstart.ready()  # loaded: collect garbage again
