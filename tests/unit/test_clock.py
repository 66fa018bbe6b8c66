"""The clock seam: the handlers' one "now", moved by tests and the local runtime, never by Lambda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from certtrack import clock


def test_now_is_the_system_clock_in_utc() -> None:
    before = datetime.now(UTC)
    got = clock.now()
    assert got.tzinfo is UTC and before <= got <= datetime.now(UTC)


def test_frozen_answers_the_instant_in_utc_and_restores_on_exit() -> None:
    tokyo = datetime(2027, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    with clock.frozen(tokyo):
        assert clock.now() == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
        assert clock.now().tzinfo is UTC
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_shifted_moves_the_clock_it_replaces_and_nests() -> None:
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with clock.frozen(start), clock.shifted(timedelta(days=90)):
        assert clock.now() == start + timedelta(days=90)
        with clock.shifted(-timedelta(hours=1)):
            assert clock.now() == start + timedelta(days=90, hours=-1)
        assert clock.now() == start + timedelta(days=90)
    assert clock.now().year >= 2026 and clock.now() != start + timedelta(days=90)


def test_the_clock_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), clock.frozen(datetime(2000, 1, 1, tzinfo=UTC)):
        raise RuntimeError("boom")
    assert clock.now().year >= 2026


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"), clock.frozen(datetime(2026, 1, 1)):
        pass
