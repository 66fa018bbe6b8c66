"""When the expiry check must next look at a certification: GSI2 keys for its next due event.

Events of a certification period, in order: reminders 90, 30 and 7 days before the expiry, then
the expiry itself. The item carries the next one (``GSI2SK`` starts with its date); the expiry
check queries GSI2 by date range and moves the item on to the following event.
"""

from __future__ import annotations

from datetime import date, timedelta

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.settings import get_settings

REMINDER_DAYS = (90, 30, 7)
EXPIRE = "expire"


def events(expiration_date: str) -> list[tuple[str, str]]:
    """(kind, due date) of every event of a period: ``r90``, ``r30``, ``r7``, ``expire``."""
    expiry = date.fromisoformat(expiration_date)
    out = [(f"r{days}", (expiry - timedelta(days=days)).isoformat()) for days in REMINDER_DAYS]
    out.append((EXPIRE, expiry.isoformat()))
    return out


def set_due(item: CertificationItem, kind: str, due_date: str) -> None:
    shards = get_settings().due_shards
    item.GSI2PK = keys.due_shard(item.PK, item.SK, shards)
    item.GSI2SK = keys.due_sk(due_date, f"CERT:{kind}", item.PK, item.SK)


def clear_due(item: CertificationItem) -> None:
    item.GSI2PK = None
    item.GSI2SK = None


def schedule_period(item: CertificationItem) -> None:
    """Point an active certification at the first event of its current period (the 90-day reminder)."""
    if item.status != "active" or not item.expiration_date:
        clear_due(item)
        return
    kind, due_date = events(item.expiration_date)[0]
    set_due(item, kind, due_date)
