"""The expiry check reads only what is due: the same work for a table of 2,000 or 50,000 certifications.

``python -m bench.bench_expiry`` prints the figures; ``run()`` returns them for ``make bench``.
Each size gets a fresh moto table (in-process) seeded with batch writes: ``size`` certifications
due months from now, plus 100 due items (40 certifications at their 90-day reminder, 40 past
their expiry, 10 CE credits past their inactive date, 10 transcripts past their last day). Then
one run of the check, with every DynamoDB call counted through botocore ``before-call.dynamodb.*``
events and every response's ``Count`` through ``after-call`` events.

- ``expiry.items_read.<size>`` — index entries the run read (``Count`` of its GSI2 Queries);
  target: the same for both sizes and ≤ due items + shards + pages (``expiry.read_bound.<size>``).
- ``expiry.items_read_total.<size>`` — also the candidate records read to word the reminders.
- ``expiry.ddb_calls.<size>`` — every DynamoDB call of the run.
- ``expiry.ms_per_1000_due`` — wall time of the run on the smaller table (moto), per 1,000 due items.
"""

from __future__ import annotations

import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta

from bench.support import environment
from local.dynamo_calls import DynamoCallCounter
from local.sandbox import aws_sandbox

SIZES = (2_000, 50_000)
DUE = {"reminders": 40, "expirations": 40, "credits": 10, "transcripts": 10}
NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)


def _seed(size: int) -> None:
    """``size`` certifications due later, then the 100 due items, all with batch writes."""
    from certtrack import keys
    from certtrack.certifications import due
    from certtrack.certifications.models import CECreditItem, CertificationItem
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
            expires = today + timedelta(days=90) if n < DUE["reminders"] else today - timedelta(days=n % 3)
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
            if n >= DUE["reminders"]:
                cert.GSI2PK, cert.GSI2SK = due.due_keys(cert.PK, cert.SK, "CERT:expire", expires)
            batch.save(cert)
        for n in range(DUE["credits"]):
            pk, sk = keys.candidate_pk(f"CSCO{10_000_000 + n:08d}"), keys.ce_sk(f"BENCH-{n}")
            inactive = today - timedelta(days=1)
            credit = CECreditItem(
                pk,
                sk,
                candidate_id=keys.candidate_id_from_pk(pk),
                external_id=f"BENCH-{n}",
                activity_name="Bench activity",
                provider_name="Bench",
                points=5,
                active_date=rules.add_years(inactive, -3),
                inactive_date=inactive,
            )
            credit.GSI2PK, credit.GSI2SK = due.credit_due(pk, sk, inactive)
            batch.save(credit)
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
    from certtrack.certifications import expiry
    from certtrack.transcripts import expiry as transcript_expiry

    with aws_sandbox() as settings:
        seeded = time.perf_counter()
        _seed(size)
        seed_s = time.perf_counter() - seeded
        with DynamoCallCounter() as ddb:
            started = time.perf_counter()
            summary = expiry.run(NOW, expire_transcript=transcript_expiry.expire)
            elapsed = time.perf_counter() - started
    due_total = sum(DUE.values())
    done = (
        summary.reminders_sent + summary.expired_certifications + summary.inactive_credits + summary.expired_transcripts
    )
    assert done == due_total, f"the run did {done} of {due_total} due items: {summary}"
    print(f"# {size}: seeded in {seed_s:.1f} s, run {elapsed * 1000:.0f} ms, {dict(ddb.calls)}", file=sys.stderr)
    return {
        f"expiry.items_read.{size}": float(ddb.items["GSI2"]),  # the due index
        f"expiry.items_read_total.{size}": float(sum(ddb.items.values())),
        f"expiry.ddb_calls.{size}": float(ddb.total),
        f"expiry.read_bound.{size}": float(due_total + settings.due_shards + summary.pages),
        f"expiry.run_ms.{size}": round(elapsed * 1000, 1),
    }


def run() -> dict[str, float]:
    environment()
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    results: dict[str, float] = {}
    for size in SIZES:
        results.update(_one_size(size))
    # On the smaller table: moto answers every Query by sorting the whole table, so on the larger
    # one the wall time measures moto, not the check (whose calls and reads do not grow).
    smallest = SIZES[0]
    results["expiry.ms_per_1000_due"] = round(results[f"expiry.run_ms.{smallest}"] * 1000 / sum(DUE.values()), 1)
    return results


if __name__ == "__main__":
    for key, value in sorted(run().items()):
        print(f"{key:<34} {value:g}")
