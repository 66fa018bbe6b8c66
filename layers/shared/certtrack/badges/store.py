"""Badges in the table: what a candidate was issued, the issued credentials, status indexes.

Access patterns (README): a candidate's badges are one Query of ``CAND#<id>`` with the ``BADGE#``
prefix; a public credential is one GetItem of ``CRED#<credential_id> / CREDENTIAL``; a status
index comes from the ``COUNTER#badge-status`` sequence (an atomic ADD: each index is handed out
once, and one whose issue fails is skipped, never reused).
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.badges.models import BadgeItem, CredentialItem
from certtrack.certifications.models import CertificationItem, CounterItem


def certifications_of(candidate_id: str) -> list[CertificationItem]:
    items = db.query_partition(keys.candidate_pk(candidate_id), prefix=keys.CERT_PREFIX)
    return [item for item in items if isinstance(item, CertificationItem)]


def badges_of(candidate_id: str, *, consistent: bool = False) -> list[BadgeItem]:
    items = db.query_partition(keys.candidate_pk(candidate_id), prefix=keys.BADGE_PREFIX, consistent=consistent)
    return [item for item in items if isinstance(item, BadgeItem)]


def credential(credential_id: str) -> CredentialItem | None:
    try:
        return CredentialItem.get(*CredentialItem.key(credential_id))
    except CredentialItem.DoesNotExist:
        return None


def allocate_status_index() -> int:
    """The next status index (0, 1, 2 …), from one atomic counter."""
    counter = CounterItem(keys.counter_pk(keys.BADGE_STATUS_COUNTER), keys.COUNTER)
    counter.update(actions=[CounterItem.value.add(1)])
    return int(counter.value) - 1


def save_issued(badge: BadgeItem, issued: CredentialItem, connection: Connection | None = None) -> bool:
    """Write the period's badge and its credential together; False if that period already has one."""
    try:
        with TransactWrite(connection=connection or db.transactions_connection()) as transaction:
            transaction.save(badge, condition=BadgeItem.SK.does_not_exist())
            transaction.save(issued, condition=CredentialItem.PK.does_not_exist())
    except TransactWriteError as error:
        if db.condition_failed(error):
            return False
        raise
    return True
