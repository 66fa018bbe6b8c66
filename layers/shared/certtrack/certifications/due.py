"""When the expiry check must next look at a certification: GSI2 keys for its next due event.

Events of a certification period, in order: reminders 90, 30 and 7 days before the expiry, then
the expiry itself, due the day after the expiration date (a certification is valid through it:
:mod:`certtrack.program.standing`). The item carries the next one (``GSI2SK`` starts with its date); the expiry
check queries GSI2 by date range and moves the item on to the following event.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.db import TableItem, condition_failed
from certtrack.program.standing import first_day_expired, lapsed
from certtrack.settings import get_settings

REMINDER_DAYS = (90, 30, 7)
EXPIRE = "expire"


def events(expiration_date: date) -> list[tuple[str, date]]:
    """(kind, due date) of every event of a period: ``r90``, ``r30``, ``r7``, ``expire`` (the day after)."""
    out = [(f"r{days}", expiration_date - timedelta(days=days)) for days in REMINDER_DAYS]
    out.append((EXPIRE, first_day_expired(expiration_date)))
    return out


def set_due(item: CertificationItem, kind: str, due_date: date) -> None:
    item.GSI2PK, item.GSI2SK = due_keys(item.PK, item.SK, f"{CERT_KIND}{kind}", due_date)


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


# ---------------------------------------------------------------- reading the index back

CERT_KIND = "CERT:"
CE_INACTIVE = "CE:inactive"
TRANSCRIPT_EXPIRE = "TRANSCRIPT:expire"
ORDER_UNPAID = "ORDER:unpaid"
_REMINDER_KINDS = {f"r{days}": days for days in REMINDER_DAYS}


def due_keys(pk: str, sk: str, kind: str, due_date: date) -> tuple[str, str]:
    """(GSI2PK, GSI2SK) of an item with work of ``kind`` due on ``due_date`` (``YYYY-MM-DD`` in the key)."""
    return keys.due_shard(pk, sk, get_settings().due_shards), keys.due_sk(due_date.isoformat(), kind, pk, sk)


def parse_sk(gsi2sk: str) -> tuple[date, str]:
    """(due date, kind) of a GSI2 sort key (``<date>#<kind>#<PK>#<SK>``)."""
    due_date, kind, _ = gsi2sk.split("#", 2)
    return date.fromisoformat(due_date), kind


def implied_expiry(kind: str, due_date: date) -> date | None:
    """The expiration date a certification event was scheduled for (``CERT:r30`` on D → D + 30,
    ``CERT:expire`` on D → D - 1)."""
    name = kind.removeprefix(CERT_KIND)
    if name == EXPIRE:
        return due_date - timedelta(days=1)
    days = _REMINDER_KINDS.get(name)
    if days is None:
        return None
    return due_date + timedelta(days=days)


def plan(expiration_date: date, today: date) -> tuple[str | None, tuple[str, date] | None]:
    """What a certification needs today, and its next event after today.

    Returns (action, next): action is ``expire``, ``r7``/``r30``/``r90`` (the latest reminder
    whose date has come: a missed 90-day reminder is still sent before the 30-day mark, after it
    only the 30-day one) or None; next is (kind, date) of the first event after today, None once
    expired.
    """
    if lapsed(expiration_date, today):
        return EXPIRE, None
    action: str | None = None
    upcoming: tuple[str, date] | None = None
    for kind, due_date in events(expiration_date):
        if due_date <= today:
            action = kind
        elif upcoming is None:
            upcoming = (kind, due_date)
    return action, upcoming


def credit_due(pk: str, sk: str, inactive_date: date) -> tuple[str, str]:
    """GSI2 keys of an active CE credit: the check marks it inactive on its inactive date."""
    return due_keys(pk, sk, CE_INACTIVE, inactive_date)


def transcript_due(pk: str, sk: str, expires_on: date) -> tuple[str, str]:
    """GSI2 keys of a transcript: ``expires_on`` is the last day its link works, so due the day after."""
    return due_keys(pk, sk, TRANSCRIPT_EXPIRE, expires_on + timedelta(days=1))


def order_due(pk: str, sk: str, placed_on: date) -> tuple[str, str]:
    """GSI2 keys of an order awaiting payment, due from the day it was placed (``fulfillment.order_sweep``)."""
    return due_keys(pk, sk, ORDER_UNPAID, placed_on)


def still_at(model: type[TableItem], gsi2sk: str) -> Condition:
    """The condition of every expiry-check write: the item is still at the index entry that was read."""
    return model.GSI2SK == gsi2sk  # noqa: SIM300 - a PynamoDB condition, not a comparison


def take_off_index(item: TableItem, actions: list[Any], gsi2sk: str) -> bool:
    """Apply ``actions`` and take the item off the index, if it is still where the scan read it.

    False when it moved since (another run did the work, or it was rescheduled): nothing changed.
    """
    model = type(item)
    try:
        item.update(
            actions=[*actions, model.GSI2PK.remove(), model.GSI2SK.remove()],
            condition=still_at(model, gsi2sk),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        return False
    return True
