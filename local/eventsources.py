"""SQS and S3 event sources as Lambda runs them, from the template: queues made in moto, messages polled.

For each function event of type ``SQS`` the source receives up to ``BatchSize`` messages with the
queue's visibility timeout, invokes the function with an SQS event, and then deletes what
succeeded: everything when the invocation returned, except the ``batchItemFailures`` it listed
when the event has ``FunctionResponseTypes: [ReportBatchItemFailures]``; nothing when it raised.
Messages not deleted come back when their visibility timeout ends, and moto's queue moves a
message to the dead-letter queue of its ``RedrivePolicy`` after ``maxReceiveCount`` receives,
as SQS does.

S3 events (a function event of type ``S3``) travel the same way: :func:`s3_sources` gives the
bucket a notification configuration with the template's events and key filter that sends to a
queue of its own (moto delivers S3 notifications to SQS, not to a local process), and the source
invokes the function with each message's S3 event, one event per invocation as S3 invokes
Lambda asynchronously. A failed invocation is logged and not retried (Lambda retries twice, then
uses the function's dead-letter queue).

The dev server runs :meth:`EventSources.run` on a thread; tests call :meth:`EventSources.drain`
(every visible message delivered now) instead of waiting for the poller.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.template import ACCOUNT_ID, REGION, STACK_NAME, Function, Template

Invoke = Callable[[Function, dict[str, Any]], Any]


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def create_queues(template: Template, sqs: Any) -> dict[str, str]:
    """Every ``AWS::SQS::Queue`` of the template in moto, dead-letter queues first; logical id → URL.

    Visibility timeout, retention and the redrive policy come from the template; the URL is what
    ``!Ref`` of the queue gives (the local refs).
    """
    queues = template.properties_of_type("AWS::SQS::Queue")
    urls: dict[str, str] = {}

    def create(logical_id: str) -> str:
        if logical_id in urls:
            return urls[logical_id]
        props = queues[logical_id] or {}
        attributes: dict[str, str] = {
            name: str(props[name]) for name in ("VisibilityTimeout", "MessageRetentionPeriod") if name in props
        }
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = _get_att_arn(redrive["deadLetterTargetArn"])
            create(target)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": queue_arn(queue_name(target)), "maxReceiveCount": redrive["maxReceiveCount"]}
            )
        urls[logical_id] = sqs.create_queue(QueueName=queue_name(logical_id), Attributes=attributes)["QueueUrl"]
        return urls[logical_id]

    for logical_id in queues:
        create(logical_id)
    return urls


def queue_variables(template: Template, queue_urls: dict[str, str]) -> dict[str, str]:
    """The functions' variables that name a queue (``!Ref <queue>``), with its local URL."""
    return {
        name: queue_urls[value["Ref"]]
        for function in template.functions.values()
        for name, value in function.environment.items()
        if isinstance(value, dict) and value.get("Ref") in queue_urls
    }


@dataclass(frozen=True)
class SqsSource:
    function: Function
    queue_url: str
    queue_logical_id: str
    batch_size: int
    partial_batch: bool  # FunctionResponseTypes has ReportBatchItemFailures
    s3_notifications: bool = False  # each message is an S3 event for the function (s3_sources)


def sqs_sources(template: Template, queue_urls: dict[str, str]) -> list[SqsSource]:
    """The SQS event sources the template declares, with their queues' local URLs."""
    sources = []
    for function in template.functions.values():
        for props in function.events_of_type("SQS"):
            queue = _get_att_arn(props["Queue"])
            sources.append(
                SqsSource(
                    function=function,
                    queue_url=queue_urls[queue],
                    queue_logical_id=queue,
                    batch_size=int(props.get("BatchSize", 10)),
                    partial_batch="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                )
            )
    return sources


def s3_sources(template: Template, sqs: Any, s3: Any) -> list[SqsSource]:
    """The template's S3 event sources: each bucket notifies a queue of its own, which is polled.

    The notification configuration is the template's (events, ``prefix``/``suffix`` rules); a
    bucket's configuration is replaced as a whole, as CloudFormation sets it.
    """
    sources: list[SqsSource] = []
    configurations: dict[str, list[dict[str, Any]]] = {}
    for function in template.functions.values():
        for number, props in enumerate(function.events_of_type("S3")):
            bucket = str(template.resolve(props["Bucket"]))
            name = f"{STACK_NAME}-s3-{function.logical_id.lower()}-{number}"
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
            rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            configuration: dict[str, Any] = {"QueueArn": queue_arn(name), "Events": [str(e) for e in events]}
            if rules:
                configuration["Filter"] = {
                    "Key": {"FilterRules": [{"Name": str(r["Name"]), "Value": str(r["Value"])} for r in rules]}
                }
            configurations.setdefault(bucket, []).append(configuration)
            sources.append(SqsSource(function, url, name, 1, False, s3_notifications=True))
    for bucket, queues in configurations.items():
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queues}
        )
    return sources


class EventSources:
    """Polls every SQS source and invokes its function, one batch at a time per source."""

    def __init__(self, sources: list[SqsSource], invoke: Invoke, sqs: Any) -> None:
        self.sources = sources
        self._invoke = invoke
        self._sqs = sqs
        # One drain at a time, the poller thread's or a request's (``/_local/imports``, a test): a
        # drain that finds nothing while the other holds a job in flight would return before that
        # job's follow-ups (an import's chunks, a shard's continuation) are queued.
        self._busy = threading.RLock()

    def poll_once(self, source: SqsSource) -> int:
        """Receive one batch and deliver it; the number of messages received."""
        with self._busy:
            received = self._sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(source.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                return 0
            if source.s3_notifications:
                self._deliver_s3(source, received)
                return len(received)
            event = {"Records": [_record(source, message) for message in received]}
            try:
                result = self._invoke(source.function, event)
            except Exception:  # as Lambda: the batch stays on the queue, the error goes to the log
                traceback.print_exc(file=sys.stderr)
                return len(received)
            failed: set[str] = set()
            if source.partial_batch and isinstance(result, dict):
                failed = {str(f.get("itemIdentifier")) for f in result.get("batchItemFailures") or []}
            done = [m for m in received if m["MessageId"] not in failed]
            if done:
                self._sqs.delete_message_batch(
                    QueueUrl=source.queue_url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
                )
            return len(received)

    def _deliver_s3(self, source: SqsSource, received: list[dict[str, Any]]) -> None:
        for message in received:
            event = json.loads(message["Body"])
            if event.get("Records"):  # not S3's test event
                try:
                    self._invoke(source.function, event)
                except Exception:  # logged; not retried here (see the module's docstring)
                    traceback.print_exc(file=sys.stderr)
            self._sqs.delete_message(QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def drain(self, limit: int = 100) -> int:
        """Deliver every message visible now (and those the deliveries queue); the number received."""
        total = 0
        with self._busy:
            for _round in range(limit):
                received = sum(self.poll_once(source) for source in self.sources)
                if not received:
                    break
                total += received
        return total

    def run(self, stop: threading.Event, interval_s: float = 0.05) -> None:
        """The poller thread: drain, wait ``interval_s``, until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.drain()
            except Exception:
                traceback.print_exc(file=sys.stderr)
            stop.wait(interval_s)


def _record(source: SqsSource, message: dict[str, Any]) -> dict[str, Any]:
    """One SQS record as Lambda's event source delivers it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(queue_name(source.queue_logical_id)),
        "awsRegion": REGION,
    }


def queue_name(logical_id: str) -> str:
    """The local name of the template's queue ``logical_id``."""
    return f"{STACK_NAME}-{logical_id.lower()}"


def _get_att_arn(value: Any) -> str:
    """``!GetAtt Queue.Arn`` → ``Queue``."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        name, _, attribute = (target if isinstance(target, str) else ".".join(target)).partition(".")
        if attribute == "Arn":
            return name
    raise ValueError(f"an SQS queue is named by !GetAtt <queue>.Arn, not {value!r}")
