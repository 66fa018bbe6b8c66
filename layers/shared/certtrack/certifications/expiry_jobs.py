"""The daily check fanned out: one SQS job per due shard, each continued until its shard is read.

1. **Fan-out** (the schedule's handler, :func:`fan_out`): the day's item
   ``SCHEDULE#expiry-check / RUN#<day>`` is put once (condition: absent) with the shards still to
   finish (``pending``, a number set) and the range every shard reads (fixed here, so all shards
   read the same); then one :class:`ShardJob` per pending shard goes on the queue
   (``SendMessageBatch``), and ``enqueued_at`` says so. A schedule event delivered again for the
   same day finds the item and enqueues nothing; one whose run died before ``enqueued_at``
   enqueues again (a second chain per shard: safe, each change is conditional).
2. **A shard job** (the worker, :func:`work`): ``expiry.run_shard`` from the job's cursor, bounded
   in entries per invocation and by the time left; when it stops short it enqueues the
   continuation (the same job, the next cursor, ``step + 1``) before its own message is deleted.
   When SES refuses sends for now (throttled, unavailable) the continuation is delayed
   (``DelaySeconds``, doubling) and restarts at the unfinished page; after ``MAX_UNAVAILABLE``
   such continuations the shard is left for the next day's run (the lookback reads it again).
3. **Done for the day** without a scan: the shard that finishes removes its number from
   ``pending`` (condition: still in it, so a redelivery counts once). The update that empties the
   set marks the day complete and moves ``last_success`` on the state item; a crash after it is
   repaired by the redelivery, which finds the set empty and the day not yet recorded.

Every invocation adds its counts to the day's item (``ADD``), so the day's totals are there to read
(:func:`day_summary`); an invocation that crashed before adding them did its work uncounted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.attributes import NumberAttribute, NumberSetAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from certtrack import email, jobs, keys
from certtrack.certifications import expiry, reminders
from certtrack.db import TableItem, condition_failed
from certtrack.fields import Schema
from certtrack.settings import get_settings

logger = Logger(child=True)

# Index entries one invocation reads at most: a few pages, well inside the worker's timeout.
ITEMS_PER_INVOCATION = 2_500
PAGE_SIZE = expiry.PAGE_SIZE
MAX_UNAVAILABLE = 6  # continuations in a row that SES refused: 30 s, 1, 2, 4, 8, 15 min later
UNAVAILABLE_DELAY_S = 30
RETENTION = timedelta(days=35)
# The day's totals: what each invocation's summary adds (expiry.Summary fields).
COUNTED = (
    "expired_certifications",
    "inactive_credits",
    "expired_transcripts",
    "settled_orders",
    "reminders_sent",
    "reminders_failed",
    "reminders_skipped",
    "reminders_not_attempted",
    "rescheduled",
    "skipped",
    "items_read",
    "pages",
)


class ShardJob(Schema):
    """One queue message: a shard of one day's check, from ``cursor`` (None: its start)."""

    day: date
    now: datetime  # the schedule event's time: "now" for every invocation of the day
    shard: int
    range_start: str
    range_end: str
    cursor: dict[str, Any] | None = None  # GSI2 ExclusiveStartKey (the entry's keys, no personal data)
    step: int = 1  # this invocation's place in the shard's chain
    unavailable: int = 0  # continuations in a row that SES refused


class ExpiryDayItem(TableItem):
    """``SCHEDULE#expiry-check / RUN#<day>``: the shards still to finish and the day's totals."""

    pending = NumberSetAttribute(null=True)  # absent once every shard finished
    shards = NumberAttribute()
    now = UTCDateTimeAttribute()
    range_start = UnicodeAttribute()
    range_end = UnicodeAttribute()
    enqueued_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    invocations = NumberAttribute(default=0)
    expired_certifications = NumberAttribute(default=0)
    inactive_credits = NumberAttribute(default=0)
    expired_transcripts = NumberAttribute(default=0)
    settled_orders = NumberAttribute(default=0)
    reminders_sent = NumberAttribute(default=0)
    reminders_failed = NumberAttribute(default=0)
    reminders_skipped = NumberAttribute(default=0)
    reminders_not_attempted = NumberAttribute(default=0)
    rescheduled = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    items_read = NumberAttribute(default=0)
    pages = NumberAttribute(default=0)


def load_day(day: date) -> ExpiryDayItem | None:
    try:
        return ExpiryDayItem.get(keys.SCHEDULE_PK, keys.expiry_day_sk(day.isoformat()), consistent_read=True)
    except ExpiryDayItem.DoesNotExist:
        return None


def day_summary(day: date) -> dict[str, Any]:
    """The day's totals so far and whether every shard finished (``complete``)."""
    item = load_day(day)
    if item is None:
        return {"day": day.isoformat(), "complete": False, "shards_pending": None}
    totals: dict[str, Any] = {name: int(getattr(item, name) or 0) for name in COUNTED}
    return {
        "day": day.isoformat(),
        "range_start": item.range_start,
        "range_end": item.range_end,
        **totals,
        "invocations": int(item.invocations or 0),
        "shards_pending": len(item.pending or ()),
        "complete": item.completed_at is not None,
    }


# ---------------------------------------------------------------- fan-out


def fan_out(now: datetime) -> dict[str, Any]:
    """The schedule's run: the day's item once, then one job per shard still pending."""
    today = now.date()
    summary: dict[str, Any] = {"now": now.isoformat().replace("+00:00", "Z"), "day": today.isoformat()}
    state = expiry.load_state()
    if state.last_success and state.last_success >= today.isoformat():
        return summary | {"shards_enqueued": 0, "complete": True}
    start, end = expiry.date_range(state, today)
    shards = get_settings().due_shards
    day = ExpiryDayItem(
        keys.SCHEDULE_PK,
        keys.expiry_day_sk(today.isoformat()),
        pending=set(range(shards)),
        shards=shards,
        now=now,
        range_start=start,
        range_end=end,
        expires_at=int((now + RETENTION).timestamp()),
    )
    try:
        day.save(condition=ExpiryDayItem.PK.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        found = load_day(today)
        assert found is not None
        day = found
    if not day.pending:
        _record_complete(day)
        return summary | {"shards_enqueued": 0, "complete": True}
    enqueued = 0
    if day.enqueued_at is None:
        enqueued = _enqueue_all([_first_job(day, today, shard) for shard in sorted(int(n) for n in day.pending)])
        day.update(actions=[ExpiryDayItem.enqueued_at.set(now)])
    return summary | {
        "range_start": day.range_start,
        "range_end": day.range_end,
        "shards_enqueued": enqueued,
        "complete": False,
    }


def _first_job(day: ExpiryDayItem, today: date, shard: int) -> ShardJob:
    return ShardJob(day=today, now=day.now, shard=shard, range_start=day.range_start, range_end=day.range_end)


def _enqueue_all(batch: list[ShardJob]) -> int:
    queue = get_settings().expiry_queue
    for first in range(0, len(batch), 10):  # SendMessageBatch takes ten
        chunk = batch[first : first + 10]
        answer = jobs.sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(job.shard), "MessageBody": job.model_dump_json()} for job in chunk],
        )
        if answer.get("Failed"):
            raise RuntimeError(f"{len(answer['Failed'])} shard jobs were not queued")  # the schedule retries
    return len(batch)


def _enqueue(job: ShardJob, delay_s: int = 0) -> None:
    jobs.sqs().send_message(
        QueueUrl=get_settings().expiry_queue, MessageBody=job.model_dump_json(), DelaySeconds=delay_s
    )


# ---------------------------------------------------------------- a shard job


def work(
    job: ShardJob,
    *,
    message_id: str,
    receive_count: int,
    remaining_ms: Callable[[], int],
    max_items: int | None = None,
    send_rate: float | None = None,
    sleep: Callable[[float], None] | None = None,
    **handlers: Any,
) -> dict[str, Any]:
    """One invocation's part of ``job``'s shard, then its continuation or the shard marked done.

    ``send_rate`` is this invocation's share of SES's rate: the account's ``MaxSendRate`` (read
    once here) divided by the worker's concurrency (``EXPIRY_WORKERS``), as every worker sends
    at once. ``handlers`` are ``expire_transcript``, ``settle_order`` and ``on_expired``
    (``expiry.run_shard``).
    """
    rate = send_rate if send_rate is not None else email.max_send_rate() / get_settings().expiry_workers
    pacer = reminders.Pacer(rate, sleep=sleep) if sleep is not None else reminders.Pacer(rate)
    shard_pass = expiry.run_shard(
        job.now,
        job.shard,
        (job.range_start, job.range_end),
        job.cursor,
        run_id=f"{message_id}:{receive_count}",
        takes_over=f"{message_id}:",  # this message's earlier delivery, which SQS gave back: it died
        remaining_ms=remaining_ms,
        max_items=max_items or ITEMS_PER_INVOCATION,
        page_size=PAGE_SIZE,
        pace=pacer.wait,
        sleep=sleep,
        **handlers,
    )
    summary = shard_pass.summary.as_dict() | {"shard": job.shard, "step": job.step}
    if shard_pass.finished:
        summary["day_complete"] = _shard_done(job, shard_pass.summary)
        return summary
    if shard_pass.unavailable and job.unavailable + 1 > MAX_UNAVAILABLE:
        logger.warning(
            "SES refused sends all along; the shard's rest waits for the next day's run", extra={"shard": job.shard}
        )
        summary["day_complete"] = _shard_done(job, shard_pass.summary)
        return summary
    unavailable = job.unavailable + 1 if shard_pass.unavailable else 0
    following = job.model_copy(update={"cursor": shard_pass.cursor, "step": job.step + 1, "unavailable": unavailable})
    delay = min(UNAVAILABLE_DELAY_S * 2 ** (unavailable - 1), 900) if unavailable else 0
    _enqueue(following, delay)  # before this message is deleted: a crash now repeats, never skips
    _add_totals(job.day, shard_pass.summary)
    summary["continued"] = True
    return summary


def _totals(summary: expiry.Summary) -> list[Any]:
    return [ExpiryDayItem.invocations.add(1)] + [
        getattr(ExpiryDayItem, name).add(getattr(summary, name)) for name in COUNTED
    ]


def _add_totals(day: date, summary: expiry.Summary) -> None:
    try:
        ExpiryDayItem(keys.SCHEDULE_PK, keys.expiry_day_sk(day.isoformat())).update(
            actions=_totals(summary), condition=ExpiryDayItem.PK.exists()
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        logger.warning("a shard job of a day without its item (not fanned out here)", extra={"day": day.isoformat()})


def _shard_done(job: ShardJob, summary: expiry.Summary) -> bool:
    """Take the shard off ``pending`` (once) with this invocation's totals; True when the day is complete."""
    item = ExpiryDayItem(keys.SCHEDULE_PK, keys.expiry_day_sk(job.day.isoformat()))
    try:
        item.update(
            actions=[*_totals(summary), ExpiryDayItem.pending.delete({job.shard})],
            condition=ExpiryDayItem.pending.contains(job.shard),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        _add_totals(job.day, summary)  # a redelivery, or a second chain: the shard was counted done
        found = load_day(job.day)
        if found is None or found.pending:
            return False
        item = found
    if item.pending:
        return False
    _record_complete(item)
    return True


def _record_complete(day: ExpiryDayItem) -> None:
    """Every shard finished: ``last_success`` moves to the day (idempotent), then the day says so."""
    today = date.fromisoformat(day.SK.removeprefix(keys.expiry_day_sk("")))
    expiry.record_success(expiry.load_state(), today, day.now)
    if day.completed_at is None:
        day.update(actions=[ExpiryDayItem.completed_at.set(day.now)])
