"""The expiry check reads only what is due: the same work for a table of 2,000 or 50,000 certifications.

``python -m bench.bench_expiry`` prints the figures; ``run()`` returns them for ``make bench``.
Each size gets a fresh moto table (in-process) seeded with batch writes: ``size`` certifications
due months from now, plus 100 due items (40 certifications at their 90-day reminder, 40 past
their expiry, 10 CE credits past their inactive date, 10 transcripts past their last day). Then
the day's check as it deploys — the schedule's handler, then every shard job through the
template's SQS event source, in this process — with every DynamoDB call counted through botocore
``before-call.dynamodb.*`` events and every response's ``Count`` through ``after-call`` events.

- ``expiry.items_read.<size>`` — index entries the day read (``Count`` of its GSI2 Queries);
  target: the same for both sizes and ≤ due items + shards + pages (``expiry.read_bound.<size>``).
- ``expiry.items_read_total.<size>`` — also the candidate records read to word the reminders and
  the check's own state and day items.
- ``expiry.ddb_calls.<size>`` — every DynamoDB call of the day: the fan-out's and every worker's.
- ``expiry.ms_per_1000_due`` — wall time of the day on the smaller table (moto; fan-out and the
  workers one after another), per 1,000 due items.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench.moto_patches import partitioned_moto
from bench.support import environment, lambda_context
from local.dynamo_calls import DynamoCallCounter
from local.sandbox import aws_sandbox

if TYPE_CHECKING:
    from certtrack.certifications.models import CECreditItem

    from local.template import Function

SIZES = (2_000, 50_000)
DUE = {"reminders": 40, "expirations": 40, "credits": 10, "transcripts": 10}
NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)


def _due_credit(candidate_id: str, n: int, today: date) -> CECreditItem:
    """Candidate ``candidate_id``'s CE credit ``BENCH-<n>``, inactive since yesterday: due on GSI2."""
    from certtrack import keys
    from certtrack.certifications import due
    from certtrack.certifications.models import CECreditItem
    from certtrack.program import rules

    pk, sk = keys.candidate_pk(candidate_id), keys.ce_sk(f"BENCH-{n}")
    inactive = today - timedelta(days=1)
    credit = CECreditItem(
        pk,
        sk,
        candidate_id=candidate_id,
        external_id=f"BENCH-{n}",
        activity_name="Bench activity",
        provider_name="Bench",
        points=5,
        active_date=rules.add_years(inactive, -3),
        inactive_date=inactive,
    )
    credit.GSI2PK, credit.GSI2SK = due.credit_due(pk, sk, inactive)
    return credit


def _seed(size: int) -> None:
    """``size`` certifications due later, then the 100 due items, all with batch writes."""
    from certtrack import keys
    from certtrack.certifications import due
    from certtrack.certifications.models import CertificationItem
    from certtrack.db import TableItem
    from certtrack.identity.models import CandidateItem
    from certtrack.program import rules
    from certtrack.transcripts.models import TranscriptItem

    def ccna(cid: str, expires: date, granted_on: date | None = None) -> CertificationItem:
        """An active CCNA earned three years before ``expires``, on the due index for its next step."""
        item = CertificationItem(
            keys.candidate_pk(cid),
            keys.cert_sk("ccna"),
            candidate_id=cid,
            cert_id="ccna",
            status="active",
            active_date=rules.add_years(expires, -3),
            expiration_date=expires,
            granted_on=granted_on,
        )
        due.schedule_period(item)
        return item

    today = NOW.date()
    with TableItem.batch_write() as batch:
        for n in range(size):
            expires = today + timedelta(days=200 + n % 900)  # first reminder months away
            batch.save(ccna(f"CSCO{50_000_000 + n:08d}", expires))
        holders = DUE["reminders"] + DUE["expirations"]
        for n in range(holders):
            cid = f"CSCO{10_000_000 + n:08d}"
            expires = today + timedelta(days=90) if n < DUE["reminders"] else today - timedelta(days=1 + n % 3)
            batch.save(
                CandidateItem(
                    *CandidateItem.key(cid),
                    candidate_id=cid,
                    first_name="Bench",
                    last_name=f"Holder {n}",
                    email=f"holder{n}@example.com",
                    created_at=NOW,
                )
            )
            cert = ccna(cid, expires, granted_on=rules.add_years(expires, -3))
            if n >= DUE["reminders"]:  # valid through its expiration date: due to expire the day after
                cert.GSI2PK, cert.GSI2SK = due.due_keys(cert.PK, cert.SK, "CERT:expire", expires + timedelta(days=1))
            batch.save(cert)
        for n in range(DUE["credits"]):
            batch.save(_due_credit(f"CSCO{10_000_000 + n:08d}", n, today))
        for n in range(DUE["transcripts"]):
            cid = f"CSCO{10_000_000 + n:08d}"
            transcript = TranscriptItem(
                *TranscriptItem.key(cid, f"BENCH{n:011d}"),
                candidate_id=cid,
                transcript_id=f"BENCH{n:011d}",
                public_id=f"bench-{n}",
                display_name="Bench",
                expires_on=today - timedelta(days=1),
                include="active",
                created_at=NOW,
                updated_at=NOW,
            )
            transcript.GSI2PK, transcript.GSI2SK = due.transcript_due(
                transcript.PK, transcript.SK, transcript.expires_on
            )
            batch.save(transcript)


def _one_size(size: int) -> dict[str, float]:
    with aws_sandbox() as settings:
        seeded = time.perf_counter()
        _seed(size)
        seed_s = time.perf_counter() - seeded
        with DynamoCallCounter() as ddb:
            started = time.perf_counter()
            day, _ = _daily_check()
            elapsed = time.perf_counter() - started
    due_total = sum(DUE.values())
    done = day["reminders_sent"] + day["expired_certifications"] + day["inactive_credits"] + day["expired_transcripts"]
    assert day["complete"] and done == due_total, f"the check did {done} of {due_total} due items: {day}"
    print(f"# {size}: seeded in {seed_s:.1f} s, day {elapsed * 1000:.0f} ms, {dict(ddb.calls)}", file=sys.stderr)
    return {
        f"expiry.items_read.{size}": float(ddb.items["GSI2"]),  # the due index
        f"expiry.items_read_total.{size}": float(sum(ddb.items.values())),
        f"expiry.ddb_calls.{size}": float(ddb.total),
        f"expiry.read_bound.{size}": float(due_total + settings.due_shards + day["pages"]),
        f"expiry.run_ms.{size}": round(elapsed * 1000, 1),
    }


# The fanned-out check: due items across the shards, 5 % reminders, 20 % expirations, 75 % CE
# credits. ``BENCH_EXPIRY_DUE`` sets the total: 10,000 in ``make bench`` (about a quarter of an hour
# here: moto in-process costs milliseconds a call), 100,000 for ``expiry.due_100k.*`` (hours here).
FANNED_OUT_DUE = int(os.environ.get("BENCH_EXPIRY_DUE", "10000"))
FANNED_OUT = {
    "reminders": FANNED_OUT_DUE * 5 // 100,
    "expirations": FANNED_OUT_DUE * 20 // 100,
    "credits": FANNED_OUT_DUE - FANNED_OUT_DUE * 5 // 100 - FANNED_OUT_DUE * 20 // 100,
}
# SES quota of the account the bench sends from (local.ses_account): a raised one, so that the
# bench does not sleep for SES; docs/notes/expiry.md says what 14 a second (the first quota) adds.
BENCH_SEND_RATE = 1_000.0


def _seed_due(counts: dict[str, int]) -> None:
    from certtrack import keys
    from certtrack.certifications import due
    from certtrack.certifications.models import CertificationItem
    from certtrack.db import TableItem
    from certtrack.identity.models import CandidateItem
    from certtrack.program import rules

    today = NOW.date()
    with TableItem.batch_write() as batch:
        for n in range(counts["reminders"] + counts["expirations"]):
            cid = f"CSCO{20_000_000 + n:08d}"
            reminder = n < counts["reminders"]
            expires = today + timedelta(days=90) if reminder else today - timedelta(days=1 + n % 3)
            if reminder:
                batch.save(
                    CandidateItem(
                        *CandidateItem.key(cid),
                        candidate_id=cid,
                        first_name="Bench",
                        last_name=f"Holder {n}",
                        email=f"holder{n}@example.com",
                        created_at=NOW,
                    )
                )
            cert = CertificationItem(
                keys.candidate_pk(cid),
                keys.cert_sk("ccna"),
                candidate_id=cid,
                cert_id="ccna",
                status="active",
                active_date=rules.add_years(expires, -3),
                expiration_date=expires,
                granted_on=rules.add_years(expires, -3),
            )
            due.schedule_period(cert)
            if not reminder:  # valid through its expiration date: due to expire the day after
                cert.GSI2PK, cert.GSI2SK = due.due_keys(cert.PK, cert.SK, "CERT:expire", expires + timedelta(days=1))
            batch.save(cert)
        for n in range(counts["credits"]):
            batch.save(_due_credit(f"CSCO{40_000_000 + n:08d}", n, today))


def _daily_check(on_invocation: Callable[[dict[str, Any], float], None] | None = None) -> tuple[dict[str, Any], float]:
    """In the open sandbox: the schedule's handler at ``NOW``, then every shard job (and each
    continuation) through the template's SQS event source, invoked in this process with the
    template's timeouts. The day's summary and the fan-out invocation's seconds; ``on_invocation``
    is told of each worker invocation (its event, its seconds)."""
    import importlib

    import boto3
    from certtrack.certifications import expiry_jobs

    from local import eventsources, ses_account
    from local.sandbox import template

    def invoke(function: Function, event: dict[str, Any]) -> Any:
        module, _, attribute = function.handler.rpartition(".")
        handler = getattr(importlib.import_module(module), attribute)
        started = time.perf_counter()
        answer = handler(event, lambda_context(function.logical_id, timeout_s=function.timeout_s))
        if on_invocation is not None:
            on_invocation(event, time.perf_counter() - started)
        return answer

    ses_account.QUOTA["MaxSendRate"] = BENCH_SEND_RATE
    sqs = boto3.client("sqs")
    urls = {
        q: sqs.get_queue_url(QueueName=eventsources.queue_name(q))["QueueUrl"]
        for q in template().properties_of_type("AWS::SQS::Queue")
    }
    sources = eventsources.EventSources(eventsources.sqs_sources(template(), urls), invoke, sqs)
    fan_out = importlib.import_module("expiry").handler
    started = time.perf_counter()
    fan_out({"time": NOW.isoformat().replace("+00:00", "Z")}, lambda_context("ExpiryCheckFunction"))
    fan_out_s = time.perf_counter() - started
    sources.drain(limit=100_000)
    return expiry_jobs.day_summary(NOW.date()), fan_out_s


def fanned_out(counts: dict[str, int] = FANNED_OUT) -> dict[str, float]:
    """The day's check timed: ``critical_path_s`` = the fan-out invocation + the longest shard's
    chain (each continuation is queued by the invocation before it, so a chain runs one invocation
    after another). Locally the event source delivers one batch at a time, so the wall time is the
    sum of all chains. moto runs with ``bench.moto_patches.partitioned_moto`` (the same answers; a
    Query costs its partition, a transaction its items).
    """
    import json

    total = sum(counts.values())
    chains: dict[int, float] = {}
    invocations: list[float] = []

    def timed(event: dict[str, Any], elapsed: float) -> None:
        invocations.append(elapsed)
        for record in event.get("Records", []):
            shard = int(json.loads(record["body"])["shard"])
            chains[shard] = chains.get(shard, 0.0) + elapsed

    with aws_sandbox(), partitioned_moto():  # each shard's GSI2 page costs its page, not the table
        seeded = time.perf_counter()
        _seed_due(counts)
        seed_s = time.perf_counter() - seeded
        started = time.perf_counter()
        day, fan_out_s = _daily_check(timed)
        wall_s = time.perf_counter() - started
    done = day["reminders_sent"] + day["expired_certifications"] + day["inactive_credits"]
    assert day["complete"] and done == total, f"the check did {done} of {total} due items: {day}"
    print(
        f"# fanned out {total}: seeded in {seed_s:.0f} s, processed in {wall_s:.0f} s, "
        f"{len(invocations)} worker invocations, chains {sorted(round(c) for c in chains.values())} s",
        file=sys.stderr,
    )
    name = f"expiry.due_{total // 1000}k"
    return {
        f"{name}.critical_path_s": round(fan_out_s + max(chains.values()), 1),
        f"{name}.max_invocation_s": round(max(invocations), 1),
        f"{name}.invocations": float(len(invocations)),
    }


def run() -> dict[str, float]:
    environment("functions/certifications", EXPIRY_WORKERS="8")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results: dict[str, float] = {}
    for size in SIZES:
        results.update(_one_size(size))
    results.update(fanned_out())
    # On the smaller table: moto answers every Query by sorting the whole table, so on the larger
    # one the wall time measures moto, not the check (whose calls and reads do not grow).
    smallest = SIZES[0]
    results["expiry.ms_per_1000_due"] = round(results[f"expiry.run_ms.{smallest}"] * 1000 / sum(DUE.values()), 1)
    return results


if __name__ == "__main__":
    for key, value in sorted(run().items()):
        print(f"{key:<34} {value:g}")
