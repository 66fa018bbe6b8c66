"""The expiry check over a table: only what is due is read, each change happens once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications import evaluation, expiry, reminders
from certtrack.certifications.models import CECreditItem, HistoryItem
from certtrack.transcripts import expiry as transcript_expiry
from certtrack.transcripts.models import TranscriptItem

from tests.integration.expiry.conftest import at, bulk_certifications, certification, credit, holder, transcript

EXPIRES = "2027-02-20"  # reminders due 2026-11-22 (90), 2027-01-21 (30), 2027-02-13 (7)
EXPIRY = date.fromisoformat(EXPIRES)


def _days_sent(outbox: list[dict[str, str]]) -> list[str]:
    return [m["text"].split(" days.")[0].rsplit("in ", 1)[-1] for m in outbox]


def test_thousands_of_certifications_only_the_due_ones_are_read(aws: None, reminders_sent: Any) -> None:
    from datetime import date

    bulk_certifications(3000, date(2027, 6, 1))  # first reminder 2027-03-03: none due in November
    due_holders = [holder(EXPIRES) for _ in range(3)]
    expiring = holder("2026-11-24")  # valid through the 24th: expired on the 25th

    summary = expiry.run(at("2026-11-25"))

    assert summary.items_read == 4
    assert summary.reminders_sent == 3
    assert summary.expired_certifications == 1
    assert summary.complete and not summary.resumed
    assert sorted(m["to"] for m in reminders_sent()) == sorted(str(h.email) for h in due_holders)
    assert certification(expiring.candidate_id).status == "expired"

    again = expiry.run(at("2026-11-25"))  # the schedule fires twice

    assert (again.items_read, again.reminders_sent, again.expired_certifications) == (0, 0, 0)
    assert len(reminders_sent()) == 3


def test_each_reminder_once_then_expiry(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)

    for day in ("2026-11-22", "2026-11-23", "2027-01-21", "2027-01-21", "2027-02-13", "2027-02-19"):
        expiry.run(at(day))

    assert _days_sent(reminders_sent()) == ["90", "30", "7"]
    assert certification(person.candidate_id).status == "active"

    on_the_day = expiry.run(at(EXPIRES))  # valid through its expiration date

    assert (on_the_day.expired_certifications, on_the_day.reminders_sent) == (0, 0)
    assert certification(person.candidate_id).status == "active"

    summary = expiry.run(at("2027-02-21"))

    assert summary.expired_certifications == 1
    stored = certification(person.candidate_id)
    assert stored.status == "expired" and stored.GSI2SK is None
    history = HistoryItem.get(keys.candidate_pk(person.candidate_id), keys.history_sk(EXPIRES, "ccna:expired"))
    assert (history.event, history.date) == ("Expired", EXPIRY)


def test_expired_certification_offers_no_pdf_and_reevaluation_keeps_one_expired_event(aws: None) -> None:
    from certtrack.certifications import records

    person = holder("2026-11-20")
    expiry.run(at("2026-11-25"))
    evaluation.reevaluate(person.candidate_id, at("2026-11-26"))

    page = records.list_certifications(person.candidate_id, at("2026-11-26"), 50, None)
    shown = page.groups[0].certifications[0]
    assert shown.status == "expired" and shown.downloads.pdf_certificate is False
    detail = records.certification_detail(person.candidate_id, "ccna", at("2026-11-26"))
    assert [h.event for h in detail.history].count("Expired") == 1


def test_a_skipped_day_still_sends_the_reminder(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    summary = expiry.run(at("2026-11-24"))  # the 22nd and 23rd never ran

    assert summary.reminders_sent == 1
    assert _days_sent(reminders_sent()) == ["88"]


def test_a_late_run_sends_the_missed_90_day_reminder_until_the_30_day_mark(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    expiry.run(at("2027-01-20"))  # 31 days before: the 90-day one is still due
    expiry.run(at("2027-01-21"))

    assert _days_sent(reminders_sent()) == ["31", "30"]


def test_a_run_past_the_30_day_mark_skips_the_90_day_reminder(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES)

    expiry.run(at("2027-01-25"))
    expiry.run(at("2027-02-13"))

    subjects = reminders_sent()
    assert _days_sent(subjects) == ["26", "7"]
    assert reminders.existing(subjects and _cid(subjects[0]), "ccna", EXPIRY, 90) is None


def _cid(message: dict[str, str]) -> str:
    return message["text"].split("?c=", 1)[1].split("&", 1)[0]


def test_recertified_in_between_gets_no_stale_reminder(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    expiry.run(at("2026-11-22"))
    credit(person.candidate_id, 30, "2026-12-01")
    evaluation.reevaluate(person.candidate_id, at("2026-12-01", 12))  # renews to 2030-02-20

    expiry.run(at("2027-01-21"))
    expiry.run(at("2027-02-13"))
    expiry.run(at(EXPIRES))

    assert _days_sent(reminders_sent()) == ["90"]
    stored = certification(person.candidate_id)
    assert (stored.status, stored.expiration_date) == ("active", date(2030, 2, 20))
    assert stored.GSI2SK is not None and stored.GSI2SK.startswith("2029-11-22#CERT:r90#")


def test_evidence_not_yet_applied_suppresses_the_stale_reminder(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    credit(person.candidate_id, 30, "2026-11-01")  # imported, but the record not re-evaluated yet

    summary = expiry.run(at("2026-11-22"))

    assert summary.reminders_sent == 0 and summary.skipped == 1
    assert reminders_sent() == []


def test_credits_and_transcripts_past_their_date(aws: None) -> None:
    person = holder("2030-01-01")
    old = credit(person.candidate_id, 5, "2023-11-24")  # inactive on 2026-11-24
    fresh = credit(person.candidate_id, 5, "2026-01-10")
    gone = transcript(person.candidate_id, "2026-11-24")  # last day the 24th
    today = transcript(person.candidate_id, "2026-11-25")

    summary = expiry.run(at("2026-11-25"), expire_transcript=transcript_expiry.expire)

    assert (summary.inactive_credits, summary.expired_transcripts) == (1, 1)
    assert CECreditItem.get(old.PK, old.SK).status == "inactive"
    assert CECreditItem.get(fresh.PK, fresh.SK).status == "active"
    assert TranscriptItem.get(gone.PK, gone.SK).status == "expired"
    assert TranscriptItem.get(today.PK, today.SK).status is None
    assert CECreditItem.get(old.PK, old.SK).GSI2SK is None
    assert TranscriptItem.get(gone.PK, gone.SK).GSI2SK is None


def test_transcripts_wait_on_the_index_for_a_run_that_can_expire_them(aws: None) -> None:
    person = holder("2030-01-01")
    gone = transcript(person.candidate_id, "2026-11-24")

    without = expiry.run(at("2026-11-25"))  # transcripts expire their own items: nothing passed

    assert (without.expired_transcripts, without.skipped) == (0, 1)
    assert TranscriptItem.get(gone.PK, gone.SK).status is None
    assert expiry.run(at("2026-11-26"), expire_transcript=transcript_expiry.expire).expired_transcripts == 1
    assert TranscriptItem.get(gone.PK, gone.SK).status == "expired"


def test_timeout_then_resume_where_it_stopped(aws: None, reminders_sent: Any, fake_context: Any) -> None:
    people = [holder(EXPIRES) for _ in range(12)]
    clock = fake_context(calls=4)  # the start and three pages, then 30 s left: stop scanning, still send

    first = expiry.run(at("2026-11-25"), remaining_ms=clock.get_remaining_time_in_millis, page_size=2)

    assert not first.complete
    assert 0 < first.reminders_sent < len(people)
    state = expiry.load_state()
    assert state.cursors and state.last_success is None

    second = expiry.run(at("2026-11-25"), page_size=2)

    assert second.resumed and second.complete
    assert first.reminders_sent + second.reminders_sent == len(people)
    assert sorted(m["to"] for m in reminders_sent()) == sorted(str(p.email) for p in people)
    state = expiry.load_state()
    assert state.cursors is None and state.last_success == "2026-11-25"


def test_out_of_time_before_sending_releases_the_claims_for_the_next_run(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    looks = iter([600_000] * 9 + [1_000] * 100)  # the start, one per shard page, then no time left to send

    summary = expiry.run(at("2026-11-25"), remaining_ms=lambda: next(looks))

    assert summary.reminders_not_attempted == 1 and reminders_sent() == []
    assert reminders.existing(person.candidate_id, "ccna", EXPIRY, 90).status == reminders.FAILED  # type: ignore[union-attr]
    assert expiry.run(at("2026-11-26")).reminders_sent == 1


def test_overlapping_runs_do_no_double_work(aws: None, reminders_sent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    reminded = [holder(EXPIRES) for _ in range(3)]
    expiring = [holder("2026-11-24") for _ in range(2)]
    original = expiry._process_page
    other: list[expiry.Summary] = []
    started: list[bool] = []

    def interleaved(context: Any, entries: list[expiry.Entry]) -> None:
        if entries and not started:
            started.append(True)
            other.append(expiry.run(at("2026-11-25")))  # a second run does everything first
        original(context, entries)

    monkeypatch.setattr(expiry, "_process_page", interleaved)
    first = expiry.run(at("2026-11-25"))

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

    summary = expiry.run(now)

    assert summary.reminders_sent == 0 and summary.skipped == 1
    # an hour later the claim is considered dead and taken over
    assert expiry.run(datetime(2026, 11, 25, 5, tzinfo=UTC)).reminders_sent == 1
    assert len(reminders_sent()) == 1
