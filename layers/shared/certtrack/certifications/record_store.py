"""Where a candidate's certification records are kept: the reads and writes the records and
evaluation use cases need (:class:`RecordStore`), and their DynamoDB implementation
(:class:`DynamoRecordStore`; an in-memory one stands in for it in the unit tests).

A candidate's records are one partition, ``CAND#<id>``: read a slice of it with one Query
(:meth:`RecordStore.read`), write puts and deletes with BatchWriteItem, 25 a call
(:meth:`RecordStore.write`), three single-item updates: the next value of a sequence (expert
numbers), an attribute set once on the profile, and a manual grant on a certification; and the
expiry check's change of one due certification (:meth:`RecordStore.expire_certification`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal, Protocol

from pynamodb.exceptions import UpdateError

from certtrack import keys
from certtrack.certifications import due
from certtrack.certifications.models import (
    AgreementItem,
    CECreditItem,
    CertificationItem,
    CounterItem,
    ExamItem,
    HistoryItem,
)
from certtrack.db import TableItem, condition_failed, query_partition
from certtrack.identity.models import CandidateItem
from certtrack.program import rules

BATCH = 25  # items per BatchWriteItem call

# A pending write: put the item, or delete the item with its keys.
Write = tuple[Literal["put", "delete"], TableItem]


@dataclass
class Partition:
    """The certification records of one candidate, by item type."""

    candidate_id: str
    profile: CandidateItem | None = None
    exams: list[ExamItem] = field(default_factory=list)
    credits: list[CECreditItem] = field(default_factory=list)
    certifications: dict[str, CertificationItem] = field(default_factory=dict)
    history: list[HistoryItem] = field(default_factory=list)
    agreements: list[AgreementItem] = field(default_factory=list)

    @classmethod
    def of(cls, candidate_id: str, items: Iterable[TableItem]) -> Partition:
        """The partition holding ``items`` (in their order); items of other types are left out."""
        partition = cls(candidate_id)
        for item in items:
            match item:
                case CandidateItem():
                    partition.profile = item
                case CertificationItem():
                    partition.certifications[item.cert_id] = item
                case ExamItem():
                    partition.exams.append(item)
                case CECreditItem():
                    partition.credits.append(item)
                case HistoryItem():
                    partition.history.append(item)
                case AgreementItem():
                    partition.agreements.append(item)
        return partition


class RecordStore(Protocol):
    """What the records and evaluation use cases need from storage."""

    def read(
        self,
        candidate_id: str,
        *,
        prefix: str | None = None,
        between: tuple[str, str] | None = None,
        consistent: bool = False,
    ) -> Partition:
        """The candidate's items (all, an SK prefix, or SKs ``between`` two bounds), in SK order."""
        ...

    def write(self, writes: Sequence[Write]) -> int:
        """Puts and deletes in this order (no conditions; a key appears once); returns the calls made."""
        ...

    def next_number(self, name: str) -> int:
        """The next value of sequence ``name`` (1, 2, …), atomically."""
        ...

    def set_attribute(self, profile: CandidateItem, key: str, value: str) -> bool:
        """Set ``attributes.<key>`` on the stored profile unless it is set already; False when it
        was (a concurrent winner keeps its value) or the profile is gone."""
        ...

    def record_grant(self, candidate_id: str, cert_id: str, granted_on: date, until: date | None) -> None:
        """Write a manual grant on the certification record (created ``in_progress`` if absent)."""
        ...

    def expire_certification(
        self, candidate_id: str, cert_id: str, read_gsi2sk: str, expiry: date, now: datetime, event: HistoryItem
    ) -> bool:
        """Status ``expired`` and off the due index if the record is still at the index entry that
        was read, active and expiring on ``expiry``; then put its "Expired" ``event``. False (nothing
        written) when any of that no longer holds."""
        ...


class DynamoRecordStore:
    """:class:`RecordStore` on the table."""

    def read(
        self,
        candidate_id: str,
        *,
        prefix: str | None = None,
        between: tuple[str, str] | None = None,
        consistent: bool = False,
    ) -> Partition:
        pk = keys.candidate_pk(candidate_id)
        return Partition.of(candidate_id, query_partition(pk, prefix=prefix, between=between, consistent=consistent))

    def write(self, writes: Sequence[Write]) -> int:
        if not writes:
            return 0
        with TableItem.batch_write() as batch:
            for action, item in writes:
                if action == "put":
                    batch.save(item)
                else:
                    batch.delete(item)
        return (len(writes) + BATCH - 1) // BATCH

    def next_number(self, name: str) -> int:
        counter = CounterItem(keys.counter_pk(name), keys.COUNTER)
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def set_attribute(self, profile: CandidateItem, key: str, value: str) -> bool:
        item = CandidateItem(*CandidateItem.key(profile.candidate_id))
        attributes: Any = CandidateItem.attributes
        try:
            if profile.attributes is None:
                # read without the map: create it with this one attribute (someone may have meanwhile)
                try:
                    item.update(
                        actions=[CandidateItem.attributes.set({key: value})],
                        condition=CandidateItem.PK.exists() & CandidateItem.attributes.does_not_exist(),
                    )
                    return True
                except UpdateError as error:
                    if not condition_failed(error):
                        raise
            item.update(
                actions=[attributes[key].set(value)],
                condition=CandidateItem.PK.exists() & attributes[key].does_not_exist(),
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise
            return False
        return True

    def record_grant(self, candidate_id: str, cert_id: str, granted_on: date, until: date | None) -> None:
        item = CertificationItem(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id))
        actions: list[Any] = [
            CertificationItem.candidate_id.set(candidate_id),
            CertificationItem.cert_id.set(cert_id),
            CertificationItem.status.set(CertificationItem.status | rules.IN_PROGRESS),
            CertificationItem.granted_on.set(granted_on),
            CertificationItem.granted_until.set(until) if until else CertificationItem.granted_until.remove(),
        ]
        item.update(actions=actions)

    def expire_certification(
        self, candidate_id: str, cert_id: str, read_gsi2sk: str, expiry: date, now: datetime, event: HistoryItem
    ) -> bool:
        # Two single-item writes, not a transaction: the condition decides which run does the work,
        # and the event is the rules engine's own item, so a later evaluation writes it if it was lost.
        still_due = (
            due.still_at(CertificationItem, read_gsi2sk)
            & (CertificationItem.status == rules.ACTIVE)
            & (CertificationItem.expiration_date == expiry)
        )
        try:
            CertificationItem(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id)).update(
                actions=[
                    CertificationItem.status.set(rules.EXPIRED),
                    CertificationItem.updated_at.set(now),
                    CertificationItem.GSI2PK.remove(),
                    CertificationItem.GSI2SK.remove(),
                ],
                condition=still_due,
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise
            return False
        event.save()
        return True


@lru_cache(maxsize=1)
def dynamo_store() -> DynamoRecordStore:
    return DynamoRecordStore()
