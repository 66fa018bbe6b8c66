"""``POST /me/erase``: the caller's login is disconnected and deleted, with the personal data the
program is not required to keep (the policy: :mod:`.sections`).

Resumable and idempotent, in three steps:

1. the erasable items of the partition are deleted in bounded batches (each one transaction of
   deletes, which are idempotent), while the login stays mapped: a request that stops here leaves
   the candidate mapped, and the same login asks again and finishes;
2. one transaction unmaps: deletes the login mapping (if it is still this candidate's), clears the
   login fields and the editable attributes on the profile (if it is still this login's), writes
   the login's ``ERASED`` marker and the audit item;
3. the identity provider's user is deleted (AdminDeleteUser). A request that fails here finds the
   login unmapped but marked ``ERASED`` the next time, and only repeats this step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.auth import Login
from certtrack.db import TableItem, condition_failed, raw_map
from certtrack.errors import Conflict, ServiceUnavailable, Unprocessable
from certtrack.identity import mapped_candidate_id, require_candidate_id
from certtrack.identity.models import CandidateItem, LoginMappingItem
from certtrack.privacy import logins
from certtrack.privacy.models import ERASE, ErasedLoginItem, PrivacyAuditItem, audit_item
from certtrack.privacy.sections import ERASABLE, section_of
from certtrack.program.catalog import load_catalog

CONFIRMATION = "ERASE"
# Deletes per transaction: small enough to stay far below DynamoDB's 100 items and 4 MB.
BATCH = 25


@dataclass(frozen=True)
class Erasure:
    candidate_id: str
    deleted: dict[str, int]  # what this request deleted, by export section (a retry: the rest)


def erase_login(login: Login, confirm: str, now: datetime) -> Erasure:
    if not logins.configured():
        raise ServiceUnavailable("Erasing a login is not available right now.", code="identity_unavailable")
    candidate_id = mapped_candidate_id(login)
    if candidate_id is None:
        erased = _erased_or_unmapped(login)
        _check_confirmation(confirm)
        logins.delete_user(login)  # step 3 of an earlier request that stopped after step 2
        return Erasure(erased.candidate_id, {})
    _check_confirmation(confirm)

    stored = list(db.query_partition_raw(keys.candidate_pk(candidate_id), consistent=True))
    erasable = [(raw["PK"]["S"], raw["SK"]["S"]) for raw in stored if db.item_type(raw["SK"]["S"]) in ERASABLE]
    for batch in batched(erasable, BATCH, strict=False):
        delete_batch(batch)
    deleted = Counter(section_of(db.item_type(sk)) for _, sk in erasable)
    profile = next(raw for raw in stored if raw["SK"]["S"] == keys.PROFILE)
    deleted["attributes"] = unmap(candidate_id, login, CandidateItem.from_raw_data(profile), deleted, now)
    logins.delete_user(login)
    return Erasure(candidate_id, {name: count for name, count in deleted.items() if count})


def _erased_or_unmapped(login: Login) -> ErasedLoginItem:
    """The marker of this unmapped login's erasure; 403 ``account_not_mapped`` when it has none."""
    erased = erased_login(login)
    if erased is None:
        require_candidate_id(login)  # raises: the answer of every /me route to an unmapped login
        raise Conflict("Your login was mapped meanwhile. Please try again.", code="concurrent_update")
    return erased


def _check_confirmation(confirm: str) -> None:
    if confirm != CONFIRMATION:
        raise Unprocessable(
            f"To erase your login, type {CONFIRMATION} in capital letters.",
            code="confirmation_required",
            extra={
                "errors": [
                    {"field": "confirm", "message": f"Type {CONFIRMATION} to confirm.", "type": "confirmation_required"}
                ]
            },
        )


def delete_batch(items: Sequence[tuple[str, str]]) -> None:
    """Step 1: one transaction deleting these items (deleting what is gone already is fine)."""
    with TransactWrite(connection=db.transactions_connection()) as transaction:
        for pk, sk in items:
            transaction.delete(TableItem(pk, sk))


def unmap(candidate_id: str, login: Login, profile: CandidateItem, deleted: Counter[str], now: datetime) -> int:
    """Step 2, one transaction; the number of editable attributes it cleared."""
    held = raw_map(profile.attributes)
    editable = [d.key for d in load_catalog().attributes if d.editable and held.get(d.key) not in (None, "")]
    attributes: Any = CandidateItem.attributes  # a raw map: ``[key]`` is a document path
    actions = [
        CandidateItem.login_sub.remove(),
        CandidateItem.login_username.remove(),
        CandidateItem.mapped_at.remove(),
        *(attributes[key].remove() for key in editable),
    ]
    counts = {**deleted, "attributes": len(editable)}
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.delete(
                LoginMappingItem(keys.login_pk(login.sub), keys.MAPPING),
                condition=LoginMappingItem.candidate_id == candidate_id,
            )
            transaction.update(
                CandidateItem(*CandidateItem.key(candidate_id)),
                actions=actions,
                condition=CandidateItem.login_sub == login.sub,
            )
            transaction.save(
                ErasedLoginItem(keys.login_pk(login.sub), keys.ERASED, candidate_id=candidate_id, erased_at=now)
            )
            transaction.save(
                audit_item(candidate_id, ERASE, login, now, counts), condition=PrivacyAuditItem.PK.does_not_exist()
            )
    except TransactWriteError as error:
        if condition_failed(error) and erased_login(login) is not None:
            return len(editable)  # a concurrent request of the same login unmapped it first
        if condition_failed(error):
            raise Conflict(
                "Your record changed while it was being erased. Please try again.", code="concurrent_update"
            ) from None
        raise
    return len(editable)


def erased_login(login: Login) -> ErasedLoginItem | None:
    try:
        return ErasedLoginItem.get(keys.login_pk(login.sub), keys.ERASED, consistent_read=True)
    except ErasedLoginItem.DoesNotExist:
        return None
