"""Invariants of the rules engine, checked on generated evidence (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from certtrack.program.catalog import load_catalog
from certtrack.program.rules import ACTIVE, Credit, Exam, Result, Standing, add_years, evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

CATALOG = load_catalog()
TODAY = date(2026, 11, 25)
START = date(2012, 1, 1)
SPAN = (TODAY - START).days

days = st.integers(min_value=0, max_value=SPAN).map(lambda n: START + timedelta(days=n))
exam_codes = st.sampled_from(sorted(CATALOG.exams))


@st.composite
def exams(draw: st.DrawFn) -> list[Exam]:
    rows = draw(st.lists(st.tuples(exam_codes, days, st.booleans()), max_size=12))
    return [Exam(code, day, ok, key=f"REG{i}") for i, (code, day, ok) in enumerate(rows)]


def _credit(points: int, day: date, key: str) -> Credit:
    return Credit(points, day, add_years(day, CATALOG.ce_validity_years), key=key)


@st.composite
def credits(draw: st.DrawFn) -> list[Credit]:
    rows = draw(st.lists(st.tuples(st.integers(min_value=1, max_value=60), days), max_size=15))
    return [_credit(points, day, f"CE{i}") for i, (points, day) in enumerate(rows)]


def run(
    exam_list: list[Exam], credit_list: list[Credit], standings: dict[str, Standing] | None = None
) -> dict[str, Result]:
    return evaluate(CATALOG, exam_list, credit_list, standings or {}, TODAY)


@settings(max_examples=150, deadline=None)
@given(exams(), credits(), st.integers(min_value=1, max_value=60), days)
def test_monotone_in_credits(exam_list: list[Exam], credit_list: list[Credit], points: int, day: date) -> None:
    before = run(exam_list, credit_list)
    after = run(exam_list, [*credit_list, _credit(points, day, "CE-extra")])
    for cert_id, old in before.items():
        new = after[cert_id]
        if old.status == ACTIVE:
            assert new.status == ACTIVE, cert_id
            assert old.expiration_date is not None and new.expiration_date is not None
            assert new.expiration_date >= old.expiration_date, cert_id
        # an extra credit never takes progress away from the tree that matters today
        if old.status == new.status and old.active_date == new.active_date:
            assert new.progress.earned >= old.progress.earned or old.progress.met, cert_id


@settings(max_examples=150, deadline=None)
@given(exams(), credits())
def test_idempotent(exam_list: list[Exam], credit_list: list[Credit]) -> None:
    first = run(exam_list, credit_list)
    # what was stored last time (plain standings without grants) does not change the answer
    stored = {cert_id: Standing(cert_id) for cert_id in first}
    assert run(exam_list, credit_list, stored) == first
    assert run(exam_list, credit_list) == first


@settings(max_examples=150, deadline=None)
@given(exams(), credits(), st.randoms(use_true_random=False))
def test_order_of_events_does_not_matter(exam_list: list[Exam], credit_list: list[Credit], rnd) -> None:  # type: ignore[no-untyped-def]
    expected = run(exam_list, credit_list)
    shuffled_exams, shuffled_credits = list(exam_list), list(credit_list)
    rnd.shuffle(shuffled_exams)
    rnd.shuffle(shuffled_credits)
    assert run(shuffled_exams, shuffled_credits) == expected


@settings(max_examples=100, deadline=None)
@given(exams(), credits())
def test_dates_are_consistent(exam_list: list[Exam], credit_list: list[Credit]) -> None:
    for result in run(exam_list, credit_list).values():
        if result.status == ACTIVE:
            assert result.active_date is not None and result.expiration_date is not None
            assert result.active_date <= TODAY < result.expiration_date
            assert result.first_earned is not None and result.first_earned <= result.active_date
        event_days = [e.date for e in result.events]
        assert event_days == sorted(event_days)
