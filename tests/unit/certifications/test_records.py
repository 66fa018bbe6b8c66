"""The ``/me/*`` records use cases against in-memory storage: which slice each reads, standing on
the day, the engine's detail, sorting, filtering, paging, and days written as ``YYYY-MM-DD``. The
routes over DynamoDB (two calls each) are tests/integration/certifications/test_records_routes.py."""

from __future__ import annotations

from datetime import date

import pytest
from certtrack import keys
from certtrack.certifications import evaluation, records
from certtrack.errors import AppError, NotFound

from tests.factories import certification_item
from tests.fakes.certifications import InMemoryRecordStore, Outbox
from tests.unit.certifications.items import CAND, agreement, at, credit, exam, profile

TODAY = date(2026, 11, 25)


@pytest.fixture
def store() -> InMemoryRecordStore:
    store = InMemoryRecordStore()
    store.add(profile())
    return store


def test_the_list_shows_each_records_standing_on_the_day(store: InMemoryRecordStore) -> None:
    store.add(
        certification_item(CAND, "ccna", active_date=date(2024, 1, 1), expiration_date=TODAY),
        certification_item(CAND, "ccnp-enterprise", active_date=date(2023, 1, 1), expiration_date=date(2026, 11, 24)),
        certification_item(CAND, "ccde", status="in_progress", active_date=None, expiration_date=None),
    )

    page = records.list_certifications(CAND, at(TODAY), 50, None, store=store)

    shown = {
        c.id: (c.status, c.active_date, c.expiration_date, c.downloads.pdf_certificate)
        for g in page.groups
        for c in g.certifications
    }
    assert shown == {
        "ccna": ("active", "2024-01-01", "2026-11-25", True),  # valid through its expiration date
        "ccnp-enterprise": ("expired", "2023-01-01", "2026-11-24", False),  # before the daily check ran
        "ccde": ("in_progress", None, None, False),
    }
    assert [g.category for g in page.groups] == [
        "General Certifications - Associate",
        "General Certifications - Professional",
        "Expert Certifications",
    ]
    assert store.reads[-1]["prefix"] == keys.CERT_PREFIX


def test_the_list_pages_in_catalog_order(store: InMemoryRecordStore) -> None:
    store.add(*(certification_item(CAND, cert_id) for cert_id in ("ccde", "ccna", "ccnp-enterprise")))

    first = records.list_certifications(CAND, at(TODAY), 2, None, store=store)
    second = records.list_certifications(CAND, at(TODAY), 2, first.next, store=store)

    ids = [[c.id for g in p.groups for c in g.certifications] for p in (first, second)]
    assert ids == [["ccna", "ccnp-enterprise"], ["ccde"]] and second.next is None
    with pytest.raises(AppError) as bad:
        records.list_certifications(CAND, at(TODAY), 2, "not-a-cursor", store=store)
    assert bad.value.code == "invalid_cursor"


def test_the_detail_runs_the_engine_on_the_day_and_shows_its_evidence(store: InMemoryRecordStore) -> None:
    store.add(exam(date(2024, 5, 10)), exam(date(2024, 6, 1), "CCIE-EI-LAB"), credit(date(2026, 1, 10), 30))
    evaluation.reevaluate(CAND, at(date(2026, 1, 11)), store=store, send=Outbox())
    store.add(credit(date(2026, 3, 1), 10))  # after the renewal: toward the next period

    detail = records.certification_detail(CAND, "ccna", at(TODAY), store=store)

    assert (detail.status, detail.active_date, detail.expiration_date) == ("active", "2026-01-10", "2030-05-10")
    assert [(c.active_date, c.inactive_date, c.points, c.status) for c in detail.ce_credits] == [
        ("2026-03-01", "2029-03-01", 10, "active")
    ]
    # newest first; the lab exam is in no CCNA tree, so its pass is not shown here
    assert [(h.date, h.event) for h in detail.history] == [
        ("2026-01-10", "Recertified by CE credits"),
        ("2024-05-10", "Passed exam 200-301"),
        ("2024-05-10", "Certification earned"),
    ]
    assert store.reads[-1]["between"] == (keys.CE_PREFIX, "HIST$")


def test_the_detail_of_a_certification_without_a_record_is_its_initial_tree(store: InMemoryRecordStore) -> None:
    detail = records.certification_detail(CAND, "ccnp-enterprise", at(TODAY), store=store)

    assert (detail.status, detail.active_date, detail.progress.met, detail.history) == ("in_progress", None, False, [])
    with pytest.raises(NotFound):
        records.certification_detail(CAND, "no-such-cert", at(TODAY), store=store)


def test_exams_sort_and_say_how_long_a_pass_counts(store: InMemoryRecordStore) -> None:
    store.add(
        exam(date(2024, 2, 29)),
        exam(date(2023, 1, 5), "350-401", grade="Fail"),
        exam(date(2025, 7, 1), "300-410"),
    )

    newest = records.list_exams(CAND, "date", "desc", 50, None, store=store)
    by_code = records.list_exams(CAND, "code", "asc", 50, None, store=store)

    assert [(e.date, e.grade, e.expires) for e in newest.items] == [
        ("2025-07-01", "Pass", "2028-07-01"),
        ("2024-02-29", "Pass", "2027-02-28"),
        ("2023-01-05", "Fail", None),  # a failed exam never expires
    ]
    assert [e.code for e in by_code.items] == ["200-301", "300-410", "350-401"]
    assert store.reads[-1]["prefix"] == keys.EXAM_PREFIX


def test_ce_activities_newest_first_filtered_by_name_or_provider(store: InMemoryRecordStore) -> None:
    store.add(
        credit(date(2025, 1, 1), 5, name="Cisco Live keynote"),
        credit(date(2025, 6, 1), 7.5, name="Webinar", provider="Partner Academy"),
        credit(date(2024, 3, 1), 10, name="Lab day"),
    )

    everything = records.list_ce_activities(CAND, None, 50, None, store=store)
    live = records.list_ce_activities(CAND, "  LIVE ", 50, None, store=store)
    academy = records.list_ce_activities(CAND, "academy", 50, None, store=store)

    assert [(c.active_date, c.expires, c.points) for c in everything.items] == [
        ("2025-06-01", "2028-06-01", 7.5),
        ("2025-01-01", "2028-01-01", 5),
        ("2024-03-01", "2027-03-01", 10),
    ]
    assert [c.name for c in live.items] == ["Cisco Live keynote"]
    assert [c.name for c in academy.items] == ["Webinar"]


def test_agreements_newest_first_and_paged(store: InMemoryRecordStore) -> None:
    store.add(agreement("cca-v8", date(2020, 1, 1), "CCA V8"), agreement("cca-v9", date(2024, 5, 10), "CCA V9"))

    first = records.list_agreements(CAND, 1, None, store=store)
    second = records.list_agreements(CAND, 1, first.next, store=store)

    assert [(a.name, a.active_date, a.expires) for a in first.items + second.items] == [
        ("CCA V9", "2024-05-10", None),
        ("CCA V8", "2020-01-01", None),
    ]
    assert second.next is None
