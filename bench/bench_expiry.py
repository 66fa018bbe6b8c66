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

import json
import os
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (2_000, 50_000)
DUE = {"reminders": 40, "expirations": 40, "credits": 10, "transcripts": 10}
NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)


def _environment() -> None:
    defaults = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "TABLE_NAME": "certtrack-bench",
        "SENDER_EMAIL": "no-reply@certs.example.com",
        "PUBLIC_BASE_URL": "https://certs.example.com",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CertTrack",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    path = str(ROOT / "layers" / "shared")
    if path not in sys.path:
        sys.path.insert(0, path)


@contextmanager
def count_dynamodb() -> Iterator[tuple[Counter[str], Counter[str]]]:
    """(calls by operation, items by kind) of every botocore DynamoDB client used while inside.

    PynamoDB gives each model (and each transaction) its own client, so the hooks go on every
    client that exists and on every client created meanwhile.
    """
    import botocore.session
    from certtrack.db import TableItem

    calls: Counter[str] = Counter()
    items: Counter[str] = Counter()
    unique = f"bench-expiry-{uuid.uuid4()}"

    index_of_call: list[str | None] = [None]  # calls are sequential: ``after`` follows its ``before``

    def before(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls[model.name] += 1
        body = params.get("body") or b"{}"  # the serialized request (JSON protocol)
        index_of_call[0] = json.loads(body).get("IndexName") if model.name == "Query" else None

    def after(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            items["index" if index_of_call[0] == "GSI2" else "records"] += int(parsed.get("Count", 0))
        elif model.name == "GetItem" and parsed.get("Item"):
            items["records"] += 1
        elif model.name == "BatchGetItem":
            items["records"] += sum(len(v) for v in parsed.get("Responses", {}).values())

    def hook(client: Any) -> None:
        client.meta.events.register("before-call.dynamodb.*", before, unique_id=unique + "b")
        client.meta.events.register("after-call.dynamodb.*", after, unique_id=unique + "a")

    def models(base: type[Any]) -> Iterator[type[Any]]:
        yield base
        for sub in base.__subclasses__():
            yield from models(sub)

    for model in models(TableItem):
        hook(model._get_connection().connection.client)
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            hook(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield calls, items
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def _seed(size: int) -> None:
    """``size`` certifications due later, then the 100 due items, all with batch writes."""
    from certtrack import keys
    from certtrack.certifications import due, rules
    from certtrack.certifications.models import CECreditItem, CertificationItem
    from certtrack.db import TableItem
    from certtrack.identity.models import CandidateItem
    from certtrack.transcripts.models import TranscriptItem

    today = NOW.date()
    with TableItem.batch_write() as batch:
        for n in range(size):
            cid = f"CSCO{50_000_000 + n:08d}"
            expires = today + timedelta(days=200 + n % 900)  # first reminder months away
            item = CertificationItem(
                keys.candidate_pk(cid),
                keys.cert_sk("ccna"),
                candidate_id=cid,
                cert_id="ccna",
                status="active",
                active_date=rules.add_years(expires, -3).isoformat(),
                expiration_date=expires.isoformat(),
            )
            due.schedule_period(item)
            batch.save(item)
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
            cert = CertificationItem(
                keys.candidate_pk(cid),
                keys.cert_sk("ccna"),
                candidate_id=cid,
                cert_id="ccna",
                status="active",
                active_date=rules.add_years(expires, -3).isoformat(),
                expiration_date=expires.isoformat(),
                granted_on=rules.add_years(expires, -3).isoformat(),
            )
            due.schedule_period(cert)
            if n >= DUE["reminders"]:
                cert.GSI2PK, cert.GSI2SK = due.due_keys(cert.PK, cert.SK, "CERT:expire", expires.isoformat())
            batch.save(cert)
        for n in range(DUE["credits"]):
            pk, sk = keys.candidate_pk(f"CSCO{10_000_000 + n:08d}"), keys.ce_sk(f"BENCH-{n}")
            inactive = (today - timedelta(days=1)).isoformat()
            credit = CECreditItem(
                pk,
                sk,
                candidate_id=keys.candidate_id_from_pk(pk),
                external_id=f"BENCH-{n}",
                activity_name="Bench activity",
                provider_name="Bench",
                points=5,
                active_date=rules.add_years(date.fromisoformat(inactive), -3).isoformat(),
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
                expires_on=(today - timedelta(days=1)).isoformat(),
                include="active",
                created_at=NOW,
                updated_at=NOW,
            )
            transcript.GSI2PK, transcript.GSI2SK = due.transcript_due(
                transcript.PK, transcript.SK, transcript.expires_on
            )
            batch.save(transcript)


def _one_size(size: int) -> dict[str, float]:
    import boto3
    from certtrack.certifications import expiry
    from certtrack.db import create_table
    from certtrack.settings import get_settings
    from moto import mock_aws

    settings = get_settings()
    with mock_aws():
        create_table(boto3.client("dynamodb"), settings.table_name)
        boto3.client("sesv2").create_email_identity(EmailIdentity=settings.sender_email)
        from certtrack import email

        email._client.cache_clear()
        seeded = time.perf_counter()
        _seed(size)
        seed_s = time.perf_counter() - seeded
        with count_dynamodb() as (calls, items):
            started = time.perf_counter()
            summary = expiry.run(NOW)
            elapsed = time.perf_counter() - started
        email._client.cache_clear()
    due_total = sum(DUE.values())
    done = (
        summary.reminders_sent + summary.expired_certifications + summary.inactive_credits + summary.expired_transcripts
    )
    assert done == due_total, f"the run did {done} of {due_total} due items: {summary}"
    print(f"# {size}: seeded in {seed_s:.1f} s, run {elapsed * 1000:.0f} ms, {dict(calls)}", file=sys.stderr)
    return {
        f"expiry.items_read.{size}": float(items["index"]),
        f"expiry.items_read_total.{size}": float(items["index"] + items["records"]),
        f"expiry.ddb_calls.{size}": float(sum(calls.values())),
        f"expiry.read_bound.{size}": float(due_total + settings.due_shards + summary.pages),
        f"expiry.run_ms.{size}": round(elapsed * 1000, 1),
    }


def run() -> dict[str, float]:
    _environment()
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
