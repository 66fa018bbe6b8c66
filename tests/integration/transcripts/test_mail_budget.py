"""Transcript mail: a daily budget per candidate across all transcripts; a pause when SES health is bad."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack import keys, mailhealth
from certtrack.identity import ratelimit
from certtrack.identity.models import RateLimitItem
from certtrack.transcripts import share

from tests.conftest import LambdaContext, call, load_function
from tests.factories import candidate
from tests.integration.transcripts.conftest import Person

pytestmark = pytest.mark.usefixtures("aws")
Outbox = Callable[[], list[dict[str, str]]]


def send(person: Person, transcript_id: str, to: str) -> tuple[int, Any, dict[str, Any]]:
    return person.call("POST", f"/me/transcripts/{transcript_id}/email", body={"to": to})


def _counter(kind: str, owner: str) -> int:
    """Today's slots used in the ``transcript`` or ``mailbudget`` window (0 when none was taken)."""
    limit = share.TRANSCRIPT_EMAILS if kind == "transcript" else share.CANDIDATE_EMAILS
    now = datetime.now(UTC)
    window = ratelimit.per_value(kind, owner, limit)
    try:
        item = RateLimitItem.get(window.pk, keys.rate_sk(limit.action, ratelimit.window_start(now, limit)))
    except RateLimitItem.DoesNotExist:
        return 0
    return int(item.hits or 0)


def test_thirty_a_day_across_all_transcripts(john: Person, outbox: Outbox) -> None:
    assert share.CANDIDATE_DAILY_EMAIL_LIMIT == 30
    transcripts = [john.create()["transcript_id"] for _ in range(3)]
    sent = 0
    for n in range(share.CANDIDATE_DAILY_EMAIL_LIMIT):
        status, body, _ = send(john, transcripts[n % 3], f"r{n}@acme.example.com")
        assert status == 202, body
        sent += 1
    assert body["sends_left_today"] == 0
    fresh = john.create()["transcript_id"]  # a new transcript makes no new mail
    status, problem, headers = send(john, fresh, "more@acme.example.com")
    assert status == 429 and problem["code"] == "too_many_requests"
    assert 0 < int(headers["retry-after"]) <= 24 * 3600
    assert len(outbox()) == sent
    # Refused before anything was counted for the new transcript; the budget stays at its limit.
    assert _counter("transcript", fresh) == 0
    assert _counter("mailbudget", john.candidate_id) == 30


def test_a_full_transcript_gives_the_budget_slot_back(john: Person) -> None:
    created = john.create()["transcript_id"]
    for n in range(share.DAILY_EMAIL_LIMIT):
        assert send(john, created, f"x{n}@acme.example.com")[0] == 202
    assert send(john, created, "over@acme.example.com")[0] == 429
    assert _counter("mailbudget", john.candidate_id) == share.DAILY_EMAIL_LIMIT


def _ses(messages: list[dict[str, Any]]) -> dict[str, Any]:
    records = [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(m)}} for m in messages]
    result: dict[str, Any] = load_function("certifications", "ses_events").handler(
        {"Records": records}, LambdaContext()
    )
    return result


def _send_event(n: int) -> dict[str, Any]:
    return {
        "eventType": "Send",
        "mail": {"timestamp": datetime.now(UTC).isoformat(), "destination": [f"s{n}@x.example.com"]},
    }


def _bounce(address: str) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "mail": {"timestamp": datetime.now(UTC).isoformat()},
        "bounce": {
            "bounceType": "Permanent",
            "timestamp": datetime.now(UTC).isoformat(),
            "bouncedRecipients": [{"emailAddress": address}],
        },
    }


def test_transcript_shares_pause_past_the_bounce_threshold(john: Person, outbox: Outbox) -> None:
    created = john.create()["transcript_id"]
    report = _ses([_send_event(n) for n in range(100)] + [_bounce(f"b{n}@x.example.com") for n in range(3)])
    assert report["sends"] == 100
    assert send(john, created, "ok@acme.example.com")[0] == 202  # 3 % bounces: still sending
    _ses([_bounce("b9@x.example.com")])  # 4 %
    day = datetime.now(UTC).date().isoformat()
    stats = mailhealth.MailStatsItem.get(keys.MAILSTATS_PK, keys.mailstats_sk(day))
    assert (stats.sent, stats.bounced) == (100, 4)
    status, problem, headers = send(john, created, "paused@acme.example.com")
    assert status == 503 and problem["code"] == "email_paused" and headers["retry-after"]
    assert [m["to"] for m in outbox()] == ["ok@acme.example.com"]
    assert _counter("transcript", created) == 1  # nothing counted
    # Essential mail still goes: a mapping link.
    candidate(email="alice@example.com")
    assert call("auth_mapping", "POST", "/mapping/email", sub="sub-any", body={"email": "alice@example.com"})[0] == 202
    assert outbox()[-1]["to"] == "alice@example.com"


def test_complaints_pause_and_few_sends_do_not() -> None:
    now = datetime.now(UTC)
    day = now.date().isoformat()
    mailhealth.record([(day, mailhealth.SENT)] * 50 + [(day, mailhealth.BOUNCED)] * 10, now)
    assert not mailhealth.health(now).paused  # 50 sends: too few to judge
    mailhealth.record([(day, mailhealth.SENT)] * 950 + [(day, mailhealth.COMPLAINED)], now)
    health = mailhealth.health(now)
    assert (health.sent, health.bounced, health.complained) == (1000, 10, 1)
    assert health.paused  # 1 complaint in 1,000: SES's 0.1 %
    mailhealth.ensure_may_send("mapping_link", now)  # essential: never refused
    with pytest.raises(Exception, match="paused"):
        mailhealth.ensure_may_send("transcript_share", now)
