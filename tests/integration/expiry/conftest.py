"""Records for the expiry check: holders of certifications expiring on a chosen day, bulk tables, and
the daily check as it deploys (the schedule's handler, then the shard jobs through the template's
SQS event source)."""

from __future__ import annotations

import email as email_pkg
import itertools
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, time
from email import policy
from functools import partial
from typing import Any
from unittest import mock

import pytest
from certtrack import keys
from certtrack.certifications import due, evaluation, expiry, expiry_jobs
from certtrack.certifications.models import CECreditItem, CertificationItem
from certtrack.db import TableItem
from certtrack.identity.models import CandidateItem
from certtrack.program import rules
from certtrack.transcripts.models import TranscriptItem

from tests.conftest import LambdaContext, event_sources, load_function
from tests.factories import candidate, certification_item

_ext = itertools.count(1)
_bulk = itertools.count(1)


def at(day: date | str, hour: int = 3) -> datetime:
    """The schedule's event time on ``day`` (03:00 UTC)."""
    return datetime.combine(date.fromisoformat(str(day)), time(hour), tzinfo=UTC)


def holder(expires: str, *, cert_id: str = "ccna", email: str | None = None, **profile: Any) -> CandidateItem:
    """A candidate holding ``cert_id`` until ``expires`` (a manual grant three years earlier)."""
    person = candidate(email=email)
    for name, value in profile.items():
        setattr(person, name, value)
    if profile:
        person.save()
    granted = rules.add_years(date.fromisoformat(expires), -3)
    evaluation.grant(person.candidate_id, cert_id, granted, at(granted, 12))
    return person


def certification(candidate_id: str, cert_id: str = "ccna") -> CertificationItem:
    return CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id), consistent_read=True)


def credit(candidate_id: str, points: float, active_date: str) -> CECreditItem:
    """A CE credit as the import writes it (active, due on its inactive date), without re-evaluating."""
    inactive = rules.add_years(date.fromisoformat(active_date), 3)
    external_id = f"EXP-{next(_ext):06d}"
    item = CECreditItem(
        keys.candidate_pk(candidate_id),
        keys.ce_sk(external_id),
        candidate_id=candidate_id,
        external_id=external_id,
        activity_name="Cisco Live session",
        provider_name="Cisco",
        points=points,
        active_date=date.fromisoformat(active_date),
        inactive_date=inactive,
        status="active",
    )
    item.GSI2PK, item.GSI2SK = due.credit_due(item.PK, item.SK, inactive)
    item.save()
    return item


def transcript(candidate_id: str, expires_on: str) -> TranscriptItem:
    transcript_id = f"T{next(_ext):015d}"
    created = datetime(2026, 1, 1, tzinfo=UTC)
    item = TranscriptItem(
        *TranscriptItem.key(candidate_id, transcript_id),
        candidate_id=candidate_id,
        transcript_id=transcript_id,
        public_id=f"pub-{transcript_id}",
        display_name="Transcript",
        expires_on=date.fromisoformat(expires_on),
        include="active",
        created_at=created,
        updated_at=created,
    )
    item.GSI2PK, item.GSI2SK = due.transcript_due(item.PK, item.SK, item.expires_on)
    item.save()
    return item


def bulk_certifications(count: int, first_expiry: date) -> None:
    """``count`` active certifications of candidates without profiles, expiring a day apart from ``first_expiry``."""
    with TableItem.batch_write() as batch:
        for n in range(count):
            cid = f"CSCO{80_000_000 + next(_bulk):08d}"
            expires = date.fromordinal(first_expiry.toordinal() + n % 700)
            item = certification_item(cid, active_date=rules.add_years(expires, -3), expiration_date=expires)
            due.schedule_period(item)
            batch.save(item)


class FakeContext(LambdaContext):
    """A Lambda context: ``plenty`` of time for ``calls`` looks, then ``short`` (no next page, still send)."""

    def __init__(self, calls: int = 10**9, plenty: int = 600_000, short: int = 30_000) -> None:
        self.calls, self.plenty, self.short = calls, plenty, short

    # Powertools declares it a staticmethod; a real context's answer is the instance's time left.
    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        self.calls -= 1
        return self.plenty if self.calls >= 0 else self.short


def raw_messages() -> list[Any]:
    """SES-accepted messages as parsed MIME (headers included)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    out = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is not None:
            out.append(email_pkg.message_from_string(raw, policy=policy.default))
    return out


@pytest.fixture
def reminders_sent() -> Callable[[], list[dict[str, str]]]:
    """Expiry reminders in the outbox (other mail filtered out): to, subject, text, html."""
    from tests.conftest import sent_emails

    def _sent() -> list[dict[str, str]]:
        return [m for m in sent_emails() if " expires on " in m["subject"]]

    return _sent


@pytest.fixture
def one_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every due item written from now on is on ``DUE#0``: the whole day is one chain of invocations."""
    from certtrack.settings import get_settings

    monkeypatch.setenv("DUE_SHARDS", "1")
    get_settings.cache_clear()


def fan_out(when: datetime) -> dict[str, Any]:
    """The schedule's event at ``when`` through the schedule's handler: the day's shard jobs queued."""
    handler = load_function("certifications", "expiry").handler
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "time": when.isoformat().replace("+00:00", "Z")}
    return dict(handler(event, LambdaContext()))


def deliver(
    *,
    lambda_context: Callable[[], LambdaContext] | None = None,
    sleep: Callable[[float], None] | None = None,
    rounds: int = 1_000,
) -> list[dict[str, Any]]:
    """The queued shard jobs (and the continuations they queue) through the template's SQS event
    source, in ``rounds`` receives at most; each worker invocation's own summary, in order.

    ``lambda_context`` makes each invocation's Lambda context (its clock: ``FakeContext``); ``sleep`` is
    the worker's (its retries' backoff and its pacing to SES's rate, ``expiry_jobs.work``).
    """
    worker = load_function("certifications", "expiry_worker")
    run_job = worker.run_job
    jobs: list[dict[str, Any]] = []

    def recorded(record: Any, context: Any) -> dict[str, Any]:  # the worker passes ``context=``
        summary: dict[str, Any] = run_job(record, context)
        jobs.append(summary)
        return summary

    def invoke(function: Any, event: dict[str, Any]) -> Any:
        module, _, attribute = function.handler.rpartition(".")
        assert lambda_context is not None
        return getattr(load_function(function.code_dir.name, module), attribute)(event, lambda_context())

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(worker, "run_job", recorded))
        if sleep is not None:
            stack.enter_context(mock.patch.object(expiry_jobs, "work", partial(expiry_jobs.work, sleep=sleep)))
        event_sources(invoke if lambda_context is not None else None).drain(limit=rounds)
    return jobs


def daily_check(
    when: datetime,
    *,
    lambda_context: Callable[[], LambdaContext] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """The daily check for ``when``'s day as it deploys: :func:`fan_out`, then :func:`deliver`.

    The day's summary (``expiry_jobs.day_summary``), with ``jobs`` (each invocation's summary) and
    ``failures`` (the reminders not sent, from all of them). One run a calendar day, as with
    EventBridge delivering twice: a second call on the same day runs nothing and answers that day's
    totals again, so two runs in a test are a calendar day apart.
    """
    fan_out(when)
    jobs = deliver(lambda_context=lambda_context, sleep=sleep)
    failures = [failure for job in jobs for failure in job["failures"]]
    return expiry_jobs.day_summary(when.date()) | {"jobs": jobs, "failures": failures}


def shard_pass(when: datetime, shard: int = 0, *, run_id: str = "test-pass", **handlers: Any) -> expiry.ShardPass:
    """One pass over ``DUE#<shard>`` from its start as a shard job's invocation makes it
    (``expiry.run_shard``, the day's range, plenty of time), for a rules test that wants one pass
    directly; ``handlers`` are ``expire_transcript``, ``settle_order``, ``on_expired`` (none by default)."""
    return expiry.run_shard(
        when,
        shard,
        expiry.date_range(expiry.load_state(), when.date()),
        None,
        run_id=run_id,
        remaining_ms=lambda: 300_000,
        max_items=expiry_jobs.ITEMS_PER_INVOCATION,
        **handlers,
    )
