"""The daily check fanned out on SQS: the real handlers through the template's event sources.

The schedule's handler queues one job per due shard; the worker (``expiry_worker.handler``) runs
through ``local.eventsources`` as Lambda's SQS event source runs it (batch size, visibility
timeout, partial batch responses, the redrive policy). Faults are injected under botocore
(``tests.integration.test_faults.inject``): SES refusing sends for a while, the table throttling,
the worker dying mid-shard. Afterwards every reminder went out exactly once and the day is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from unittest import mock

import pytest
from botocore.client import BaseClient
from certtrack import keys
from certtrack.certifications import expiry, expiry_jobs, reminders
from certtrack.certifications.models import HistoryItem
from certtrack.settings import get_settings

from tests.conftest import end_visibility_timeouts, event_sources, load_function, queue_url
from tests.integration.expiry.conftest import at, certification, fan_out, holder
from tests.integration.test_faults import THROTTLE, Fault, inject

EXPIRES = "2027-02-20"  # the 90-day reminder is due 2026-11-22
DAY = "2026-11-25"


def _deliver() -> int:
    return event_sources().drain(limit=1_000)


def _sent_to() -> list[str]:
    from tests.integration.expiry.conftest import raw_messages

    return [str(m["To"]) for m in raw_messages() if " expires on " in str(m["Subject"])]


def _queued(logical_id: str) -> int:
    import boto3

    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _day_done(day: str = DAY) -> dict[str, Any]:
    summary = expiry_jobs.day_summary(date.fromisoformat(day))
    assert summary["complete"] is True, summary
    assert expiry.load_state().last_success == day
    return summary


def test_one_job_per_shard_then_the_day_is_complete(aws: None) -> None:
    people = [holder(EXPIRES) for _ in range(6)]
    expiring = [holder("2026-11-24") for _ in range(3)]

    queued = fan_out(at(DAY))

    assert queued["shards_enqueued"] == get_settings().due_shards and queued["complete"] is False
    assert _queued("ExpiryShardQueue") == get_settings().due_shards
    assert expiry_jobs.day_summary(date.fromisoformat(DAY))["complete"] is False
    _deliver()
    totals = _day_done()
    assert totals["reminders_sent"] == 6 and totals["expired_certifications"] == 3
    assert totals["invocations"] == get_settings().due_shards  # nothing needed a continuation
    assert sorted(_sent_to()) == sorted(str(p.email) for p in people)
    assert all(certification(p.candidate_id).status == "expired" for p in expiring)

    again = fan_out(at(DAY))  # the schedule's event delivered twice

    assert again["shards_enqueued"] == 0 and again["complete"] is True
    assert _deliver() == 0 and len(_sent_to()) == 6


def test_a_shard_continues_when_it_reaches_its_bound(
    aws: None, one_shard: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [holder(EXPIRES) for _ in range(7)]
    monkeypatch.setattr(expiry_jobs, "PAGE_SIZE", 2)
    monkeypatch.setattr(expiry_jobs, "ITEMS_PER_INVOCATION", 2)  # one page per invocation
    steps: list[int] = []
    worker = load_function("certifications", "expiry_worker")
    real = worker.run_job

    def counted(record: Any, context: Any) -> dict[str, Any]:
        summary: dict[str, Any] = real(record, context)
        steps.append(summary["step"])
        return summary

    monkeypatch.setattr(worker, "run_job", counted)
    fan_out(at(DAY))
    _deliver()

    assert steps == [1, 2, 3, 4]  # 2 + 2 + 2 + 1 entries, each continuation after the one before
    totals = _day_done()
    assert totals["reminders_sent"] == 7 and totals["items_read"] == 7
    assert sorted(_sent_to()) == sorted(str(p.email) for p in people)


def test_an_ses_outage_during_reminders_delays_the_rest_and_sends_each_once(aws: None) -> None:
    people = [holder(EXPIRES) for _ in range(8)]
    fan_out(at(DAY))

    # SES answers 503 to the next 7 sends: the first reminder tried makes three attempts, then its
    # shard's job stops sending and queues a delayed continuation; the next shard's too…
    with inject(Fault("sesv2", ("SendEmail",), "ServiceUnavailable", times=7)) as fault:
        _deliver()
        assert fault.hits == 7
    refused = expiry_jobs.day_summary(date.fromisoformat(DAY))
    assert refused["complete"] is False and refused["reminders_not_attempted"] >= 2
    assert _queued("ExpiryShardQueue") == 0  # the continuations wait (DelaySeconds)

    end_visibility_timeouts()  # SES is back and the delays are over
    _deliver()

    totals = _day_done()
    assert sorted(_sent_to()) == sorted(str(p.email) for p in people)  # each exactly once
    assert totals["reminders_sent"] == 8 and totals["reminders_failed"] == 0
    for person in people:
        reminder = reminders.existing(person.candidate_id, "ccna", date.fromisoformat(EXPIRES), 90)
        assert reminder is not None and reminder.status == reminders.SENT


def test_a_throttled_table_during_the_check_loses_and_doubles_nothing(aws: None) -> None:
    people = [holder(EXPIRES) for _ in range(5)]
    expiring = [holder("2026-11-24") for _ in range(4)]
    fan_out(at(DAY))

    with inject(Fault("dynamodb", ("UpdateItem", "PutItem"), THROTTLE, times=3)) as fault:
        _deliver()  # three jobs raise (partial batch failure): their messages stay on the queue
        assert fault.hits == 3
    assert expiry_jobs.day_summary(date.fromisoformat(DAY))["complete"] is False

    end_visibility_timeouts()  # SQS gives them back
    _deliver()

    _day_done()
    assert sorted(_sent_to()) == sorted(str(p.email) for p in people)
    for person in expiring:
        assert certification(person.candidate_id).status == "expired"
        history = [h for h in HistoryItem.query(keys.candidate_pk(person.candidate_id)) if h.event == "Expired"]
        assert len(history) == 1
    assert _queued("ExpiryShardFailureQueue") == 0


@contextmanager
def _dies_at_send(number: int) -> Iterator[list[int]]:
    """The worker's process dies (not an AWS error) as it makes its ``number``-th SendEmail call."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]  # private: not in botocore-stubs
    calls: list[int] = []

    def dying(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "SendEmail":
            calls.append(1)
            if len(calls) == number:
                raise SystemExit("worker killed")
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", dying):
        yield calls


def test_a_worker_crash_mid_shard_is_continued_by_the_redelivery(aws: None, one_shard: None) -> None:
    people = [holder(EXPIRES) for _ in range(5)]
    expiring = holder("2026-11-24")
    fan_out(at(DAY))

    with _dies_at_send(3), pytest.raises(SystemExit):
        _deliver()  # two reminders sent and confirmed, the third claimed, then the process is gone
    assert len(_sent_to()) == 2

    end_visibility_timeouts()
    _deliver()  # the same message again (receive count 2): it takes over its own dead claim

    totals = _day_done()
    assert sorted(_sent_to()) == sorted(str(p.email) for p in people)
    assert certification(expiring.candidate_id).status == "expired"
    assert totals["reminders_sent"] == 3  # the crashed invocation never added its totals


def test_a_job_that_keeps_failing_ends_on_the_dead_letter_queue(aws: None) -> None:
    holder(EXPIRES)
    import boto3

    boto3.client("sqs").send_message(QueueUrl=queue_url("ExpiryShardQueue"), MessageBody=json.dumps({"day": "x"}))
    for _receive in range(4):
        _deliver()
        end_visibility_timeouts()
    _deliver()

    assert _queued("ExpiryShardFailureQueue") == 1
