"""One pass of the daily expiry check over a due shard: read only what is due (GSI2), change each
item under a condition.

The schedule fans the day out, one job per shard (``expiry_jobs``); each job's invocation calls
:func:`run_shard`, as of the schedule event's time:

1. Query shard ``DUE#<n>`` of GSI2 (KEYS_ONLY) from the job's cursor, for sort keys from
   ``LOOKBACK_DAYS`` before the last successful day (or before today when there was none) up to
   today (:func:`date_range`), page by page. Processed items leave the range (they move to their
   next event or leave the index), so the range only ever holds pending work: the lookback costs
   nothing in steady state and catches items written late with a past due date (a historical
   import) or left due by a failed send.
2. Per entry, one conditional write whose condition is that the item's ``GSI2SK`` is still what
   was read: a second, overlapping pass's write fails and is skipped, and an item that moved
   (recertified, re-imported) is left to its new entry.
   - certification ``expire`` → status ``expired`` and off the index, then history "Expired"
     (PDF downloads follow the status), then ``on_expired`` (the caller passes the badges' status
     sync: badges sit above certifications);
   - certification reminder → the candidate's records are read (one Query) for the progress
     tree and the reminder is claimed (see ``reminders``); a pass past several marks sends only
     the latest (90 → 30 → 7), and one past the expiry expires instead;
   - CE credit past its inactive date → ``inactive``; transcript past ``expires_on`` → ``expired``
     by ``transcripts`` itself (the caller passes ``expire_transcript``: transcripts sit above
     certifications, so this module never imports them); an order awaiting payment → settled or
     expired by fulfillment (``settle_order``, passed the same way).
3. Each page's claimed reminders are sent before the next page is read (retries, backoff, SES's
   rate); each success moves its certification to the next event.
4. The pass stops after ``max_items`` entries or when time runs short, or when a page's reminders
   could not all be sent; the returned cursor says where the job's continuation starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, PynamoDBException

from certtrack import keys
from certtrack.certifications import due, reminders
from certtrack.certifications.evaluation import RULES_SOURCE
from certtrack.certifications.models import CECreditItem, CertificationItem, HistoryItem
from certtrack.certifications.record_store import RecordStore, dynamo_store
from certtrack.certifications.records import evaluate_partition, read_partition
from certtrack.db import TableItem, condition_failed
from certtrack.program import rules
from certtrack.program.catalog import Catalog, load_catalog

logger = Logger(child=True)

LOOKBACK_DAYS = 400
PAGE_SIZE = 500  # index entries per Query page (KEYS_ONLY entries are small)
# Read no further page with less than this much time left (a page and its reminders must fit), and
# stop sending with the second; both at most a quarter / a twentieth of the time the pass started with.
PAGE_RESERVE_MS = 60_000
SEND_RESERVE_MS = 5_000
# The records a reminder needs, in one Query of the candidate's partition: CE#, CERT#, EXAM# … PROFILE.
_REMINDER_SLICE = (keys.CE_PREFIX, keys.PROFILE)

# Expires another package's item on the due index: (PK, SK, the GSI2SK the scan read) → True when
# it changed the item, False when the item moved since it was read (counted as skipped).
ExpireItem = Callable[[str, str, str], bool]
# Told of a certification this pass expired: (candidate id, cert id, today).
OnExpired = Callable[[str, str, date], None]


class ExpiryStateItem(TableItem):
    """``SCHEDULE#expiry-check / STATE``: the last day every shard was read to the end.

    (The one-invocation check of before the fan-out also kept its shards' cursors here,
    ``cursors`` and ``paused_at``: nothing reads them now, and an item that still has them reads
    as before, PynamoDB ignoring attributes a model does not declare.)
    """

    last_success = UnicodeAttribute(null=True)  # YYYY-MM-DD of the event time of the last complete day
    last_success_at = UTCDateTimeAttribute(null=True)


@dataclass
class Summary:
    now: str
    range_start: str = ""
    range_end: str = ""
    expired_certifications: int = 0
    inactive_credits: int = 0
    expired_transcripts: int = 0
    settled_orders: int = 0  # unpaid orders paid (reconciled) or expired
    reminders_sent: int = 0
    reminders_failed: int = 0
    reminders_skipped: int = 0  # unsubscribed, suppressed or no address: not mailed, moved on
    reminders_not_attempted: int = 0  # released unsent (out of time, SES refusing): the continuation sends them
    rescheduled: int = 0
    skipped: int = 0  # changed since it was read, or held by an overlapping pass
    items_read: int = 0  # index entries read (Query Count on GSI2)
    pages: int = 0
    resumed: bool = False
    complete: bool = False
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add_sends(self, report: reminders.SendReport) -> None:
        """A page's reminders' outcome (``reminders.send_all``), added to the pass's counts."""
        self.reminders_sent += report.sent
        self.reminders_failed += report.failed
        self.reminders_not_attempted += report.not_attempted
        self.failures.extend(report.failures)


@dataclass(frozen=True)
class Entry:
    """One GSI2 index entry: the item's keys and the ``GSI2SK`` it was read with."""

    pk: str
    sk: str
    gsi2sk: str

    @property
    def due_date(self) -> date:
        return due.parse_sk(self.gsi2sk)[0]

    @property
    def kind(self) -> str:
        return due.parse_sk(self.gsi2sk)[1]


@dataclass
class _Run:
    now: datetime
    today: date
    catalog: Catalog
    summary: Summary
    run_id: str
    expire_transcript: ExpireItem | None = None
    settle_order: ExpireItem | None = None
    on_expired: OnExpired | None = None
    pending: list[reminders.Pending] = field(default_factory=list)
    takes_over: str | None = None  # claims of this run_id prefix are an earlier, dead delivery's


# ---------------------------------------------------------------- state


def load_state() -> ExpiryStateItem:
    try:
        return ExpiryStateItem.get(keys.SCHEDULE_PK, keys.STATE, consistent_read=True)
    except ExpiryStateItem.DoesNotExist:
        return ExpiryStateItem(keys.SCHEDULE_PK, keys.STATE)


def record_success(state: ExpiryStateItem, today: date, now: datetime) -> None:
    """Every shard read to the end for ``today``: the next day's range starts from it."""
    # Never move the mark backwards (a replayed older event would otherwise widen nothing but confuse).
    last = max(filter(None, [state.last_success, today.isoformat()]))
    item = ExpiryStateItem(keys.SCHEDULE_PK, keys.STATE)
    item.update(actions=[ExpiryStateItem.last_success.set(last), ExpiryStateItem.last_success_at.set(now)])


def date_range(state: ExpiryStateItem, today: date) -> tuple[str, str]:
    """GSI2SK bounds: ``LOOKBACK_DAYS`` before the last success (or today) through all of today."""
    anchor = date.fromisoformat(state.last_success) if state.last_success else today
    start = min(anchor, today) - timedelta(days=LOOKBACK_DAYS)
    # "$" sorts after "#": every key of today's date is inside.
    return start.isoformat(), f"{today.isoformat()}$"


# ---------------------------------------------------------------- a shard's pass


@dataclass
class ShardPass:
    """One invocation's part of a shard: what it did and where the next one starts."""

    summary: Summary
    cursor: dict[str, Any] | None  # the ExclusiveStartKey of the next page to read
    finished: bool  # the shard was read to its end
    unavailable: bool = False  # SES refused sends for now: ``cursor`` is the unfinished page's start


def run_shard(
    now: datetime,
    shard: int,
    bounds: tuple[str, str],
    cursor: dict[str, Any] | None,
    *,
    run_id: str,
    remaining_ms: Callable[[], int],
    max_items: int,
    takes_over: str | None = None,
    pace: Callable[[], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    page_size: int = PAGE_SIZE,
    page_reserve_ms: int = PAGE_RESERVE_MS,
    send_reserve_ms: int = SEND_RESERVE_MS,
    expire_transcript: ExpireItem | None = None,
    settle_order: ExpireItem | None = None,
    on_expired: OnExpired | None = None,
) -> ShardPass:
    """Shard ``DUE#<shard>`` from ``cursor``, page by page, each page's reminders sent before the next.

    Stops after ``max_items`` index entries or when a page might not fit in the time left (the
    cursor then names the next page), or when a page's reminders could not all be sent: out of
    time, or SES refusing for now (``unavailable``). Then the cursor is that page's own start: its
    done entries have left the range (expired, moved on, reminder ``sent``), the released ones
    are read again. Nothing is redone and nothing is skipped.
    """
    summary = Summary(
        now=now.isoformat().replace("+00:00", "Z"), range_start=bounds[0], range_end=now.date().isoformat()
    )
    summary.resumed = cursor is not None
    context = _Run(
        now,
        now.date(),
        load_catalog(),
        summary,
        run_id,
        expire_transcript,
        settle_order,
        on_expired,
        takes_over=takes_over,
    )
    initial = remaining_ms()
    page_reserve_ms = min(page_reserve_ms, initial // 4)
    send_reserve_ms = min(send_reserve_ms, initial // 20)
    send_options: dict[str, Any] = {"has_time": lambda: remaining_ms() > send_reserve_ms, "pace": pace}
    if sleep is not None:
        send_options["sleep"] = sleep
    connection = CertificationItem._get_connection()
    condition = CertificationItem.GSI2SK.between(*bounds)
    start_key = cursor
    while True:
        if summary.items_read >= max_items or remaining_ms() <= page_reserve_ms:
            return ShardPass(summary, start_key, finished=False)
        page = connection.query(
            f"DUE#{shard}",
            range_key_condition=condition,
            index_name="GSI2",
            exclusive_start_key=start_key,
            limit=page_size,
        )
        summary.pages += 1
        summary.items_read += int(page.get("Count", 0))
        _process_page(context, [Entry(r["PK"]["S"], r["SK"]["S"], r["GSI2SK"]["S"]) for r in page.get("Items", [])])
        report = reminders.send_all(context.pending, now, stop_when_unavailable=True, **send_options)
        context.pending = []
        summary.add_sends(report)
        if report.not_attempted:
            return ShardPass(summary, start_key, finished=False, unavailable=report.unavailable)
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            summary.complete = True
            return ShardPass(summary, None, finished=True)


def _process_page(context: _Run, entries: list[Entry]) -> None:
    wanted: dict[str, list[tuple[Entry, date, int]]] = {}
    for entry in entries:
        kind = entry.kind
        if kind.startswith(due.CERT_KIND):
            expiry = due.implied_expiry(kind, entry.due_date)
            if expiry is None:
                logger.warning("unknown due kind", extra={"kind": kind})
                continue
            action, upcoming = due.plan(expiry, context.today)
            if action == due.EXPIRE:
                _expire_certification(context, entry, expiry)
            elif action is None:
                context.summary.rescheduled += _move_on(context, entry, upcoming)
            else:
                days = int(action.removeprefix("r"))
                wanted.setdefault(entry.pk, []).append((entry, expiry, days))
        elif kind == due.CE_INACTIVE:
            _deactivate_credit(context, entry)
        elif kind == due.TRANSCRIPT_EXPIRE:
            _expire_transcript(context, entry)
        elif kind == due.ORDER_UNPAID and context.settle_order is not None:
            if context.settle_order(entry.pk, entry.sk, entry.gsi2sk):
                context.summary.settled_orders += 1
        else:
            logger.warning("unknown due kind", extra={"kind": kind})
    for pk, items in wanted.items():
        _collect_reminders(context, pk, items)


# ---------------------------------------------------------------- certifications


def expired_history(candidate_id: str, cert_id: str, expiry: date) -> HistoryItem:
    """The same item the rules engine writes for this event, so a later evaluation changes nothing."""
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(expiry.isoformat(), f"{cert_id}:{rules.EXPIRED_EVENT}"),
        candidate_id=candidate_id,
        cert_id=cert_id,
        date=expiry,
        event="Expired",
        source=RULES_SOURCE,
        kind=rules.EXPIRED_EVENT,
    )


def expire_certification(entry: Entry, expiry: date, now: datetime, store: RecordStore | None = None) -> bool:
    """A ``CERT:expire`` entry: status ``expired`` and off the index if it is still due, then the
    "Expired" history event; False (nothing changed) when it moved or changed since it was read.

    Not one transaction on purpose: the conditional update decides which run does the work, and
    the history item is the rules engine's own (same key and text), so if a crash lost it the
    next evaluation of the candidate writes it. Two single-item writes cost less than a
    transaction (which DynamoDB bills double).
    """
    candidate_id = keys.candidate_id_from_pk(entry.pk)
    cert_id = entry.sk.removeprefix(keys.CERT_PREFIX)
    event = expired_history(candidate_id, cert_id, expiry)
    return (store or dynamo_store()).expire_certification(candidate_id, cert_id, entry.gsi2sk, expiry, now, event)


def _expire_certification(context: _Run, entry: Entry, expiry: date) -> None:
    if not expire_certification(entry, expiry, context.now):
        context.summary.skipped += 1
        return
    context.summary.expired_certifications += 1
    if context.on_expired is None:
        return
    candidate_id, cert_id = keys.candidate_id_from_pk(entry.pk), entry.sk.removeprefix(keys.CERT_PREFIX)
    try:
        context.on_expired(candidate_id, cert_id, context.today)
    except PynamoDBException as error:
        # Expired already and off the index: the holder's next badge listing syncs the bit.
        logger.warning("badge status sync failed", extra={"cert_id": cert_id, "error": type(error).__name__})
        context.summary.failures.append({"kind": "badge_status", "cert_id": cert_id, "error": type(error).__name__})


def _move_on(context: _Run, entry: Entry, upcoming: tuple[str, date] | None) -> bool:
    """To the next event (or off the index); False (counted as skipped) when it changed meanwhile."""
    if reminders.advance(entry.pk, entry.sk, entry.gsi2sk, upcoming):
        return True
    context.summary.skipped += 1
    return False


def _collect_reminders(context: _Run, pk: str, items: list[tuple[Entry, date, int]]) -> None:
    """One Query of the candidate's records, then a claim per reminder still due."""
    candidate_id = keys.candidate_id_from_pk(pk)
    partition = read_partition(candidate_id, between=_REMINDER_SLICE, consistent=True)
    results: dict[str, rules.Result] | None = None
    for entry, expiry, days in items:
        cert_id = entry.sk.removeprefix(keys.CERT_PREFIX)
        stored = partition.certifications.get(cert_id)
        cert = context.catalog.certification(cert_id)
        if stored is None or cert is None or entry.gsi2sk != stored.GSI2SK:
            context.summary.skipped += 1  # moved on since the index was read
            continue
        if stored.status != rules.ACTIVE or stored.expiration_date != expiry:
            # Changed without being rescheduled: follow what the record says now.
            current = stored.expiration_date if stored.status == rules.ACTIVE else None
            context.summary.rescheduled += _move_on(
                context, entry, due.plan(current, context.today)[1] if current else None
            )
            continue
        results = results or evaluate_partition(partition, context.today, context.catalog)
        result = results[cert_id]
        if result.expiration_date is not None and result.expiration_date > expiry:
            # The evidence already renews it (the record is re-evaluated on the next import):
            # a reminder about the old date would be stale.
            context.summary.skipped += 1
            continue
        upcoming = due.plan(expiry, context.today)[1]
        if not reminders.should_email(partition.profile):
            context.summary.reminders_skipped += _move_on(context, entry, upcoming)
            continue
        assert partition.profile is not None and partition.profile.email
        try:
            claimed = reminders.claim(
                candidate_id, cert_id, expiry, days, context.run_id, context.now, takes_over=context.takes_over
            )
        except PutError as error:
            if not condition_failed(error):
                raise
            _claim_taken(context, entry, candidate_id, cert_id, expiry, days, upcoming)
            continue
        context.pending.append(
            reminders.Pending(
                candidate_id=candidate_id,
                cert_id=cert_id,
                expiration_date=expiry,
                days=days,
                read_gsi2sk=entry.gsi2sk,
                next_due=upcoming,
                to=partition.profile.email,
                context=reminders.email_context(partition.profile, cert, expiry, context.today, result.progress),
                reminder=claimed,
            )
        )


def _claim_taken(
    context: _Run,
    entry: Entry,
    candidate_id: str,
    cert_id: str,
    expiry: date,
    days: int,
    upcoming: tuple[str, date] | None,
) -> None:
    """Sent already (an earlier run confirmed the mail but not the move): move on. Otherwise another run holds it."""
    previous = reminders.existing(candidate_id, cert_id, expiry, days)
    if previous is not None and previous.status == reminders.SENT:
        context.summary.rescheduled += _move_on(context, entry, upcoming)
    else:
        context.summary.skipped += 1


# ---------------------------------------------------------------- CE credits and transcripts


def _deactivate_credit(context: _Run, entry: Entry) -> None:
    item = CECreditItem(entry.pk, entry.sk)
    if due.take_off_index(item, [CECreditItem.status.set("inactive")], entry.gsi2sk):
        context.summary.inactive_credits += 1
    else:
        context.summary.skipped += 1


def _expire_transcript(context: _Run, entry: Entry) -> None:
    if context.expire_transcript is None:
        logger.warning("no handler for due kind", extra={"kind": entry.kind})
        context.summary.skipped += 1
    elif context.expire_transcript(entry.pk, entry.sk, entry.gsi2sk):
        context.summary.expired_transcripts += 1
    else:
        context.summary.skipped += 1
