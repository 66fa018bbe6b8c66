"""Which event a certification needs on a day, and how the due index keys read back (no AWS)."""

from __future__ import annotations

from datetime import date

import pytest
from certtrack.certifications import due

EXPIRES = "2027-02-20"
EXPIRE_DUE = "2027-02-21"  # valid through the expiration date: expired the day after


@pytest.mark.parametrize(
    ("today", "action", "upcoming"),
    [
        ("2026-11-21", None, ("r90", "2026-11-22")),
        ("2026-11-22", "r90", ("r30", "2027-01-21")),
        ("2027-01-20", "r90", ("r30", "2027-01-21")),  # late: the 90-day one until the 30-day mark
        ("2027-01-21", "r30", ("r7", "2027-02-13")),  # at the mark only the 30-day one
        ("2027-02-12", "r30", ("r7", "2027-02-13")),
        ("2027-02-13", "r7", ("expire", EXPIRE_DUE)),
        ("2027-02-19", "r7", ("expire", EXPIRE_DUE)),
        (EXPIRES, "r7", ("expire", EXPIRE_DUE)),  # still valid on its expiration date
        (EXPIRE_DUE, "expire", None),
        ("2027-06-01", "expire", None),
    ],
)
def test_plan(today: str, action: str | None, upcoming: tuple[str, str] | None) -> None:
    assert due.plan(EXPIRES, date.fromisoformat(today)) == (action, upcoming)


def test_events_of_a_period_in_order() -> None:
    assert due.events(EXPIRES) == [
        ("r90", "2026-11-22"),
        ("r30", "2027-01-21"),
        ("r7", "2027-02-13"),
        ("expire", EXPIRE_DUE),
    ]


@pytest.mark.parametrize(
    ("kind", "due_date", "expiry"),
    [
        ("CERT:r90", "2026-11-22", EXPIRES),
        ("CERT:r30", "2027-01-21", EXPIRES),
        ("CERT:r7", "2027-02-13", EXPIRES),
        ("CERT:expire", EXPIRE_DUE, EXPIRES),
        ("CERT:r45", "2027-01-06", None),
    ],
)
def test_implied_expiry(kind: str, due_date: str, expiry: str | None) -> None:
    assert due.implied_expiry(kind, due_date) == expiry


def test_keys_read_back() -> None:
    pk, sk = "CAND#CSCO00000001", "CE#EXT-1"
    gsi2pk, gsi2sk = due.credit_due(pk, sk, "2027-03-01")
    assert gsi2pk.startswith("DUE#")
    assert due.parse_sk(gsi2sk) == ("2027-03-01", due.CE_INACTIVE)
    assert gsi2sk.endswith(f"#{pk}#{sk}")


def test_a_transcript_is_due_the_day_after_its_last_day() -> None:
    _, gsi2sk = due.transcript_due("CAND#CSCO00000001", "TRANSCRIPT#ABC", date(2026, 12, 31))
    assert due.parse_sk(gsi2sk) == ("2027-01-01", due.TRANSCRIPT_EXPIRE)


def test_shards_are_stable_and_spread() -> None:
    shards = {due.due_keys(f"CAND#{n}", "CERT#ccna", "CERT:r90", "2027-01-01")[0] for n in range(400)}
    assert shards == {f"DUE#{n}" for n in range(8)}
    assert (
        due.due_keys("CAND#1", "CERT#ccna", "CERT:r90", "2027-01-01")[0]
        == due.due_keys("CAND#1", "CERT#ccna", "CERT:expire", "2027-05-01")[0]
    )
