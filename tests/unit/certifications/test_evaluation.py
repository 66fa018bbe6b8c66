"""Evaluating a candidate's stored records against in-memory storage: earning, renewal, expiry,
re-evaluation after new exams and CE credits, revocations, grants, expert numbers, the
congratulations email, and the daily check's expiry of one due certification. The DynamoDB store itself is tested in
tests/integration/certifications/test_record_store.py; imports end to end in test_imports.py."""

from __future__ import annotations

from datetime import date

import pytest
from certtrack import keys
from certtrack.certifications import due, evaluation, expiry
from certtrack.certifications.models import CertificationItem, HistoryItem
from certtrack.identity.models import CandidateItem
from certtrack.program import rules

from tests.fakes.certifications import InMemoryRecordStore, Outbox
from tests.unit.certifications.items import CAND, at, credit, exam, profile

PASSED = date(2024, 5, 10)  # CCNA earned: active from this day, expires 2027-05-10


@pytest.fixture
def store() -> InMemoryRecordStore:
    """John Doe with an email address and no records yet."""
    store = InMemoryRecordStore()
    store.add(profile())
    return store


def reevaluate(store: InMemoryRecordStore, day: date, outbox: Outbox | None = None) -> evaluation.Outcome:
    return evaluation.reevaluate(CAND, at(day), store=store, send=outbox or Outbox())


def history(store: InMemoryRecordStore, cert_id: str | None = None) -> list[tuple[date, str]]:
    """(date, event) of the candidate's history items, oldest first (all, or one certification's)."""
    items = store.read(CAND, prefix=keys.HISTORY_PREFIX).history
    return [(h.date, h.event) for h in items if cert_id is None or h.cert_id == cert_id]


def test_a_passed_exam_earns_the_certification_with_its_dates_and_first_reminder(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    outbox = Outbox()

    outcome = reevaluate(store, date(2024, 5, 11), outbox)

    ccna = store.certification(CAND, "ccna")
    assert (ccna.status, ccna.active_date, ccna.expiration_date, ccna.first_earned) == (
        "active",
        PASSED,
        date(2027, 5, 10),
        PASSED,
    )
    assert ccna.started is None  # n/a once active (PynamoDB types a nullable attribute as its value type)
    # the expiry check's first look: the 90-day reminder, the key's day as YYYY-MM-DD
    assert ccna.GSI2SK is not None and ccna.GSI2SK.startswith("2027-02-09#CERT:r90#CAND#CSCO10000000#CERT#ccna")
    assert outcome.changed_certifications == ["ccna"]
    assert history(store) == [(PASSED, "Certification earned"), (PASSED, "Passed exam 200-301")]  # SK order
    [(to, template, context)] = outbox.sent
    assert (to, template) == ("john.doe@example.com", "certification_earned")
    assert (context["active_date"], context["expiration_date"]) == ("2024-05-10", "2027-05-10")


def test_evaluating_again_writes_and_sends_nothing(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    reevaluate(store, date(2024, 5, 11))
    calls, before = store.write_calls, dict(store.items)
    outbox = Outbox()

    outcome = reevaluate(store, date(2024, 6, 1), outbox)

    assert outcome.changed_certifications == [] and outcome.earned == []
    assert store.write_calls == calls and store.items.keys() == before.keys()
    assert outbox.sent == []


def test_a_failed_congratulation_is_retried_by_the_next_evaluation_and_sent_once(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    refusing = Outbox(refuse=1)

    reevaluate(store, date(2024, 5, 11), refusing)

    assert refusing.sent == [] and store.certification(CAND, "ccna").status == "active"
    assert history(store) == [(PASSED, "Passed exam 200-301")]  # "earned" waits for the mail
    retry = Outbox()
    reevaluate(store, date(2024, 5, 12), retry)
    assert retry.templates() == ["certification_earned"]
    assert history(store, "ccna") == [(PASSED, "Certification earned")]
    reevaluate(store, date(2024, 5, 13), retry)
    assert retry.templates() == ["certification_earned"]


def test_without_an_email_address_the_event_is_written_without_mail() -> None:
    store = InMemoryRecordStore()
    store.add(profile(email=None), exam(PASSED))
    outbox = Outbox()

    reevaluate(store, date(2024, 5, 11), outbox)

    assert outbox.sent == [] and history(store, "ccna") == [(PASSED, "Certification earned")]


def test_ce_credits_renew_the_period_once_and_move_the_reminders(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    reevaluate(store, date(2024, 5, 11))
    store.add(credit(date(2026, 1, 10), 20), credit(date(2026, 1, 15), 10))

    outcome = reevaluate(store, date(2026, 1, 20))

    ccna = store.certification(CAND, "ccna")
    assert (ccna.status, ccna.active_date, ccna.expiration_date) == ("active", date(2026, 1, 15), date(2030, 5, 10))
    assert ccna.GSI2SK is not None and ccna.GSI2SK.startswith("2030-02-09#CERT:r90#")
    assert outcome.changed_certifications == ["ccna"] and outcome.earned == []
    assert history(store, "ccna")[-1] == (date(2026, 1, 15), "Recertified by CE credits")
    # more credits in the same period do not add another three years
    store.add(credit(date(2026, 2, 1), 30))
    reevaluate(store, date(2026, 2, 2))
    assert store.certification(CAND, "ccna").expiration_date == date(2030, 5, 10)


def test_credits_short_of_the_requirement_renew_nothing(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED), credit(date(2026, 1, 10), 29.5))

    reevaluate(store, date(2026, 1, 20))

    assert store.certification(CAND, "ccna").expiration_date == date(2027, 5, 10)


def test_valid_through_the_expiration_date_expired_the_day_after(store: InMemoryRecordStore) -> None:
    store.add(exam(date(2020, 1, 10)))

    reevaluate(store, date(2023, 1, 10))
    assert store.certification(CAND, "ccna").status == "active"

    reevaluate(store, date(2023, 1, 11))
    ccna = store.certification(CAND, "ccna")
    assert (ccna.status, ccna.expiration_date) == ("expired", date(2023, 1, 10))
    assert ccna.GSI2PK is None and ccna.GSI2SK is None  # off the due index
    assert history(store, "ccna")[-1] == (date(2023, 1, 10), "Expired")
    assert store.get(keys.candidate_pk(CAND), keys.history_sk("2023-01-10", "ccna:expired")) is not None


def test_a_new_exam_after_expiry_earns_it_again_and_congratulates(store: InMemoryRecordStore) -> None:
    store.add(exam(date(2020, 1, 10)))
    reevaluate(store, date(2023, 2, 1))
    store.add(exam(date(2024, 3, 1)))
    outbox = Outbox()

    reevaluate(store, date(2024, 3, 2), outbox)

    ccna = store.certification(CAND, "ccna")
    assert (ccna.status, ccna.active_date, ccna.expiration_date) == ("active", date(2024, 3, 1), date(2027, 3, 1))
    assert ccna.first_earned == date(2020, 1, 10)  # achievement logos count from the first time
    assert outbox.templates() == ["certification_earned"]


def test_a_failed_exam_earns_nothing_and_writes_no_record(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED, grade="Fail"))

    outcome = reevaluate(store, date(2024, 5, 11))

    assert outcome.changed_certifications == [] and outcome.results["ccna"].status == rules.IN_PROGRESS
    assert store.read(CAND, prefix=keys.CERT_PREFIX).certifications == {}
    assert history(store) == []


def test_the_qualifying_exam_of_a_higher_level_counts_toward_both(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    reevaluate(store, date(2024, 5, 11))
    store.add(exam(date(2025, 3, 1), "350-401"), exam(date(2025, 3, 2), "300-410"))

    reevaluate(store, date(2025, 3, 3))

    ccnp = store.certification(CAND, "ccnp-enterprise")
    assert (ccnp.status, ccnp.active_date, ccnp.expiration_date) == ("active", date(2025, 3, 2), date(2028, 3, 2))
    # CCNA renewed once, by the first exam that qualified; CCNP's earning a day later adds nothing
    assert store.certification(CAND, "ccna").expiration_date == date(2030, 5, 10)
    assert history(store, "ccna")[-1] == (date(2025, 3, 1), "Recertified by exam")


def test_a_revoked_record_is_kept_as_it_was(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    reevaluate(store, date(2024, 5, 11))
    revoked = store.certification(CAND, "ccna")
    revoked.status = rules.REVOKED
    store.add(revoked)
    store.add(exam(date(2025, 1, 1)))

    reevaluate(store, date(2025, 1, 2))

    ccna = store.certification(CAND, "ccna")
    assert (ccna.status, ccna.active_date, ccna.expiration_date) == ("revoked", PASSED, date(2027, 5, 10))


def test_a_manual_grant_is_replayed_like_evidence(store: InMemoryRecordStore) -> None:
    outbox = Outbox()

    evaluation.grant(CAND, "ccnp-enterprise", date(2025, 1, 1), at(date(2025, 1, 2)), store=store, send=outbox)

    ccnp = store.certification(CAND, "ccnp-enterprise")
    assert (ccnp.status, ccnp.granted_on) == ("active", date(2025, 1, 1)) and ccnp.granted_until is None
    assert (ccnp.active_date, ccnp.expiration_date) == (date(2025, 1, 1), date(2028, 1, 1))
    assert history(store, "ccnp-enterprise") == [(date(2025, 1, 1), "Manually granted certification")]
    with pytest.raises(ValueError, match="unknown certification"):
        evaluation.grant(CAND, "no-such-cert", date(2025, 1, 1), at(date(2025, 1, 2)), store=store, send=outbox)


def test_a_grant_until_a_day_expires_after_it(store: InMemoryRecordStore) -> None:
    until = date(2025, 6, 30)
    evaluation.grant(CAND, "ccna", date(2025, 1, 1), at(date(2025, 1, 2)), until, store=store, send=Outbox())
    assert store.certification(CAND, "ccna").expiration_date == until

    reevaluate(store, date(2025, 7, 1))

    assert store.certification(CAND, "ccna").status == "expired"


def test_an_expert_number_is_assigned_once_in_sequence() -> None:
    store = InMemoryRecordStore()
    other = "CSCO10000001"
    store.add(profile(), profile(other, email="other@example.com"))
    for candidate_id in (CAND, other):
        store.add(
            exam(date(2025, 1, 1), "350-401", candidate_id=candidate_id),
            exam(date(2025, 2, 1), "CCIE-EI-LAB", candidate_id=candidate_id),
        )
        evaluation.reevaluate(candidate_id, at(date(2025, 2, 2)), store=store, send=Outbox())
    evaluation.reevaluate(CAND, at(date(2025, 3, 1)), store=store, send=Outbox())

    numbers = {}
    for candidate_id in (CAND, other):
        stored = store.get(*CandidateItem.key(candidate_id))
        assert isinstance(stored, CandidateItem) and stored.attributes is not None
        numbers[candidate_id] = stored.attributes.as_dict()["ccie_number"]
    assert numbers == {CAND: "70001", other: "70002"}
    assert store.counters == {"ccie_number": 2}


def test_stale_engine_events_are_deleted(store: InMemoryRecordStore) -> None:
    stale = HistoryItem(
        keys.candidate_pk(CAND),
        keys.history_sk("2021-01-01", "ccna:earned"),
        candidate_id=CAND,
        cert_id="ccna",
        date=date(2021, 1, 1),
        event="Certification earned",
        source=evaluation.RULES_SOURCE,
        kind=rules.EARNED,
    )
    other_feature = HistoryItem(
        keys.candidate_pk(CAND),
        keys.history_sk("2021-02-01", "note"),
        candidate_id=CAND,
        date=date(2021, 2, 1),
        event="x",
    )
    store.add(stale, other_feature, exam(PASSED))

    reevaluate(store, date(2024, 5, 11))

    assert (date(2021, 1, 1), "Certification earned") not in history(store)
    assert (date(2021, 2, 1), "x") in history(store)  # not the engine's: left alone


def test_the_partition_is_read_whole_and_consistently_once(store: InMemoryRecordStore) -> None:
    store.add(exam(PASSED))
    store.reads.clear()

    reevaluate(store, date(2024, 5, 11))

    assert store.reads == [{"candidate_id": CAND, "prefix": None, "between": None}]


def test_a_certification_record_stores_its_days_as_iso_strings() -> None:
    store = InMemoryRecordStore()
    store.add(profile(), exam(PASSED))
    reevaluate(store, date(2024, 5, 11))
    ccna = store.items[(keys.candidate_pk(CAND), keys.cert_sk("ccna"))]
    assert isinstance(ccna, CertificationItem)
    stored = ccna.serialize()
    assert (stored["active_date"], stored["expiration_date"]) == ({"S": "2024-05-10"}, {"S": "2027-05-10"})


# ---------------------------------------------------------------- the daily check's expiry of one due item


def due_to_expire(store: InMemoryRecordStore, passed: date, on: date) -> expiry.Entry:
    """CCNA earned by a pass on ``passed``, evaluated on ``on`` and put at its ``CERT:expire`` entry."""
    store.add(exam(passed))
    reevaluate(store, on)
    ccna = store.certification(CAND, "ccna")
    due.set_due(ccna, due.EXPIRE, due.events(ccna.expiration_date)[-1][1])
    store.add(ccna)
    assert ccna.GSI2SK is not None
    return expiry.Entry(ccna.PK, ccna.SK, ccna.GSI2SK)


def test_the_daily_check_expires_a_due_record_as_the_engine_would(store: InMemoryRecordStore) -> None:
    entry = due_to_expire(store, date(2020, 1, 10), date(2022, 12, 1))
    assert entry.gsi2sk.startswith("2023-01-11#CERT:expire#")  # due the day after the expiration date

    assert expiry.expire_certification(entry, date(2023, 1, 10), at(date(2023, 1, 11), 3), store)

    ccna = store.certification(CAND, "ccna")
    assert ccna.status == "expired" and ccna.GSI2SK is None
    assert history(store, "ccna")[-1] == (date(2023, 1, 10), "Expired")
    calls = store.write_calls
    outcome = reevaluate(store, date(2023, 1, 12))
    assert outcome.changed_certifications == [] and store.write_calls == calls  # the same items


def test_the_daily_check_leaves_a_record_that_moved_or_changed(store: InMemoryRecordStore) -> None:
    entry = due_to_expire(store, date(2020, 1, 10), date(2022, 12, 1))
    renewed = expiry.Entry(entry.pk, entry.sk, "2026-01-11#CERT:expire#" + entry.gsi2sk.split("#", 2)[2])

    assert not expiry.expire_certification(renewed, date(2026, 1, 10), at(date(2026, 1, 11)), store)
    assert not expiry.expire_certification(entry, date(2023, 1, 9), at(date(2023, 1, 11)), store)
    revoked = store.certification(CAND, "ccna")
    revoked.status = rules.REVOKED
    store.add(revoked)
    assert not expiry.expire_certification(entry, date(2023, 1, 10), at(date(2023, 1, 11)), store)

    still = store.certification(CAND, "ccna")
    assert (still.status, still.GSI2SK) == (rules.REVOKED, entry.gsi2sk)
    assert (date(2023, 1, 10), "Expired") not in history(store)
