"""The one clock: "now" as the handlers read it, at the edge.

The domain never reads the time: every use case takes ``now`` from its caller, and the callers (the
handlers in ``functions/``) take it from :func:`now`. In Lambda that is the system clock in UTC,
always. Tests and the local runtime move it with :func:`frozen` or :func:`shifted`, so a handler
can be driven at any instant (the day before an expiry, two hours after a link was sent) through
its real entry point, without patching ``datetime``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 (the seam's one value)


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return _source()


@contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    """Within the block, :func:`now` answers ``instant`` (which must carry a timezone)."""
    if instant.tzinfo is None:
        raise ValueError("a frozen instant needs a timezone")
    with _using(lambda: instant.astimezone(UTC)):
        yield


@contextmanager
def shifted(delta: timedelta) -> Iterator[None]:
    """Within the block, :func:`now` runs ``delta`` ahead of the clock it replaces (behind if negative)."""
    outer = _source
    with _using(lambda: outer() + delta):
        yield


@contextmanager
def _using(source: Callable[[], datetime]) -> Iterator[None]:
    global _source
    saved, _source = _source, source
    try:
        yield
    finally:
        _source = saved
