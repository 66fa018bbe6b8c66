"""Observability: JSON logs with the request's correlation id, business metrics as EMF, tracing on,
and no personal data or secrets in anything a function prints, even at DEBUG.

Representative flows run in-process under moto with the log level at DEBUG while stdout and stderr
are captured at the file-descriptor level (Powertools' handlers hold the real stdout): mapping by
email and confirming it, a transcript with a public view and an emailed link, an order, a CSV
import and an expiry check that sends a reminder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import boto3
import pytest
from certtrack.certifications import evaluation, expiry_jobs
from certtrack.program import rules
from certtrack.settings import get_settings

from local.template import Template
from tests.conftest import ROOT, LambdaContext, api_event, deliver_queued, load_function, sent_emails
from tests.factories import candidate
from tests.integration.fulfillment.factories import certification, shipping_address

FIRST, LAST = "Zebulon", "Quixotebottom"  # names that appear nowhere else, so any sighting is a leak
EMAIL = "zebulon.quixotebottom@example.com"
VIEWER = "transcript.viewer@example.net"
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
BUSINESS_METRICS = {"LoginsMapped", "TranscriptViews", "OrdersPlaced", "ImportedRows", "RemindersSent"}


@pytest.fixture
def debug_logs() -> Iterator[None]:
    """LOG_LEVEL=DEBUG for the functions' loggers (they read it at import, so set the level itself)."""
    from certtrack.api import logger

    service_logger = logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"])  # every Logger() of the service
    previous = service_logger.level
    logger.setLevel("DEBUG")
    service_logger.setLevel(logging.DEBUG)
    yield
    service_logger.setLevel(previous)


class Flows:
    """Runs the flows, remembering each API request id and every secret the flows handled."""

    def __init__(self) -> None:
        self.request_ids: list[str] = []
        self.secrets: set[str] = {FIRST, LAST, EMAIL, VIEWER}

    def api(self, function: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        event = api_event(method, path, **kwargs)
        self.request_ids.append(event["requestContext"]["requestId"])
        response: dict[str, Any] = load_function(function).lambda_handler(event, LambdaContext())
        assert response["statusCode"] < 400, response
        body = response.get("body") or "{}"
        return json.loads(body) if body.startswith("{") else {"html": body}

    def run_all(self) -> None:
        person = candidate(first_name=FIRST, last_name=LAST, email=EMAIL)
        self.secrets.add(person.candidate_id)
        sub = "sub-observed"
        self.api("auth_mapping", "POST", "/mapping/email", sub=sub, body={"email": EMAIL})
        token = re.search(r"token=([A-Za-z0-9_\-]+)", sent_emails()[-1]["text"])
        assert token
        self.secrets.add(token.group(1))
        self.api("auth_mapping", "POST", "/mapping/confirm", sub=sub, body={"token": token.group(1)})
        certification(person.candidate_id, "ccna")
        shipping_address(person.candidate_id, first_name=FIRST, last_name=LAST, email=EMAIL)
        self.api(
            "auth_mapping",
            "PUT",
            "/me/attributes",
            sub=sub,
            body={"attributes": [{"key": "job_title", "value": "Lighthouse keeper"}]},
        )
        self.secrets.add("Lighthouse keeper")
        body = {
            "display_name": f"{FIRST} {LAST}",
            "display_options": {"show_address": True, "show_email": True},
            "expires_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        }
        created = self.api("transcripts", "POST", "/me/transcripts", sub=sub, body=body)
        public_id = created["public_url"].rsplit("/", 1)[-1]
        self.secrets.add(public_id)
        self.api(
            "transcripts",
            "GET",
            f"/public/transcripts/{public_id}",
            resource="/public/transcripts/{public_id}",
            path_parameters={"public_id": public_id},
            headers={"Accept": "application/json"},
        )
        tid = created["transcript_id"]
        self.api(
            "transcripts",
            "POST",
            f"/me/transcripts/{tid}/email",
            sub=sub,
            resource="/me/transcripts/{transcript_id}/email",
            path_parameters={"transcript_id": tid},
            body={"to": VIEWER},
        )
        self.api(
            "fulfillment",
            "POST",
            "/me/fulfillment/orders",
            sub=sub,
            body={"skus": ["ccna-certificate"], "tracking": False, "payment_method": "credit_card"},
            headers={"Idempotency-Key": "observed-order-1"},
        )
        self._import(person.candidate_id)
        self._expiry()

    def _import(self, candidate_id: str) -> None:
        day = (datetime.now(UTC).date() - timedelta(days=10)).isoformat()
        csv = (
            "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date\n"
            f"{candidate_id},{FIRST},{LAST},{EMAIL},200-301,CCNA,REG-OBSERVED-1,Fail,{day}\n"
        )
        self.secrets.add("REG-OBSERVED-1")
        bucket = get_settings().imports_bucket
        boto3.client("s3").put_object(Bucket=bucket, Key="exams/observed.csv", Body=csv.encode())
        event = {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": "exams/observed.csv"}}}]}
        assert load_function("certifications", "imports").handler(event, LambdaContext())["chunks"] == 1
        assert deliver_queued() == 1  # the chunk's worker imports the row

    def _expiry(self) -> None:
        today = date(2026, 12, 1)
        reminded = candidate(first_name=FIRST, last_name=LAST, email="reminded.zebulon@example.com")
        self.secrets |= {"reminded.zebulon@example.com", reminded.candidate_id}
        granted = rules.add_years(today + timedelta(days=30), -3)
        evaluation.grant(reminded.candidate_id, "ccna", granted, datetime.combine(granted, time(12), tzinfo=UTC))
        event = {"time": f"{today.isoformat()}T03:00:00Z"}
        load_function("certifications", "expiry").handler(event, LambdaContext())  # fans out on SQS
        deliver_queued()  # the shard worker sends it
        summary = expiry_jobs.day_summary(today)
        assert summary["reminders_sent"] == 1, summary


@pytest.fixture
def observed(aws: None, debug_logs: None, capfd: pytest.CaptureFixture[str]) -> tuple[Flows, list[str]]:
    # The Logger's handler kept the stdout of the moment it was made (maybe an earlier test's capture).
    handlers = [
        h
        for h in logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"]).handlers
        if isinstance(h, logging.StreamHandler)
    ]
    streams = [h.setStream(sys.stdout) for h in handlers]
    flows = Flows()
    try:
        flows.run_all()
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
    out, err = capfd.readouterr()
    return flows, [line for line in (out + err).splitlines() if line.strip()]


def _json_lines(lines: list[str]) -> list[dict[str, Any]]:
    parsed = []
    for line in lines:
        if line.startswith("{"):
            parsed.append(json.loads(line))
    return parsed


def test_logs_are_json_with_the_request_correlation_id(observed: tuple[Flows, list[str]]) -> None:
    flows, lines = observed
    records = [r for r in _json_lines(lines) if "level" in r]
    assert records, "the flows logged nothing"
    assert all({"level", "message", "timestamp", "service"} <= r.keys() for r in records)
    unstructured = [line for line in lines if not line.startswith("{")]
    assert not unstructured, unstructured[:5]
    api_records = [r for r in records if r.get("correlation_id") in flows.request_ids]
    assert api_records, "no API log line carried its request's correlation id"
    correlated = {r["correlation_id"] for r in api_records}
    assert correlated <= set(flows.request_ids)


def test_business_metrics_are_emitted_as_emf(observed: tuple[Flows, list[str]]) -> None:
    _, lines = observed
    names: set[str] = set()
    for record in _json_lines(lines):
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            assert directive["Namespace"] == "CertTrack"
            names |= {metric["Name"] for metric in directive["Metrics"]}
    assert names >= BUSINESS_METRICS, f"missing: {sorted(BUSINESS_METRICS - names)}"


def test_no_personal_data_or_secrets_in_output(observed: tuple[Flows, list[str]]) -> None:
    flows, lines = observed
    text = "\n".join(lines)
    assert len(text) > 500  # the flows did print (logs and metrics)
    emails = sorted(set(EMAIL_PATTERN.findall(text)) - {get_settings().sender_email})
    assert not emails, emails
    leaked = sorted(secret for secret in flows.secrets if secret in text)
    assert not leaked, leaked
    assert "eyJ" not in text  # no JWT
    assert get_settings().signing_secret.decode() not in text


def test_tracing_is_active_in_the_template() -> None:
    template = Template(ROOT / "template.yaml")
    assert template.doc["Globals"]["Function"]["Tracing"] == "Active"
    api = template.properties_of_type("AWS::Serverless::Api")
    assert api and all(props.get("TracingEnabled") is True for props in api.values())
    for function in template.functions.values():
        assert (template.resources[function.logical_id]["Properties"].get("Tracing") or "Active") == "Active"
