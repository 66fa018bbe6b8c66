"""Every sample event in events/ drives its real handler (what `sam local invoke -e` would do).

The candidate of the samples' login is mapped first, so the `/me` samples reach the domain code;
samples naming ids nobody has get a 404 problem. No sample may produce a 5xx.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from certtrack.identity.models import CandidateItem

from tests.conftest import ROOT, LambdaContext, deliver_queued, load_function
from tests.factories import candidate, certification

EVENTS = ROOT / "events"
API_SAMPLES = sorted(p for p in EVENTS.glob("*/*.json") if "httpMethod" in json.loads(p.read_text()))
SAMPLE_EXAMS = (
    "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date,agreement\n"
    "CSCO12345678,Jane,Doe,jane.doe@example.com,200-301,CCNA,REG-SAMPLE-1,Pass,2026-11-20,\n"
)
SAMPLE_CE = (
    "candidate_id,activity_name,points,active_date,provider_name,external_id\n"
    "CSCO12345678,Routing deep dive,5,2026-11-21,Learning Partner,EXT-1\n"
)


def _sample(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def sample_login(aws: None) -> CandidateItem:
    """The candidate the samples' ID token belongs to (mapped, with an active CCNA)."""
    claims = _sample(EVENTS / "auth_mapping" / "get_me.json")["requestContext"]["authorizer"]["claims"]
    cand = candidate(first_name="Jane", last_name="Doe", email="jane.doe@example.com", login_sub=claims["sub"])
    certification(cand.candidate_id, "ccna")
    return cand


@pytest.mark.parametrize("path", API_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_api_sample_reaches_its_handler(path: Path, sample_login: CandidateItem) -> None:
    event = _sample(path)
    handler = load_function(path.parent.name).lambda_handler
    response = handler(event, LambdaContext())
    status = response["statusCode"]
    assert status < 500, (path.name, response.get("body"))
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), values[0])
    if status >= 400 and event["resource"].startswith("/public/") and "html" in headers["content-type"]:
        assert "<html" in response["body"].lower(), path.name  # public pages answer people in HTML
    elif status >= 400:
        assert headers["content-type"] == "application/problem+json", path.name
        assert json.loads(response["body"])["code"], path.name
    if event["httpMethod"] == "GET" and event["resource"] in {"/me", "/me/certifications", "/me/exams", "/health"}:
        assert status == 200, (path.name, response.get("body"))


@pytest.mark.parametrize(
    ("sample", "body"), [("exams_csv_created.json", SAMPLE_EXAMS), ("ce_credits_csv_created.json", SAMPLE_CE)]
)
def test_s3_samples_import_the_file(sample: str, body: str, aws: None) -> None:
    exams = _sample(EVENTS / "certifications" / "exams_csv_created.json")["Records"][0]["s3"]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=exams["bucket"]["name"])
    s3.put_object(Bucket=exams["bucket"]["name"], Key=exams["object"]["key"], Body=SAMPLE_EXAMS.encode())
    event = _sample(EVENTS / "certifications" / sample)
    record = event["Records"][0]["s3"]
    s3.put_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"], Body=body.encode())
    imports = load_function("certifications", "imports")
    if sample.startswith("ce"):
        imports.handler(_sample(EVENTS / "certifications" / "exams_csv_created.json"), LambdaContext())
        deliver_queued()
    queued = imports.handler(event, LambdaContext())
    assert (queued["rows"], queued["chunks"]) == (1, 1)
    deliver_queued()  # the chunk's worker, through the template's event source
    stored = s3.get_object(Bucket=record["bucket"]["name"], Key=f"{unquote_plus(record['object']['key'])}.report.json")
    report = json.loads(stored["Body"].read())
    assert (report["rows"], report["imported"], report["rejected"]) == (1, 1, [])


def test_schedule_sample_runs_the_expiry_check_at_its_time(aws: None) -> None:
    event = _sample(EVENTS / "certifications" / "daily_expiry_check.json")
    summary = load_function("certifications", "expiry").handler(event, LambdaContext())
    assert summary["now"] == event["time"]


def test_shard_job_sample_runs_its_shard_of_the_day(aws: None) -> None:
    event = _sample(EVENTS / "certifications" / "shard_jobs.json")
    answer = load_function("certifications", "expiry_worker").handler(event, LambdaContext())
    assert answer == {"batchItemFailures": []}


def test_ses_events_sample_suppresses_the_bounced_address(aws: None) -> None:
    event = _sample(EVENTS / "certifications" / "email_events.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    bounced = message["bounce"]["bouncedRecipients"][0]["emailAddress"]
    cand = candidate(email=bounced)
    load_function("certifications", "ses_events").handler(event, LambdaContext())
    stored = CandidateItem.get_candidate(cand.candidate_id)
    assert stored is not None and stored.email_suppressed is True


def test_mapping_mail_sample_mails_the_address(aws: None, outbox: Any) -> None:
    event = _sample(EVENTS / "auth_mapping" / "requests.json")
    address = json.loads(event["Records"][0]["body"])["address"]
    candidate(first_name="Alice", email=address)
    result = load_function("auth_mapping", "mapping_mail").handler(event, LambdaContext())
    assert result == {"batchItemFailures": []}
    [message] = outbox()
    assert message["to"] == address and "/app/#/mapping/confirm?token=" in message["text"]


def test_mapping_mail_reports_a_malformed_message_as_failed(aws: None, outbox: Any) -> None:
    """One bad message among good ones is reported alone; a batch that all failed raises (retried whole)."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    event = _sample(EVENTS / "auth_mapping" / "requests.json")
    good = event["Records"][0]
    bad = {**good, "messageId": "bad-message", "body": "{not json"}
    handler = load_function("auth_mapping", "mapping_mail").handler
    result = handler({"Records": [bad, good]}, LambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-message"}]}
    assert len(outbox()) == 1
    with pytest.raises(BatchProcessingError):
        handler({"Records": [bad]}, LambdaContext())
