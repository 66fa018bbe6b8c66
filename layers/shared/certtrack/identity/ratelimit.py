"""Fixed-window counters: ``<owner> / RATE#<action>#<window start>``.

The owner is a login (``LOGIN#<sub>``) or a hashed value no login owns (``RATE#<scope>#<sha256>``:
a registration number, a folded last name, a source IP, a recipient address). A counter is one
item per window, incremented with an atomic conditional ``ADD`` (so concurrent requests cannot push
it past the limit) and removed by TTL after the window.

:func:`take` holds one slot of several windows, or none: a request refused by one window (429)
gives back what it took of the others, and concurrent requests cannot pass a full window. A
window counts *attempts*; the score report gives its slots back on a match
(:func:`give_back`), so only failures stay counted, and a guess is evaluated only after it holds
its slots (checking first and counting afterwards would let a burst of parallel guesses through).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import UpdateError

from certtrack import keys
from certtrack.db import condition_failed
from certtrack.errors import TooManyRequests
from certtrack.identity.models import RateLimitItem


@dataclass(frozen=True)
class Limit:
    action: str
    max_count: int
    window_seconds: int
    # The 429's detail; ``{seconds}`` is the wait, ``{max_count}`` the limit.
    refusal: str = "Too many attempts; retry in {seconds} seconds."


DAY = 24 * 3600  # windows of this length start at UTC midnight

SCORE_REPORT_FAILURES = Limit("score_report", 5, 15 * 60)  # per login
# Per target, whoever asks (sign-up is open, so per-login limits alone multiply with logins): a
# registration number gets 5 failed guesses a day, a last name 10 (it is shared by many people,
# and one attacker varying the registration number against a known name is bounded by it).
SCORE_REPORT_PER_REGISTRATION = Limit("score_report", 5, DAY)
SCORE_REPORT_PER_NAME = Limit("score_report", 10, DAY)
# Per client: 20 failures an hour from one source IP (an office behind one NAT still fits).
SCORE_REPORT_PER_IP = Limit("score_report", 20, 3600)
# Outgoing mapping emails per login: stops one login from mailing arbitrary addresses in bulk.
MAPPING_EMAILS = Limit("mapping_email", 10, 15 * 60)
# Mapping emails (link, notices, score-report link) to one address per UTC day, whoever asks.
MAPPING_MAILS_PER_RECIPIENT = Limit("mapping_mail", 3, DAY)


@dataclass(frozen=True)
class Window:
    """A limit applied to one owner: the partition its counters live in."""

    pk: str
    limit: Limit


def per_login(login_sub: str, limit: Limit) -> Window:
    return Window(keys.login_pk(login_sub), limit)


def per_value(scope: str, value: str, limit: Limit) -> Window:
    return Window(keys.rate_pk(scope, value), limit)


def window_start(now: datetime, limit: Limit) -> int:
    epoch = int(now.timestamp())
    return epoch - epoch % limit.window_seconds


def retry_after_seconds(now: datetime, limit: Limit) -> int:
    end = window_start(now, limit) + limit.window_seconds
    return max(1, math.ceil(end - now.timestamp()))


def _too_many(now: datetime, limit: Limit) -> TooManyRequests:
    seconds = retry_after_seconds(now, limit)
    return TooManyRequests(
        limit.refusal.format(seconds=seconds, max_count=limit.max_count),
        code="too_many_requests",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after": seconds},
    )


def _window_item(window: Window, now: datetime) -> RateLimitItem:
    return RateLimitItem(window.pk, keys.rate_sk(window.limit.action, window_start(now, window.limit)))


def take(windows: Sequence[Window], now: datetime) -> int:
    """One slot of every window, or none: a conditional ``ADD`` each, in turn; when one is full,
    the slots already taken are given back and the answer is 429 with that window's wait.
    Returns the slots left in the fullest window.

    Each window is bounded atomically on its own, so concurrent requests cannot pass any of them.
    (Not one transaction: that costs twice the writes, and its all-or-none only hides the
    moment between a refused window and the give-back, which changes no outcome.)
    """
    taken: list[Window] = []
    left = min((window.limit.max_count for window in windows), default=0)
    for window in windows:
        expires = window_start(now, window.limit) + window.limit.window_seconds + 3600
        item = _window_item(window, now)
        try:
            item.update(
                actions=[RateLimitItem.hits.add(1), RateLimitItem.expires_at.set(expires)],
                condition=RateLimitItem.hits.does_not_exist() | (RateLimitItem.hits < window.limit.max_count),
            )
        except UpdateError as error:
            if not condition_failed(error):
                give_back(taken, now)
                raise
            give_back(taken, now)
            raise _too_many(now, window.limit) from None
        taken.append(window)
        left = min(left, window.limit.max_count - int(item.hits or 0))
    return max(0, left)


def give_back(windows: Sequence[Window], now: datetime) -> None:
    """Return slots :func:`take` held (one ``ADD -1`` each; never below zero)."""
    for window in windows:
        try:
            _window_item(window, now).update(actions=[RateLimitItem.hits.add(-1)], condition=RateLimitItem.hits > 0)
        except UpdateError as error:
            if not condition_failed(error):
                raise
