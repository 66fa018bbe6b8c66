"""Sending health: SES sends, bounces and complaints per UTC day; non-essential mail pauses when bad.

SES reviews an account whose bounce rate passes 5 % (and suspends it at 10 %) or whose complaint
rate passes 0.1 %: then nothing goes out, the mapping links and expiry reminders included. So mail
we can do without stops first. The configuration set publishes ``Send``, ``Bounce`` and
``Complaint`` events to SNS; the SES-events function counts them into one item per day
(``MAILSTATS / DAY#<date>``, UpdateItem ``ADD``, no scan), and a non-essential send reads today's
and yesterday's items (two GetItems) and is refused while, over those two days and with at least
:data:`MIN_SENDS` sends, permanent bounces reach :data:`MAX_BOUNCE_RATE` or complaints
:data:`MAX_COMPLAINT_RATE`.

Non-essential (:data:`NON_ESSENTIAL`): transcript shares, the one kind of mail that goes to
addresses a candidate typed for someone else (where bounces come from), and any marketing mail
(none is sent yet). Essential, never paused: mapping links and notices (someone is waiting for
them; they are bounded per login and per recipient), the "connected to a new login" security
notice, expiry reminders, order and shipping mail, congratulations — all to an address on file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from certtrack import keys
from certtrack.db import TableItem
from certtrack.errors import ServiceUnavailable

NON_ESSENTIAL = frozenset({"transcript_share"})
WINDOW_DAYS = 2  # today and yesterday: enough sends to judge, recent enough to recover
MIN_SENDS = 100  # below this a handful of bounces says little (and SES does not judge either)
MAX_BOUNCE_RATE = 0.04  # under SES's 5 % review threshold
MAX_COMPLAINT_RATE = 0.001  # SES's 0.1 % review threshold
RETENTION_DAYS = 14
PAUSE_RETRY_SECONDS = 3600

SENT, BOUNCED, COMPLAINED = "sent", "bounced", "complained"


class MailStatsItem(TableItem):
    """``MAILSTATS / DAY#<date>``: SES events of one UTC day (atomic ``ADD``; TTL after two weeks)."""

    day = UnicodeAttribute()
    sent = NumberAttribute(default=0)
    bounced = NumberAttribute(default=0)  # permanent bounces: what SES's bounce rate counts
    complained = NumberAttribute(default=0)


@dataclass(frozen=True)
class Health:
    sent: int
    bounced: int
    complained: int

    @property
    def bounce_rate(self) -> float:
        return self.bounced / self.sent if self.sent else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complained / self.sent if self.sent else 0.0

    @property
    def paused(self) -> bool:
        if self.sent < MIN_SENDS:
            return False
        return self.bounce_rate >= MAX_BOUNCE_RATE or self.complaint_rate >= MAX_COMPLAINT_RATE


def record(events: Iterable[tuple[str, str]], now: datetime) -> None:
    """Count ``(day, kind)`` events: one UpdateItem ``ADD`` per day touched."""
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, kind in events:
        per_day[day][kind] += 1
    expires = int((now + timedelta(days=RETENTION_DAYS)).timestamp())
    attributes = {SENT: MailStatsItem.sent, BOUNCED: MailStatsItem.bounced, COMPLAINED: MailStatsItem.complained}
    for day, counts in sorted(per_day.items()):
        actions = [attributes[kind].add(n) for kind, n in sorted(counts.items())]
        MailStatsItem(keys.MAILSTATS_PK, keys.mailstats_sk(day)).update(
            actions=[*actions, MailStatsItem.day.set(day), MailStatsItem.expires_at.set(expires)]
        )


def health(now: datetime) -> Health:
    """Sends, bounces and complaints of the last :data:`WINDOW_DAYS` UTC days (one GetItem each)."""
    sent = bounced = complained = 0
    for offset in range(WINDOW_DAYS):
        day = (now.date() - timedelta(days=offset)).isoformat()
        try:
            item = MailStatsItem.get(keys.MAILSTATS_PK, keys.mailstats_sk(day))
        except MailStatsItem.DoesNotExist:
            continue
        sent, bounced, complained = (
            sent + int(item.sent or 0),
            bounced + int(item.bounced or 0),
            complained + int(item.complained or 0),
        )
    return Health(sent, bounced, complained)


def ensure_may_send(template: str, now: datetime) -> None:
    """503 ``email_paused`` for non-essential mail while the sending health is bad; essential mail passes."""
    if template not in NON_ESSENTIAL:
        return
    if health(now).paused:
        raise ServiceUnavailable(
            "Sharing by email is paused for a while to protect delivery of account mail; "
            "share the link instead, or retry later.",
            code="email_paused",
            headers={"Retry-After": str(PAUSE_RETRY_SECONDS)},
        )
