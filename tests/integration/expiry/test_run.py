"""The daily expiry check over a table, as it deploys (the schedule's handler, then the shard jobs
through the template's SQS event source): only what is due is read, each change happens once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications import evaluation, expiry, reminders
from certtrack.certifications.models import CECreditItem, HistoryItem
from certtrack.settings import get_settings
from certtrack.transcripts import expiry as transcript_expiry
from certtrack.transcripts.models import TranscriptItem

from tests.integration.expiry.conftest import (
    FakeContext,
    at,
    bulk_certifications,
    certification,
    credit,
    daily_check,
    deliver,
    fan_out,
    holder,
    raw_messages,
    shard_pass,
    transcript,
)

EXPIRES = "2027-02-20"  # reminders due 2026-11-22 (90), 2027-01-21 (30), 2027-02-13 (7)
EXPIRY = date.fromisoformat(EXPIRES)


def _days_sent(outbox: list[dict[str, str]]) -> list[str]:
    return [m["text"].split(" days.")[0].rsplit("in ", 1)[-1] for m in outbox]


def _counts(summary: dict[str, Any], *names: str) -> tuple[int, ...]:
    return tuple(summary[name] for name in names)


def test_thousands_of_certifications_only_the_due_ones_are_read(aws: None, reminders_sent: Any) -> None:
    bulk_certifications(3000, date(2027, 6, 1))  # first reminder 2027-03-03: none due in November
    due_holders = [holder(EXPIRES) for _ in range(3)]
    expiring = holder("2026-11-24")  # valid through the 24th: expired on the 25th

    summary = daily_check(at("2026-11-25"))

    assert summary["items_read"] == 4
    assert summary["reminders_sent"] == 3
    assert summary["expired_certifications"] == 1
    assert summary["complete"] and summary["invocations"] == get_settings().due_shards  # no continuation
    assert not any(job["resumed"] for job in summary["jobs"])
    assert sorted(m["to"] for m in reminders_sent()) == sorted(str(h.email) for h in due_holders)
    assert certification(expiring.candidate_id).status == "expired"

    again = daily_check(at("2026-11-25", 5))  # the schedule fires twice: the day's one run

    assert again["jobs"] == [] and again["complete"]
    assert _counts(again, "items_read", "reminders_sent", "expired_certifications") == (4, 3, 1)
    assert len(reminders_sent()) == 3


def test_each_reminder_once_then_expiry(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)

    # the 21st twice: the schedule's event delivered again is that day's one run
    for day in ("2026-11-22", "2026-11-23", "2027-01-21", "2027-01-21", "2027-02-13", "2027-02-19"):
        daily_check(at(day))

    assert _days_sent(reminders_sent()) == ["90", "30", "7"]
    assert certification(person.candidate_id).status == "active"

    on_the_day = daily_check(at(EXPIRES))  # valid through its expiration date

    assert _counts(on_the_day, "expired_certifications", "reminders_sent") == (0, 0)
    assert certification(person.candidate_id).status == "active"

    summary = daily_check(at("2027-02-21"))

    assert summary["expired_certifications"] == 1
    stored = certification(person.candidate_id)
    assert stored.status == "expired" and stored.GSI2SK is None
    history = HistoryItem.get(keys.candidate_pk(person.candidate_id), keys.history_sk(EXPIRES, "ccna:expired"))
    assert (history.event, history.date) == ("Expired", EXPIRY)


def test_expired_certification_offers_no_pdf_and_reevaluation_keeps_one_expired_event(aws: None) -> None:
    from certtrack.certifications import records

    person = holder("2026-11-20")
    daily_check(at("2026-11-25"))
    evaluation.reevaluate(person.candidate_id, at("2026-11-26"))

    page = records.list_certifications(person.candidate_id, at("2026-11-26"), 50, None)
    shown = page.groups[0].certifications[0]
    assert shown.status == "expired" and shown.downloads.pdf_certificate is False
    detail = records.certification_detail(person.candidate_id, "ccna", at("2026-11-26"))
    assert [h.event for h in detail.history].count("Expired") == 1


def test_a_skipped_day_still_sends_the_reminder(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    summary = daily_check(at("2026-11-24"))  # the 22nd and 23rd never ran

    assert summary["reminders_sent"] == 1
    assert _days_sent(reminders_sent()) == ["88"]


def test_a_late_run_sends_the_missed_90_day_reminder_until_the_30_day_mark(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    daily_check(at("2027-01-20"))  # 31 days before: the 90-day one is still due
    daily_check(at("2027-01-21"))

    assert _days_sent(reminders_sent()) == ["31", "30"]


def test_a_run_past_the_30_day_mark_skips_the_90_day_reminder(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    daily_check(at("2027-01-25"))
    daily_check(at("2027-02-13"))

    subjects = reminders_sent()
    assert _days_sent(subjects) == ["26", "7"]
    assert reminders.existing(subjects and _cid(subjects[0]), "ccna", EXPIRY, 90) is None


def _cid(message: dict[str, str]) -> str:
    return message["text"].split("?c=", 1)[1].split("&", 1)[0]


def test_recertified_in_between_gets_no_stale_reminder(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    daily_check(at("2026-11-22"))
    credit(person.candidate_id, 30, "2026-12-01")
    evaluation.reevaluate(person.candidate_id, at("2026-12-01", 12))  # renews to 2030-02-20

    daily_check(at("2027-01-21"))
    daily_check(at("2027-02-13"))
    daily_check(at(EXPIRES))

    assert _days_sent(reminders_sent()) == ["90"]
    stored = certification(person.candidate_id)
    assert (stored.status, stored.expiration_date) == ("active", date(2030, 2, 20))
    assert stored.GSI2SK is not None and stored.GSI2SK.startswith("2029-11-22#CERT:r90#")


def test_evidence_not_yet_applied_suppresses_the_stale_reminder(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    credit(person.candidate_id, 30, "2026-11-01")  # imported, but the record not re-evaluated yet

    summary = daily_check(at("2026-11-22"))

    assert summary["reminders_sent"] == 0 and summary["skipped"] == 1
    assert reminders_sent() == []


def test_credits_and_transcripts_past_their_date(aws: None) -> None:
    person = holder("2030-01-01")
    old = credit(person.candidate_id, 5, "2023-11-24")  # inactive on 2026-11-24
    fresh = credit(person.candidate_id, 5, "2026-01-10")
    gone = transcript(person.candidate_id, "2026-11-24")  # last day the 24th
    today = transcript(person.candidate_id, "2026-11-25")

    summary = daily_check(at("2026-11-25"))  # the worker hands transcripts to their package

    assert _counts(summary, "inactive_credits", "expired_transcripts") == (1, 1)
    assert CECreditItem.get(old.PK, old.SK).status == "inactive"
    assert CECreditItem.get(fresh.PK, fresh.SK).status == "active"
    assert TranscriptItem.get(gone.PK, gone.SK).status == "expired"
    assert TranscriptItem.get(today.PK, today.SK).status is None
    assert CECreditItem.get(old.PK, old.SK).GSI2SK is None
    assert TranscriptItem.get(gone.PK, gone.SK).GSI2SK is None


def test_transcripts_wait_on_the_index_for_a_pass_that_can_expire_them(aws: None) -> None:
    person = holder("2030-01-01")
    gone = transcript(person.candidate_id, "2026-11-24")
    assert gone.GSI2PK is not None
    shard = int(gone.GSI2PK.removeprefix("DUE#"))

    # certifications alone (transcripts expire their own items): nothing passed for them
    without = shard_pass(at("2026-11-25"), shard).summary

    assert _counts(without.as_dict(), "expired_transcripts", "skipped") == (0, 1)
    assert TranscriptItem.get(gone.PK, gone.SK).status is None
    later = shard_pass(at("2026-11-26"), shard, expire_transcript=transcript_expiry.expire).summary
    assert later.expired_transcripts == 1
    assert TranscriptItem.get(gone.PK, gone.SK).status == "expired"


def test_out_of_time_mid_shard_the_continuation_resumes_where_it_stopped(
    aws: None, reminders_sent: Any, one_shard: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certtrack.certifications import expiry_jobs

    people = [holder(EXPIRES) for _ in range(12)]
    monkeypatch.setattr(expiry_jobs, "PAGE_SIZE", 2)

    # each invocation: the start, a page and its two sends, then 30 s left: no next page, a continuation
    summary = daily_check(at("2026-11-25"), lambda_context=lambda: FakeContext(calls=4))

    jobs = summary["jobs"]
    assert [job["step"] for job in jobs] == list(range(1, len(jobs) + 1)) and len(jobs) > 2
    assert all(job.get("continued") for job in jobs[:-1]) and "continued" not in jobs[-1]
    assert not jobs[0]["resumed"] and all(job["resumed"] for job in jobs[1:])
    assert 0 < jobs[0]["reminders_sent"] < len(people)
    assert summary["complete"] and summary["reminders_sent"] == len(people) and summary["items_read"] == len(people)
    assert sorted(m["to"] for m in reminders_sent()) == sorted(str(p.email) for p in people)
    assert expiry.load_state().last_success == "2026-11-25"


def test_out_of_time_before_sending_releases_the_claims_for_the_continuation(
    aws: None, reminders_sent: Any, one_shard: None
) -> None:
    person = holder(EXPIRES)
    # the first invocation: the start and one page, then 1 s left (under the send reserve); the continuation has time
    contexts = iter([FakeContext(calls=2, short=1_000), FakeContext()])
    fan_out(at("2026-11-25"))

    [first] = deliver(lambda_context=lambda: next(contexts), rounds=1)

    assert (first["reminders_not_attempted"], first["reminders_sent"], first["continued"]) == (1, 0, True)
    assert raw_messages() == []  # (the outbox fixture would deliver the continuation first)
    assert reminders.existing(person.candidate_id, "ccna", EXPIRY, 90).status == reminders.FAILED  # type: ignore[union-attr]

    [continuation] = deliver(lambda_context=lambda: next(contexts))

    assert continuation["step"] == 2 and continuation["reminders_sent"] == 1
    assert len(reminders_sent()) == 1
    assert reminders.existing(person.candidate_id, "ccna", EXPIRY, 90).status == reminders.SENT  # type: ignore[union-attr]


def test_overlapping_passes_do_no_double_work(
    aws: None, reminders_sent: Any, one_shard: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    reminded = [holder(EXPIRES) for _ in range(3)]
    expiring = [holder("2026-11-24") for _ in range(2)]
    original = expiry._process_page
    other: list[expiry.Summary] = []
    started: list[bool] = []

    def interleaved(context: Any, entries: list[expiry.Entry]) -> None:
        if entries and not started:
            started.append(True)
            other.append(shard_pass(at("2026-11-25"), run_id="second-chain").summary)  # does everything first
        original(context, entries)

    monkeypatch.setattr(expiry, "_process_page", interleaved)
    first = shard_pass(at("2026-11-25"), run_id="first-chain").summary

    assert other[0].reminders_sent == 3 and other[0].expired_certifications == 2
    assert first.reminders_sent == 0 and first.expired_certifications == 0
    assert first.skipped >= 1
    assert len(reminders_sent()) == len(reminded)
    for person in expiring:
        history = [h for h in HistoryItem.query(keys.candidate_pk(person.candidate_id)) if h.event == "Expired"]
        assert len(history) == 1


def test_a_claim_held_by_a_running_check_is_not_sent_twice(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    now = at("2026-11-25")
    reminders.claim(person.candidate_id, "ccna", EXPIRY, 90, "another-run", now)

    summary = daily_check(now)

    assert summary["reminders_sent"] == 0 and summary["skipped"] == 1 and summary["complete"]
    # past its lease (an hour of event time) the claim is dead: the next day's run takes it over
    assert daily_check(now + timedelta(days=1))["reminders_sent"] == 1
    assert len(reminders_sent()) == 1
