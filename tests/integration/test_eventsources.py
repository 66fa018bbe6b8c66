"""The local runtime's SQS event sources behave as Lambda's: batches, partial failures, redrive."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from local.template import Function
from tests.conftest import end_visibility_timeouts, event_sources, queue_url

pytestmark = pytest.mark.usefixtures("aws")


def _attributes(logical_id: str) -> dict[str, str]:
    sqs = boto3.client("sqs")
    return dict(sqs.get_queue_attributes(QueueUrl=queue_url(logical_id), AttributeNames=["All"])["Attributes"])


def _send(*bodies: str) -> None:
    for body in bodies:
        boto3.client("sqs").send_message(QueueUrl=queue_url("MappingMailQueue"), MessageBody=body)


def test_queues_are_made_as_the_template_declares() -> None:
    queue = _attributes("MappingMailQueue")
    assert queue["VisibilityTimeout"] == "60"
    assert queue["MessageRetentionPeriod"] == "14400"
    redrive = json.loads(queue["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"] == _attributes("MappingMailFailureQueue")["QueueArn"]
    sources = {s.function.logical_id: (s.batch_size, s.partial_batch) for s in event_sources(lambda *_: None).sources}
    assert sources == {
        "MappingMailFunction": (10, True),
        "ImportChunksFunction": (1, True),
        "ExpiryWorkerFunction": (1, True),
    }


def test_a_batch_is_delivered_and_deleted() -> None:
    seen: list[list[str]] = []

    def invoke(function: Function, event: dict[str, Any]) -> Any:
        seen.append([r["body"] for r in event["Records"]])
        assert {r["eventSource"] for r in event["Records"]} == {"aws:sqs"}
        return {"batchItemFailures": []}

    _send(*[f"job-{n}" for n in range(12)])
    assert event_sources(invoke).drain() == 12
    assert sorted(b for batch in seen for b in batch) == sorted(f"job-{n}" for n in range(12))
    assert max(len(batch) for batch in seen) <= 10  # the template's BatchSize
    assert event_sources(invoke).drain() == 0


def test_only_the_reported_failures_come_back() -> None:
    def invoke(function: Function, event: dict[str, Any]) -> Any:
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
        }

    _send("good", "bad")
    assert event_sources(invoke).drain() == 2
    end_visibility_timeouts()
    received = boto3.client("sqs").receive_message(QueueUrl=queue_url("MappingMailQueue"), MaxNumberOfMessages=10)
    assert [m["Body"] for m in received["Messages"]] == ["bad"]


def test_an_invocation_that_raises_keeps_the_whole_batch_and_redrives_after_five() -> None:
    def invoke(function: Function, event: dict[str, Any]) -> Any:
        raise RuntimeError("the function failed")

    _send("doomed")
    sources = event_sources(invoke)
    for _ in range(5):
        assert sources.drain() == 1
        end_visibility_timeouts()
    assert sources.drain() == 0
    dead = boto3.client("sqs").receive_message(QueueUrl=queue_url("MappingMailFailureQueue"))["Messages"]
    assert [m["Body"] for m in dead] == ["doomed"]


def test_the_poller_thread_delivers_without_being_asked() -> None:
    delivered = threading.Event()

    def invoke(function: Function, event: dict[str, Any]) -> Any:
        delivered.set()
        return {"batchItemFailures": []}

    stop = threading.Event()
    thread = threading.Thread(target=event_sources(invoke).run, args=(stop,), daemon=True)
    thread.start()
    try:
        _send("hello")
        assert delivered.wait(5)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
