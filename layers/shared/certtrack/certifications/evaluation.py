"""Apply the rules engine's answer to a candidate's stored records.

For each certification: the ``CertificationItem`` (status, dates, due-date keys for the expiry
check), the engine's history events (deterministic keys, so re-running writes the same items
and stale ones are deleted), the expert number an earned expert certification grants, and the
congratulations email for a newly earned certification.

Writes go through a :class:`Writer` (BatchWriteItem, 25 a call) that callers share across
candidates. A newly earned certification's "Certification earned" event is written only after
its email went out, so a failed send is retried by the next evaluation instead of being lost.

Reads and writes go through a :class:`~certtrack.certifications.record_store.RecordStore` (the
table by default; an in-memory one in the unit tests) and mail through ``send`` (SES by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aws_lambda_powertools import Logger

from certtrack import keys
from certtrack.certifications import due
from certtrack.certifications.models import CertificationItem, ExamItem, HistoryItem
from certtrack.certifications.record_store import Partition, RecordStore, Write, dynamo_store
from certtrack.certifications.records import evaluate_partition
from certtrack.dates import iso_day
from certtrack.db import TableItem, raw_map
from certtrack.email import send_template
from certtrack.errors import ServiceUnavailable
from certtrack.identity.models import CandidateItem
from certtrack.identity.personal import settings_of
from certtrack.program import rules
from certtrack.program.catalog import Catalog, Certification, load_catalog
from certtrack.settings import get_settings

logger = Logger(child=True)

# Sends one templated email (to, template name, context); raises ServiceUnavailable when SES refuses.
SendMail = Callable[[str, str, dict[str, Any]], object]

RULES_SOURCE = "rules"
EXAM_SOURCE = "exam"


class Writer:
    """Pending puts and deletes, one per key (last wins), flushed to the store (BatchWriteItem)."""

    def __init__(self, store: RecordStore | None = None) -> None:
        self._ops: dict[tuple[str, str], Write] = {}
        self._store = store
        self.calls = 0

    def put(self, item: TableItem) -> None:
        self._ops[(item.PK, item.SK)] = ("put", item)

    def delete(self, item: TableItem) -> None:
        self._ops[(item.PK, item.SK)] = ("delete", item)

    def __len__(self) -> int:
        return len(self._ops)

    def flush(self) -> None:
        if not self._ops:
            return
        ops, self._ops = list(self._ops.values()), {}
        self.calls += (self._store or dynamo_store()).write(ops)


@dataclass
class Earned:
    """A certification earned in this evaluation whose congratulations are still to be sent."""

    candidate_id: str
    cert_id: str
    event: HistoryItem


@dataclass
class Outcome:
    candidate_id: str
    results: dict[str, rules.Result]
    earned: list[Earned] = field(default_factory=list)
    changed_certifications: list[str] = field(default_factory=list)


def _certification_item(
    candidate_id: str, result: rules.Result, stored: CertificationItem | None, now: datetime
) -> CertificationItem:
    item = CertificationItem(
        keys.candidate_pk(candidate_id),
        keys.cert_sk(result.cert_id),
        candidate_id=candidate_id,
        cert_id=result.cert_id,
        status=result.status,
        started=result.started,
        active_date=result.active_date,
        expiration_date=result.expiration_date,
        first_earned=result.first_earned,
        updated_at=now,
    )
    if stored is not None:
        item.verification_code = stored.verification_code
        item.granted_on = stored.granted_on
        item.granted_until = stored.granted_until
        item.extended_from, item.extended_to = stored.extended_from, stored.extended_to
        item.revoked_on, item.revocation_lifted_on = stored.revoked_on, stored.revocation_lifted_on
        item.certificate_edition = stored.certificate_edition
        if stored.status == rules.REVOKED:
            # a revocation is not the engine's to undo: keep the record as it was
            item.active_date, item.expiration_date = stored.active_date, stored.expiration_date
            item.first_earned = stored.first_earned
    return item


_COMPARED = ("status", "started", "active_date", "expiration_date", "first_earned")


def _same(a: CertificationItem, b: CertificationItem) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in _COMPARED)


def _history_item(candidate_id: str, event: rules.Event) -> HistoryItem:
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(event.date.isoformat(), f"{event.cert_id}:{event.kind}"),
        candidate_id=candidate_id,
        cert_id=event.cert_id,
        date=event.date,
        event=event.text,
        source=RULES_SOURCE,
        kind=event.kind,
    )


def apply(partition: Partition, now: datetime, writer: Writer, catalog: Catalog | None = None) -> Outcome:
    """Evaluate one candidate's partition and queue the writes that bring it up to date."""
    catalog = catalog or load_catalog()
    candidate_id = partition.candidate_id
    results = evaluate_partition(partition, now.date(), catalog)
    outcome = Outcome(candidate_id, results)
    for cert in catalog.certifications:
        result = results[cert.id]
        stored = partition.certifications.get(cert.id)
        if not result.has_progress and stored is None:
            continue
        item = _certification_item(candidate_id, result, stored, now)
        if stored is not None and _same(stored, item):
            continue
        if stored is not None and (stored.status, stored.expiration_date) == (item.status, item.expiration_date):
            # same period: keep where the expiry check has got to with its reminders
            item.GSI2PK, item.GSI2SK = stored.GSI2PK, stored.GSI2SK
        else:
            due.schedule_period(item)
        writer.put(item)
        outcome.changed_certifications.append(cert.id)
    _queue_history(partition, results, writer, outcome)
    return outcome


def _exam_history(candidate_id: str, exam: ExamItem) -> HistoryItem:
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(exam.exam_date.isoformat(), f"exam:{exam.registration_number}"),
        candidate_id=candidate_id,
        cert_id=None,
        date=exam.exam_date,
        event=f"Passed exam {exam.exam_code}",
        source=EXAM_SOURCE,
        kind="passed_exam",
        exam_code=exam.exam_code,
    )


def _queue_history(partition: Partition, results: dict[str, rules.Result], writer: Writer, outcome: Outcome) -> None:
    """The engine's events and one "Passed exam …" per passed exam; stale ones are deleted."""
    stored = {h.SK: h for h in partition.history if h.source in (RULES_SOURCE, EXAM_SOURCE)}
    desired: dict[str, HistoryItem] = {}
    for exam in partition.exams:
        if exam.grade == "Pass":
            item = _exam_history(partition.candidate_id, exam)
            desired[item.SK] = item
    for result in results.values():
        for event in result.events:
            item = _history_item(partition.candidate_id, event)
            desired[item.SK] = item
    for sk, item in desired.items():
        old = stored.get(sk)
        if old is not None and old.event == item.event:
            continue
        if item.source == EXAM_SOURCE:
            writer.put(item)
            continue
        result = results[str(item.cert_id)]
        newly_earned = old is None and item.kind == rules.EARNED and result.status == rules.ACTIVE
        if newly_earned and result.active_date == item.date:
            outcome.earned.append(Earned(partition.candidate_id, str(item.cert_id), item))
        else:
            writer.put(item)
    for sk in stored.keys() - desired.keys():
        if not _kept_after_revocation(stored[sk], partition, results):
            writer.delete(stored[sk])


def _kept_after_revocation(event: HistoryItem, partition: Partition, results: dict[str, rules.Result]) -> bool:
    """The engine replays nothing of a revoked certification, nor anything before a grant lifted
    its revocation: those past events stay as they were written."""
    if event.cert_id is None or event.cert_id not in results:
        return False
    if results[event.cert_id].status == rules.REVOKED:
        return True
    stored = partition.certifications.get(event.cert_id)
    return stored is not None and stored.revocation_lifted_on is not None and event.date < stored.revocation_lifted_on


# ---------------------------------------------------------------- expert numbers


def next_number(name: str, first: int, store: RecordStore | None = None) -> int:
    """The next value of a sequence starting at ``first`` (one atomic UpdateItem ADD)."""
    return first + (store or dynamo_store()).next_number(name) - 1


def assign_attributes(
    profile: CandidateItem | None,
    results: dict[str, rules.Result],
    catalog: Catalog,
    store: RecordStore | None = None,
) -> list[str]:
    """Give a candidate the attributes (expert numbers) of every certification they ever earned."""
    if profile is None:
        return []
    store = store or dynamo_store()
    have = raw_map(profile.attributes)
    assigned = []
    for cert in catalog.certifications:
        if results[cert.id].first_earned is None:
            continue
        for key in cert.grants_attributes:
            if have.get(key):
                continue
            definition = catalog.attribute(key)
            value = str(next_number(key, definition.first_number if definition else 1, store))
            if store.set_attribute(profile, key, value):
                have[key] = value
                assigned.append(key)
    if assigned:
        profile.attributes = have  # type: ignore[assignment]
    return assigned


# ---------------------------------------------------------------- congratulations


def _email_context(profile: CandidateItem, cert: Certification, result: rules.Result) -> dict[str, Any]:
    base = get_settings().public_base_url
    kit = next((k for k in cert.kits if k.initial_kit), None)
    return {
        "language": settings_of(profile)["language"],
        "first_name": profile.first_name,
        "certification_name": cert.name,
        "abbreviation": cert.abbreviation,
        "active_date": iso_day(result.active_date),
        "expiration_date": iso_day(result.expiration_date),
        "kit_name": kit.name if kit else None,
        "claim_url": f"{base}/app/#/fulfillment",
        "certification_url": f"{base}/app/#/certifications/{cert.id}",
    }


def congratulate(
    earned: Iterable[Earned],
    profiles: dict[str, CandidateItem | None],
    outcomes: dict[str, Outcome],
    writer: Writer,
    catalog: Catalog | None = None,
    send: SendMail | None = None,
) -> list[str]:
    """Send the congratulations for each newly earned certification; queue its history event once sent.

    The candidates whose congratulations SES refused for now (throttled, down), sorted: their
    events stay unwritten, so their next evaluation earns and sends again. Imports queue that
    evaluation (``import_chunks``: a delayed re-evaluation job)."""
    catalog = catalog or load_catalog()
    refused: set[str] = set()
    for entry in earned:
        profile = profiles.get(entry.candidate_id)
        cert = catalog.certification(entry.cert_id)
        if cert is None:
            continue
        if profile is None or not profile.email or profile.email_suppressed:
            writer.put(entry.event)
            continue
        context = _email_context(profile, cert, outcomes[entry.candidate_id].results[cert.id])
        try:
            (send or send_template)(profile.email, "certification_earned", context)
        except ServiceUnavailable:
            logger.warning("congratulations not sent; retried on the next evaluation", extra={"cert_id": cert.id})
            refused.add(entry.candidate_id)
            continue
        writer.put(entry.event)
    return sorted(refused)


# ---------------------------------------------------------------- one candidate, end to end


def reevaluate(
    candidate_id: str,
    now: datetime,
    catalog: Catalog | None = None,
    *,
    store: RecordStore | None = None,
    send: SendMail | None = None,
) -> Outcome:
    """Read the partition (one consistent Query), apply the engine, write, congratulate."""
    catalog = catalog or load_catalog()
    store = store or dynamo_store()
    partition = store.read(candidate_id, consistent=True)
    writer = Writer(store)
    outcome = apply(partition, now, writer, catalog)
    assign_attributes(partition.profile, outcome.results, catalog, store)
    writer.flush()
    congratulate(outcome.earned, {candidate_id: partition.profile}, {candidate_id: outcome}, writer, catalog, send)
    writer.flush()
    return outcome


def grant(
    candidate_id: str,
    cert_id: str,
    granted_on: date,
    now: datetime,
    until: date | None = None,
    *,
    store: RecordStore | None = None,
    send: SendMail | None = None,
) -> Outcome:
    """Manually grant a certification from ``granted_on`` (to ``until``, default + validity)."""
    catalog = load_catalog()
    if catalog.certification(cert_id) is None:
        raise ValueError(f"unknown certification {cert_id!r}")
    store = store or dynamo_store()
    store.record_grant(candidate_id, cert_id, granted_on, until)
    return reevaluate(candidate_id, now, catalog, store=store, send=send)
