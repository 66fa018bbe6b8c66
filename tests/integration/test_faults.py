"""Fault injection on every write path: the answer is a clear, retryable error, and a retry completes
with nothing lost and nothing doubled (the items are counted afterwards).

Faults are raised at ``botocore.client.BaseClient._make_api_call`` (above moto, below PynamoDB,
boto3 and the Powertools idempotency layer), as an exhausted-retries AWS error would arrive:
DynamoDB throttling (``ProvisionedThroughputExceededException``), conditional-check failures,
SES ``SendEmail`` failures and S3 ``GetObject``/``PutObject`` failures.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from certtrack import keys
from certtrack.certifications import evaluation
from certtrack.certifications.models import CertificationItem, ExamItem
from certtrack.identity.models import LoginMappingItem
from certtrack.program import rules
from certtrack.settings import get_settings
from certtrack.transcripts.models import TranscriptItem

from tests.conftest import LambdaContext, call, deliver_queued, end_visibility_timeouts, load_function
from tests.factories import candidate
from tests.integration.fulfillment.factories import certification, shipping_address

if TYPE_CHECKING:
    from botocore.exceptions import _ClientErrorResponseTypeDef

PROBLEM = "application/problem+json"
THROTTLE = "ProvisionedThroughputExceededException"
DDB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


@dataclass
class Fault:
    service: str
    operations: tuple[str, ...]
    code: str
    times: int = 1
    hits: int = 0

    def matches(self, client: BaseClient, operation: str) -> bool:
        return client.meta.service_model.service_name == self.service and operation in self.operations

    def error(self, operation: str) -> ClientError:
        response: dict[str, Any] = {
            "Error": {"Code": self.code, "Message": "injected fault"},
            "ResponseMetadata": {"HTTPStatusCode": 400 if self.service == "dynamodb" else 500},
        }
        if self.code == "TransactionCanceledException":
            response["CancellationReasons"] = [{"Code": "ConditionalCheckFailed", "Message": "injected"}]
        # The stubs want the full ResponseMetadata of a real answer; the fault names only its status.
        return ClientError(cast("_ClientErrorResponseTypeDef", response), operation)


@contextmanager
def inject(fault: Fault) -> Iterator[Fault]:
    """The first ``fault.times`` matching calls fail with ``fault.code``; every other call goes through."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]  # private: not in botocore-stubs

    def failing(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if fault.hits < fault.times and fault.matches(client, operation):
            fault.hits += 1
            raise fault.error(operation)
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", failing):
        yield fault


def throttle(*operations: str) -> Fault:
    return Fault("dynamodb", operations or DDB_WRITES, THROTTLE)


def ses_down() -> Fault:
    return Fault("sesv2", ("SendEmail",), "ServiceUnavailable")


def assert_retryable(status: int, body: Any, headers: dict[str, Any]) -> None:
    """A 503 problem with Retry-After: the client knows to retry, and when."""
    assert status == 503, body
    assert headers["content-type"] == PROBLEM
    assert body["status"] == 503 and body["code"] in {"service_unavailable", "email_unavailable", "queue_unavailable"}
    assert {"type", "title", "detail"} <= body.keys()
    assert int(headers["retry-after"]) >= 1


def future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def transcript_body(name: str = "Fault transcript") -> dict[str, Any]:
    return {"display_name": name, "expires_on": future(30), "include": "active"}


def transcripts_of(candidate_id: str) -> list[TranscriptItem]:
    items = TranscriptItem.query(
        keys.candidate_pk(candidate_id), TranscriptItem.SK.startswith(keys.TRANSCRIPT_PREFIX), consistent_read=True
    )
    return [item for item in items if isinstance(item, TranscriptItem)]


# -- transcripts ---------------------------------------------------------------------------------


def test_transcript_create_throttled_then_retried_makes_one(aws: None) -> None:
    person = candidate(login_sub="sub-fault-t")
    certification(person.candidate_id, "ccna")
    with inject(throttle("PutItem")) as fault:
        assert_retryable(*call("transcripts", "POST", "/me/transcripts", sub="sub-fault-t", body=transcript_body()))
    assert fault.hits == 1
    assert transcripts_of(person.candidate_id) == []
    status, body, _ = call("transcripts", "POST", "/me/transcripts", sub="sub-fault-t", body=transcript_body())
    assert status == 201, body
    assert [t.transcript_id for t in transcripts_of(person.candidate_id)] == [body["transcript_id"]]


def test_transcript_create_id_collision_is_not_a_500(aws: None) -> None:
    """A conditional-check failure on the new item (an id already taken) is retryable, never a 500."""
    candidate(login_sub="sub-fault-c")
    with inject(Fault("dynamodb", ("PutItem",), "ConditionalCheckFailedException")):
        assert_retryable(*call("transcripts", "POST", "/me/transcripts", sub="sub-fault-c", body=transcript_body()))
    status, _, _ = call("transcripts", "POST", "/me/transcripts", sub="sub-fault-c", body=transcript_body())
    assert status == 201


def test_transcript_email_with_ses_down_is_retryable_and_counts_once(aws: None, outbox: Any) -> None:
    person = candidate(login_sub="sub-fault-e")
    certification(person.candidate_id, "ccna")
    _, created, _ = call("transcripts", "POST", "/me/transcripts", sub="sub-fault-e", body=transcript_body())
    path = f"/me/transcripts/{created['transcript_id']}/email"
    email = {"to": "viewer@example.com"}
    with inject(ses_down()) as fault:
        status, body, headers = call("transcripts", "POST", path, sub="sub-fault-e", body=email)
    assert fault.hits == 1
    assert_retryable(status, body, headers)
    assert outbox() == []
    status, body, _ = call("transcripts", "POST", path, sub="sub-fault-e", body=email)
    assert status == 202, body
    assert [m["to"] for m in outbox()] == ["viewer@example.com"]


# -- login mapping -------------------------------------------------------------------------------


def test_mapping_email_with_ses_down_is_retried_by_the_queue_and_sends_one_link(aws: None, outbox: Any) -> None:
    """The answer does not wait for SES: the job fails, stays queued, and the retry sends one link."""
    candidate(email="map.me@example.com")
    status, body, _ = _ask_mapping("sub-fault-m", "map.me@example.com")
    assert status == 202, body
    with inject(ses_down()) as fault:
        assert deliver_queued() == 1
    assert fault.hits == 1 and _tokens() == []
    end_visibility_timeouts()
    assert [m["to"] for m in outbox()] == ["map.me@example.com"]
    assert len(_tokens()) == 1


def test_mapping_email_with_the_queue_down_is_503_and_queues_nothing(aws: None, outbox: Any) -> None:
    candidate(email="map.q@example.com")
    with inject(Fault("sqs", ("SendMessage",), "ServiceUnavailable")):
        status, body, headers = _ask_mapping("sub-fault-q", "map.q@example.com")
    assert_retryable(status, body, headers)
    assert body["code"] == "queue_unavailable"
    assert deliver_queued() == 0 and outbox() == []
    assert _ask_mapping("sub-fault-q", "map.q@example.com")[0] == 202
    assert [m["to"] for m in outbox()] == ["map.q@example.com"]


def test_mapping_token_write_throttled_after_the_send_mails_a_working_link_on_retry(aws: None, outbox: Any) -> None:
    """A send whose write failed leaves a dead link; the retried job mails one that works."""
    candidate(email="map.t@example.com")
    assert _ask_mapping("sub-fault-t", "map.t@example.com")[0] == 202
    with inject(throttle("TransactWriteItems")) as fault:
        assert deliver_queued() == 1
    assert fault.hits == 1 and _tokens() == []
    end_visibility_timeouts()
    first, second = (_link_token(m) for m in outbox())
    confirm = "/mapping/confirm"
    status, body, _ = call("auth_mapping", "POST", confirm, sub="sub-fault-t", body={"token": first})
    assert (status, body["code"]) == (400, "token_invalid")
    assert call("auth_mapping", "POST", confirm, sub="sub-fault-t", body={"token": second})[0] == 200


def _ask_mapping(sub: str, address: str) -> tuple[int, Any, dict[str, Any]]:
    return call("auth_mapping", "POST", "/mapping/email", sub=sub, body={"email": address})


def _tokens() -> list[Any]:
    from certtrack.identity.models import MappingTokenItem

    return [i for i in MappingTokenItem.scan() if i.PK.startswith("TOKEN#")]  # test-only look at a tiny table


def test_mapping_token_write_throttled_then_retried(aws: None, outbox: Any) -> None:
    candidate(email="map.two@example.com")
    with inject(throttle()) as fault:
        assert_retryable(
            *call("auth_mapping", "POST", "/mapping/email", sub="sub-fault-n", body={"email": "map.two@example.com"})
        )
    assert fault.hits == 1 and outbox() == []
    status, _, _ = call(
        "auth_mapping", "POST", "/mapping/email", sub="sub-fault-n", body={"email": "map.two@example.com"}
    )
    assert status == 202 and len(outbox()) == 1


def _link_token(message: dict[str, str]) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", message["text"])
    assert found
    return found.group(1)


def test_mapping_confirm_throttled_keeps_the_token_for_the_retry(aws: None, outbox: Any) -> None:
    person = candidate(email="confirm.me@example.com")
    call("auth_mapping", "POST", "/mapping/email", sub="sub-fault-k", body={"email": "confirm.me@example.com"})
    token = _link_token(outbox()[-1])
    with inject(throttle("TransactWriteItems")) as fault:
        assert_retryable(*call("auth_mapping", "POST", "/mapping/confirm", sub="sub-fault-k", body={"token": token}))
    assert fault.hits == 1
    with pytest.raises(LoginMappingItem.DoesNotExist):
        LoginMappingItem.get(keys.login_pk("sub-fault-k"), keys.MAPPING, consistent_read=True)
    status, body, _ = call("auth_mapping", "POST", "/mapping/confirm", sub="sub-fault-k", body={"token": token})
    assert status == 200 and body["candidate_id"] == person.candidate_id, body
    mapping = LoginMappingItem.get(keys.login_pk("sub-fault-k"), keys.MAPPING, consistent_read=True)
    assert mapping.candidate_id == person.candidate_id


# -- orders --------------------------------------------------------------------------------------


def _order(sub: str, key: str) -> tuple[int, Any, dict[str, Any]]:
    body = {"skus": ["ccna-certificate"], "tracking": False, "payment_method": "credit_card"}
    return call("fulfillment", "POST", "/me/fulfillment/orders", sub=sub, body=body, headers={"Idempotency-Key": key})


def _history(sub: str) -> list[dict[str, Any]]:
    status, body, _ = call("fulfillment", "GET", "/me/fulfillment/history", sub=sub)
    assert status == 200, body
    return list(body["items"])


@pytest.mark.parametrize("operation", ["PutItem", "TransactWriteItems"], ids=["idempotency-record", "order-write"])
def test_order_throttled_then_retried_with_the_same_key_is_one_order(aws: None, operation: str) -> None:
    sub = f"sub-fault-o-{operation}"
    person = candidate(login_sub=sub)
    certification(person.candidate_id, "ccna")
    shipping_address(person.candidate_id)
    with inject(throttle(operation)) as fault:
        assert_retryable(*_order(sub, "order-key-1"))
    assert fault.hits == 1
    assert _history(sub) == []
    status, first, _ = _order(sub, "order-key-1")
    assert status == 201, first
    assert first["total_cents"] == 0  # the initial kit, claimed once
    status, replay, _ = _order(sub, "order-key-1")
    assert status == 201 and replay == first
    assert [entry["order_id"] for entry in _history(sub)] == [first["order_id"]]


def test_order_with_ses_down_is_kept_once(aws: None, outbox: Any) -> None:
    """The confirmation mail failing must neither lose the order nor double it on the client's retry."""
    person = candidate(login_sub="sub-fault-os")
    certification(person.candidate_id, "ccna")
    shipping_address(person.candidate_id)
    with inject(ses_down()) as fault:
        status, first, _ = _order("sub-fault-os", "order-key-s")
    assert fault.hits == 1
    assert status == 201, first  # the order stands; only the confirmation mail was lost
    status, replay, _ = _order("sub-fault-os", "order-key-s")
    assert status == 201 and replay == first
    assert [entry["order_id"] for entry in _history("sub-fault-os")] == [first["order_id"]]
    assert outbox() == []


# -- certificate PDF (S3) ------------------------------------------------------------------------


def test_certificate_with_s3_down_is_retryable(aws: None) -> None:
    person = candidate(login_sub="sub-fault-pdf")
    certification(person.candidate_id, "ccna")
    path = "/me/certifications/ccna/certificate"
    with inject(Fault("s3", ("PutObject",), "ServiceUnavailable")) as fault:
        status, body, headers = call("certifications", "POST", path, sub="sub-fault-pdf")
    assert fault.hits == 1
    assert_retryable(status, body, headers)
    status, body, _ = call("certifications", "POST", path, sub="sub-fault-pdf")
    assert status == 200 and body["url"].startswith("http"), body


# -- CSV import (S3 trigger) ---------------------------------------------------------------------


def _exams_csv(candidate_id: str, rows: int) -> bytes:
    lines = ["candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date"]
    day = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    for n in range(rows):
        lines.append(f"{candidate_id},Ada,Lovelace,ada.fault@example.com,200-301,CCNA,REG-FAULT-{n:03d},Fail,{day}")
    return ("\n".join(lines) + "\n").encode()


def _trigger(key: str) -> None:
    settings = get_settings()
    event = {"Records": [{"s3": {"bucket": {"name": settings.imports_bucket}, "object": {"key": key}}}]}
    load_function("certifications", "imports").handler(event, LambdaContext())


def _report(key: str) -> dict[str, Any] | None:
    s3 = boto3.client("s3")
    try:
        stored = s3.get_object(Bucket=get_settings().imports_bucket, Key=f"{key}.report.json")
    except s3.exceptions.NoSuchKey:
        return None
    report: dict[str, Any] = json.loads(stored["Body"].read())
    return report


def _exams_of(candidate_id: str) -> list[ExamItem]:
    items = ExamItem.query(keys.candidate_pk(candidate_id), ExamItem.SK.startswith("EXAM#"), consistent_read=True)
    return [item for item in items if isinstance(item, ExamItem)]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("s3", ("GetObject",), "ServiceUnavailable"),
        Fault("dynamodb", DDB_WRITES, THROTTLE),
        Fault("dynamodb", DDB_WRITES, THROTTLE, times=3),
    ],
    ids=["s3-read", "ddb-throttle-once", "ddb-throttle-thrice"],
)
def test_import_failure_then_rerun_imports_every_row_once(aws: None, fault: Fault) -> None:
    """The S3 trigger is retried by Lambda on failure: a re-run of the same file imports each row once."""
    person = candidate(email="ada.fault@example.com")
    key = "exams/fault.csv"
    boto3.client("s3").put_object(
        Bucket=get_settings().imports_bucket, Key=key, Body=_exams_csv(person.candidate_id, 12)
    )
    with inject(fault):
        try:
            _trigger(key)  # the S3 trigger queues the file's chunk; the worker imports it
            split = True
        except Exception:  # the invocation fails; Lambda retries the event
            split = False
        deliver_queued()  # a chunk that failed stays on its queue
    assert fault.hits >= 1
    if not split:
        _trigger(key)
    end_visibility_timeouts()  # time passes: SQS delivers the failed chunk again
    deliver_queued()
    report = _report(key)
    assert report is not None
    assert report["rows"] == 12 and report["imported"] == 12 and report["rejected"] == [], report
    assert sorted(e.registration_number for e in _exams_of(person.candidate_id)) == [
        f"REG-FAULT-{n:03d}" for n in range(12)
    ]


# -- expiry check (schedule) ---------------------------------------------------------------------


def _at(day: date) -> dict[str, Any]:
    return {"time": datetime.combine(day, time(3), tzinfo=UTC).isoformat().replace("+00:00", "Z")}


def _holder(expires: date, email: str) -> str:
    person = candidate(email=email)
    granted = rules.add_years(expires, -3)
    evaluation.grant(person.candidate_id, "ccna", granted, datetime.combine(granted, time(12), tzinfo=UTC))
    return person.candidate_id


def _expiry(day: date) -> dict[str, Any]:
    """The schedule's run (it fans out), then the shard jobs due by now (time passed since the last)."""
    from certtrack.certifications import expiry_jobs

    queued: dict[str, Any] = load_function("certifications", "expiry").handler(_at(day), LambdaContext())
    end_visibility_timeouts()
    deliver_queued()
    done = expiry_jobs.day_summary(day) if queued["shards_enqueued"] else dict.fromkeys(expiry_jobs.COUNTED, 0)
    return queued | done


def test_expiry_reminder_with_ses_down_is_sent_once_on_the_next_run(aws: None, outbox: Any) -> None:
    today = date(2026, 12, 1)
    _holder(today + timedelta(days=30), "remind.me@example.com")
    with inject(Fault("sesv2", ("SendEmail",), "ServiceUnavailable", times=10)):
        try:
            first = _expiry(today)
            assert first["reminders_sent"] == 0 and first["reminders_failed"] >= 1, first
        except Exception:  # noqa: S110 - a failed invocation is retried by the schedule as well
            pass
    assert outbox() == []
    _expiry(today)
    _expiry(today)  # a third run (the schedule's own retry) sends nothing more
    reminders = [m for m in outbox() if m["to"] == "remind.me@example.com"]
    assert len(reminders) == 1, [m["subject"] for m in outbox()]


def test_expiry_throttled_then_rerun_expires_once(aws: None, outbox: Any) -> None:
    today = date(2026, 12, 1)
    candidate_id = _holder(today - timedelta(days=1), "expired.one@example.com")
    # The schedule retries a failed invocation: whatever this one did, the next ones finish the work.
    with inject(throttle("UpdateItem", "TransactWriteItems", "PutItem")) as fault, contextlib.suppress(Exception):
        _expiry(today)
    assert fault.hits == 1
    _expiry(today)
    summary = _expiry(today)
    item = CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk("ccna"), consistent_read=True)
    assert item.status == "expired"
    assert summary["expired_certifications"] == 0  # the re-run found nothing left to do
