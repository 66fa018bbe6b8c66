"""In-memory stand-ins for what the records and evaluation use cases talk to: the record store and
the mail sender. No AWS anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from certtrack import keys
from certtrack.certifications.models import CertificationItem, HistoryItem
from certtrack.certifications.record_store import Partition, Write
from certtrack.db import TableItem, item_type, raw_map
from certtrack.errors import ServiceUnavailable
from certtrack.identity.models import CandidateItem
from certtrack.program import rules


def _copy(item: TableItem) -> TableItem:
    """The item as stored and read back: serialised (as a put would, so a wrong type fails here as
    it would against DynamoDB) and rebuilt as the model its sort key names."""
    data = item.serialize()
    return item_type(item.SK).from_raw_data(data)


@dataclass
class InMemoryRecordStore:
    """``RecordStore`` over a dict of items by (PK, SK), read back in sort-key order like a Query."""

    items: dict[tuple[str, str], TableItem] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    reads: list[dict[str, Any]] = field(default_factory=list)  # each read's arguments, in order
    write_calls: int = 0

    def add(self, *items: TableItem) -> None:
        """Store items as the imports or another feature would have written them."""
        for item in items:
            self.items[(item.PK, item.SK)] = _copy(item)

    def get(self, pk: str, sk: str) -> TableItem | None:
        item = self.items.get((pk, sk))
        return None if item is None else _copy(item)

    def certification(self, candidate_id: str, cert_id: str) -> CertificationItem:
        item = self.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id))
        assert isinstance(item, CertificationItem), f"no {cert_id} record"
        return item

    def read(
        self,
        candidate_id: str,
        *,
        prefix: str | None = None,
        between: tuple[str, str] | None = None,
        consistent: bool = False,
    ) -> Partition:
        self.reads.append({"candidate_id": candidate_id, "prefix": prefix, "between": between})
        pk = keys.candidate_pk(candidate_id)

        def wanted(sk: str) -> bool:
            if prefix is not None:
                return sk.startswith(prefix)
            if between is not None:
                return between[0] <= sk <= between[1]
            return True

        chosen = sorted((sk, item) for (p, sk), item in self.items.items() if p == pk and wanted(sk))
        return Partition.of(candidate_id, (_copy(item) for _, item in chosen))

    def write(self, writes: Sequence[Write]) -> int:
        for action, item in writes:
            if action == "put":
                self.items[(item.PK, item.SK)] = _copy(item)
            else:
                self.items.pop((item.PK, item.SK), None)
        calls = (len(writes) + 24) // 25
        self.write_calls += calls
        return calls

    def next_number(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def set_attribute(self, profile: CandidateItem, key: str, value: str) -> bool:
        stored = self.get(*CandidateItem.key(profile.candidate_id))
        if not isinstance(stored, CandidateItem):
            return False
        attributes = raw_map(stored.attributes)
        if key in attributes:
            return False
        attributes[key] = value
        stored.attributes = attributes  # type: ignore[assignment]  # a raw map, as the update writes it
        self.add(stored)
        return True

    def record_grant(self, candidate_id: str, cert_id: str, granted_on: date, until: date | None) -> None:
        pk, sk = keys.candidate_pk(candidate_id), keys.cert_sk(cert_id)
        stored = self.get(pk, sk)
        item = stored if isinstance(stored, CertificationItem) else CertificationItem(pk, sk, status=rules.IN_PROGRESS)
        item.candidate_id, item.cert_id = candidate_id, cert_id
        item.granted_on, item.granted_until = granted_on, until
        self.add(item)

    def expire_certification(
        self, candidate_id: str, cert_id: str, read_gsi2sk: str, expiry: date, now: datetime, event: HistoryItem
    ) -> bool:
        stored = self.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id))
        if not isinstance(stored, CertificationItem):
            return False
        if (stored.GSI2SK, stored.status, stored.expiration_date) != (read_gsi2sk, rules.ACTIVE, expiry):
            return False
        stored.status, stored.updated_at = rules.EXPIRED, now
        stored.GSI2PK = stored.GSI2SK = None
        self.add(stored, event)
        return True


@dataclass
class Outbox:
    """The mail sender: records each message; ``refuse`` makes the next sends fail as SES does."""

    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    refuse: int = 0

    def __call__(self, to: str, template: str, context: dict[str, Any]) -> object:
        if self.refuse:
            self.refuse -= 1
            raise ServiceUnavailable("Email could not be sent.", code="email_unavailable")
        self.sent.append((to, template, dict(context)))
        return "message-id"

    def templates(self) -> list[str]:
        return [template for _, template, _ in self.sent]
