"""Work done after the answer: a job on an SQS queue, run by a worker function, exactly once in effect.

A request handler calls :func:`enqueue` with a :class:`Job` and answers; the queue's worker
(an SQS event source with partial batch responses) runs it. SQS delivers at least once, so the
worker writes the job's :class:`JobDoneItem` in the same transaction as the job's own item, and a
job already done is skipped. A job that raises is retried by SQS (the visibility timeout of the
queue in ``template.yaml``) and lands on the queue's dead-letter queue after a few receives.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import keys
from certtrack.db import CONDITION_FAILED, TableItem, cancellation_codes, transactions_connection
from certtrack.errors import ServiceUnavailable
from certtrack.fields import Schema
from certtrack.settings import get_settings

# Markers outlive every redelivery (SQS keeps a message 4 days at most on our queues).
DONE_RETENTION = timedelta(days=7)


class Job(Schema):
    """What a queue message carries: an id (the deduplication key) and the time it was asked."""

    job_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=64)
    requested_at: datetime


class JobDoneItem(TableItem):
    """``JOB#<job id> / DONE``: the job's effects are written (with them, in one transaction)."""

    kind = UnicodeAttribute()
    done_at = UTCDateTimeAttribute()


def complete(job: Job, kind: str, now: datetime, effects: Sequence[TableItem] = ()) -> bool:
    """Write the job's effects (if any) with its done marker, in one transaction.

    False when the marker exists already: another delivery of the same job completed it.
    """
    marker = JobDoneItem(
        keys.job_pk(job.job_id),
        keys.JOB_DONE,
        kind=kind,
        done_at=now,
        expires_at=int((now + DONE_RETENTION).timestamp()),
    )
    try:
        with TransactWrite(connection=transactions_connection()) as transaction:
            transaction.save(marker, condition=JobDoneItem.PK.does_not_exist())
            for effect in effects:
                transaction.save(effect)
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if codes and codes[0] == CONDITION_FAILED:
            return False
        raise
    return True


def is_done(job: Job) -> bool:
    try:
        JobDoneItem.get(keys.job_pk(job.job_id), keys.JOB_DONE, consistent_read=True)
    except JobDoneItem.DoesNotExist:
        return False
    return True


@lru_cache(maxsize=1)
def sqs() -> Any:
    import boto3  # on first use: a cold start that queues nothing does not load it

    return boto3.client("sqs", region_name=get_settings().region)


def enqueue(queue_url: str, job: Job) -> None:
    """Put ``job`` on the queue; 503 when SQS does not take it (nothing was queued)."""
    try:
        sqs().send_message(QueueUrl=queue_url, MessageBody=job.model_dump_json())
    except (ClientError, BotoCoreError) as error:
        raise ServiceUnavailable(
            "The request could not be queued right now; nothing was sent. Please retry.",
            code="queue_unavailable",
            headers={"Retry-After": "5"},
        ) from error


def reset_clients_for_tests() -> None:
    sqs.cache_clear()
