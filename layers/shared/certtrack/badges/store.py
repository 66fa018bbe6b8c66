"""Badges in the table: what a candidate was issued, the issued credentials, status indexes.

Access patterns (README): a candidate's badges are one Query of ``CAND#<id>`` with the ``BADGE#``
prefix; a public credential is one GetItem of ``CRED#<credential_id> / CREDENTIAL``; a status
index comes from the ``COUNTER#badge-status`` sequence (an atomic ADD: each index is handed out
once, and one whose issue fails is skipped, never reused); a status list is one Query of
``STATUSLIST#<list_id>`` (≤ 16 chunks), one bit a GetItem of its chunk; a status change is one
transaction: the chunk's number set ``ADD``/``DELETE`` and the badge's flag, conditioned on the
flag it replaces.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.badges.credential import PURPOSES, STATUS_LIST_SIZE, status_list_id
from certtrack.badges.models import BadgeItem, CredentialItem, StatusChunkItem
from certtrack.certifications.models import CertificationItem, CounterItem


def certifications_of(candidate_id: str) -> list[CertificationItem]:
    items = db.query_partition(keys.candidate_pk(candidate_id), prefix=keys.CERT_PREFIX)
    return [item for item in items if isinstance(item, CertificationItem)]


def badges_of(candidate_id: str, *, cert_id: str | None = None, consistent: bool = False) -> list[BadgeItem]:
    """The candidate's badges (of one certification with ``cert_id``): one Query."""
    prefix = keys.badge_sk(cert_id, "") if cert_id else keys.BADGE_PREFIX
    items = db.query_partition(keys.candidate_pk(candidate_id), prefix=prefix, consistent=consistent)
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


CHUNK_SIZE = 8_192


def status_positions(list_id: str) -> set[int]:
    """The set positions of one status list."""
    positions: set[int] = set()
    for item in db.query_partition(keys.status_list_pk(list_id), prefix=keys.STATUS_CHUNK_PREFIX):
        if isinstance(item, StatusChunkItem) and item.positions:
            positions |= {int(p) for p in item.positions}
    return positions


def status_bit(list_id: str, position: int) -> bool:
    """One bit of one status list: a GetItem of its chunk."""
    try:
        chunk = StatusChunkItem.get(keys.status_list_pk(list_id), keys.status_chunk_sk(position // CHUNK_SIZE))
    except StatusChunkItem.DoesNotExist:
        return False
    return position in {int(p) for p in chunk.positions or ()}


def set_status(badge: BadgeItem, *, revoked: bool, suspended: bool) -> bool:
    """Set or clear the badge's bits in its revocation and suspension lists, with its flags;
    False if another writer changed the flags first (nothing is written then)."""
    wanted = {"revocation": revoked, "suspension": suspended}
    flags = {"revocation": BadgeItem.revoked, "suspension": BadgeItem.suspended}
    current = {"revocation": bool(badge.revoked), "suspension": bool(badge.suspended)}
    changed = [purpose for purpose in PURPOSES if wanted[purpose] != current[purpose]]
    if not changed:
        return True
    position = int(badge.status_index) % STATUS_LIST_SIZE
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            for purpose in changed:
                chunk = StatusChunkItem(
                    keys.status_list_pk(status_list_id(purpose, int(badge.status_index))),
                    keys.status_chunk_sk(position // CHUNK_SIZE),
                )
                bit = StatusChunkItem.positions
                transaction.update(chunk, actions=[bit.add({position}) if wanted[purpose] else bit.delete({position})])
            condition = None
            for purpose in changed:
                held = flags[purpose] == current[purpose]
                if not current[purpose]:
                    held = held | flags[purpose].does_not_exist()
                condition = held if condition is None else condition & held
            transaction.update(
                badge, actions=[flags[purpose].set(wanted[purpose]) for purpose in changed], condition=condition
            )
    except TransactWriteError as error:
        if db.condition_failed(error):
            return False
        raise
    badge.revoked, badge.suspended = revoked, suspended
    return True
