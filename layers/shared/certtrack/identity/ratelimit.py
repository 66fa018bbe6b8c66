"""Fixed-window counters per login: ``LOGIN#<sub> / RATE#<action>#<window start>``.

A counter is one item per window, incremented with an atomic conditional ``ADD`` (so concurrent
requests cannot push it past the limit) and removed by TTL after the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import UpdateError

from certtrack import keys
from certtrack.errors import TooManyRequests
from certtrack.identity.models import RateLimitItem


@dataclass(frozen=True)
class Limit:
    action: str
    max_count: int
    window_seconds: int


SCORE_REPORT_FAILURES = Limit("score_report", 5, 15 * 60)
# Outgoing mapping emails per login: stops one login from mailing arbitrary addresses in bulk.
MAPPING_EMAILS = Limit("mapping_email", 10, 15 * 60)


def window_start(now: datetime, limit: Limit) -> int:
    epoch = int(now.timestamp())
    return epoch - epoch % limit.window_seconds


def retry_after_seconds(now: datetime, limit: Limit) -> int:
    end = window_start(now, limit) + limit.window_seconds
    return max(1, math.ceil(end - now.timestamp()))


def _too_many(now: datetime, limit: Limit) -> TooManyRequests:
    seconds = retry_after_seconds(now, limit)
    return TooManyRequests(
        f"Too many attempts; retry in {seconds} seconds.",
        code="too_many_requests",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )


def _key(login_sub: str, now: datetime, limit: Limit) -> tuple[str, str]:
    return keys.login_pk(login_sub), keys.rate_sk(limit.action, window_start(now, limit))


def ensure_allowed(login_sub: str, now: datetime, limit: Limit) -> None:
    """Raise 429 when this window's counter is already at the limit (one GetItem)."""
    try:
        item = RateLimitItem.get(*_key(login_sub, now, limit), consistent_read=True)
    except RateLimitItem.DoesNotExist:
        return
    if int(item.hits or 0) >= limit.max_count:
        raise _too_many(now, limit)


def consume(login_sub: str, now: datetime, limit: Limit) -> int:
    """Count one event; raise 429 instead when the window is full (one conditional UpdateItem)."""
    pk, sk = _key(login_sub, now, limit)
    item = RateLimitItem(pk, sk)
    expires = window_start(now, limit) + limit.window_seconds + 3600
    try:
        item.update(
            actions=[RateLimitItem.hits.add(1), RateLimitItem.expires_at.set(expires)],
            condition=RateLimitItem.hits.does_not_exist() | (RateLimitItem.hits < limit.max_count),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise _too_many(now, limit) from None
        raise
    return int(item.hits or 0)
