"""DynamoDB calls and render time of one public transcript view (moto in-process).

``python -m bench.bench_public_view`` prints the figures; ``run()`` returns them for ``make bench``:
``public_view.ddb_reads``, ``public_view.ddb_writes`` (DynamoDB API calls of one view, counted with
botocore ``before-call.dynamodb.*`` events) and ``public_view.median_render_ms`` (the whole
handler: lookups, counting update, Jinja2 render).
"""

from __future__ import annotations

import json
import statistics
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.support import ROOT, environment, lambda_context
from local.dynamo_calls import DynamoCallCounter
from local.sandbox import aws_sandbox

VIEWS = 50


def _seed() -> str:
    """A holder with a typical partition (certifications, exams, history, address) and one transcript."""
    import boto3
    from certtrack import keys
    from certtrack.certifications.models import CertificationItem, ExamItem, HistoryItem
    from certtrack.identity.models import CandidateItem
    from certtrack.settings import get_settings
    from certtrack.transcripts.holder import ADDRESS_FIELDS
    from certtrack.transcripts.schemas import TranscriptRequest
    from certtrack.transcripts.service import create

    now = datetime.now(UTC)
    cid = "CSCO19999999"
    CandidateItem(
        *CandidateItem.key(cid),
        candidate_id=cid,
        first_name="John",
        last_name="Doe",
        email="j@example.com",
        created_at=now,
    ).save()
    for cert_id in ("ccna", "ccnp-enterprise", "ccie-enterprise", "specialist-enterprise-core"):
        CertificationItem(
            keys.candidate_pk(cid),
            keys.cert_sk(cert_id),
            candidate_id=cid,
            cert_id=cert_id,
            status="active",
            active_date=date(2025, 1, 15),
            expiration_date=date(2028, 1, 15),
        ).save()
    for n in range(20):
        reg = f"REG{n:05d}"
        ExamItem(
            keys.candidate_pk(cid),
            keys.exam_sk(reg),
            candidate_id=cid,
            exam_code="200-301",
            exam_name="CCNA",
            registration_number=reg,
            grade="Pass",
            exam_date=date(2025, 1, 15),
        ).save()
        HistoryItem(
            keys.candidate_pk(cid),
            keys.history_sk("2025-01-15", f"e{n}"),
            candidate_id=cid,
            date=date(2025, 1, 15),
            event="x",
        ).save()
    # The shipping address item, as the fulfillment feature stores it.
    address: dict[str, Any] = {"M": {name: {"S": f"{name} value"} for name in ADDRESS_FIELDS}}
    item: dict[str, Any] = {"PK": {"S": keys.candidate_pk(cid)}, "SK": {"S": keys.SHIPPING}, "address": address}
    boto3.client("dynamodb").put_item(TableName=get_settings().table_name, Item=item)
    request = TranscriptRequest(
        display_name="Bench transcript",
        display_options={"show_address": True, "show_email": True},  # type: ignore[arg-type]
        expires_on=(now + timedelta(days=30)).date(),
        include="active",
    )
    return create(cid, request, now).public_url.rsplit("/", 1)[1]


def _event(public_id: str) -> dict[str, Any]:
    from local.apigateway import rest_event

    path = f"/public/transcripts/{public_id}"
    return rest_event("GET", "/public/transcripts/{public_id}", path, headers={"Accept": "text/html"}, stage="bench")


def run() -> dict[str, float]:
    environment("functions/transcripts")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    import importlib.util

    with aws_sandbox():
        public_id = _seed()
        spec = importlib.util.spec_from_file_location("bench_transcripts_app", ROOT / "functions/transcripts/app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        handler = module.lambda_handler
        event, context = _event(public_id), lambda_context("bench")
        assert handler(event, context)["statusCode"] == 200  # warm: templates compiled, clients built
        with DynamoCallCounter() as ddb:
            response = handler(event, context)
        assert response["statusCode"] == 200
        timings = []
        for _ in range(VIEWS):
            start = time.perf_counter()
            handler(event, context)
            timings.append((time.perf_counter() - start) * 1000)
        template_ms = _template_ms(public_id)
    return {
        "public_view.ddb_reads": ddb.reads,
        "public_view.ddb_writes": ddb.writes,
        "public_view.median_render_ms": round(statistics.median(timings), 2),
        "public_view.median_template_ms": template_ms,
    }


def _template_ms(public_id: str) -> float:
    """The Jinja2 part alone (the handler figure above is dominated by moto's in-process DynamoDB)."""
    from certtrack.transcripts import public

    view = public.load(public_id, datetime.now(UTC))
    timings = []
    for _ in range(VIEWS):
        start = time.perf_counter()
        public.render_html(view)
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 3)


if __name__ == "__main__":
    results = run()
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps(results))
