"""Which event a certification needs on a day, and how the due index keys read back (no AWS)."""

from __future__ import annotations

from datetime import date

import pytest
from certtrack.certifications import due

EXPIRES = date(2027, 2, 20)
EXPIRE_DUE = date(2027, 2, 21)  # valid through the expiration date: expired the day after


@pytest.mark.parametrize(
    ("today", "action", "upcoming"),
    [
        (date(2026, 11, 21), None, ("r90", date(2026, 11, 22))),
        (date(2026, 11, 22), "r90", ("r30", date(2027, 1, 21))),
        (date(2027, 1, 20), "r90", ("r30", date(2027, 1, 21))),  # late: the 90-day one until the 30-day mark
        (date(2027, 1, 21), "r30", ("r7", date(2027, 2, 13))),  # at the mark only the 30-day one
        (date(2027, 2, 12), "r30", ("r7", date(2027, 2, 13))),
        (date(2027, 2, 13), "r7", ("expire", EXPIRE_DUE)),
        (date(2027, 2, 19), "r7", ("expire", EXPIRE_DUE)),
        (EXPIRES, "r7", ("expire", EXPIRE_DUE)),  # still valid on its expiration date
        (EXPIRE_DUE, "expire", None),
        (date(2027, 6, 1), "expire", None),
    ],
)
def test_plan(today: date, action: str | None, upcoming: tuple[str, date] | None) -> None:
    assert due.plan(EXPIRES, today) == (action, upcoming)


def test_events_of_a_period_in_order() -> None:
    assert due.events(EXPIRES) == [
        ("r90", date(2026, 11, 22)),
        ("r30", date(2027, 1, 21)),
        ("r7", date(2027, 2, 13)),
        ("expire", EXPIRE_DUE),
    ]


@pytest.mark.parametrize(
    ("kind", "due_date", "expiry"),
    [
        ("CERT:r90", date(2026, 11, 22), EXPIRES),
        ("CERT:r30", date(2027, 1, 21), EXPIRES),
        ("CERT:r7", date(2027, 2, 13), EXPIRES),
        ("CERT:expire", EXPIRE_DUE, EXPIRES),
        ("CERT:r45", date(2027, 1, 6), None),
    ],
)
def test_implied_expiry(kind: str, due_date: date, expiry: date | None) -> None:
    assert due.implied_expiry(kind, due_date) == expiry


def test_keys_read_back() -> None:
    pk, sk = "CAND#CSCO00000001", "CE#EXT-1"
    gsi2pk, gsi2sk = due.credit_due(pk, sk, date(2027, 3, 1))
    assert gsi2pk.startswith("DUE#")
    assert due.parse_sk(gsi2sk) == (date(2027, 3, 1), due.CE_INACTIVE)
    assert gsi2sk.startswith("2027-03-01#CE:inactive#")  # the key keeps the day as YYYY-MM-DD
    assert gsi2sk.endswith(f"#{pk}#{sk}")


def test_a_transcript_is_due_the_day_after_its_last_day() -> None:
    _, gsi2sk = due.transcript_due("CAND#CSCO00000001", "TRANSCRIPT#ABC", date(2026, 12, 31))
    assert due.parse_sk(gsi2sk) == (date(2027, 1, 1), due.TRANSCRIPT_EXPIRE)


def test_shards_are_stable_and_spread() -> None:
    shards = {due.due_keys(f"CAND#{n}", "CERT#ccna", "CERT:r90", date(2027, 1, 1))[0] for n in range(400)}
    assert shards == {f"DUE#{n}" for n in range(8)}
    assert (
        due.due_keys("CAND#1", "CERT#ccna", "CERT:r90", date(2027, 1, 1))[0]
        == due.due_keys("CAND#1", "CERT#ccna", "CERT:expire", date(2027, 5, 1))[0]
    )
