"""The operators' decisions as the rules engine reads them back: an extension of one period, a
revocation that evidence cannot undo, and a grant that lifts a revocation with a fresh start."""

from __future__ import annotations

from datetime import date

from certtrack.program.rules import Standing

from tests.unit.program.evidence import credit, passed
from tests.unit.program.test_rules import run

EARNED = "2025-01-10"  # CCNA by exam: expires 2028-01-10


def test_an_extension_moves_the_named_period_only() -> None:
    extended = Standing("ccna", extended_from=date(2028, 1, 10), extended_to=date(2028, 7, 1))
    result = run([passed("200-301", EARNED)], standings={"ccna": extended})["ccna"]
    assert (result.status, result.expiration_date) == ("active", date(2028, 7, 1))

    other = Standing("ccna", extended_from=date(2027, 1, 1), extended_to=date(2028, 7, 1))
    assert run([passed("200-301", EARNED)], standings={"ccna": other})["ccna"].expiration_date == date(2028, 1, 10)


def test_an_extended_period_stays_valid_until_its_new_expiry_and_renews_from_it() -> None:
    extended = Standing("ccna", extended_from=date(2028, 1, 10), extended_to=date(2028, 7, 1))
    later = date(2028, 5, 1)
    assert run([passed("200-301", EARNED)], standings={"ccna": extended}, today=later)["ccna"].status == "active"
    renewed = run([passed("200-301", EARNED)], [credit(30, "2028-04-01")], standings={"ccna": extended}, today=later)[
        "ccna"
    ]
    assert renewed.expiration_date == date(2031, 7, 1)


def test_evidence_does_not_undo_a_revocation() -> None:
    revoked = Standing("ccna", revoked=True)
    result = run([passed("200-301", EARNED), passed("200-301", "2026-06-01", "again")], standings={"ccna": revoked})
    assert result["ccna"].status == "revoked"
    assert result["ccna"].events == ()


def test_a_grant_lifting_a_revocation_starts_afresh_that_day() -> None:
    lifted = Standing("ccna", granted_on=date(2026, 11, 1), lifted_on=date(2026, 11, 1))
    result = run([passed("200-301", EARNED)], standings={"ccna": lifted})["ccna"]
    assert (result.status, result.active_date, result.expiration_date) == (
        "active",
        date(2026, 11, 1),
        date(2029, 11, 1),
    )
    assert [e.text for e in result.events] == ["Manually granted certification"]  # the revoked past is not replayed
